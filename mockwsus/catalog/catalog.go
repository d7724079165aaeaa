// Package catalog is the WSUS server's update catalog: categories (product
// families, products, classifications), detectoids, software updates and
// their bundles, prerequisites and supersedence; computer target groups; and
// approvals, stored as deployment rows the way the WSUS database stores them.
//
// Rows are not unique per (revision, group): the catalog can hold the
// inconsistent double approval that an Office 2003 Service Pack 1 revision
// left in some WSUS 3.0 databases (Security Advisory 954960). Approve and
// Decline, the admin operations, always leave at most one row per
// (revision, group), which is why the advisory's workaround (decline,
// approve, decline) repairs the data.
package catalog

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/wsusmock/wsusmock/updatexml"
)

// Update types, as the Core fragment's Properties/@UpdateType names them.
const (
	TypeCategory  = "Category"
	TypeDetectoid = "Detectoid"
	TypeSoftware  = "Software"
)

// Category kinds (the CategoryType of a Category update).
const (
	CategoryCompany        = "Company"
	CategoryProductFamily  = "ProductFamily"
	CategoryProduct        = "Product"
	CategoryClassification = "UpdateClassification"
)

// Well-known target groups. Every computer is in All Computers; one not
// assigned elsewhere is in Unassigned Computers.
const (
	GroupAllComputers        = "a0a08746-4dbe-4a37-9adf-9e7652c0b421"
	GroupUnassignedComputers = "b73ca6ed-5727-47f3-84de-015e03f6a88a"
)

// Action is a deployment action (MS-WUSP DeploymentAction).
type Action string

// Deployment actions.
const (
	ActionInstall            Action = "Install"
	ActionUninstall          Action = "Uninstall"
	ActionPreDeploymentCheck Action = "PreDeploymentCheck"
	ActionBlock              Action = "Block"
	ActionEvaluate           Action = "Evaluate"
	ActionBundle             Action = "Bundle"
	ActionOptionalInstall    Action = "OptionalInstall"
)

// ParseAction parses an approval action as the admin API and scenarios give
// it. Only actions an administrator can choose are accepted.
func ParseAction(s string) (Action, error) {
	for _, a := range []Action{ActionInstall, ActionUninstall, ActionPreDeploymentCheck, ActionBlock, ActionOptionalInstall} {
		if strings.EqualFold(s, string(a)) {
			return a, nil
		}
	}
	return "", fmt.Errorf("catalog: unknown approval action %q (want Install, Uninstall, OptionalInstall, PreDeploymentCheck or Block)", s)
}

// File is a payload file of an update, served under /Content/.
type File struct {
	Name string
	// SHA1 is the file's digest; the content URL is derived from it.
	SHA1 []byte
	Data []byte
	// Modified is the file's modification time in the Extended fragment.
	Modified time.Time
}

// Update is one revision of an update. The catalog holds the current
// revision of each update.
type Update struct {
	// ID is the update GUID, fixed at publication.
	ID string
	// RevisionNumber increments when the update is republished.
	RevisionNumber int
	// RevisionID is the server-local revision ID, what the sync protocol
	// talks in.
	RevisionID int32
	// Type is TypeCategory, TypeDetectoid or TypeSoftware.
	Type string
	// CategoryType is set for categories.
	CategoryType string
	Title        string
	Description  string
	KB           string
	// Prerequisites are other updates, by GUID: each entry is satisfied by
	// any one of its IDs (several make an AtLeastOne). IsCategory marks the
	// product/classification groups.
	Prerequisites []Prerequisite
	// Bundled lists the GUIDs of the updates this one bundles.
	Bundled []string
	// Supersedes lists GUIDs of updates this one supersedes.
	Supersedes []string
	// IsInstalled and IsInstallable are the applicability rules; nil means
	// absent from the fragment.
	IsInstalled   *updatexml.Rule
	IsInstallable *updatexml.Rule
	Files         []File
	// Created is when the revision was published (LastChangeTime of implicit
	// Evaluate deployments).
	Created time.Time

	core string
	// seq is the update's position in the catalog: candidates found through
	// the indexes are sent in this order, as a catalog walk would.
	seq int
}

// Prerequisite is satisfied by any one of AnyOf.
type Prerequisite struct {
	AnyOf      []string
	IsCategory bool
}

