package mockwsus_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sync"

	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
	"github.com/wsusmock/wsusmock/soap/reporting"
)

// page is one console answer, parsed.
type conPage struct {
	t      *testing.T
	status int
	header http.Header
	body   string
	doc    *html.Node
}

// browser sends requests to a console handler as a browser would: on a
// loopback Host, with the session cookie it was given.
type conBrowser struct {
	t      *testing.T
	h      http.Handler
	cookie *http.Cookie
	header http.Header
}

func newBrowser(t *testing.T, h *harness, token string) *conBrowser {
	return &conBrowser{t: t, h: h.srv.AdminHandler(mockwsus.AdminOptions{Token: token}), header: http.Header{}}
}

func (b *conBrowser) do(r *http.Request) *conPage {
	b.t.Helper()
	r.Host = "127.0.0.1:8539"
	for k, v := range b.header {
		r.Header[k] = v
	}
	if b.cookie != nil {
		r.AddCookie(b.cookie)
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, r)
	p := &conPage{t: b.t, status: rec.Code, header: rec.Header(), body: rec.Body.String()}
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		doc, err := html.Parse(strings.NewReader(p.body))
		if err != nil {
			b.t.Fatalf("%s %s: not HTML: %v", r.Method, r.URL, err)
		}
		p.doc = doc
	}
	return p
}

func (b *conBrowser) get(path string) *conPage {
	b.t.Helper()
	return b.do(httptest.NewRequest(http.MethodGet, path, nil))
}

func (b *conBrowser) post(path string, form url.Values) *conPage {
	b.t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(r)
}

// find returns the nodes for which match holds, in document order.
func conFind(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func conAttr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func conHasAttr(key, val string) func(*html.Node) bool {
	return func(n *html.Node) bool {
		v, ok := conAttr(n, key)
		return n.Type == html.ElementNode && ok && (val == "" || v == val)
	}
}

func conElement(tag string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Type == html.ElementNode && n.Data == tag }
}

func conText(n *html.Node) string {
	var b strings.Builder
	for _, t := range conFind(n, func(n *html.Node) bool { return n.Type == html.TextNode }) {
		b.WriteString(t.Data)
	}
	return strings.TrimSpace(b.String())
}

// byID returns the element with the id, failing when there is none.
func (p *conPage) byID(id string) *html.Node {
	p.t.Helper()
	if p.doc == nil {
		p.t.Fatalf("the answer (%d) is not HTML:\n%s", p.status, p.body)
	}
	ns := conFind(p.doc, conHasAttr("id", id))
	if len(ns) != 1 {
		p.t.Fatalf("%d elements with id %q, want 1:\n%s", len(ns), id, p.body)
	}
	return ns[0]
}

// computerRows returns the computers table's rows by computer ID: each
// row's header and cells as text.
func (p *conPage) computerRows() map[string][]string {
	p.t.Helper()
	out := map[string][]string{}
	for _, tr := range conFind(p.byID("computers"), conHasAttr("data-computer", "")) {
		id, _ := conAttr(tr, "data-computer")
		var cells []string
		for _, c := range conFind(tr, func(n *html.Node) bool { return n.Type == html.ElementNode && (n.Data == "th" || n.Data == "td") }) {
			cells = append(cells, conText(c))
		}
		out[id] = cells
	}
	return out
}

// Cells of a computer row.
const (
	colName = iota
	colGroup
	colOS
	colLastContact
	colLastOperation
	colStatus
	colHResult
	colFaultID
)

// consoleFleet registers three computers: one with Office 2003 whose sync
// fails on the buggy server and that reports 0x8024400E, one without that
// succeeds, one that never syncs. It returns the Office computer's fault.
func consoleFleet(t *testing.T, h *harness) string {
	t.Helper()
	office := h.register("c-office", "office.lab.local", "")
	_, err := office.sync(detXP, detOffice2003)
	var f = asFault(t, err)
	ev := reportRequest(office.cookie, "c-office", h)
	ev.EventBatch.ReportingEvent[0].BasicData.Win32HResult = int32(-2145107954) // 0x8024400E
	ev.EventBatch.ReportingEvent[0].BasicData.EventID = reporting.EventDetectionFailed
	if _, err := h.post(reportingPath, reporting.ActionReportEventBatch, ev, &reporting.ReportEventBatchResponse{}); err != nil {
		t.Fatalf("ReportEventBatch: %v", err)
	}
	plain := h.register("c-plain", "plain.lab.local", "")
	if _, err := plain.sync(detXP); err != nil {
		t.Fatalf("the computer without Office should sync: %v", err)
	}
	if _, err := h.post(reportingPath, reporting.ActionReportEventBatch, reportRequest(plain.cookie, "c-plain", h), &reporting.ReportEventBatchResponse{}); err != nil {
		t.Fatalf("ReportEventBatch: %v", err)
	}
	h.register("c-idle", "idle.lab.local", "")
	return f.Detail.ID
}

