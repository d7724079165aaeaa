package mockwsus_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/internal/shared"
	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/soap/reporting"
	"github.com/wsusmock/wsusmock/xpress"
)

// captureCookie is the sanitised cookie element of a captured request.
var captureCookie = regexp.MustCompile(`<cookie><Expiration>[^<]*</Expiration><EncryptedData>[^<]*</EncryptedData></cookie>`)

var captureSid = regexp.MustCompile(`<Sid>([^<]+)</Sid>`)

// capture is one captured request.
type capture struct {
	name   string
	header []byte // request line and headers as sent
	body   []byte
	action string // meta.json's soap_action, quoted
	// response is the captured answer's status line and headers.
	response []byte
}

func loadCaptures(t *testing.T) []capture {
	t.Helper()
	// Real exchanges between a native Windows Update Agent (Windows 11)
	// and a Windows Server 2025 WSUS, read in place.
	flow := shared.FlowDir(t)
	dirs, err := filepath.Glob(filepath.Join(flow, "*"))
	if err != nil {
		t.Fatal(err)
	}
	var out []capture
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
		read := func(name string) []byte {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		var meta struct {
			SOAPAction string `json:"soap_action"`
		}
		if err := json.Unmarshal(read("meta.json"), &meta); err != nil {
			t.Fatalf("%s/meta.json: %v", dir, err)
		}
		out = append(out, capture{name: filepath.Base(dir), header: read("request.headers"), body: read("request.body"), action: meta.SOAPAction, response: read("response.headers")})
	}
	if len(out) == 0 {
		t.Fatalf("%s holds no captures", flow)
	}
	return out
}

// TestRealCaptures sends every captured request, with its sanitised cookie
// replaced by a live one and its headers as sent (Accept-Encoding: xpress
// among them), and expects each to be answered Xpress-compressed with its
// response element, by the WSUS 3.0 SP1 personality and by the modern one.
// The requests come from a modern agent: ~94 installed non-leaf and ~1,300
// cached revision IDs the default catalog does not know (they are simply
// out of scope), and newer elements the WSUS 3.0 schema lacks. The modern
// personality also answers as the captures' server did where the two
// differ: DriverSyncNotNeeded (true on the driver pass only), the
// ClientWebService envelope framing, IIS 10.0.
func TestRealCaptures(t *testing.T) {
	caps := loadCaptures(t)
	clientID := ""
	for _, c := range caps {
		if m := captureSid.FindSubmatch(c.body); m != nil {
			clientID = string(m[1])
			break
		}
	}
	if clientID == "" {
		t.Fatal("no captured request names the client (ReportEventBatch TargetID/Sid)")
	}
	for _, tt := range []struct {
		version string
		modern  bool
	}{
		{mockwsus.DefaultVersion, false},
		{mockwsus.VersionWSUS2025, true},
		{"10.0.14393.0", true}, // Windows Server 2016
	} {
		t.Run(tt.version, func(t *testing.T) {
			h := newHarness(t, mockwsus.Config{Version: tt.version})
			h.protocol = "2.90" // what the captured agent sends (Client-Protocol/2.90)
			s := h.register(clientID, "win11.lab.local", "")
			live := []byte("<cookie><Expiration>" + s.cookie.Expiration.UTC().Format(clientws.DateTimeLayout) + "</Expiration><EncryptedData>" +
				base64.StdEncoding.EncodeToString(s.cookie.EncryptedData) + "</EncryptedData></cookie>")
			for _, c := range caps {
				t.Run(c.name, func(t *testing.T) { replayCapture(t, h, c, live, tt.modern) })
			}
			var events int
			for _, c := range caps {
				events += bytes.Count(c.body, []byte("<ReportingEvent>"))
			}
			if got := len(h.srv.Journal().Events()); got != events {
				t.Errorf("%d reporting events acknowledged, the captures carry %d", got, events)
			}
			// The driver pass's hardware IDs and driver strings are shared
			// among SyncUpdates requests, not allocated per request.
			if n := h.srv.RequestStringsKept(); n < 100 {
				t.Errorf("the server shares %d SyncUpdates texts after the driver pass; want its hardware IDs (hundreds)", n)
			}
			// and its SystemSpec, checked, is remembered: the next scan's
			// is passed over after a byte comparison.
			if n := h.srv.SystemSpecsChecked(); n != 1 {
				t.Errorf("the server remembers %d checked SystemSpecs after the one driver pass; want 1", n)
			}
		})
	}
}

