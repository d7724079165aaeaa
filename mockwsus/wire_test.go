package mockwsus

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/internal/shared"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
)

func TestEscapeTextAsDotNet(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`<UpdateIdentity UpdateID="u" RevisionNumber='1' />`, `&lt;UpdateIdentity UpdateID="u" RevisionNumber='1' /&gt;`},
		{"a & b", "a &amp; b"},
		{"&amp;", "&amp;amp;"},
		{"line\r\nnext\ttab", "line&#xD;\nnext\ttab"},
		{"Übersicht ✓", "Übersicht ✓"},
		{"", ""},
	} {
		if got := escapeText(tt.in).Text; got != tt.want {
			t.Errorf("escapeText(%q) = %q, want %q", tt.in, got, tt.want)
		}
		// Whatever the escaping, an XML parser must read back the text.
		var back struct {
			Xml string `xml:"Xml"`
		}
		if err := xml.Unmarshal([]byte("<r><Xml>"+escapeText(tt.in).Text+"</Xml></r>"), &back); err != nil || back.Xml != tt.in {
			t.Errorf("escaped %q reads back as %q, %v", tt.in, back.Xml, err)
		}
	}
}

// The server's answer types mirror the generated ones: with text that both
// escape alike, they must encode to the same bytes, so a field added,
// renamed or reordered in one and not the other fails here.
func TestAnswerTypesMirrorClientWS(t *testing.T) {
	const frag = "a&lt;b>&c" // no quotes or CR: both escapers agree
	dep := &clientws.Deployment{ID: 7, Action: clientws.DeploymentActionInstall, IsAssigned: true, LastChangeTime: "2008-06-10", AutoSelect: "0", AutoDownload: "0", SupersedenceBehavior: "0"}
	cookie := &clientws.Cookie{Expiration: clientws.NewDateTime(time.Date(2008, 6, 13, 20, 59, 53, 0, time.UTC)), EncryptedData: []byte{1, 2, 3}}
	ints := &clientws.ArrayOfInt{Int: []int32{5, 6}}
	x := escapeText(frag)
	for _, tt := range []struct {
		name       string
		ours, gens any
	}{
		{"SyncUpdatesResponse",
			&syncUpdatesResponse{SyncUpdatesResult: &syncInfo{
				NewUpdates:            &arrayOfUpdateInfo{UpdateInfo: []*updateInfo{{ID: 1, Deployment: dep, IsLeaf: true, Xml: &x}, {ID: 2, Xml: &x}}},
				OutOfScopeRevisionIDs: ints, ChangedUpdates: &arrayOfUpdateInfo{}, Truncated: true, NewCookie: cookie}},
			&clientws.SyncUpdatesResponse{SyncUpdatesResult: &clientws.SyncInfo{
				NewUpdates:            &clientws.ArrayOfUpdateInfo{UpdateInfo: []*clientws.UpdateInfo{{ID: 1, Deployment: dep, IsLeaf: true, Xml: frag}, {ID: 2, Xml: frag}}},
				OutOfScopeRevisionIDs: ints, ChangedUpdates: &clientws.ArrayOfUpdateInfo{}, Truncated: true, NewCookie: cookie}}},
		{"SyncUpdatesResponse, empty", &syncUpdatesResponse{SyncUpdatesResult: &syncInfo{}}, &clientws.SyncUpdatesResponse{SyncUpdatesResult: &clientws.SyncInfo{}}},
		{"GetExtendedUpdateInfoResponse",
			&getExtendedUpdateInfoResponse{GetExtendedUpdateInfoResult: &extendedUpdateInfo{
				Updates:       &arrayOfUpdateData{Update: []*updateData{{ID: 1, Xml: &x}, {ID: 3}}},
				FileLocations: &clientws.ArrayOfFileLocation{FileLocation: []*clientws.FileLocation{{FileDigest: []byte{9}, Url: "http://h/Content/x"}}}, OutOfScopeRevisionIDs: ints}},
			&clientws.GetExtendedUpdateInfoResponse{GetExtendedUpdateInfoResult: &clientws.ExtendedUpdateInfo{
				Updates:       &clientws.ArrayOfUpdateData{Update: []*clientws.UpdateData{{ID: 1, Xml: frag}, {ID: 3}}},
				FileLocations: &clientws.ArrayOfFileLocation{FileLocation: []*clientws.FileLocation{{FileDigest: []byte{9}, Url: "http://h/Content/x"}}}, OutOfScopeRevisionIDs: ints}}},
	} {
		ours, err := soap.AppendEnvelope(nil, soap.SOAP11, "soap", tt.ours)
		if err != nil {
			t.Fatal(err)
		}
		gens, err := soap.AppendEnvelope(nil, soap.SOAP11, "soap", tt.gens)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ours, gens) {
			t.Errorf("%s: the server's type and clientws encode differently:\n%s\n%s", tt.name, ours, gens)
		}
	}
}

// Real WSUS writes the fragments with bare quotes (.NET escapes only &, <
// and > in text); so must the mock.
func TestFragmentEscapingMatchesTheCaptures(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(shared.FlowDir(t), "000013", "response.body"))
	if err != nil {
		t.Fatal(err)
	}
	xmlElem := regexp.MustCompile(`<Xml>([^<]*)</Xml>`)
	check := func(who string, data []byte) {
		t.Helper()
		m := xmlElem.FindAllSubmatch(data, -1)
		if len(m) == 0 {
			t.Fatalf("%s: no <Xml> fragments", who)
		}
		bareQuotes := 0
		for _, x := range m {
			if bytes.Contains(x[1], []byte("&#34;")) || bytes.Contains(x[1], []byte("&quot;")) {
				t.Fatalf("%s: fragment not escaped as .NET does: %.120s", who, x[1])
			}
			bareQuotes += bytes.Count(x[1], []byte(`="`))
		}
		if bareQuotes == 0 {
			t.Fatalf("%s: no attribute with a bare quote in %d fragments", who, len(m))
		}
	}
	check("capture 000013", body)
	// The server's own answers, as the golden tests pin them.
	for _, name := range []string{"syncupdates_round1.xml", "syncupdates_leaf_fixed.xml", "getextendedupdateinfo.xml"} {
		data, err := os.ReadFile(filepath.Join("testdata", "golden", name))
		if err != nil {
			t.Fatal(err)
		}
		check(name, data)
	}
}
