package clientsim

import (
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/updatexml"
)

// cachedUpdate is one revision the agent received, with what it learnt of
// it: the Core fragment's evaluation from SyncUpdates and the titles and
// files from GetExtendedUpdateInfo.
type cachedUpdate struct {
	rev          int32
	id           updatexml.Identity
	core         *updatexml.Core // nil when the fragment did not parse
	isLeaf       bool
	action       string // deployment action
	updateType   string
	categoryType string
	// installed and installable are the evaluated rules; problem, when
	// set, says why they could not be evaluated (the update then counts as
	// neither installed nor applicable).
	installed   bool
	installable bool
	evaluated   bool
	problem     *UnknownRule
	problemHR   HResult // WU_E_EE_* of problem, for the log
	// From GetExtendedUpdateInfo: title (and the rank of its locale in the
	// request, lower is better), KB article, file digests.
	title     string
	titleRank int
	kb        string
	digests   []string
}

// updateCache is the agent's store of received revisions, the
// equivalent of WUA's datastore for one service. Iteration follows arrival
// order so that every output is deterministic.
type updateCache struct {
	byRev map[int32]*cachedUpdate
	byID  map[string]*cachedUpdate // lower-case update GUID
	order []int32
}

func newUpdateCache() *updateCache {
	return &updateCache{byRev: map[int32]*cachedUpdate{}, byID: map[string]*cachedUpdate{}}
}

// evaluateUpdateInfo decodes one UpdateInfo of a SyncUpdates answer and
// evaluates its Core fragment against m, as the agent does on receipt:
// non-leaf updates (categories, detectoids) by IsInstalled alone, a
// category without rules counting as installed; leaf updates by IsInstalled
// and, when not installed, IsInstallable (absent means true). A rule the
// evaluator does not know, or a malformed one, is never guessed: the update
// gets a problem and counts as not installed and not applicable.
func evaluateUpdateInfo(info *clientws.UpdateInfo, m updatexml.Machine) *cachedUpdate {
	u := &cachedUpdate{rev: info.ID, isLeaf: info.IsLeaf}
	if info.Deployment != nil {
		u.action = string(info.Deployment.Action)
	}
	core, err := parseCoreShared(info.Xml)
	if err != nil {
		u.problem = &UnknownRule{RevisionID: info.ID, Rule: "Core", Error: err.Error()}
		u.problemHR = HRInvalidExpression
		return u
	}
	u.core = core
	u.id = core.Identity
	u.id.UpdateID = strings.ToLower(u.id.UpdateID)
	u.updateType = core.UpdateType
	for _, a := range core.Properties {
		if a.Name == "CategoryType" {
			u.categoryType = a.Value
		}
	}
	eval := func(name string, r *updatexml.Rule) (bool, bool) {
		v, err := updatexml.Evaluate(r, m)
		if err != nil {
			u.problem = &UnknownRule{RevisionID: info.ID, UpdateID: u.id.UpdateID, Rule: name, Error: err.Error()}
			u.problemHR = HRInvalidExpression
			if errors.Is(err, updatexml.ErrUnknownRule) {
				u.problemHR = HRUnknownExpression
			}
			return false, false
		}
		return v, true
	}
	u.evaluated = true
	switch {
	case !u.isLeaf:
		if core.IsInstalled == nil {
			u.installed = core.UpdateType == updatexml.UpdateTypeCategory
			u.evaluated = false
			return u
		}
		u.installed, _ = eval("IsInstalled", core.IsInstalled)
	default:
		if core.IsInstalled != nil {
			v, ok := eval("IsInstalled", core.IsInstalled)
			if !ok {
				return u
			}
			u.installed = v
		}
		if u.installed {
			return u
		}
		u.installable = true
		if core.IsInstallable != nil {
			v, ok := eval("IsInstallable", core.IsInstallable)
			u.installable = ok && v
		}
	}
	return u
}

// add stores u, replacing an earlier copy of the same revision.
func (c *updateCache) add(u *cachedUpdate) {
	if old, ok := c.byRev[u.rev]; ok {
		// A changed update keeps what GetExtendedUpdateInfo told.
		u.title, u.titleRank, u.kb, u.digests = old.title, old.titleRank, old.kb, old.digests
		if old.id.UpdateID != "" && c.byID[old.id.UpdateID] == old {
			delete(c.byID, old.id.UpdateID)
		}
	} else {
		c.order = append(c.order, u.rev)
	}
	c.byRev[u.rev] = u
	if u.id.UpdateID != "" {
		c.byID[u.id.UpdateID] = u
	}
}

