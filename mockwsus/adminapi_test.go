package mockwsus_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
	"github.com/wsusmock/wsusmock/soap/reporting"
)

// adminPath fills an endpoint's path parameters with values that exist.
func adminPath(p string) string {
	return strings.NewReplacer("{name}", "kb954960", "{group}", "Workstations").Replace(p)
}

// adminRequest is one request the token tests send to every endpoint.
func adminRequest(ep mockwsus.AdminEndpoint) (method, target, body string) {
	target = adminPath(ep.Path)
	switch ep.Method + " " + ep.Path {
	case "PUT /version":
		body = `{"version":"3.1.6001.66"}`
	case "PUT /behaviours/{name}":
		body = `{"mode":"fixed","group":"Workstations"}`
	case "POST /approvals", "POST /declines":
		body = `{"update":"KB950749"}`
	case "GET /debug/pprof/profile":
		target += "?seconds=1"
	case "GET /debug/pprof/trace":
		target += "?seconds=0.05"
	}
	return ep.Method, target, body
}

// With a token, every admin request but GET /healthz is refused without it
// (reads, /debug, unknown paths and wrong methods too), and no answer, with
// the token or without, carries the token: not /debug/vars's command line
// either.
func TestAdminTokenGuardsEveryRouteAndNeverLeaks(t *testing.T) {
	const token = "tok-7f3a9c-never-echoed"
	saved := os.Args
	os.Args = append(append([]string(nil), os.Args...), "--admin-token", token, "--admin-token="+token)
	defer func() { os.Args = saved }()

	h := newHarness(t, mockwsus.Config{})
	s := h.register("c1", "c1.lab.local", "Workstations")
	if _, err := s.sync(detXP); err != nil {
		t.Fatal(err)
	}
	handler := h.srv.AdminHandler(mockwsus.AdminOptions{Token: token})
	send := func(method, target, body, auth string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, target, strings.NewReader(body))
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, r)
		for k, vs := range rec.Header() {
			for _, v := range vs {
				if strings.Contains(v, token) {
					t.Errorf("%s %s: header %s carries the token", method, target, k)
				}
			}
		}
		if strings.Contains(rec.Body.String(), token) {
			t.Errorf("%s %s (Authorization %q): the answer carries the token:\n%s", method, target, auth, rec.Body)
		}
		return rec
	}
	eps := mockwsus.AdminEndpoints()
	if len(eps) < 20 {
		t.Fatalf("AdminEndpoints lists %d routes", len(eps))
	}
	for _, ep := range eps {
		method, target, body := adminRequest(ep)
		rec := send(method, target, body, "")
		if ep.Public {
			if ep.Method+" "+ep.Path != "GET /healthz" {
				t.Errorf("%s %s is public; only GET /healthz may be", ep.Method, ep.Path)
			}
			if rec.Code != http.StatusOK {
				t.Errorf("%s %s without the token: HTTP %d, want 200", method, target, rec.Code)
			}
			continue
		}
		if rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("%s %s without the token: HTTP %d (WWW-Authenticate %q), want 401 with a challenge", method, target, rec.Code, rec.Header().Get("WWW-Authenticate"))
		}
	}
	for _, extra := range []struct{ method, target string }{{"GET", "/nothing"}, {"DELETE", "/version"}, {"POST", "/healthz"}, {"GET", "/debug/pprof/cmdline"}} {
		if rec := send(extra.method, extra.target, "", "Bearer wrong"); rec.Code != http.StatusUnauthorized {
			t.Errorf("%s %s with a wrong token: HTTP %d, want 401", extra.method, extra.target, rec.Code)
		}
	}
	// With the token every route answers (reads 200; changes 200 too, the
	// bodies above being valid), and still never with the token in it.
	for _, ep := range eps {
		method, target, body := adminRequest(ep)
		switch ep.Method + " " + ep.Path {
		case "DELETE /behaviours/{name}": // something to remove
			h.srv.SetMode("kb954960", behaviour.Fixed, "")
		case "DELETE /groups/{group}/behaviours/{name}":
			h.srv.SetMode("kb954960", behaviour.Fixed, "Workstations")
		}
		rec := send(method, target, body, "Bearer "+token)
		if rec.Code == http.StatusInternalServerError && strings.Contains(rec.Body.String(), "profiling already in use") {
			continue // go test -cpuprofile holds the profiler
		}
		if rec.Code != http.StatusOK {
			t.Errorf("%s %s with the token: HTTP %d %s", method, target, rec.Code, rec.Body)
		}
	}
	rec := send("GET", "/debug/vars", "", "Bearer "+token)
	var vars struct {
		Cmdline []string `json:"cmdline"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &vars); err != nil {
		t.Fatalf("/debug/vars is not JSON: %v\n%s", err, rec.Body)
	}
	if n := len(vars.Cmdline); n < 3 || vars.Cmdline[n-2] != mockwsus.Redacted || vars.Cmdline[n-1] != "--admin-token="+mockwsus.Redacted {
		t.Errorf("/debug/vars cmdline = %q, want the token redacted in both spellings", vars.Cmdline)
	}
	for _, extra := range []struct{ method, target string }{{"GET", "/nothing"}, {"DELETE", "/version"}} {
		send(extra.method, extra.target, "", "Bearer "+token)
	}
}

func TestRedactArgs(t *testing.T) {
	tests := []struct {
		args  []string
		token string
		want  []string
	}{
		{[]string{"mockwsus", "--admin-token", "abc", "--seed", "1"}, "", []string{"mockwsus", "--admin-token", "[redacted]", "--seed", "1"}},
		{[]string{"mockwsus", "-admin-token=abc"}, "", []string{"mockwsus", "-admin-token=[redacted]"}},
		{[]string{"wrapper", "--token-for-child=abc"}, "abc", []string{"wrapper", "--token-for-child=[redacted]"}},
		{[]string{"mockwsus", "--admin-token-file", "/run/secret"}, "", []string{"mockwsus", "--admin-token-file", "/run/secret"}},
	}
	for _, tt := range tests {
		if got := mockwsus.RedactArgs(tt.args, tt.token); strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("RedactArgs(%q, %q) = %q, want %q", tt.args, tt.token, got, tt.want)
		}
	}
}

// camelKey is the one key style of admin answers.
var camelKey = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)

// dataMaps are the fields whose keys are data (behaviour and group names,
// request summaries), not field names.
var dataMaps = map[string]bool{"behaviours": true, "groups": true, "modes": true, "overrides": true, "groupBehaviours": true, "request": true}

// checkJSONStyle walks a decoded JSON value: every field name camelCase,
// no null anywhere (an empty list is []).
func checkJSONStyle(t *testing.T, where string, v any, path string) {
	t.Helper()
	switch x := v.(type) {
	case nil:
		t.Errorf("%s: %s is null", where, path)
	case map[string]any:
		field := path[strings.LastIndex(path, ".")+1:]
		for k, child := range x {
			if !dataMaps[field] && !camelKey.MatchString(k) {
				t.Errorf("%s: field %s.%s is not camelCase", where, path, k)
			}
			checkJSONStyle(t, where, child, path+"."+k)
		}
	case []any:
		for i, child := range x {
			checkJSONStyle(t, where, child, fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

// Every JSON answer of the admin API, on an empty server and on a busy
// one, errors included, has camelCase fields and no null (the journal's
// lines too). /debug/vars is Go's expvar format and is left as Go writes it.
func TestAdminJSONStyle(t *testing.T) {
	for _, busy := range []bool{false, true} {
		h := newHarness(t, mockwsus.Config{})
		a := &admin{t: t, h: h.srv.AdminHandler(mockwsus.AdminOptions{})}
		if busy {
			s := h.register("c1", "c1.lab.local", "Workstations")
			if _, err := s.sync(detXP, detOffice2003); err == nil {
				t.Fatal("the Office 2003 computer's sync did not fail on the buggy server")
			}
			if _, err := h.post(reportingPath, reporting.ActionReportEventBatch, reportRequest(s.cookie, "c1", h), &reporting.ReportEventBatchResponse{}); err != nil {
				t.Fatal(err)
			}
			a.do("PUT", "/behaviours/kb954960", `{"mode":"fixed","group":"Workstations"}`, nil)
		}
		requests := []struct{ method, path, body string }{
			{"GET", "/version", ""}, {"GET", "/behaviours", ""}, {"GET", "/behaviours/kb954960", ""}, {"GET", "/groups", ""},
			{"GET", "/approvals", ""}, {"GET", "/computers", ""}, {"GET", "/events", ""}, {"GET", "/debug/memory", ""},
			{"POST", "/approvals", `{"update":"KB950749"}`}, {"POST", "/declines", `{"update":"KB950749"}`},
			{"PUT", "/version", `{"version":"banana"}`}, {"GET", "/nothing", ""}, {"DELETE", "/version", ""},
			{"GET", "/journal?limit=x", ""}, {"GET", "/logs/SoftwareDistribution.log?offset=999999999", ""},
			{"DELETE", "/groups/Workstations/behaviours/sql-timeout", ""},
			{"PUT", "/behaviours/kb954960", `{"mode":"buggy"}`}, {"DELETE", "/behaviours/kb954960", ""},
			{"POST", "/reset", `{"version":"3.1.6001.66"}`},
		}
		for _, rq := range requests {
			where := fmt.Sprintf("busy=%t %s %s", busy, rq.method, rq.path)
			_, body := a.do(rq.method, rq.path, rq.body, nil)
			var v any
			if err := json.Unmarshal([]byte(body), &v); err != nil {
				t.Errorf("%s: not JSON: %v\n%s", where, err, body)
				continue
			}
			checkJSONStyle(t, where, v, "$")
		}
		_, body := a.do("GET", "/journal", "", nil)
		sc := bufio.NewScanner(strings.NewReader(body))
		for sc.Scan() {
			var v any
			if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
				t.Fatalf("journal line %q: %v", sc.Text(), err)
			}
			checkJSONStyle(t, "journal line", v, "$")
		}
	}
}

// journalLines decodes a GET /journal answer.
func journalLines(t *testing.T, body string) []mockwsus.Entry {
	t.Helper()
	var out []mockwsus.Entry
	dec := json.NewDecoder(strings.NewReader(body))
	for dec.More() {
		var e mockwsus.Entry
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("journal: %v\n%s", err, body)
		}
		out = append(out, e)
	}
	return out
}

// GET /journal filters by computer (ID or DNS name), operation, outcome,
// kind and sequence range, pages with limit and X-Journal-Next, and refuses
// a parameter it does not know.
func TestAdminJournalQuery(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	handler := h.srv.AdminHandler(mockwsus.AdminOptions{})
	office := h.register("office", "office.lab.local", "")
	plain := h.register("plain", "plain.lab.local", "")
	if _, err := office.sync(detXP, detOffice2003); err == nil {
		t.Fatal("the Office computer's sync did not fail")
	}
	if _, err := plain.sync(detXP); err != nil {
		t.Fatal(err)
	}
	if err := h.srv.SetMode("kb954960", behaviour.Fixed, ""); err != nil {
		t.Fatal(err)
	}
	get := func(query string) (*httptest.ResponseRecorder, []mockwsus.Entry) {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, httptest.NewRequest("GET", "/journal"+query, nil))
		if rec.Code != 200 {
			return rec, nil
		}
		return rec, journalLines(t, rec.Body.String())
	}
	all := exchanges(h.srv)
	tests := []struct {
		query string
		want  func(mockwsus.Entry) bool
	}{
		{"?computer=office", func(e mockwsus.Entry) bool { return e.Computer == "office" }},
		{"?computer=PLAIN.lab.local", func(e mockwsus.Entry) bool { return e.Computer == "plain" }},
		{"?operation=syncupdates", func(e mockwsus.Entry) bool { return e.Operation == "SyncUpdates" }},
		{"?outcome=fault", func(e mockwsus.Entry) bool { return e.Outcome == "fault" }},
		{"?faultId=" + strings.ToUpper(faultOf(all)), func(e mockwsus.Entry) bool { return e.FaultID != "" && e.FaultID == faultOf(all) }},
		{"?kind=admin", func(e mockwsus.Entry) bool { return e.Kind == mockwsus.KindAdmin }},
		{"?kind=exchange&computer=office&operation=SyncUpdates", func(e mockwsus.Entry) bool {
			return e.Kind == "" && e.Computer == "office" && e.Operation == "SyncUpdates"
		}},
		{fmt.Sprintf("?from=%d&to=%d", all[2].Seq, all[4].Seq), func(e mockwsus.Entry) bool { return e.Seq >= all[2].Seq && e.Seq <= all[4].Seq }},
	}
	every := h.srv.Journal().Entries()
	for _, tt := range tests {
		rec, got := get(tt.query)
		var want []uint64
		for _, e := range every {
			if tt.want(e) {
				want = append(want, e.Seq)
			}
		}
		var seqs []uint64
		for _, e := range got {
			seqs = append(seqs, e.Seq)
		}
		if rec.Code != 200 || len(want) == 0 || fmt.Sprint(seqs) != fmt.Sprint(want) {
			t.Errorf("GET /journal%s = HTTP %d seqs %v, want %v", tt.query, rec.Code, seqs, want)
		}
	}
	// Paging: limit 3 at a time, following X-Journal-Next, gives every
	// entry once, in order.
	var paged []uint64
	from := uint64(0)
	for range 100 {
		rec, got := get(fmt.Sprintf("?limit=3&from=%d", from))
		for _, e := range got {
			paged = append(paged, e.Seq)
		}
		next := rec.Header().Get(mockwsus.HeaderJournalNext)
		if next == "" {
			break
		}
		if len(got) != 3 {
			t.Fatalf("a page with a next page has %d entries, want 3", len(got))
		}
		fmt.Sscan(next, &from)
	}
	var seqs []uint64
	for _, e := range every {
		seqs = append(seqs, e.Seq)
	}
	if fmt.Sprint(paged) != fmt.Sprint(seqs) {
		t.Errorf("paged journal %v, want %v", paged, seqs)
	}
	for _, bad := range []string{"?form=3", "?limit=-1", "?from=x", "?kind=other"} {
		rec, _ := get(bad)
		wantError(t, "GET /journal"+bad, rec.Code, rec.Body.String(), 400, "journal query")
	}
}

// The exchanges carry no behaviour map; admin actions are journaled as
// entries of their own, with the modes when (and only when) they set them.
func TestAdminActionsJournaled(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	a := &admin{t: t, h: h.srv.AdminHandler(mockwsus.AdminOptions{})}
	s := h.register("c1", "c1.lab.local", "Workstations")
	s.sync(detXP, detOffice2003)
	steps := []struct{ method, path, body string }{
		{"PUT", "/behaviours/kb954960", `{"mode":"fixed","group":"Workstations"}`},
		{"DELETE", "/groups/Workstations/behaviours/kb954960", ""},
		{"PUT", "/version", `{"version":"3.1.6001.66"}`},
		{"POST", "/declines", `{"update":"KB842532"}`},
		{"POST", "/approvals", `{"update":"KB842532","group":"All Computers","action":"Install"}`},
	}
	for _, st := range steps {
		if status, body := a.do(st.method, st.path, st.body, nil); status != 200 {
			t.Fatalf("%s %s: HTTP %d %s", st.method, st.path, status, body)
		}
	}
	var got []string
	for _, e := range h.srv.Journal().Entries() {
		if e.Kind == "" {
			if e.Behaviours != nil {
				t.Errorf("exchange %d (%s) repeats the behaviour map", e.Seq, e.Operation)
			}
			continue
		}
		got = append(got, fmt.Sprintf("%s:%s:%t", e.Operation, e.Group, e.Behaviours != nil))
		switch e.Operation {
		case "setMode":
			if e.GroupBehaviours["Workstations"]["kb954960"] != "fixed" || e.Behaviours["kb954960"] != "buggy" {
				t.Errorf("setMode entry %+v, want Workstations' kb954960 fixed over the whole server's buggy", e)
			}
		case "setVersion":
			if e.Behaviours["kb954960"] != "fixed" || e.GroupBehaviours != nil {
				t.Errorf("setVersion entry %+v, want kb954960 fixed by the version and no group override", e)
			}
		}
	}
	want := "start::true setMode:Workstations:true removeMode:Workstations:true setVersion::true decline::false approve:All Computers:false"
	if strings.Join(got, " ") != want {
		t.Errorf("admin entries %q, want %q", strings.Join(got, " "), want)
	}
}

// The fleet's state: a computer that failed shows its last operation and
// outcome, the fault ID the journal and SoftwareDistribution.log have, its
// ErrorCode and the HRESULT it reported; one that succeeded shows that.
func TestAdminComputersState(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	a := &admin{t: t, h: h.srv.AdminHandler(mockwsus.AdminOptions{})}
	office := h.register("office", "office.lab.local", "")
	plain := h.register("plain", "plain.lab.local", "Workstations")
	_, err := office.sync(detXP, detOffice2003)
	f := asFault(t, err)
	req := reportRequest(office.cookie, "office", h)
	req.EventBatch.ReportingEvent[0].BasicData.EventID = 148
	req.EventBatch.ReportingEvent[0].BasicData.Win32HResult = -2145107954 // 0x8024400E
	if _, err := h.post(reportingPath, reporting.ActionReportEventBatch, req, &reporting.ReportEventBatchResponse{}); err != nil {
		t.Fatal(err)
	}
	if _, err := plain.sync(detXP); err != nil {
		t.Fatal(err)
	}
	h.unregistered("never", "never.lab.local", "")
	var comps []mockwsus.Computer
	if status, body := a.do("GET", "/computers", "", &comps); status != 200 {
		t.Fatalf("GET /computers: %d %s", status, body)
	}
	by := map[string]mockwsus.Computer{}
	for _, c := range comps {
		by[c.ID] = c
	}
	o := by["office"]
	if o.Status != mockwsus.StatusFailed || o.LastOperation != "ReportEventBatch" || o.LastOutcome != "ok" || o.LastFaultID != f.Detail.ID ||
		o.LastErrorCode != "InternalServerError" || o.LastFaultOperation != "SyncUpdates" || o.ReportedHResult != "0x8024400E" || o.ReportedEventID != 148 || o.LastContact.IsZero() {
		t.Errorf("office = %+v, want failed, last ReportEventBatch ok, fault %s InternalServerError in SyncUpdates, reported 0x8024400E (148)", o, f.Detail.ID)
	}
	if !strings.Contains(h.sdlog.String(), "ID="+o.LastFaultID) {
		t.Errorf("the fault ID %s of /computers is not in SoftwareDistribution.log", o.LastFaultID)
	}
	p := by["plain"]
	if p.Status != mockwsus.StatusSucceeded || p.LastOperation != "SyncUpdates" || p.LastOutcome != "ok" || p.LastFaultID != "" || p.Group != "Workstations" || p.Syncs == 0 {
		t.Errorf("plain = %+v, want succeeded after an ok SyncUpdates, no fault, in Workstations", p)
	}
	if n := by["never"]; n.Status != mockwsus.StatusNeverSynced {
		t.Errorf("a computer that never synced = %+v, want neverSynced", n)
	}

	// /groups lists them by group, with modes and overrides.
	a.do("PUT", "/behaviours/kb954960", `{"mode":"fixed","group":"Workstations"}`, nil)
	var groups []mockwsus.Group
	a.do("GET", "/groups", "", &groups)
	gs := map[string]mockwsus.Group{}
	for _, g := range groups {
		gs[g.Name] = g
	}
	ws, all, un := gs["Workstations"], gs["All Computers"], gs["Unassigned Computers"]
	if len(ws.Computers) != 1 || ws.Computers[0].ID != "plain" || ws.Modes["kb954960"] != "fixed" || ws.Overrides["kb954960"] != "fixed" {
		t.Errorf("Workstations = %+v, want plain with its kb954960 override fixed", ws)
	}
	if len(all.Computers) != 3 || all.Modes["kb954960"] != "buggy" || len(all.Overrides) != 0 {
		t.Errorf("All Computers = %+v, want every computer, kb954960 buggy, no override", all)
	}
	if len(un.Computers) != 2 {
		t.Errorf("Unassigned Computers = %+v, want office and never", un)
	}
	// The override removed, the group follows the server; removing it
	// again is a 404, as is a group that does not exist.
	if status, body := a.do("DELETE", "/groups/Workstations/behaviours/kb954960", "", nil); status != 200 || h.srv.Mode("kb954960", ws.ID) != behaviour.Buggy {
		t.Errorf("DELETE the override: HTTP %d %s, mode now %s", status, body, h.srv.Mode("kb954960", ws.ID))
	}
	status, body := a.do("DELETE", "/groups/Workstations/behaviours/kb954960", "", nil)
	wantError(t, "DELETE an override that is not set", status, body, 404, "no mode of its own")
	status, body = a.do("DELETE", "/groups/Nowhere/behaviours/kb954960", "", nil)
	wantError(t, "DELETE in an unknown group", status, body, 404, "Nowhere")
	status, body = a.do("DELETE", "/behaviours/kb954960", "", nil)
	wantError(t, "DELETE a whole-server mode that is not set", status, body, 404, "follows version")
}

// POST /reset with a setup puts the server in the state a scenario's server
// section describes; a setup it cannot take is refused naming the field and
// changes nothing; the answer says where the new state begins.
func TestAdminResetSetup(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	a := &admin{t: t, h: h.srv.AdminHandler(mockwsus.AdminOptions{})}
	s := h.register("c1", "c1.lab.local", "")
	s.sync(detXP, detOffice2003) // a fault in the log before the reset
	var res mockwsus.ResetResult
	status, body := a.do("POST", "/reset", `{"version":"3.1.6001.66","behaviours":{"sql-timeout":"buggy"},"seed":5,"groups":["Labs"],
		"approvals":[{"update":"KB842532","group":"Labs"}],"declines":["KB950749"]}`, &res)
	if status != 200 {
		t.Fatalf("POST /reset with a setup: HTTP %d %s", status, body)
	}
	j := h.srv.Journal().Entries()
	if len(j) != 1 || j[0].Seq != res.JournalFrom || j[0].Operation != "reset" || j[0].Behaviours["sql-timeout"] != "buggy" || j[0].Behaviours["kb954960"] != "fixed" {
		t.Errorf("journal after the reset %+v, want the reset's entry %d with the setup's modes", j, res.JournalFrom)
	}
	if _, _, size, _ := h.srv.ServerLog(0); res.ServerLogOffset != size || size == 0 {
		t.Errorf("serverLogOffset %d, want the log's size %d", res.ServerLogOffset, size)
	}
	labs, err := h.srv.Catalog().GroupByName("Labs")
	if err != nil || labs.ID != mockwsus.GroupID(5, "Labs") {
		t.Errorf("group Labs = %+v %v, want ID %s", labs, err, mockwsus.GroupID(5, "Labs"))
	}
	if h.srv.Version() != "3.1.6001.66" || h.srv.Mode("sql-timeout", "") != behaviour.Buggy || !h.srv.Catalog().Declined(8001) {
		t.Errorf("after the reset: version %s, sql-timeout %s, KB950749 declined %t", h.srv.Version(), h.srv.Mode("sql-timeout", ""), h.srv.Catalog().Declined(8001))
	}
	before := h.srv.Journal().Entries()
	for _, bad := range []struct{ body, field string }{
		{`{"behaviours":{"kb999":"buggy"}}`, "behaviours.kb999"},
		{`{"behaviours":{"kb954960":"broken"}}`, "behaviours.kb954960"},
		{`{"catalog":"huge"}`, "catalog"},
		{`{"version":"7"}`, "version"},
		{`{"approvals":[{"update":"KB0000"}]}`, "approvals[0]"},
		{`{"groups":["All Computers"]}`, "groups[0]"},
		{`{"declines":["KB0000"]}`, "declines[0]"},
		{`{"clients":[]}`, `unknown field "clients"`},
	} {
		status, body := a.do("POST", "/reset", bad.body, nil)
		wantError(t, "POST /reset "+bad.body, status, body, 400, bad.field)
	}
	if h.srv.Version() != "3.1.6001.66" || len(h.srv.Journal().Entries()) != len(before) {
		t.Error("a refused setup changed the server")
	}
	// A reset without a body goes back to the starting state.
	if status, _ := a.do("POST", "/reset", "", &res); status != 200 || h.srv.Version() != mockwsus.DefaultVersion || h.srv.Catalog().Declined(8001) {
		t.Errorf("POST /reset: HTTP %d, version %s", status, h.srv.Version())
	}
}

// GET /logs/SoftwareDistribution.log serves the log whole or from an offset
// that survives resets; an offset past the end is a 416.
func TestAdminServerLog(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	handler := h.srv.AdminHandler(mockwsus.AdminOptions{})
	get := func(query string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, httptest.NewRequest("GET", "/logs/SoftwareDistribution.log"+query, nil))
		return rec
	}
	s := h.register("c1", "c1.lab.local", "")
	s.sync(detXP, detOffice2003)
	whole := get("")
	if whole.Code != 200 || whole.Body.String() != h.sdlog.String() || whole.Header().Get(mockwsus.HeaderLogSize) != fmt.Sprint(h.sdlog.Len()) {
		t.Fatalf("GET the whole log: HTTP %d size %s, want the %d bytes written", whole.Code, whole.Header().Get(mockwsus.HeaderLogSize), h.sdlog.Len())
	}
	mark := h.sdlog.Len()
	if err := h.srv.Reset(); err != nil {
		t.Fatal(err)
	}
	s = h.register("c1", "c1.lab.local", "")
	_, err := s.sync(detXP, detOffice2003)
	f := asFault(t, err)
	tail := get(fmt.Sprintf("?offset=%d", mark))
	if tail.Code != 200 || tail.Body.String() != h.sdlog.String()[mark:] || tail.Header().Get(mockwsus.HeaderLogOffset) != fmt.Sprint(mark) || !strings.Contains(tail.Body.String(), "ID="+f.Detail.ID) {
		t.Errorf("GET from offset %d after a reset: HTTP %d offset %s, want the new fault %s only", mark, tail.Code, tail.Header().Get(mockwsus.HeaderLogOffset), f.Detail.ID)
	}
	if rec := get(fmt.Sprintf("?offset=%d", h.sdlog.Len())); rec.Code != 200 || rec.Body.Len() != 0 {
		t.Errorf("GET from the end: HTTP %d %q, want 200 and nothing", rec.Code, rec.Body)
	}
	rec := get(fmt.Sprintf("?offset=%d", h.sdlog.Len()+1))
	wantError(t, "GET past the end", rec.Code, rec.Body.String(), 416, "past the log")
	for _, bad := range []string{"?offset=-1", "?offset=x", "?from=1"} {
		rec := get(bad)
		wantError(t, "GET "+bad, rec.Code, rec.Body.String(), 400, "server log")
	}
}

// The log kept in memory is bounded: past the limit the oldest half goes,
// cut at a line end, and what an offset asks for is either served from
// there or from the first byte still held (the answer says which).
func TestServerLogLimit(t *testing.T) {
	var file bytes.Buffer
	srv, err := mockwsus.New(mockwsus.Config{ServerLogLimit: 4096, SoftwareDistributionLog: &file, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		if _, err := srv.Decline(fmt.Sprintf("KB%d", []int{950749, 951646, 842532}[i%3])); err != nil {
			t.Fatal(err)
		}
	}
	data, start, size, ok := srv.ServerLog(0)
	if !ok || size != int64(file.Len()) || start == 0 || len(data) > 4096 || int64(len(data)) != size-start {
		t.Fatalf("ServerLog(0) = %d bytes from %d of %d (ok %t), want at most 4096 ending at the file's %d", len(data), start, size, ok, file.Len())
	}
	if file.Bytes()[start-1] != '\n' || !bytes.Equal(data, file.Bytes()[start:]) {
		t.Errorf("the kept log does not start at a line: %q", data[:min(40, len(data))])
	}
	if d, s, _, _ := srv.ServerLog(size - 10); s != size-10 || len(d) != 10 {
		t.Errorf("ServerLog(size-10) = %d bytes from %d", len(d), s)
	}
}

// The README's admin table names every route the admin API serves.
func TestReadmeListsEveryAdminRoute(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, ep := range mockwsus.AdminEndpoints() {
		want := ep.Method + " " + ep.Path
		if strings.HasPrefix(ep.Path, "/debug/pprof/") {
			want = "GET /debug/pprof/" // one row for the profiles
		}
		if !bytes.Contains(readme, []byte("`"+want)) {
			t.Errorf("README.md's admin table lacks %s", want)
		}
	}
}

// faultOf returns the first fault ID among entries.
func faultOf(entries []mockwsus.Entry) string {
	for _, e := range entries {
		if e.FaultID != "" {
			return e.FaultID
		}
	}
	return ""
}
