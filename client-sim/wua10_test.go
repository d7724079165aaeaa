package clientsim_test

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	clientsim "github.com/wsusmock/wsusmock/client-sim"
	"github.com/wsusmock/wsusmock/client-sim/profile"
	"github.com/wsusmock/wsusmock/internal/shared"
	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
	x "github.com/wsusmock/wsusmock/updatexml"
)

// RevWin10Update is the revision of the update modernCatalog adds for
// Windows 10 and later.
const RevWin10Update = 9101

// modernCatalog is the default catalog plus a detectoid for Windows 10 and
// later and one security update it gates, approved for All Computers, so
// that a win10 or win11 agent finds an update and asks for its extended
// information as the captured agent does.
func modernCatalog(seed uint64) (*catalog.Catalog, error) {
	c, err := catalog.Default(seed)
	if err != nil {
		return nil, err
	}
	windows, security := c.ByRevision(102), c.ByRevision(130)
	if windows == nil || security == nil {
		return nil, errors.New("default catalog without the Windows family or Security Updates")
	}
	det := &catalog.Update{ID: "5c6f8d1e-31b2-4f0a-9d3e-2b1a7c9e1010", RevisionNumber: 1, RevisionID: 1010,
		Type: catalog.TypeDetectoid, Title: "Windows 10 and later",
		IsInstalled: x.WindowsVersion(x.GreaterThanOrEqualTo, 10, 0)}
	upd := &catalog.Update{ID: "8e2b7d44-0c1f-4a5e-b3c2-6f9a1d0e9101", RevisionNumber: 200, RevisionID: RevWin10Update,
		Type: catalog.TypeSoftware, Title: "Security Update for Windows (KB5005000)", KB: "5005000",
		Description: "Install this update to keep your computer current.",
		Prerequisites: []catalog.Prerequisite{
			{AnyOf: []string{det.ID}},
			{AnyOf: []string{windows.ID}, IsCategory: true},
			{AnyOf: []string{security.ID}, IsCategory: true},
		},
		IsInstalled: x.False(), IsInstallable: x.True()}
	for _, u := range []*catalog.Update{det, upd} {
		if err := c.Add(u); err != nil {
			return nil, err
		}
	}
	if _, err := c.AddDeploymentRow(catalog.Deployment{RevisionID: RevWin10Update, GroupID: catalog.GroupAllComputers,
		Action: catalog.ActionInstall, IsAssigned: true}); err != nil {
		return nil, err
	}
	return c, nil
}

// wireRequest is a request as it reached the server.
type wireRequest struct {
	method, path string
	header       http.Header
	body         []byte
}

// op is the SOAP operation (the SOAPAction's last part) or "GET path".
func (r wireRequest) op() string {
	a := strings.Trim(r.header.Get("SOAPAction"), `"`)
	if a == "" {
		return r.method + " " + r.path
	}
	return a[strings.LastIndex(a, "/")+1:]
}

// wireRecorder records every request in front of a handler.
type wireRecorder struct {
	mu   sync.Mutex
	reqs []wireRequest
}

func (rec *wireRecorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		h := r.Header.Clone()
		h.Set("Host", r.Host)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, wireRequest{method: r.Method, path: r.URL.Path, header: h, body: body})
		rec.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (rec *wireRecorder) all() []wireRequest {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.reqs)
}

// capturedRequest is one request of the native capture.
type capturedRequest struct {
	exchange string
	header   http.Header
	body     []byte
}

// loadCapturedRequests reads the requests of ../shared's native flow.
func loadCapturedRequests(t *testing.T) []capturedRequest {
	t.Helper()
	dir := shared.FlowDir(t)
	heads, _ := filepath.Glob(filepath.Join(dir, "*", "request.headers"))
	if len(heads) == 0 {
		t.Fatalf("no request.headers in %s", dir)
	}
	sort.Strings(heads)
	var out []capturedRequest
	for _, hp := range heads {
		raw, err := os.ReadFile(hp)
		if err != nil {
			t.Fatal(err)
		}
		body, err := os.ReadFile(filepath.Join(filepath.Dir(hp), "request.body"))
		if err != nil {
			t.Fatal(err)
		}
		c := capturedRequest{exchange: filepath.Base(filepath.Dir(hp)), header: http.Header{}, body: body}
		sc := bufio.NewScanner(bytes.NewReader(raw))
		sc.Scan() // the request line
		for sc.Scan() {
			name, value, ok := strings.Cut(sc.Text(), ":")
			if ok {
				c.header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
			}
		}
		out = append(out, c)
	}
	return out
}

