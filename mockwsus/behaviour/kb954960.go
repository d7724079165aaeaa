package behaviour

import (
	"fmt"

	"github.com/wsusmock/wsusmock/mockwsus/catalog"
)

// KB954960Name is the registry name of the KB954960 behaviour.
const KB954960Name = "kb954960"

// KB954960 reproduces Microsoft Security Advisory 954960 / KB954960, "Some
// computers do not receive updates from the WSUS server" (June 2008).
//
// Bug: on WSUS 3.0 (3.0.6000.273) and 3.0 SP1 (3.1.6001.65), GetSyncInfo
// (called from ClientImplementation.SoftwareSync for every SyncUpdates) put
// the deployments of the revisions it reached into a Hashtable keyed by
// revision ID with Hashtable.Add. A revision of "Office 2003 Service Pack 1"
// left some databases with two approval rows for one revision and group, so
// the second Add threw System.ArgumentException ("Item has already been
// added. Key in dictionary: '8862'  Key being added: '8862'"); the web
// service logged it in SoftwareDistribution.log and answered every such
// SyncUpdates with an InternalServerError fault. The agent logged 0x8024400E
// and got no update at all, security updates included.
//
// Trigger: data, not the caller. Only a request that reaches the revision
// with two rows throws, and only a client whose Office 2003 detectoid
// evaluated installed (and so is in its InstalledNonLeafUpdateIDs) reaches
// Office 2003 SP1, whose prerequisite it is.
//
// Buggy: Add has Hashtable.Add semantics; a second row of a revision throws.
//
// Fixed (Microsoft.UpdateServices.WebServices.Client.dll 3.1.6001.66 and
// later): one deployment per revision, chosen by PreferDeployment. Fixed is
// the default of every later version, the modern 10.0.x WSUS of Windows
// Server 2016 to 2025 included: the fix shipped in 2008, years before them.
// The KB's workaround (decline, approve, decline the update) repairs the data
// instead, so it cures a buggy server too.
//
// Source: Microsoft Security Advisory 954960 (shared/seed) and KB954960; the
// stack frames are the advisory's.
type KB954960 struct{}

// Info documents the behaviour.
func (KB954960) Info() Info {
	return Info{
		Name:    KB954960Name,
		Bug:     "Security Advisory 954960 / KB954960: SyncUpdates fails for computers with Office 2003 on WSUS 3.0 and 3.0 SP1",
		Trigger: "a client whose Office 2003 detectoid is installed reaches a revision with two deployment rows (Office 2003 SP1 in the default catalog)",
		Buggy:   "GetSyncInfo adds deployments to a Hashtable keyed by revision ID; the duplicate throws System.ArgumentException and SyncUpdates answers InternalServerError",
		Fixed:   "one deployment per revision by precedence (Block, Uninstall, Install, OptionalInstall, PreDeploymentCheck, Evaluate, Bundle; then latest change; then highest ID)",
		Source:  "Microsoft Security Advisory 954960 (2008-06-30, updated 2008-08-13); KB954960; fixed DLL 3.1.6001.66",
	}
}

// DefaultMode is buggy for WSUS 3.0 RTM and SP1 before the 3.1.6001.66 fix.
func (KB954960) DefaultMode(serverVersion string) Mode {
	if CompareVersions(serverVersion, "3.0") >= 0 && CompareVersions(serverVersion, "3.1.6001.66") < 0 {
		return Buggy
	}
	return Fixed
}

// NewDeploymentTable returns the Hashtable of the buggy GetSyncInfo or the
// de-duplicating table of the fixed one.
func (KB954960) NewDeploymentTable(m Mode) DeploymentTable {
	if m == Buggy {
		return hashtable{}
	}
	return preferringTable{}
}

// hashtable has System.Collections.Hashtable.Add semantics.
type hashtable map[int32]catalog.Deployment

func (h hashtable) Add(rev int32, d catalog.Deployment) error {
	if _, dup := h[rev]; dup {
		return duplicateKey(rev)
	}
	h[rev] = d
	return nil
}

func (h hashtable) Get(rev int32) (catalog.Deployment, bool) {
	d, ok := h[rev]
	return d, ok
}

// duplicateKey is the exception Hashtable.Add throws inside GetSyncInfo, with
// the advisory's stack. Note the two spaces before "Key being added", as in
// the .NET 2.0 resource string.
func duplicateKey(rev int32) *Exception {
	return &Exception{
		Behaviour: KB954960Name,
		Type:      "System.ArgumentException",
		Message:   fmt.Sprintf("Item has already been added. Key in dictionary: '%d'  Key being added: '%d'", rev, rev),
		Stack: []string{
			"System.Collections.Hashtable.Insert(Object key, Object nvalue, Boolean add)",
			"System.Collections.Hashtable.Add(Object key, Object value)",
			"Microsoft.UpdateServices.Internal.ClientImplementation.GetSyncInfo(DataAccess dataAccess, Hashtable stateTable, Hashtable deploymentTable, Boolean haveGroupsChanged, Boolean doChunking)",
			"Microsoft.UpdateServices.Internal.ClientImplementation.SoftwareSync(DataAccess dataAccess, UnencryptedCookieData cookieData, Int32[] installedNonLeafUpdateIds, Int32[] leafUpdateIds, Boolean haveGroupsChanged, Boolean expressQuery)",
			"Microsoft.UpdateServices.Internal.ClientImplementation.SyncUpdates(Cookie cookie, SyncUpdateParameters parameters)",
			"Microsoft.UpdateServices.Internal.ClientImplementation.SyncUpdates(Cookie cookie, SyncUpdateParameters parameters)",
			"Microsoft.UpdateServices.Internal.Client.SyncUpdates(Cookie cookie, SyncUpdateParameters parameters)",
		},
		ErrorCode: "InternalServerError",
	}
}

// preferringTable keeps one deployment per revision.
type preferringTable map[int32]catalog.Deployment

func (p preferringTable) Add(rev int32, d catalog.Deployment) error {
	if have, ok := p[rev]; ok && !PreferDeployment(d, have) {
		return nil
	}
	p[rev] = d
	return nil
}

func (p preferringTable) Get(rev int32) (catalog.Deployment, bool) {
	d, ok := p[rev]
	return d, ok
}

var actionRank = map[catalog.Action]int{
	catalog.ActionBlock:              7,
	catalog.ActionUninstall:          6,
	catalog.ActionInstall:            5,
	catalog.ActionOptionalInstall:    4,
	catalog.ActionPreDeploymentCheck: 3,
	catalog.ActionEvaluate:           2,
	catalog.ActionBundle:             1,
}

// PreferDeployment reports whether a should replace b as the one deployment
// of a revision: the stronger action wins (Block, Uninstall, Install,
// OptionalInstall, PreDeploymentCheck, Evaluate, Bundle), then the later
// change, then the higher deployment ID, so the choice never depends on row
// order.
func PreferDeployment(a, b catalog.Deployment) bool {
	if ra, rb := actionRank[a.Action], actionRank[b.Action]; ra != rb {
		return ra > rb
	}
	if !a.LastChange.Equal(b.LastChange) {
		return a.LastChange.After(b.LastChange)
	}
	return a.ID > b.ID
}