func TestConsoleComputers(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	faultID := consoleFleet(t, h)
	b := newBrowser(t, h, "")
	p := b.get("/")
	if p.status != http.StatusOK {
		t.Fatalf("GET / answered %d:\n%s", p.status, p.body)
	}
	rows := p.computerRows()
	want := map[string][]string{
		"c-office": {"office.lab.local", "Unassigned Computers", "5.1.2600 SP3", "", "ReportEventBatch", "failed InternalServerError", "0x8024400E", faultID},
		"c-plain":  {"plain.lab.local", "Unassigned Computers", "5.1.2600 SP3", "", "ReportEventBatch", "succeeded", "0x00000000", ""},
		"c-idle":   {"idle.lab.local", "Unassigned Computers", "5.1.2600 SP3", "", "RegisterComputer", "never synced", "", ""},
	}
	if len(rows) != len(want) {
		t.Fatalf("the table lists %d computers, want %d: %v", len(rows), len(want), rows)
	}
	for id, w := range want {
		got := rows[id]
		if len(got) != len(w) {
			t.Fatalf("%s: %d cells %q, want %d", id, len(got), got, len(w))
		}
		for i := range w {
			if i == colLastContact {
				if got[i] == "never" || got[i] == "" {
					t.Errorf("%s: last contact %q, want a time", id, got[i])
				}
				continue
			}
			if got[i] != w[i] {
				t.Errorf("%s: cell %d is %q, want %q", id, i, got[i], w[i])
			}
		}
	}
	// The fault ID links to its page.
	links := conFind(p.byID("computers"), conHasAttr("href", "/console/faults/"+faultID))
	if len(links) != 1 {
		t.Errorf("want one link to /console/faults/%s in the table, got %d", faultID, len(links))
	}
	counts := map[string]string{}
	for _, n := range conFind(p.doc, conHasAttr("data-live", "")) {
		k, _ := conAttr(n, "data-live")
		counts[k] = conText(n)
	}
	for k, v := range map[string]string{"succeeded": "1", "failed": "1", "neverSynced": "1", "total": "3", "version": mockwsus.DefaultVersion, "dllVersion": mockwsus.DefaultVersion, "inconsistent": "2"} {
		if counts[k] != v {
			t.Errorf("count %s is %q, want %q", k, counts[k], v)
		}
	}
	// The journal's tail is there, newest first, with the fault linked.
	jr := conFind(p.byID("journal"), conElement("tr"))
	if len(jr) < 3 {
		t.Fatalf("journal tail has %d rows", len(jr))
	}
	if len(conFind(p.byID("journal"), conHasAttr("href", "/console/faults/"+faultID))) != 1 {
		t.Errorf("the journal tail should link the fault %s", faultID)
	}
}

func TestConsoleFilters(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	consoleFleet(t, h)
	b := newBrowser(t, h, "")
	for _, tt := range []struct {
		query string
		want  []string
	}{
		{"?status=failed", []string{"c-office"}},
		{"?status=succeeded", []string{"c-plain"}},
		{"?status=never+synced", []string{"c-idle"}},
		{"?group=Unassigned+Computers", []string{"c-office", "c-plain", "c-idle"}},
		{"?group=All+Computers&status=failed", []string{"c-office"}},
		{"?page=7", []string{"c-office", "c-plain", "c-idle"}}, // past the end: the last page
	} {
		p := b.get("/" + tt.query)
		if p.status != http.StatusOK {
			t.Fatalf("GET /%s answered %d", tt.query, p.status)
		}
		rows := p.computerRows()
		if len(rows) != len(tt.want) {
			t.Errorf("GET /%s lists %d computers, want %v", tt.query, len(rows), tt.want)
		}
		for _, id := range tt.want {
			if _, ok := rows[id]; !ok {
				t.Errorf("GET /%s does not list %s", tt.query, id)
			}
		}
	}
	for _, q := range []string{"?status=broken", "?group=Nowhere", "?page=0", "?page=x"} {
		if p := b.get("/" + q); p.status != http.StatusBadRequest {
			t.Errorf("GET /%s answered %d, want 400", q, p.status)
		}
	}
}