// remove drops revisions the server says are out of scope.
func (c *updateCache) remove(revs []int32) {
	drop := map[int32]bool{}
	for _, r := range revs {
		if u, ok := c.byRev[r]; ok {
			drop[r] = true
			if c.byID[u.id.UpdateID] == u {
				delete(c.byID, u.id.UpdateID)
			}
			delete(c.byRev, r)
		}
	}
	if len(drop) > 0 {
		c.order = slices.DeleteFunc(c.order, func(r int32) bool { return drop[r] })
	}
}

func (c *updateCache) all() []*cachedUpdate {
	out := make([]*cachedUpdate, 0, len(c.order))
	for _, r := range c.order {
		out = append(out, c.byRev[r])
	}
	return out
}

// syncIDs returns InstalledNonLeafUpdateIDs (non-leaf revisions evaluated
// installed) and OtherCachedUpdateIDs (every other revision received),
// each sorted ascending as the captured requests are.
func (c *updateCache) syncIDs() (installed, other []int32) {
	installed, other = []int32{}, []int32{}
	for _, u := range c.all() {
		if !u.isLeaf && u.installed && u.problem == nil {
			installed = append(installed, u.rev)
		} else {
			other = append(other, u.rev)
		}
	}
	slices.Sort(installed)
	slices.Sort(other)
	return installed, other
}

// bundledChildren returns the update GUIDs that some cached update bundles.
func (c *updateCache) bundledChildren() map[string]bool {
	out := map[string]bool{}
	for _, u := range c.byRev {
		if u.core == nil {
			continue
		}
		for _, id := range u.core.BundledUpdates {
			out[strings.ToLower(id.UpdateID)] = true
		}
	}
	return out
}

// found returns the updates the search finds: leaves that are not a
// bundle's child, evaluated without problem, not installed and
// installable. A bundle without an IsInstalled rule of its own is installed
// when all its children are.
func (c *updateCache) found() []*cachedUpdate {
	children := c.bundledChildren()
	var out []*cachedUpdate
	for _, u := range c.all() {
		if !u.isLeaf || u.problem != nil || u.core == nil || children[u.id.UpdateID] ||
			u.action == string(clientws.DeploymentActionBundle) {
			continue
		}
		installed := u.installed
		if u.core.IsInstalled == nil && len(u.core.BundledUpdates) > 0 {
			installed = true
			for _, id := range u.core.BundledUpdates {
				child := c.byID[strings.ToLower(id.UpdateID)]
				if child == nil || child.problem != nil || !child.installed {
					installed = false
				}
			}
		}
		if installed || !u.installable {
			continue
		}
		out = append(out, u)
	}
	return out
}

// categoryCount is the number of installed categories the cache holds.
func (c *updateCache) categoryCount() int {
	n := 0
	for _, u := range c.byRev {
		if u.updateType == updatexml.UpdateTypeCategory && u.installed {
			n++
		}
	}
	return n
}

// evaluatedCount is the number of updates whose rules were evaluated.
func (c *updateCache) evaluatedCount() int {
	n := 0
	for _, u := range c.byRev {
		if u.evaluated {
			n++
		}
	}
	return n
}

// categoriesOf returns the cached categories u names as category
// prerequisites (product and classification).
func (c *updateCache) categoriesOf(u *cachedUpdate) []*cachedUpdate {
	var out []*cachedUpdate
	if u.core == nil {
		return nil
	}
	for _, p := range u.core.Prerequisites {
		if !p.IsCategory {
			continue
		}
		for _, id := range p.AnyOf {
			if cat := c.byID[strings.ToLower(id.UpdateID)]; cat != nil && cat.updateType == updatexml.UpdateTypeCategory {
				out = append(out, cat)
			}
		}
	}
	return out
}

// extendedTargets returns the revisions GetExtendedUpdateInfo is asked
// about: the found updates, then the categories they belong to (so that the
// classification has a title), each once and only if not yet described.
func (c *updateCache) extendedTargets(found []*cachedUpdate) []int32 {
	seen := map[int32]bool{}
	var out []int32
	add := func(u *cachedUpdate) {
		if !seen[u.rev] && u.title == "" {
			seen[u.rev] = true
			out = append(out, u.rev)
		}
	}
	for _, u := range found {
		add(u)
	}
	for _, u := range found {
		for _, cat := range c.categoriesOf(u) {
			add(cat)
		}
	}
	return out
}