// eventID finds the event IDs of a ReportEventBatch.
var eventID = regexp.MustCompile(`<EventID>([0-9]+)</EventID>`)

// kind classifies a SyncUpdates body as a software round or the driver
// pass, and a ReportEventBatch as detection events or others (download and
// installation events, which the simulator does not produce: it searches
// only); other operations are their name.
func kind(op string, body []byte) string {
	if op == "ReportEventBatch" {
		for _, m := range eventID.FindAllSubmatch(body, -1) {
			// 147 detection succeeded, 148 detection failed.
			if id := string(m[1]); id != "147" && id != "148" {
				return "ReportEventBatch (download and installation events)"
			}
		}
		return "ReportEventBatch (detection events)"
	}
	if op == "SyncUpdates" && bytes.Contains(body, []byte("<SkipSoftwareSync>true</SkipSoftwareSync>")) {
		return "SyncUpdates (driver pass)"
	}
	if op == "SyncUpdates" {
		return "SyncUpdates (software)"
	}
	return op
}

// TestWUA10RequestsMatchCapture runs the win10 and win11 profiles against
// mockwsus (the WSUS 3.0 SP1 and the WSUS 2025 personality) and compares, exchange by exchange with the native Windows 11
// capture in ../shared, the structure of every request: element names,
// namespaces, attributes and order (runs of array items merged, so the
// counts of IDs and devices do not matter), and the HTTP headers less the
// volatile values (Host, Content-Length, the MS-CV vector's value), with
// Accept-Encoding: xpress and mockwsus answering compressed. It also
// checks the operations of the search: no self-update request (the capture
// has none), the software rounds, the driver pass, GetExtendedUpdateInfo and
// ReportEventBatch in the capture's order, and no StartCategoryScan.
func TestWUA10RequestsMatchCapture(t *testing.T) {
	caps := loadCapturedRequests(t)
	want := map[string][]capturedRequest{}
	var capOrder []string
	for _, c := range caps {
		k := kind(strings.Trim(c.header.Get("SOAPAction")[strings.LastIndex(c.header.Get("SOAPAction"), "/")+1:], `"`), c.body)
		if len(want[k]) == 0 {
			capOrder = append(capOrder, k)
		}
		want[k] = append(want[k], c)
	}
	for _, tc := range []struct{ name, version string }{
		{"win11", mockwsus.VersionFixed}, {"win10", mockwsus.VersionFixed},
		{"win11", mockwsus.VersionWSUS2025}, {"win10", mockwsus.VersionWSUS2025},
	} {
		name := tc.name
		t.Run(name+"/"+tc.version, func(t *testing.T) {
			rec := &wireRecorder{}
			m := newMockWith(t, mockwsus.Config{Version: tc.version, Catalog: modernCatalog}, rec.wrap)
			cfg := m.agentConfig(t, name)
			res := sync1(t, cfg)
			if !res.Success || len(res.Updates) != 1 || res.Updates[0].RevisionID != RevWin10Update {
				t.Fatalf("search: success %v, %s, updates %+v; want S_OK with revision %d", res.Success, res.HResult, res.Updates, RevWin10Update)
			}
			reqs := rec.all()
			ours := map[string][]wireRequest{}
			var order []string
			for _, r := range reqs {
				if strings.Contains(strings.ToLower(r.path), "selfupdate") {
					t.Errorf("%s %s: WUA 10 makes no self-update request against WSUS (the capture has none)", r.method, r.path)
				}
				k := kind(r.op(), r.body)
				if k == "StartCategoryScan" {
					t.Errorf("StartCategoryScan sent: the search has no category filter (the capture has none) and the server is WSUS 3.x")
				}
				if len(ours[k]) == 0 {
					order = append(order, k)
				}
				ours[k] = append(ours[k], r)
			}
			// The capture starts inside a search whose handshake was done
			// earlier; the operations it shows come in its order.
			var shown []string
			for _, k := range order {
				if len(want[k]) > 0 {
					shown = append(shown, k)
				}
			}
			var searched []string
			for _, k := range capOrder {
				if !strings.Contains(k, "installation events") {
					searched = append(searched, k)
				}
			}
			if !slices.Equal(shown, searched) {
				t.Errorf("operations in order %v, the capture's %v", shown, searched)
			}
			p, err := profile.Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			compared := 0
			for _, k := range capOrder {
				if strings.Contains(k, "installation events") {
					continue // the simulator only searches
				}
				got := ours[k]
				if len(got) == 0 {
					t.Errorf("%s: never sent", k)
					continue
				}
				// The last one: a software round with the cached IDs, as the
				// captured agent had them from an earlier search.
				r := got[len(got)-1]
				for _, c := range want[k] {
					where := fmt.Sprintf("%s %s vs capture %s", name, k, c.exchange)
					compareShapes(t, where, c.body, r.body)
					compareHeaders(t, where, c.header, r.header, p)
					compared++
				}
			}
			// 4 software rounds, the driver pass, GetExtendedUpdateInfo and
			// the detection events' batch.
			if compared != 7 {
				t.Errorf("compared %d captured requests, want 7", compared)
			}
		})
	}
}