// A name a client sent is shown escaped and cut: it cannot add markup, and
// 10,000 characters do not become 10,000 characters of page.
func TestConsoleHostileComputerName(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	hostile := `<script>alert("x")</script>'"&<img src=x onerror=alert(1)>` + strings.Repeat("é", 10_000)
	s := h.register("c-hostile", hostile, "")
	if _, err := s.sync(detXP); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, h, "")
	p := b.get("/")
	if strings.Contains(p.body, "<script>alert") || strings.Contains(p.body, "<img src=x") {
		t.Fatalf("the hostile name reached the page unescaped")
	}
	if !strings.Contains(p.body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&#39;&#34;&amp;&lt;img") {
		t.Errorf("the name should be shown escaped")
	}
	if n := strings.Count(p.body, "é"); n > 2*300 {
		t.Errorf("the page carries %d characters of the name: it should be cut", n)
	}
	if scripts := conFind(p.doc, conElement("script")); len(scripts) != 1 {
		t.Errorf("the page has %d script elements, want the console's own only", len(scripts))
	}
	if imgs := conFind(p.doc, conElement("img")); len(imgs) != 0 {
		t.Errorf("the page has %d img elements, want none", len(imgs))
	}
	rows := p.computerRows()
	name := rows["c-hostile"][colName]
	if !strings.HasPrefix(name, `<script>alert("x")</script>'"&`) || !strings.HasSuffix(name, "…") || utf8.RuneCountInString(name) > 49 {
		t.Errorf("the name cell is %.120q (%d characters): want the name's start, cut with an ellipsis", name, utf8.RuneCountInString(name))
	}
	th := conFind(p.byID("computers"), conHasAttr("data-computer", "c-hostile"))[0]
	title, _ := conAttr(conFind(th, conElement("th"))[0], "title")
	if n := utf8.RuneCountInString(title); n > 256 {
		t.Errorf("the tooltip carries %d characters, want at most 256", n)
	}
	// The journal's live tail cuts it too.
	var live struct {
		Entries []struct {
			Computer string `json:"computer"`
		} `json:"entries"`
	}
	lp := b.get("/console/live")
	if err := json.Unmarshal([]byte(lp.body), &live); err != nil || len(live.Entries) == 0 {
		t.Fatalf("/console/live: %v\n%s", err, lp.body)
	}
	for _, e := range live.Entries {
		if utf8.RuneCountInString(e.Computer) > 49 {
			t.Errorf("the live journal carries a name of %d characters", utf8.RuneCountInString(e.Computer))
		}
	}
}

// The one inline script and style are allowed by hash, and nothing else.
func TestConsoleContentSecurityPolicy(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	p := newBrowser(t, h, "").get("/")
	csp := p.header.Get("Content-Security-Policy")
	for _, tag := range []string{"script", "style"} {
		m := regexp.MustCompile(`(?s)<` + tag + `>(.*?)</` + tag + `>`).FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("no inline %s", tag)
		}
		sum := sha256.Sum256([]byte(m[1]))
		want := tag + "-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q does not allow the page's %s (want %q): a browser would not run it", csp, tag, want)
		}
	}
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q should deny by default and never allow unsafe-inline", csp)
	}
}