// IsLeaf reports whether u is a leaf update (one that is deployed to be
// installed) rather than a category or detectoid that only gates others.
func (u *Update) IsLeaf() bool { return u.Type == TypeSoftware }

// Core returns u's Core fragment, rendered once when the catalog was built.
func (u *Update) Core() string { return u.core }

// Group is a computer target group.
type Group struct {
	ID   string
	Name string
}

// Deployment is one approval row: one revision deployed to one group.
type Deployment struct {
	ID         int32      `json:"id"`
	RevisionID int32      `json:"revisionId"`
	GroupID    string     `json:"groupId"`
	Action     Action     `json:"action"`
	Deadline   *time.Time `json:"deadline,omitempty"`
	// LastChange is when the approval was made.
	LastChange time.Time `json:"lastChange"`
	// DownloadPriority is 0 (normal), 1 (high) or -1 (low).
	DownloadPriority int `json:"downloadPriority"`
	// IsAssigned is true for approvals made by an administrator and for the
	// implicit Evaluate deployment of categories and detectoids.
	IsAssigned bool `json:"isAssigned"`
}

// Errors of catalog look-ups and admin operations.
var (
	ErrUnknownUpdate = errors.New("catalog: unknown update")
	ErrUnknownGroup  = errors.New("catalog: unknown target group")
)

// Catalog is the server's update catalog. It is safe for concurrent use:
// reads take a read lock, admin operations a write lock.
type Catalog struct {
	mu          sync.RWMutex
	updates     []*Update // in insertion order
	byID        map[string]*Update
	byRevision  map[int32]*Update
	groups      []Group
	deployments []Deployment
	// rows indexes deployments by revision; rebuilt on every change of
	// approvals (rare) so that a sync (frequent) never scans all rows.
	rows       map[int32][]Deployment
	nextDeploy int32
	declined   map[int32]bool
	// version counts changes to approvals, so a cookie can tell whether the
	// groups' deployments changed since a computer's last sync.
	version uint64
	// digest maps a hex SHA-1 to its file, for /Content/.
	files map[string]*File
	// roots are the updates without prerequisites; dependents maps an update
	// GUID to the updates that name it as a prerequisite. A sync starts from
	// them, so its cost follows what the client has installed, not the size
	// of the catalog.
	roots      []*Update
	dependents map[string][]*Update
	// eligible caches View.Eligible per installed set (reach.go).
	eligible eligibleCache
}

// New returns an empty catalog with the two built-in groups.
func New() *Catalog {
	return &Catalog{
		byID:       map[string]*Update{},
		byRevision: map[int32]*Update{},
		groups: []Group{
			{ID: GroupAllComputers, Name: "All Computers"},
			{ID: GroupUnassignedComputers, Name: "Unassigned Computers"},
		},
		nextDeploy: 1,
		rows:       map[int32][]Deployment{},
		declined:   map[int32]bool{},
		files:      map[string]*File{},
		dependents: map[string][]*Update{},
	}
}

// Add inserts an update. Its GUID and revision ID must be new; its
// prerequisites and bundled updates must already be in the catalog, so a
// catalog is always closed under its relationships.
func (c *Catalog) Add(u *Update) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if u.ID == "" || u.RevisionID <= 0 {
		return fmt.Errorf("catalog: update %q needs a GUID and a positive revision ID", u.Title)
	}
	if _, dup := c.byID[u.ID]; dup {
		return fmt.Errorf("catalog: update %s (%s) added twice", u.ID, u.Title)
	}
	if other, dup := c.byRevision[u.RevisionID]; dup {
		return fmt.Errorf("catalog: revision ID %d of %q is already used by %q", u.RevisionID, u.Title, other.Title)
	}
	switch u.Type {
	case TypeCategory, TypeDetectoid, TypeSoftware:
	default:
		return fmt.Errorf("catalog: update %q has unknown type %q", u.Title, u.Type)
	}
	for _, p := range u.Prerequisites {
		for _, id := range p.AnyOf {
			if _, ok := c.byID[id]; !ok {
				return fmt.Errorf("catalog: prerequisite %s of %q: %w", id, u.Title, ErrUnknownUpdate)
			}
		}
	}
	for _, id := range u.Bundled {
		if _, ok := c.byID[id]; !ok {
			return fmt.Errorf("catalog: bundled update %s of %q: %w", id, u.Title, ErrUnknownUpdate)
		}
	}
	u.core = c.renderCoreLocked(u)
	u.seq = len(c.updates)
	c.eligible.reset()
	if len(u.Prerequisites) == 0 {
		c.roots = append(c.roots, u)
	}
	seen := map[string]bool{}
	for _, p := range u.Prerequisites {
		for _, id := range p.AnyOf {
			if !seen[id] {
				seen[id] = true
				c.dependents[id] = append(c.dependents[id], u)
			}
		}
	}
	c.updates = append(c.updates, u)
	c.byID[u.ID] = u
	c.byRevision[u.RevisionID] = u
	for i := range u.Files {
		f := &u.Files[i]
		c.files[fmt.Sprintf("%x", f.SHA1)] = f
	}
	if !u.IsLeaf() {
		// Categories and detectoids are deployed implicitly to every computer
		// with action Evaluate: the client evaluates them to scope the leaves.
		c.deployments = append(c.deployments, Deployment{
			ID: c.nextDeploy, RevisionID: u.RevisionID, GroupID: GroupAllComputers,
			Action: ActionEvaluate, LastChange: u.Created, IsAssigned: true,
		})
		c.nextDeploy++
		c.reindexRevisionLocked(u.RevisionID)
	}
	return nil
}