// volatileHeader matches the header values that differ from exchange to
// exchange by nature.
var volatileHeader = map[string]*regexp.Regexp{
	"Host":           regexp.MustCompile(`.`),
	"Content-Length": regexp.MustCompile(`^[0-9]+$`),
	"Ms-Cv":          regexp.MustCompile(`^[A-Za-z0-9+/]{16}\.1\.0\.0\.2\.[0-9]+$`),
}

// compareHeaders checks that ours has the capture's headers with its
// values, less the volatile ones (which must be well formed) and less the
// User-Agent of another agent version (win10 sends its own).
func compareHeaders(t *testing.T, where string, capture, ours http.Header, p *profile.Profile) {
	t.Helper()
	for name, vals := range capture {
		got := ours.Values(name)
		switch {
		case volatileHeader[name] != nil:
			if len(got) != 1 || !volatileHeader[name].MatchString(got[0]) {
				t.Errorf("%s: header %s = %q, want one value like the capture's %q", where, name, got, vals)
			}
		case name == "User-Agent":
			wantUA := fmt.Sprintf("Windows-Update-Agent/%s Client-Protocol/%s", p.Agent.UserAgentVersion, p.Agent.ClientProtocol)
			if !slices.Equal(got, []string{wantUA}) {
				t.Errorf("%s: User-Agent %q, want %q", where, got, wantUA)
			}
			if p.Name == "win11" && !slices.Equal(got, vals) {
				t.Errorf("%s: User-Agent %q, the captured Windows 11 agent sent %q", where, got, vals)
			}
		default:
			if !slices.Equal(got, vals) {
				t.Errorf("%s: header %s = %q, the capture has %q", where, name, got, vals)
			}
		}
	}
	for name := range ours {
		if _, ok := capture[name]; !ok {
			t.Errorf("%s: header %s = %q, which the native agent does not send", where, name, ours.Values(name))
		}
	}
}

// shape is the structure of an element: its name, its attributes (less
// namespace declarations) and its children, consecutive children of one
// name merged into one.
type shape struct {
	name  xml.Name
	attrs []string
	kids  []*shape
}

// bodyShape returns the shape of the SOAP Body's first child, with the
// envelope and Body names prepended.
func bodyShape(data []byte) (*shape, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	root := &shape{}
	stack := []*shape{root}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			s := &shape{name: tk.Name}
			for _, a := range tk.Attr {
				if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
					continue
				}
				s.attrs = append(s.attrs, a.Name.Space+" "+a.Name.Local)
			}
			sort.Strings(s.attrs)
			parent := stack[len(stack)-1]
			parent.kids = append(parent.kids, s)
			stack = append(stack, s)
		case xml.EndElement:
			s := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			parent := stack[len(stack)-1]
			if n := len(parent.kids); n >= 2 && parent.kids[n-2].name == s.name {
				merge(parent.kids[n-2], s)
				parent.kids = parent.kids[:n-1]
			}
		}
	}
	if len(root.kids) != 1 {
		return nil, errors.New("no single root element")
	}
	return root.kids[0], nil
}

// merge adds b's attributes and children to a, keeping a's order and
// putting b's new children after the ones they follow in b.
func merge(a, b *shape) {
	for _, at := range b.attrs {
		if !slices.Contains(a.attrs, at) {
			a.attrs = append(a.attrs, at)
		}
	}
	sort.Strings(a.attrs)
	pos := 0
	for _, k := range b.kids {
		i := slices.IndexFunc(a.kids, func(s *shape) bool { return s.name == k.name })
		if i >= 0 {
			merge(a.kids[i], k)
			pos = max(pos, i+1)
			continue
		}
		a.kids = slices.Insert(a.kids, pos, k)
		pos++
	}
}

