package soap

import (
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/soap/clientws"
)

// BenchmarkParseAnswer reads a SyncUpdates answer of 30 updates (fragments
// of the size the server sends, escaped) on the streaming path and on the
// encoding/xml path, in one run:
//
//	go test -run '^$' -bench ParseAnswer -benchmem ./soap/
func BenchmarkParseAnswer(b *testing.B) {
	frag := `<UpdateIdentity UpdateID="` + strings.Repeat("0", 36) + `" RevisionNumber="101" /><Properties UpdateType="Software" /><Relationships><Prerequisites><UpdateIdentity UpdateID="` + strings.Repeat("1", 36) + `" /></Prerequisites></Relationships><ApplicabilityRules><IsInstalled><b.RegSz Key="HKEY_LOCAL_MACHINE" Subkey="SOFTWARE\Microsoft\Updates" Value="x" Comparison="EqualTo" Data="1" /></IsInstalled></ApplicabilityRules>`
	var infos []*clientws.UpdateInfo
	for i := range 30 {
		infos = append(infos, &clientws.UpdateInfo{ID: int32(1000 + i), IsLeaf: true, Xml: frag,
			Deployment: &clientws.Deployment{ID: 8001, Action: "Install", IsAssigned: true, LastChangeTime: "2008-06-10", AutoSelect: "0", AutoDownload: "0", SupersedenceBehavior: "0"}})
	}
	answer, err := AppendEnvelope(nil, SOAP11, "soap", &clientws.SyncUpdatesResponse{SyncUpdatesResult: &clientws.SyncInfo{
		NewUpdates: &clientws.ArrayOfUpdateInfo{UpdateInfo: infos}, OutOfScopeRevisionIDs: &clientws.ArrayOfInt{},
		ChangedUpdates: &clientws.ArrayOfUpdateInfo{}, Truncated: true,
		NewCookie: &clientws.Cookie{EncryptedData: make([]byte, 250)},
	}})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("stream", func(b *testing.B) {
		b.SetBytes(int64(len(answer)))
		b.ReportAllocs()
		for b.Loop() {
			var r clientws.SyncUpdatesResponse
			if err := ParseResponse(answer, &r); err != nil || len(r.SyncUpdatesResult.NewUpdates.UpdateInfo) != 30 {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-xml", func(b *testing.B) {
		b.SetBytes(int64(len(answer)))
		b.ReportAllocs()
		for b.Loop() {
			req, _, err := sniff(answer)
			if err != nil {
				b.Fatal(err)
			}
			var r clientws.SyncUpdatesResponse
			if err := req.Decode(&r); err != nil || len(r.SyncUpdatesResult.NewUpdates.UpdateInfo) != 30 {
				b.Fatal(err)
			}
		}
	})
}
