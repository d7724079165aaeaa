package behaviour

// EndlessTruncationName is the registry name of the never-ending paging.
const EndlessTruncationName = "endless-truncation"

// EndlessTruncation makes SyncUpdates paging never end.
//
// Bug: a server that sets Truncated on every SyncUpdates page (a corrupt
// revision that can never be sent, a broken chunking loop) keeps the agent
// asking for the next page until it gives up after its round-trip limit with
// 0x80244010 (WU_E_PT_EXCEEDED_MAX_SERVER_TRIPS). A look-alike of KB954960:
// detection fails on SyncUpdates, but with another error and no fault.
//
// Trigger: every SyncUpdates page. Buggy: Truncated is always true.
// Fixed: paging ends when nothing is left.
//
// Source: wuerror.h WU_E_PT_EXCEEDED_MAX_SERVER_TRIPS; MS-WUSP's Truncated
// semantics.
type EndlessTruncation struct{}

// Info documents the behaviour.
func (EndlessTruncation) Info() Info {
	return Info{
		Name:    EndlessTruncationName,
		Bug:     "SyncUpdates pages never end (Truncated always true)",
		Trigger: "every SyncUpdates page",
		Buggy:   "Truncated=true forever; the agent stops after its round-trip limit with 0x80244010",
		Fixed:   "Truncated only while updates remain",
		Source:  "wuerror.h WU_E_PT_EXCEEDED_MAX_SERVER_TRIPS; MS-WUSP SyncUpdates paging",
	}
}

// DefaultMode: paging ends.
func (EndlessTruncation) DefaultMode(string) Mode { return Fixed }

// ForceTruncated is true when buggy.
func (EndlessTruncation) ForceTruncated(m Mode) bool { return m == Buggy }