// lines renders s one element per line, indented by depth.
func (s *shape) lines(depth int, out []string) []string {
	l := strings.Repeat("  ", depth) + "{" + s.name.Space + "}" + s.name.Local
	if len(s.attrs) > 0 {
		l += " @" + strings.Join(s.attrs, ",")
	}
	out = append(out, l)
	for _, k := range s.kids {
		out = k.lines(depth+1, out)
	}
	return out
}

// compareShapes fails with the first line where the structures differ.
func compareShapes(t *testing.T, where string, capture, ours []byte) {
	t.Helper()
	cs, err := bodyShape(capture)
	if err != nil {
		t.Fatalf("%s: capture: %v", where, err)
	}
	os, err := bodyShape(ours)
	if err != nil {
		t.Fatalf("%s: ours: %v", where, err)
	}
	want, got := cs.lines(0, nil), os.lines(0, nil)
	for i := range max(len(want), len(got)) {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			t.Errorf("%s: structure differs at line %d:\n capture: %s\n ours:    %s\n(capture context:\n%s)", where, i+1, w, g,
				strings.Join(want[max(0, i-3):min(len(want), i+3)], "\n"))
			return
		}
	}
}

// TestCategoryScan: a search limited to categories calls StartCategoryScan
// before SyncUpdates and filters the software rounds by the categories the
// server prefers, on a server of protocol 3.2 (WSUS 2025); a WSUS 3.0 SP1
// server (3.1) MUST NOT be asked (MS-WUSP 3.1.5.6), and the search is a full
// one. A WUA 7 profile cannot search by category.
func TestCategoryScan(t *testing.T) {
	cat, err := catalog.Default(42)
	if err != nil {
		t.Fatal(err)
	}
	product := cat.ByRevision(110).ID // Windows XP, a product category
	const unknown = "00000000-1111-2222-3333-444444444444"
	for _, tc := range []struct {
		version  string
		wantScan bool
	}{{mockwsus.VersionWSUS2025, true}, {mockwsus.VersionFixed, false}} {
		t.Run(tc.version, func(t *testing.T) {
			rec := &wireRecorder{}
			m := newMockWith(t, mockwsus.Config{Seed: 42, Version: tc.version}, rec.wrap)
			cfg := m.agentConfig(t, "win11")
			cfg.Categories = []string{"{" + strings.ToUpper(product) + "}", unknown}
			var log bytes.Buffer
			cfg.Log = &log
			if res := sync1(t, cfg); !res.Success {
				t.Fatalf("search %s: %s", res.HResult, res.Reason)
			}
			var ops []string
			var firstSync []byte
			for _, r := range rec.all() {
				ops = append(ops, r.op())
				if r.op() == "SyncUpdates" && firstSync == nil {
					firstSync = r.body
				}
			}
			scan := slices.Index(ops, "StartCategoryScan")
			if !tc.wantScan {
				if scan >= 0 {
					t.Fatalf("StartCategoryScan sent to a server of protocol 3.1: %v", ops)
				}
				if bytes.Contains(firstSync, []byte("FilterCategoryIds")) || !strings.Contains(log.String(), "below 3.2") {
					t.Errorf("the search against a 3.1 server is not a full one, or the log does not say why")
				}
				return
			}
			if scan < 0 || scan > slices.Index(ops, "SyncUpdates") {
				t.Fatalf("StartCategoryScan not sent before SyncUpdates: %v", ops)
			}
			want := "<FilterCategoryIds><CategoryIdentifier><Id>" + product + "</Id></CategoryIdentifier></FilterCategoryIds>"
			if !bytes.Contains(firstSync, []byte(want)) {
				t.Errorf("first SyncUpdates lacks %s:\n%s", want, firstSync)
			}
			if !strings.Contains(log.String(), "Categories the server does not know: "+unknown) {
				t.Errorf("log lacks the category in error:\n%s", log.String())
			}
		})
	}
	p := mustProfile("xp-sp3")
	if _, err := clientsim.New(clientsim.Config{ServerURL: "http://wsus01:8530", Profile: p, Categories: []string{product}}); err == nil {
		t.Error("a WUA 7 profile accepted a category search")
	}
}