// replayCapture sends one captured request with the live cookie and checks
// the answer.
func replayCapture(t *testing.T, h *harness, c capture, live []byte, modern bool) {
	t.Helper()
	if n := len(captureCookie.FindAll(c.body, -1)); n != 1 {
		t.Fatalf("request has %d cookie elements, want 1", n)
	}
	body := captureCookie.ReplaceAllLiteral(c.body, live)
	r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(c.header)))
	if err != nil {
		t.Fatalf("request.headers: %v", err)
	}
	if got := r.Header.Get("SOAPAction"); got != c.action {
		t.Errorf("request.headers SOAPAction %q, meta.json %q", got, c.action)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.RequestURI = ""
	rec := httptest.NewRecorder()
	h.srv.ServeHTTP(rec, r)

	op := c.action[strings.LastIndex(c.action, "/")+1 : len(c.action)-1]
	if got := rec.Header().Get("Content-Encoding"); got != "xpress" {
		t.Fatalf("%s asked for xpress and got Content-Encoding %q", op, got)
	}
	if got := rec.Header().Get("Content-Length"); got != strconv.Itoa(rec.Body.Len()) {
		t.Errorf("Content-Length %s for %d bytes on the wire", got, rec.Body.Len())
	}
	plain, err := xpress.Decode(rec.Body.Bytes(), 1<<24)
	if err != nil {
		t.Fatalf("%s: the compressed answer does not decode: %v", op, err)
	}
	if wantServer := map[bool]string{false: "Microsoft-IIS/6.0", true: "Microsoft-IIS/10.0"}[modern]; rec.Header().Get("Server") != wantServer {
		t.Errorf("Server %q, want %q", rec.Header().Get("Server"), wantServer)
	}
	// Cache-Control as the captured answer's.
	if want := headerValue(t, c.response, "Cache-Control"); modern && rec.Header().Get("Cache-Control") != want {
		t.Errorf("Cache-Control %q, the captured answer's %q", rec.Header().Get("Cache-Control"), want)
	}
	var resp any
	switch op {
	case "SyncUpdates":
		resp = &clientws.SyncUpdatesResponse{}
	case "GetExtendedUpdateInfo":
		resp = &clientws.GetExtendedUpdateInfoResponse{}
	case "ReportEventBatch":
		resp = &reporting.ReportEventBatchResponse{}
	default:
		t.Fatalf("no response type for captured operation %s", op)
	}
	if err := soap.ParseResponse(plain, resp); err != nil {
		t.Fatalf("%s answered HTTP %d: %v\n%.1000s", op, rec.Code, err, plain)
	}
	if rec.Code != http.StatusOK {
		t.Errorf("%s answered HTTP %d", op, rec.Code)
	}
	// The envelope framing of the captured answer: WCF's for the client
	// web service of a modern WSUS, ASMX's otherwise.
	wcf := modern && op != "ReportEventBatch"
	if got := bytes.HasPrefix(plain, []byte("<s:Envelope ")); got != wcf {
		t.Errorf("%s answer starts %.60q; WCF framing expected: %t", op, plain, wcf)
	}
	switch resp := resp.(type) {
	case *clientws.SyncUpdatesResponse:
		info := resp.SyncUpdatesResult
		if info == nil || info.NewCookie == nil || len(info.NewCookie.EncryptedData) == 0 {
			t.Fatalf("SyncUpdatesResult without a NewCookie: %+v", info)
		}
		want := ""
		if modern {
			want = strconv.FormatBool(bytes.Contains(body, []byte("<SkipSoftwareSync>true</SkipSoftwareSync>")))
		}
		if info.DriverSyncNotNeeded != want {
			t.Errorf("DriverSyncNotNeeded %q, want %q", info.DriverSyncNotNeeded, want)
		}
		if modern {
			for _, empty := range []string{"<NewUpdates></NewUpdates>", "<OutOfScopeRevisionIDs></OutOfScopeRevisionIDs>", "<ChangedUpdates></ChangedUpdates>"} {
				if bytes.Contains(plain, []byte(empty)) {
					t.Errorf("a modern WSUS leaves an empty list out; the answer has %s", empty)
				}
			}
		}
	case *clientws.GetExtendedUpdateInfoResponse:
		if modern {
			for _, empty := range []string{"<Updates></Updates>", "<FileLocations></FileLocations>"} {
				if bytes.Contains(plain, []byte(empty)) {
					t.Errorf("a modern WSUS leaves an empty list out; the answer has %s", empty)
				}
			}
		}
		res := resp.GetExtendedUpdateInfoResult
		req := regexp.MustCompile(`<int>`).FindAll(body, -1)
		if res == nil || len(res.OutOfScopeRevisionIDs.Int) != len(req) {
			t.Errorf("GetExtendedUpdateInfo of %d unknown revisions: %+v, want all out of scope", len(req), res)
		}
	case *reporting.ReportEventBatchResponse:
		if !resp.ReportEventBatchResult {
			t.Error("ReportEventBatchResult false")
		}
	}
}

// headerValue is the value of header name in a captured header block.
func headerValue(t *testing.T, block []byte, name string) string {
	t.Helper()
	for line := range strings.SplitSeq(string(block), "\n") {
		k, v, ok := strings.Cut(strings.TrimRight(line, "\r"), ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("the captured headers have no %s:\n%s", name, block)
	return ""
}
