package behaviour

// MaxInstalledPrerequisitesName is the registry name of the
// maxInstalledPrerequisites limit.
const MaxInstalledPrerequisitesName = "max-installed-prerequisites"

// RaisedInstalledPrerequisites is the limit of the fixed mode: what
// administrators raise maxInstalledPrerequisites to in the ClientWebService
// web.config.
const RaisedInstalledPrerequisites = 1600

// MaxInstalledPrerequisites reproduces the ClientWebService refusing a
// SyncUpdates whose InstalledNonLeafUpdateIDs exceed maxInstalledPrerequisites.
//
// Bug: the web.config of the ClientWebService limits InstalledNonLeafUpdateIDs
// to maxInstalledPrerequisites (400 as shipped). A computer with many
// installed non-leaf updates (detectoids, categories, language packs)
// exceeds it and every SyncUpdates answers InvalidParameters with Message
// "parameters.InstalledNonLeafUpdateIDs" (faultcode Client: the agent logs
// 0x8024400D). A look-alike of KB954960: a SyncUpdates SOAP fault with
// another ErrorCode.
//
// Trigger: data: a catalog with more non-leaf updates that evaluate
// installed than the limit (the built-in "many-detectoids" catalog).
// Buggy: the shipped limit (the server's configured one, 400 by default).
// Fixed: the limit raised to RaisedInstalledPrerequisites.
//
// Source: KB4096317 and the MS-WUSP support article on 0x8024400D
// InvalidParameters (shared/docs/wsus-protocol.md section 2.2: 401 IDs were
// refused by a real server).
type MaxInstalledPrerequisites struct{}

// Info documents the behaviour.
func (MaxInstalledPrerequisites) Info() Info {
	return Info{
		Name:    MaxInstalledPrerequisitesName,
		Bug:     "KB4096317: InstalledNonLeafUpdateIDs above maxInstalledPrerequisites answered InvalidParameters",
		Trigger: "a client reporting more installed non-leaf updates than the limit (built-in catalog many-detectoids)",
		Buggy:   "the shipped limit (400): InvalidParameters, Message parameters.InstalledNonLeafUpdateIDs, client 0x8024400D",
		Fixed:   "maxInstalledPrerequisites raised in web.config (1600)",
		Source:  "KB4096317; real WSUS refusing 401 InstalledNonLeafUpdateIDs",
	}
}

// DefaultMode: WSUS ships with the limit.
func (MaxInstalledPrerequisites) DefaultMode(string) Mode { return Buggy }

// MaxInstalledPrerequisites returns the limit in force.
func (MaxInstalledPrerequisites) MaxInstalledPrerequisites(m Mode, configured int) int {
	if m == Buggy {
		return configured
	}
	return max(configured, RaisedInstalledPrerequisites)
}