// reindexRevisionLocked rebuilds the index entry of one revision after its
// rows changed, keeping storage order. Only that revision's rows are
// touched, so building a large catalog row by row stays linear.
// c.mu must be held for writing.
func (c *Catalog) reindexRevisionLocked(rev int32) {
	var rows []Deployment
	for _, d := range c.deployments {
		if d.RevisionID == rev {
			rows = append(rows, d)
		}
	}
	if len(rows) == 0 {
		delete(c.rows, rev)
		return
	}
	c.rows[rev] = rows
}

func (c *Catalog) identity(id string) updatexml.Identity {
	u := c.byID[id]
	return updatexml.Identity{UpdateID: u.ID, RevisionNumber: u.RevisionNumber}
}

func (c *Catalog) renderCoreLocked(u *Update) string {
	core := updatexml.Core{
		Identity:      updatexml.Identity{UpdateID: u.ID, RevisionNumber: u.RevisionNumber},
		UpdateType:    u.Type,
		IsInstalled:   u.IsInstalled,
		IsInstallable: u.IsInstallable,
	}
	if u.CategoryType != "" {
		core.Properties = append(core.Properties, updatexml.Attr{Name: "CategoryType", Value: u.CategoryType})
	}
	for _, p := range u.Prerequisites {
		var pre updatexml.Prerequisite
		for _, id := range p.AnyOf {
			pre.AnyOf = append(pre.AnyOf, updatexml.Identity{UpdateID: id})
		}
		pre.IsCategory = p.IsCategory
		core.Prerequisites = append(core.Prerequisites, pre)
	}
	for _, id := range u.Bundled {
		core.BundledUpdates = append(core.BundledUpdates, c.identity(id))
	}
	for _, id := range u.Supersedes {
		core.SupersededUpdates = append(core.SupersededUpdates, updatexml.Identity{UpdateID: id})
	}
	return core.Render()
}

// AddGroup adds a computer target group.
func (c *Catalog) AddGroup(g Group) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, have := range c.groups {
		if strings.EqualFold(have.ID, g.ID) || strings.EqualFold(have.Name, g.Name) {
			return fmt.Errorf("catalog: target group %q exists", g.Name)
		}
	}
	c.groups = append(c.groups, g)
	return nil
}

// Groups returns the target groups.
func (c *Catalog) Groups() []Group {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return slices.Clone(c.groups)
}

// GroupByName finds a group by name or ID, case-insensitively.
func (c *Catalog) GroupByName(name string) (Group, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, g := range c.groups {
		if strings.EqualFold(g.Name, name) || strings.EqualFold(g.ID, name) {
			return g, nil
		}
	}
	return Group{}, fmt.Errorf("%w: %q", ErrUnknownGroup, name)
}

