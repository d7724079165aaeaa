package mockwsus

import (
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
	"github.com/wsusmock/wsusmock/soap/clientws"
)

// RealisticSyncIDs returns SyncUpdates ID lists the size of the real
// captures' (94 installed non-leaf, 1,300 other cached revision IDs) for the
// default catalog: all its categories and the XP and Office 2003 detectoids
// installed, its other detectoids cached, and the rest revision IDs this
// server does not know, as a modern agent sends them. Exported for the
// external tests' benchmarks.
func RealisticSyncIDs() (installed, cached []int32) {
	installed = []int32{101, 102, 103, 110, 111, 112, 113, 120, 130, 131, 132, 133, 1002, 1020}
	for id := int32(200_000); len(installed) < 94; id += 7 {
		installed = append(installed, id)
	}
	cached = []int32{1003, 1004, 1005}
	for id := int32(300_000); len(cached) < 1300; id += 3 {
		cached = append(cached, id)
	}
	return installed, cached
}

// SyncUpdatesAnswer returns the answer the server writes for a page of
// the first n updates of cat (its own wire types, fragments escaped once
// and cached) around the given cookie and deployment, for the encoding
// benchmark to set beside the generated types.
func SyncUpdatesAnswer(cat *catalog.Catalog, n int, dep *clientws.Deployment, cookie *clientws.Cookie) any {
	frags := &fragmentCache{}
	var infos []*updateInfo
	for _, u := range cat.Updates() {
		if len(infos) == n {
			break
		}
		infos = append(infos, &updateInfo{ID: u.RevisionID, IsLeaf: u.IsLeaf(), Xml: frags.coreOf(u), Deployment: dep})
	}
	return &syncUpdatesResponse{SyncUpdatesResult: &syncInfo{
		NewUpdates: &arrayOfUpdateInfo{UpdateInfo: infos}, OutOfScopeRevisionIDs: &clientws.ArrayOfInt{},
		ChangedUpdates: &arrayOfUpdateInfo{}, Truncated: true, NewCookie: cookie,
	}}
}

// AppendAnswer is appendAnswer (wirewrite.go), for the encoding benchmark.
func AppendAnswer(dst []byte, resp any) ([]byte, bool) { return appendAnswer(dst, resp) }

// RequestStringsKept is the number of SyncUpdates texts the server shares
// among requests (requestStrings).
func (s *Server) RequestStringsKept() int { return s.requestStrings.Len() }

// SystemSpecsChecked is the number of SystemSpecs the server remembers as
// checked (checkedSpecs).
func (s *Server) SystemSpecsChecked() int { return s.checkedSpecs.Len() }