func TestConsoleUpdatesFlagsInconsistentRows(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	b := newBrowser(t, h, "")
	flagged := func() []string {
		t.Helper()
		p := b.get("/console/updates")
		if p.status != http.StatusOK {
			t.Fatalf("GET /console/updates answered %d:\n%s", p.status, p.body)
		}
		var out []string
		for _, n := range conFind(p.doc, conHasAttr("data-inconsistent", "")) {
			rev, _ := conAttr(n, "data-revision")
			out = append(out, rev)
		}
		return out
	}
	if got := flagged(); len(got) != 1 || got[0] != "8862" {
		t.Fatalf("flagged revisions %v, want [8862] (Office 2003 SP1's double approval)", got)
	}
	// The flag comes from the data: a second row for another update is
	// flagged too.
	u, err := h.srv.Catalog().Lookup("KB951646")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.srv.Catalog().AddDeploymentRow(catalog.Deployment{RevisionID: u.RevisionID, GroupID: catalog.GroupAllComputers, Action: catalog.ActionInstall}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.srv.Catalog().AddDeploymentRow(catalog.Deployment{RevisionID: u.RevisionID, GroupID: catalog.GroupAllComputers, Action: catalog.ActionInstall}); err != nil {
		t.Fatal(err)
	}
	if got := flagged(); len(got) != 2 {
		t.Errorf("after doubling %s's approval, flagged revisions %v, want 8862 and %d", u.KB, got, u.RevisionID)
	}
}

// The KB's workaround, clicked in the console as three steps, cures the
// Office computer on the still-buggy server.
func TestConsoleWorkaroundSteps(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	b := newBrowser(t, h, "")
	office := h.register("c-office", "office.lab.local", "")
	if _, err := office.sync(detXP, detOffice2003); err == nil {
		t.Fatal("the Office computer should fail on the buggy server")
	}
	p := b.get("/console/updates")
	csrf := conCSRF(t, p)
	ref := conUpdateRef(t, p, "8862")
	back := "/console/updates"
	for _, step := range []struct{ path string }{{"/console/actions/decline"}, {"/console/actions/approve"}, {"/console/actions/decline"}} {
		form := url.Values{"csrf": {csrf}, "update": {ref}, "back": {back}}
		if step.path == "/console/actions/approve" {
			form.Set("group", "All Computers")
			form.Set("action", "Install")
		}
		r := b.post(step.path, form)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != back {
			t.Fatalf("POST %s answered %d (Location %q):\n%s", step.path, r.status, r.header.Get("Location"), r.body)
		}
	}
	if len(conFind(b.get("/console/updates").doc, conHasAttr("data-inconsistent", ""))) != 0 {
		t.Error("after the workaround, no update should be flagged")
	}
	again := h.register("c-office-2", "office2.lab.local", "")
	if _, err := again.sync(detXP, detOffice2003); err != nil {
		t.Errorf("after the workaround, the Office computer should sync: %v", err)
	}
}

func TestConsoleWorkaroundAtOnce(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	b := newBrowser(t, h, "")
	p := b.get("/console/updates")
	r := b.post("/console/actions/workaround", url.Values{"csrf": {conCSRF(t, p)}, "update": {conUpdateRef(t, p, "8862")}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("workaround answered %d:\n%s", r.status, r.body)
	}
	if !h.srv.Catalog().Declined(8862) || len(h.srv.Catalog().DeploymentRows(8862, []string{catalog.GroupAllComputers})) != 0 {
		t.Error("after the workaround, revision 8862 should be declined with no row")
	}
	// The KB's three steps, in order, as SoftwareDistribution.log records
	// an administrator's actions.
	var steps []string
	for _, line := range strings.Split(h.sdlog.String(), "\n") {
		switch {
		case strings.Contains(line, "DBConnection.Decline") && strings.Contains(line, "revision 8862"):
			steps = append(steps, "decline")
		case strings.Contains(line, "DBConnection.Approve") && strings.Contains(line, "revision 8862") && strings.Contains(line, "All Computers"):
			steps = append(steps, "approve")
		}
	}
	if strings.Join(steps, ",") != "decline,approve,decline" {
		t.Errorf("the workaround's steps were %v, want decline, approve (All Computers), decline", steps)
	}
	office := h.register("c-office", "office.lab.local", "")
	if _, err := office.sync(detXP, detOffice2003); err != nil {
		t.Errorf("after the workaround, the Office computer should sync: %v", err)
	}
}

func TestConsoleSwitches(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	b := newBrowser(t, h, "")
	csrf := conCSRF(t, b.get("/console/behaviours"))
	for _, tt := range []struct {
		path   string
		form   url.Values
		status int
	}{
		{"/console/actions/behaviour", url.Values{"name": {"kb954960"}, "mode": {"fixed"}, "group": {"Unassigned Computers"}}, http.StatusSeeOther},
		{"/console/actions/version", url.Values{"version": {mockwsus.VersionFixed}}, http.StatusSeeOther},
		{"/console/actions/behaviour", url.Values{"name": {"no-such"}, "mode": {"fixed"}}, http.StatusBadRequest},
		{"/console/actions/behaviour", url.Values{"name": {"kb954960"}, "mode": {"sideways"}}, http.StatusBadRequest},
		{"/console/actions/version", url.Values{"version": {"banana"}}, http.StatusBadRequest},
		{"/console/actions/decline", url.Values{"update": {"KB000000"}}, http.StatusNotFound},
		{"/console/actions/explode", url.Values{}, http.StatusNotFound},
	} {
		tt.form.Set("csrf", csrf)
		if r := b.post(tt.path, tt.form); r.status != tt.status {
			t.Errorf("POST %s %v answered %d, want %d:\n%s", tt.path, tt.form, r.status, tt.status, r.body)
		}
	}
	if m := h.srv.Mode("kb954960", catalog.GroupUnassignedComputers); m != "fixed" {
		t.Errorf("kb954960 for Unassigned Computers is %s after the switch", m)
	}
	if v := h.srv.Version(); v != mockwsus.VersionFixed {
		t.Errorf("version %s after installing %s", v, mockwsus.VersionFixed)
	}
	p := b.get("/console/behaviours")
	if got := conText(p.byID("b-kb954960")); !strings.Contains(got, "Unassigned Computers: fixed") {
		t.Errorf("the behaviours table should show the group override, got %q", got)
	}
	if len(conFind(p.byID("b-kb954960"), conHasAttr("data-unset", "Unassigned Computers"))) != 1 {
		t.Fatalf("the override should have its Remove button")
	}
	unset := url.Values{"csrf": {csrf}, "name": {"kb954960"}, "group": {"Unassigned Computers"}}
	if r := b.post("/console/actions/unset", unset); r.status != http.StatusSeeOther {
		t.Fatalf("removing the override answered %d:\n%s", r.status, r.body)
	}
	for _, b := range h.srv.Behaviours() {
		if b.Name == "kb954960" && len(b.Groups) != 0 {
			t.Errorf("kb954960 still has overrides %v", b.Groups)
		}
	}
	if r := b.post("/console/actions/unset", unset); r.status < 400 {
		t.Errorf("removing an override that is not set answered %d, want an error", r.status)
	}
}

func TestConsoleFaultPage(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	faultID := consoleFleet(t, h)
	b := newBrowser(t, h, "")
	p := b.get("/console/faults/" + faultID)
	if p.status != http.StatusOK {
		t.Fatalf("fault page answered %d:\n%s", p.status, p.body)
	}
	rows := conFind(p.doc, conElement("tbody"))
	if len(rows) != 1 || !strings.Contains(conText(rows[0]), "office.lab.local") || !strings.Contains(conText(rows[0]), "SyncUpdates") {
		t.Errorf("the fault page should list the Office computer's SyncUpdates, got %q", conText(p.doc))
	}
	var records []string
	for _, n := range conFind(p.doc, conHasAttr("class", "log")) {
		records = append(records, conText(n))
	}
	if len(records) != 2 || !strings.Contains(records[0], "Key being added: '8862'") || !strings.Contains(records[0], "Hashtable.Insert") ||
		!strings.Contains(records[1], "ThrowException") || !strings.Contains(records[1], "ID="+faultID) {
		t.Errorf("the fault page should show the ArgumentException for 8862, then ThrowException with ID=%s; got %q", faultID, records)
	}
	if p := b.get("/console/faults/00000000-0000-0000-0000-000000000000"); p.status != http.StatusOK || len(conFind(p.doc, conHasAttr("id", "no-log"))) != 1 {
		t.Errorf("a fault ID the server never gave answers %d and should say no line names it", p.status)
	}
	for _, bad := range []string{"nonsense", "00000000-0000-0000-0000-00000000000g", "%3Cscript%3E"} {
		if p := b.get("/console/faults/" + bad); p.status != http.StatusNotFound {
			t.Errorf("GET /console/faults/%s answered %d, want 404", bad, p.status)
		}
	}
}

func TestConsoleLive(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	b := newBrowser(t, h, "")
	var first struct {
		Counts  map[string]int `json:"counts"`
		LastSeq uint64         `json:"lastSeq"`
		Entries []struct {
			Kind     string `json:"kind"`
			Computer string `json:"computer"`
		} `json:"entries"`
	}
	if err := json.Unmarshal([]byte(b.get("/console/live").body), &first); err != nil {
		t.Fatal(err)
	}
	if first.Counts["total"] != 0 || len(first.Entries) != 1 || first.Entries[0].Kind != "admin" || first.Entries[0].Computer != "administrator" {
		t.Fatalf("a fresh server should show its start only, as the administrator's: %+v", first)
	}
	consoleFleet(t, h)
	var next struct {
		Counts  map[string]int `json:"counts"`
		LastSeq uint64         `json:"lastSeq"`
		Entries []struct {
			Seq uint64 `json:"seq"`
		} `json:"entries"`
	}
	if err := json.Unmarshal([]byte(b.get("/console/live?after=0").body), &next); err != nil {
		t.Fatal(err)
	}
	if next.Counts["total"] != 3 || next.Counts["failed"] != 1 || next.Counts["succeeded"] != 1 || next.Counts["neverSynced"] != 1 {
		t.Errorf("counts %v, want 1 failed, 1 succeeded, 1 never synced", next.Counts)
	}
	if len(next.Entries) != 20 || next.Entries[19].Seq != next.LastSeq {
		t.Errorf("want the last 20 entries ending at %d, got %d", next.LastSeq, len(next.Entries))
	}
	var none struct {
		Entries []any `json:"entries"`
	}
	if err := json.Unmarshal([]byte(b.get("/console/live?after="+conJSONNumber(next.LastSeq)).body), &none); err != nil || len(none.Entries) != 0 {
		t.Errorf("nothing new after %d: %v %v", next.LastSeq, none.Entries, err)
	}
	if p := b.get("/console/live?after=-1"); p.status != http.StatusBadRequest {
		t.Errorf("after=-1 answered %d", p.status)
	}
}

func conJSONNumber(n uint64) string { b, _ := json.Marshal(n); return string(b) }

// With a token: a login form, a session cookie that dies with the browser
// session and is not the token, CSRF on every change.
func TestConsoleToken(t *testing.T) {
	const token = "s3cret-token-value"
	h := newHarness(t, mockwsus.Config{})
	b := newBrowser(t, h, token)
	for _, path := range []string{"/", "/console/updates", "/console/behaviours", "/console/faults/00000000-0000-0000-0000-000000000000"} {
		p := b.get(path)
		if p.status != http.StatusUnauthorized {
			t.Errorf("GET %s without the token answered %d, want 401", path, p.status)
		}
		if len(conFind(p.doc, conHasAttr("name", "token"))) != 1 {
			t.Errorf("GET %s without the token should show the login form", path)
		}
	}
	if p := b.get("/console/live"); p.status != http.StatusUnauthorized {
		t.Errorf("GET /console/live without the token answered %d", p.status)
	}
	if p := b.post("/console/actions/version", url.Values{"version": {mockwsus.VersionFixed}}); p.status != http.StatusUnauthorized || h.srv.Version() == mockwsus.VersionFixed {
		t.Errorf("a change without the token answered %d and version is %s", p.status, h.srv.Version())
	}
	if p := b.post("/console/login", url.Values{"token": {"wrong"}, "next": {"/console/updates"}}); p.status != http.StatusUnauthorized || p.header.Get("Set-Cookie") != "" {
		t.Errorf("a wrong token answered %d with cookie %q", p.status, p.header.Get("Set-Cookie"))
	}
	// Only local paths are followed after the login.
	for next, want := range map[string]string{"/console/updates": "/console/updates", "//evil.example/": "/", "https://evil.example/": "/", "/\\evil.example": "/"} {
		p := b.post("/console/login", url.Values{"token": {token}, "next": {next}})
		if p.status != http.StatusSeeOther || p.header.Get("Location") != want {
			t.Errorf("login with next %q answered %d to %q, want 303 to %q", next, p.status, p.header.Get("Location"), want)
		}
	}
	p := b.post("/console/login", url.Values{"token": {token}, "next": {"/"}})
	set := p.header.Get("Set-Cookie")
	ck, err := http.ParseSetCookie(set)
	if err != nil {
		t.Fatalf("Set-Cookie %q: %v", set, err)
	}
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.MaxAge != 0 || !ck.Expires.IsZero() || strings.Contains(ck.Value, token) || ck.Value == "" {
		t.Errorf("Set-Cookie %q: want a session cookie (no Expires, no Max-Age), HttpOnly, SameSite=Strict, not carrying the token", set)
	}
	b.cookie = &http.Cookie{Name: ck.Name, Value: ck.Value}
	home := b.get("/")
	if home.status != http.StatusOK {
		t.Fatalf("GET / with the session answered %d", home.status)
	}
	for _, path := range []string{"/", "/console/updates", "/console/behaviours", "/console/live"} {
		if p := b.get(path); strings.Contains(p.body, token) || p.status != http.StatusOK {
			t.Errorf("GET %s with the session answered %d; carries the token: %t", path, p.status, strings.Contains(p.body, token))
		}
	}
	csrf := conCSRF(t, home)
	for _, tt := range []struct {
		name   string
		form   url.Values
		header map[string]string
	}{
		{"no CSRF token", url.Values{"version": {mockwsus.VersionFixed}}, nil},
		{"a wrong CSRF token", url.Values{"version": {mockwsus.VersionFixed}, "csrf": {strings.Repeat("0", 64)}}, nil},
		{"from another site (Origin)", url.Values{"version": {mockwsus.VersionFixed}, "csrf": {csrf}}, map[string]string{"Origin": "http://evil.example"}},
		{"from another site (Sec-Fetch-Site)", url.Values{"version": {mockwsus.VersionFixed}, "csrf": {csrf}}, map[string]string{"Sec-Fetch-Site": "cross-site"}},
	} {
		for k, v := range tt.header {
			b.header.Set(k, v)
		}
		if p := b.post("/console/actions/version", tt.form); p.status != http.StatusForbidden {
			t.Errorf("%s: answered %d, want 403", tt.name, p.status)
		}
		b.header = http.Header{}
	}
	if h.srv.Version() == mockwsus.VersionFixed {
		t.Fatal("a refused change changed the version")
	}
	b.header.Set("Origin", "http://127.0.0.1:8539")
	b.header.Set("Sec-Fetch-Site", "same-origin")
	if p := b.post("/console/actions/version", url.Values{"version": {mockwsus.VersionFixed}, "csrf": {csrf}}); p.status != http.StatusSeeOther || h.srv.Version() != mockwsus.VersionFixed {
		t.Errorf("a same-origin change with the CSRF token answered %d:\n%s", p.status, p.body)
	}
	// The bearer token (the script's fetches) works without a cookie.
	bearer := newBrowser(t, h, token)
	bearer.header.Set("Authorization", "Bearer "+token)
	if p := bearer.get("/console/live"); p.status != http.StatusOK {
		t.Errorf("GET /console/live with the bearer token answered %d", p.status)
	}
	bearer.header.Set("Authorization", "Bearer nope")
	if p := bearer.get("/"); p.status != http.StatusUnauthorized {
		t.Errorf("GET / with a wrong bearer token answered %d", p.status)
	}
	// Logging out ends the session.
	if p := b.post("/console/logout", url.Values{"csrf": {csrf}}); p.status != http.StatusSeeOther {
		t.Fatalf("logout answered %d", p.status)
	}
	if p := b.get("/"); p.status != http.StatusUnauthorized {
		t.Errorf("after logging out, GET / answered %d", p.status)
	}
}

// Without a token the console answers loopback names only: a rebinding DNS
// name must not let another site's page read it.
func TestConsoleLoopbackHostOnly(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	handler := h.srv.AdminHandler(mockwsus.AdminOptions{})
	for host, want := range map[string]int{
		"127.0.0.1:8539": http.StatusOK, "localhost:8539": http.StatusOK, "[::1]:8539": http.StatusOK, "LOCALHOST": http.StatusOK,
		"evil.example:8539": http.StatusForbidden, "10.0.0.1:8539": http.StatusForbidden,
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Host = host
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, r)
		if rec.Code != want {
			t.Errorf("Host %s: answered %d, want %d", host, rec.Code, want)
		}
	}
}

// The admin API's JSON 404 still answers paths the console does not serve.
func TestConsoleLeavesTheAPIAlone(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	b := newBrowser(t, h, "")
	if p := b.get("/nowhere"); p.status != http.StatusNotFound || !strings.Contains(p.header.Get("Content-Type"), "json") {
		t.Errorf("GET /nowhere answered %d %s", p.status, p.header.Get("Content-Type"))
	}
	if p := b.get("/version"); p.status != http.StatusOK || !strings.Contains(p.body, "serverVersion") {
		t.Errorf("GET /version answered %d", p.status)
	}
}

func conCSRF(t *testing.T, p *conPage) string {
	t.Helper()
	for _, n := range conFind(p.doc, conHasAttr("name", "csrf")) {
		if v, _ := conAttr(n, "value"); v != "" {
			return v
		}
	}
	t.Fatalf("no CSRF token in the page:\n%s", p.body)
	return ""
}

// conUpdateRef returns the update reference the forms of a revision post.
func conUpdateRef(t *testing.T, p *conPage, rev string) string {
	t.Helper()
	sec := p.byID("rev-" + rev)
	for _, n := range conFind(sec, conHasAttr("name", "update")) {
		if v, _ := conAttr(n, "value"); v != "" {
			return v
		}
	}
	t.Fatalf("no update form for revision %s", rev)
	return ""
}

// Every control has a label, every table a caption and column headers with
// a scope, every page one h1 and a lang.
func TestConsoleAccessibleMarkup(t *testing.T) {
	const token = "tok"
	h := newHarness(t, mockwsus.Config{})
	faultID := consoleFleet(t, h)
	b := newBrowser(t, h, "")
	login := newBrowser(t, h, token)
	pages := map[string]*conPage{"login": login.get("/")}
	for _, path := range []string{"/", "/?status=failed", "/console/updates", "/console/behaviours", "/console/faults/" + faultID, "/console/faults/nonsense"} {
		pages[path] = b.get(path)
	}
	for name, p := range pages {
		labels := map[string]bool{}
		for _, l := range conFind(p.doc, conElement("label")) {
			if f, ok := conAttr(l, "for"); ok {
				labels[f] = true
			}
		}
		for _, n := range conFind(p.doc, func(n *html.Node) bool {
			return n.Type == html.ElementNode && (n.Data == "select" || n.Data == "input" || n.Data == "textarea")
		}) {
			if typ, _ := conAttr(n, "type"); typ == "hidden" {
				continue
			}
			id, _ := conAttr(n, "id")
			if id == "" || !labels[id] {
				nm, _ := conAttr(n, "name")
				t.Errorf("%s: the %s %q has no label", name, n.Data, nm)
			}
		}
		for _, table := range conFind(p.doc, conElement("table")) {
			if len(conFind(table, conElement("caption"))) != 1 {
				t.Errorf("%s: a table without a caption", name)
			}
			for _, th := range conFind(table, conElement("th")) {
				if scope, _ := conAttr(th, "scope"); scope != "col" && scope != "row" {
					t.Errorf("%s: a table header %q without scope", name, conText(th))
				}
			}
		}
		if n := len(conFind(p.doc, conElement("h1"))); n != 1 {
			t.Errorf("%s: %d h1, want 1", name, n)
		}
		if lang, _ := conAttr(conFind(p.doc, conElement("html"))[0], "lang"); lang == "" {
			t.Errorf("%s: no lang on html", name)
		}
	}
}

// The console reads while computers sync (run with -race): every page
// answers, and the counts end at the fleet's.
func TestConsoleUnderTraffic(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	handler := h.srv.AdminHandler(mockwsus.AdminOptions{})
	done := make(chan struct{})
	readerErr := make(chan error, 1)
	go func() {
		defer close(readerErr)
		for {
			for _, path := range []string{"/", "/console/live", "/console/updates", "/?status=failed"} {
				r := httptest.NewRequest(http.MethodGet, path, nil)
				r.Host = "127.0.0.1:8539"
				rec := httptest.NewRecorder()
				handler.ServeHTTP(rec, r)
				if rec.Code != http.StatusOK {
					readerErr <- fmt.Errorf("GET %s answered %d during traffic", path, rec.Code)
					return
				}
			}
			select {
			case <-done:
				return
			default:
			}
		}
	}()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := h.register(fmt.Sprintf("c-%d", i), fmt.Sprintf("pc-%d.lab.local", i), "")
			if i%2 == 0 {
				_, _ = s.sync(detXP, detOffice2003)
			} else {
				_, _ = s.sync(detXP)
			}
		}()
	}
	wg.Wait()
	close(done)
	if err := <-readerErr; err != nil {
		t.Fatal(err)
	}
	var live struct {
		Counts map[string]int `json:"counts"`
	}
	if err := json.Unmarshal([]byte(newBrowser(t, h, "").get("/console/live").body), &live); err != nil {
		t.Fatal(err)
	}
	if live.Counts["failed"] != 4 || live.Counts["succeeded"] != 4 {
		t.Errorf("counts %v after 4 failing and 4 succeeding computers", live.Counts)
	}
}