// AddDeploymentRow appends a raw approval row without the consistency the
// admin operations keep. Catalog definitions use it to describe database
// states, including inconsistent ones; it returns the new row's ID (or the
// given one when id > 0).
func (c *Catalog) AddDeploymentRow(d Deployment) (int32, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byRevision[d.RevisionID]; !ok {
		return 0, fmt.Errorf("catalog: deployment of revision %d: %w", d.RevisionID, ErrUnknownUpdate)
	}
	if !c.hasGroupLocked(d.GroupID) {
		return 0, fmt.Errorf("catalog: deployment to %q: %w", d.GroupID, ErrUnknownGroup)
	}
	if d.ID <= 0 {
		d.ID = c.nextDeploy
	}
	if d.ID >= c.nextDeploy {
		c.nextDeploy = d.ID + 1
	}
	c.deployments = append(c.deployments, d)
	// Appending keeps storage order: extend the index entry directly.
	c.rows[d.RevisionID] = append(c.rows[d.RevisionID], d)
	c.version++
	return d.ID, nil
}

func (c *Catalog) hasGroupLocked(id string) bool {
	for _, g := range c.groups {
		if g.ID == id {
			return true
		}
	}
	return false
}

// Lookup finds an update by GUID, revision ID, KB number ("KB842532") or
// exact title, case-insensitively.
func (c *Catalog) Lookup(ref string) (*Update, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.lookupLocked(ref)
}

func (c *Catalog) lookupLocked(ref string) (*Update, error) {
	ref = strings.TrimSpace(ref)
	if u, ok := c.byID[strings.ToLower(ref)]; ok {
		return u, nil
	}
	var rev int32
	if _, err := fmt.Sscanf(ref, "%d", &rev); err == nil && fmt.Sprint(rev) == ref {
		if u, ok := c.byRevision[rev]; ok {
			return u, nil
		}
	}
	for _, u := range c.updates {
		if strings.EqualFold(u.Title, ref) || (u.KB != "" && strings.EqualFold("KB"+u.KB, ref)) || (u.KB != "" && ref == u.KB) {
			return u, nil
		}
	}
	return nil, fmt.Errorf("%w: %q (give a GUID, revision ID, KB number or exact title)", ErrUnknownUpdate, ref)
}

// ByRevision returns the update with revision ID rev, or nil.
func (c *Catalog) ByRevision(rev int32) *Update {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.byRevision[rev]
}

// ByID returns the update with GUID id, or nil.
func (c *Catalog) ByID(id string) *Update {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.byID[strings.ToLower(id)]
}

// Updates returns all updates in catalog order.
func (c *Catalog) Updates() []*Update {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return slices.Clone(c.updates)
}

// File returns the payload file with the given hex SHA-1 digest.
func (c *Catalog) File(hexSHA1 string) (*File, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	f, ok := c.files[strings.ToLower(hexSHA1)]
	return f, ok
}

// Version counts approval changes.
func (c *Catalog) Version() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.version
}

// DeploymentRows returns every approval row of the revision for the given
// groups, in storage order, duplicates included: what WSUS's stored
// procedure returned to GetSyncInfo.
func (c *Catalog) DeploymentRows(rev int32, groups []string) []Deployment {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return rowsFor(c.rows[rev], groups)
}

func rowsFor(rows []Deployment, groups []string) []Deployment {
	var out []Deployment
	for _, d := range rows {
		if slices.Contains(groups, d.GroupID) {
			out = append(out, d)
		}
	}
	return out
}

// Approval is an approval row with the names an administrator sees.
type Approval struct {
	Deployment
	UpdateID   string `json:"updateId"`
	Title      string `json:"title"`
	KB         string `json:"kb,omitempty"`
	GroupName  string `json:"group"`
	Consistent bool   `json:"consistent"`
}

// Approvals lists every approval row, with whether its (revision, group)
// pair has exactly one row.
func (c *Catalog) Approvals() []Approval {
	c.mu.RLock()
	defer c.mu.RUnlock()
	count := map[[2]string]int{}
	for _, d := range c.deployments {
		count[[2]string{fmt.Sprint(d.RevisionID), d.GroupID}]++
	}
	var out []Approval
	for _, d := range c.deployments {
		u := c.byRevision[d.RevisionID]
		gname := d.GroupID
		for _, g := range c.groups {
			if g.ID == d.GroupID {
				gname = g.Name
			}
		}
		out = append(out, Approval{
			Deployment: d, UpdateID: u.ID, Title: u.Title, KB: u.KB, GroupName: gname,
			Consistent: count[[2]string{fmt.Sprint(d.RevisionID), d.GroupID}] == 1,
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].RevisionID < out[j].RevisionID })
	return out
}

