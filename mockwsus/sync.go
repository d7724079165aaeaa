package mockwsus

import (
	"slices"
	"time"

	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
)

// syncRequest is what GetSyncInfo needs from one SyncUpdates call.
type syncRequest struct {
	// Groups are the computer's target groups (All Computers first).
	Groups []string
	// Installed are the InstalledNonLeafUpdateIDs; Cached the
	// OtherCachedUpdateIDs.
	Installed []int32
	Cached    []int32
	// SkipSoftware is SkipSoftwareSync (the driver pass).
	SkipSoftware bool
	// LastSync is when this computer last finished a sync (from its cookie);
	// cached revisions whose deployment changed after it come back in
	// ChangedUpdates.
	LastSync time.Time
	// PageSize is the most updates one response carries.
	PageSize int
	// Table is the deployment table of the active kb954960 mode.
	Table behaviour.DeploymentTable
}

// offer is one UpdateInfo of a response.
type offer struct {
	Update     *catalog.Update
	Deployment catalog.Deployment
}

// syncResult is GetSyncInfo's answer before it is put on the wire.
type syncResult struct {
	NewUpdates     []offer
	ChangedUpdates []offer
	OutOfScope     []int32
	Truncated      bool
	// Leaf says the response came from the leaf stage (the client has all
	// non-leaf updates in scope).
	Leaf bool
}

// getSyncInfo is WSUS's GetSyncInfo as MS-WUSP 3.1.5.7 describes it.
//
// Non-leaf stage: categories and detectoids the client has not cached and
// whose prerequisites are all among its installed non-leaf revisions are
// sent first, roots before the updates that need them, with their implicit
// Evaluate deployment. Only when none is left does the leaf stage run: it
// reaches every approved software update whose prerequisites are installed
// (new ones and cached ones) and puts each deployment row of each revision
// into the request's deployment table: the step the kb954960 behaviour is
// about. Bundled children follow their bundle with action Bundle. Cached
// revisions that left the client's scope are listed in OutOfScope. Pages of
// PageSize updates carry Truncated.
func getSyncInfo(v *catalog.View, req syncRequest) (*syncResult, error) {
	installed, cached := sortedIDs(req.Installed), sortedIDs(req.Cached)
	known := func(rev int32) bool { return installed.has(rev) || cached.has(rev) }
	res := &syncResult{}
	if req.SkipSoftware {
		return res, nil
	}

	// Only updates reachable from what the client has installed can have
	// their prerequisites met: start from them, not from the whole catalog.
	// The catalog caches the answer per installed set (computers of one
	// profile send the same one).
	reachable := v.Eligible(req.Installed)

	// Non-leaf stage.
	var nonLeaf []offer
	for _, u := range reachable {
		if u.IsLeaf() || known(u.RevisionID) || v.Declined(u.RevisionID) {
			continue
		}
		rows := v.Rows(u.RevisionID, req.Groups)
		if len(rows) == 0 {
			continue
		}
		nonLeaf = append(nonLeaf, offer{Update: u, Deployment: rows[0]})
	}
	if len(nonLeaf) > 0 {
		res.NewUpdates, res.Truncated = page(nonLeaf, req.PageSize)
		return res, nil
	}

	// Leaf stage. Reach every approved software update in scope, new or
	// cached, and build the deployment table from its rows.
	res.Leaf = true
	var reached []*catalog.Update
	for _, u := range reachable {
		if !u.IsLeaf() || v.Declined(u.RevisionID) {
			continue
		}
		rows := v.Rows(u.RevisionID, req.Groups)
		if len(rows) == 0 {
			continue
		}
		for _, d := range rows {
			if err := req.Table.Add(u.RevisionID, d); err != nil {
				return nil, err
			}
		}
		reached = append(reached, u)
	}
	var fresh []offer
	sent := map[int32]bool{}
	for _, u := range reached {
		d, _ := req.Table.Get(u.RevisionID)
		// Bundled children come before their bundle, deployed with Bundle.
		for _, childID := range u.Bundled {
			child := v.ByID(childID)
			if child == nil || known(child.RevisionID) || sent[child.RevisionID] {
				continue
			}
			sent[child.RevisionID] = true
			fresh = append(fresh, offer{Update: child, Deployment: catalog.Deployment{
				ID: d.ID, RevisionID: child.RevisionID, GroupID: d.GroupID, Action: catalog.ActionBundle,
				LastChange: d.LastChange, IsAssigned: d.IsAssigned,
			}})
		}
		if known(u.RevisionID) {
			if d.LastChange.After(req.LastSync) && !req.LastSync.IsZero() {
				res.ChangedUpdates = append(res.ChangedUpdates, offer{Update: u, Deployment: d})
			}
			continue
		}
		if !sent[u.RevisionID] {
			sent[u.RevisionID] = true
			fresh = append(fresh, offer{Update: u, Deployment: d})
		}
	}
	res.NewUpdates, res.Truncated = page(fresh, req.PageSize)

	// Cached leaf revisions no longer in scope (declined, unapproved,
	// prerequisites gone, unknown to this server) go back as out of scope.
	inScope := make(map[int32]bool, len(sent))
	for _, u := range reached {
		inScope[u.RevisionID] = true
		for _, childID := range u.Bundled {
			if child := v.ByID(childID); child != nil {
				inScope[child.RevisionID] = true
			}
		}
	}
	for _, rev := range req.Cached {
		u := v.ByRevision(rev)
		if u == nil || (u.IsLeaf() && !inScope[rev]) {
			res.OutOfScope = append(res.OutOfScope, rev)
		}
	}
	return res, nil
}

// idSet is a set of revision IDs as a sorted slice: cheaper to build for
// the ~1,300 IDs of a real request than a map, and as quick to query here.
type idSet []int32

func sortedIDs(ids []int32) idSet {
	s := slices.Clone(ids)
	slices.Sort(s)
	return s
}

func (s idSet) has(id int32) bool {
	_, ok := slices.BinarySearch(s, id)
	return ok
}

func page(all []offer, size int) ([]offer, bool) {
	if size <= 0 || len(all) <= size {
		return all, false
	}
	return all[:size], true
}