var kbInTitle = regexp.MustCompile(`\bKB(\d{5,7})\b`)

// applyExtended stores what one GetExtendedUpdateInfo answer tells: the
// Extended fragment (KB article, file digests) and the LocalizedProperties
// fragment in the best of locales. A fragment that does not parse is
// returned as an error naming the revision; the rest is still applied.
func (c *updateCache) applyExtended(info *clientws.ExtendedUpdateInfo, locales []string) error {
	if info == nil {
		return nil
	}
	if info.OutOfScopeRevisionIDs != nil {
		c.remove(info.OutOfScopeRevisionIDs.Int)
	}
	if info.Updates == nil {
		return nil
	}
	var errs []error
	for _, d := range info.Updates.Update {
		if d == nil {
			continue
		}
		u := c.byRev[d.ID]
		if u == nil {
			continue
		}
		frag := strings.TrimSpace(d.Xml)
		switch {
		case strings.HasPrefix(frag, "<ExtendedProperties"):
			e, err := parseExtendedShared(frag)
			if err != nil {
				errs = append(errs, fmt.Errorf("revision %d: %w", d.ID, err))
				continue
			}
			if e.KBArticleID != "" {
				u.kb = strings.TrimPrefix(strings.ToUpper(e.KBArticleID), "KB")
			}
			u.digests = u.digests[:0]
			for _, f := range e.Files {
				u.digests = append(u.digests, f.Digest)
			}
		case strings.HasPrefix(frag, "<LocalizedProperties"):
			l, err := parseLocalizedShared(frag)
			if err != nil {
				errs = append(errs, fmt.Errorf("revision %d: %w", d.ID, err))
				continue
			}
			rank := len(locales)
			for i, loc := range locales {
				if strings.EqualFold(loc, l.Language) {
					rank = i
					break
				}
			}
			if u.title == "" || rank < u.titleRank {
				u.title, u.titleRank = l.Title, rank
			}
		}
	}
	for _, u := range c.byRev {
		if u.kb == "" {
			if m := kbInTitle.FindStringSubmatch(u.title); m != nil {
				u.kb = m[1]
			}
		}
	}
	return errors.Join(errs...)
}

// classification returns the title of u's classification category.
func (c *updateCache) classification(u *cachedUpdate) string {
	for _, cat := range c.categoriesOf(u) {
		if cat.categoryType == "UpdateClassification" && cat.title != "" {
			return cat.title
		}
	}
	return ""
}

// fileDigests returns the raw SHA-1 digests of every file the cache knows,
// for GetFileLocations.
func (c *updateCache) fileDigests() []clientws.Base64Binary {
	var out []clientws.Base64Binary
	seen := map[string]bool{}
	for _, u := range c.all() {
		for _, d := range u.digests {
			if seen[d] {
				continue
			}
			seen[d] = true
			if raw, err := base64.StdEncoding.DecodeString(d); err == nil {
				out = append(out, raw)
			}
		}
	}
	return out
}

// identities returns the UpdateIdentity of every cached revision, for
// RefreshCache.
func (c *updateCache) identities() []*clientws.UpdateIdentity {
	var out []*clientws.UpdateIdentity
	for _, u := range c.all() {
		if u.id.UpdateID == "" {
			continue
		}
		out = append(out, &clientws.UpdateIdentity{UpdateID: clientws.Guid(u.id.UpdateID), RevisionNumber: int32(u.id.RevisionNumber)})
	}
	return out
}

// remap applies a RefreshCache answer: each cached revision the server
// still knows gets the revision ID it has there; the others are dropped,
// as after a server change the old IDs mean nothing.
func (c *updateCache) remap(results []*clientws.RefreshCacheResult) {
	next := newUpdateCache()
	for _, r := range results {
		if r == nil || r.GlobalID == nil {
			continue
		}
		u := c.byID[strings.ToLower(string(r.GlobalID.UpdateID))]
		if u == nil || int32(u.id.RevisionNumber) != r.GlobalID.RevisionNumber {
			continue
		}
		cp := *u
		cp.rev = r.RevisionID
		if r.Deployment != nil {
			cp.action = string(r.Deployment.Action)
		}
		next.add(&cp)
	}
	*c = *next
}