// Approve approves the update for a group with action, as the WSUS console
// does: every existing row of that revision for that group is replaced by one
// new row, and the update is no longer declined. Bundled updates are not
// approved separately; they travel with their bundle.
func (c *Catalog) Approve(ref, group string, action Action, at time.Time) (Deployment, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, err := c.lookupLocked(ref)
	if err != nil {
		return Deployment{}, err
	}
	if !u.IsLeaf() {
		return Deployment{}, fmt.Errorf("catalog: %q is a %s; only software updates are approved", u.Title, strings.ToLower(u.Type))
	}
	g, err := c.groupLocked(group)
	if err != nil {
		return Deployment{}, err
	}
	c.deployments = slices.DeleteFunc(c.deployments, func(d Deployment) bool {
		return d.RevisionID == u.RevisionID && d.GroupID == g.ID
	})
	d := Deployment{ID: c.nextDeploy, RevisionID: u.RevisionID, GroupID: g.ID, Action: action, LastChange: at, IsAssigned: true}
	c.nextDeploy++
	c.deployments = append(c.deployments, d)
	c.reindexRevisionLocked(u.RevisionID)
	delete(c.declined, u.RevisionID)
	c.version++
	return d, nil
}

// Decline declines the update: all its approval rows, for every group, are
// removed and it is no longer offered. It returns how many rows were removed.
func (c *Catalog) Decline(ref string) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, err := c.lookupLocked(ref)
	if err != nil {
		return 0, err
	}
	before := len(c.deployments)
	c.deployments = slices.DeleteFunc(c.deployments, func(d Deployment) bool { return d.RevisionID == u.RevisionID })
	c.reindexRevisionLocked(u.RevisionID)
	c.declined[u.RevisionID] = true
	c.version++
	return before - len(c.deployments), nil
}

// Declined reports whether the revision is declined.
func (c *Catalog) Declined(rev int32) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.declined[rev]
}

func (c *Catalog) groupLocked(ref string) (Group, error) {
	for _, g := range c.groups {
		if strings.EqualFold(g.Name, ref) || strings.EqualFold(g.ID, ref) {
			return g, nil
		}
	}
	return Group{}, fmt.Errorf("%w: %q", ErrUnknownGroup, ref)
}

// View runs fn with the catalog read-locked, so one sync sees one state of
// the approvals even while an administrator changes them.
func (c *Catalog) View(fn func(v *View) error) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return fn(&View{c: c})
}

// View is the read-locked catalog handed to View's callback.
type View struct{ c *Catalog }

// Updates returns the updates in catalog order.
func (v *View) Updates() []*Update { return v.c.updates }

// ByRevision returns the update with revision ID rev, or nil.
func (v *View) ByRevision(rev int32) *Update { return v.c.byRevision[rev] }

// ByID returns the update with GUID id, or nil.
func (v *View) ByID(id string) *Update { return v.c.byID[id] }

// Declined reports whether rev is declined.
func (v *View) Declined(rev int32) bool { return v.c.declined[rev] }

// Reachable returns, in catalog order, the updates a client with the given
// installed non-leaf revisions can reach: those without prerequisites and
// those naming one of the installed revisions as a prerequisite. The caller
// still checks that every prerequisite holds.
func (v *View) Reachable(installed []int32) []*Update {
	out := make([]*Update, 0, len(v.c.roots)+8*len(installed))
	out = append(out, v.c.roots...)
	seen := make(map[*Update]bool, cap(out))
	for _, u := range out {
		seen[u] = true
	}
	for _, rev := range installed {
		p := v.c.byRevision[rev]
		if p == nil {
			continue
		}
		for _, d := range v.c.dependents[p.ID] {
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// Rows returns the approval rows of rev for the groups, duplicates included.
func (v *View) Rows(rev int32, groups []string) []Deployment {
	return rowsFor(v.c.rows[rev], groups)
}

// Approved reports whether rev has any approval row for the groups.
func (v *View) Approved(rev int32, groups []string) bool {
	for _, d := range v.c.rows[rev] {
		if slices.Contains(groups, d.GroupID) {
			return true
		}
	}
	return false
}
