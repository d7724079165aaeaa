package mockwsus_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
	"github.com/wsusmock/wsusmock/soap/reporting"
)

// admin calls the admin API in process.
type admin struct {
	t     *testing.T
	h     http.Handler
	token string
}

// do sends body (nil for none) and decodes a JSON answer into out (nil to
// skip); it returns the status and the raw body.
func (a *admin) do(method, path, body string, out any) (int, string) {
	a.t.Helper()
	var rd *strings.Reader
	if body != "" {
		rd = strings.NewReader(body)
	} else {
		rd = strings.NewReader("")
	}
	r := httptest.NewRequest(method, path, rd)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if a.token != "" {
		r.Header.Set("Authorization", "Bearer "+a.token)
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, r)
	if out != nil && rec.Code < 300 {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			a.t.Fatalf("%s %s: answer is not JSON: %v\n%s", method, path, err, rec.Body)
		}
	}
	return rec.Code, rec.Body.String()
}

// wantError asserts a JSON error answer {"error": ..., "status": N}.
func wantError(t *testing.T, what string, status int, body string, wantStatus int, wantText string) {
	t.Helper()
	var e struct {
		Error  string `json:"error"`
		Status int    `json:"status"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("%s: error answer is not JSON: %v\n%s", what, err, body)
	}
	if status != wantStatus || e.Status != wantStatus || !strings.Contains(e.Error, wantText) {
		t.Errorf("%s: HTTP %d %+v, want %d with an error containing %q", what, status, e, wantStatus, wantText)
	}
}

func TestAdminVersion(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	a := &admin{t: t, h: h.srv.AdminHandler(mockwsus.AdminOptions{})}
	var v mockwsus.VersionInfo
	if status, _ := a.do(http.MethodGet, "/version", "", &v); status != 200 || v != (mockwsus.VersionInfo{ServerVersion: "3.1.6001.65", ClientWebServiceDLLVersion: "3.1.6001.65", ProtocolVersion: "3.1"}) {
		t.Errorf("GET /version = %d %+v", status, v)
	}
	if status, _ := a.do(http.MethodPut, "/version", `{"version":"3.1.6001.66"}`, &v); status != 200 || v.ServerVersion != "3.1.6001.66" || v.ClientWebServiceDLLVersion != "3.1.6001.66" {
		t.Errorf("PUT /version 3.1.6001.66 = %d %+v", status, v)
	}
	if m := h.srv.Mode(behaviour.KB954960Name, ""); m != behaviour.Fixed {
		t.Errorf("after installing 3.1.6001.66 kb954960 is %s, want fixed", m)
	}
	status, body := a.do(http.MethodPut, "/version", `{"version":"banana"}`, nil)
	wantError(t, "PUT /version banana", status, body, 400, "is not a WSUS version")
	status, body = a.do(http.MethodPut, "/version", `{"version":"3.1.6001.66","extra":1}`, nil)
	wantError(t, "PUT /version with an unknown field", status, body, 400, "unknown field")
	status, body = a.do(http.MethodPut, "/version", `not json`, nil)
	wantError(t, "PUT /version not JSON", status, body, 400, "send a JSON object")
}

func TestAdminBehaviours(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	a := &admin{t: t, h: h.srv.AdminHandler(mockwsus.AdminOptions{})}

	var one mockwsus.BehaviourState
	if status, body := a.do(http.MethodGet, "/behaviours/kb954960", "", &one); status != 200 || one.Name != "kb954960" || one.Mode != behaviour.Buggy || one.Source == "" {
		t.Errorf("GET /behaviours/kb954960 = %d %+v\n%s", status, one, body)
	}
	var all []mockwsus.BehaviourState
	if status, _ := a.do(http.MethodGet, "/behaviours", "", &all); status != 200 || len(all) != len(behaviour.Registry) {
		t.Errorf("GET /behaviours = %d %+v", status, all)
	}

	// Per group: Workstations fixed, the server still buggy.
	if status, body := a.do(http.MethodPut, "/behaviours/kb954960", `{"mode":"fixed","group":"Workstations"}`, &all); status != 200 {
		t.Fatalf("PUT /behaviours/kb954960 for Workstations = %d %s", status, body)
	}
	a.do(http.MethodGet, "/behaviours/kb954960", "", &one)
	if one.Mode != behaviour.Buggy || one.Groups["Workstations"] != behaviour.Fixed {
		t.Errorf("after PUT for Workstations: %+v, want buggy with Workstations fixed", one)
	}
	ws := h.register("w1", "w1.lab.local", "Workstations")
	if _, err := ws.sync(detXP, detOffice2003); err != nil {
		t.Errorf("Workstations computer after the group was fixed: %v", err)
	}
	un := h.register("u1", "u1.lab.local", "")
	if _, err := un.sync(detXP, detOffice2003); err == nil {
		t.Error("unassigned computer did not fail on the buggy server")
	}

	// The whole server.
	if status, body := a.do(http.MethodPut, "/behaviours/KB954960", `{"mode":"fixed"}`, nil); status != 200 {
		t.Errorf("PUT /behaviours/KB954960 fixed = %d %s", status, body)
	}
	if m := h.srv.Mode("kb954960", ""); m != behaviour.Fixed {
		t.Errorf("server mode %s after PUT fixed", m)
	}

	status, body := a.do(http.MethodGet, "/behaviours/kb000000", "", nil)
	wantError(t, "GET /behaviours/kb000000", status, body, 404, `unknown behaviour "kb000000"`)
	status, body = a.do(http.MethodPut, "/behaviours/kb000000", `{"mode":"fixed"}`, nil)
	wantError(t, "PUT /behaviours/kb000000", status, body, 404, `unknown behaviour "kb000000"`)
	status, body = a.do(http.MethodPut, "/behaviours/kb954960", `{"mode":"fixed","group":"No Such Group"}`, nil)
	wantError(t, "PUT for an unknown group", status, body, 404, "unknown target group")
	status, body = a.do(http.MethodPut, "/behaviours/kb954960", `{"mode":"sometimes"}`, nil)
	wantError(t, "PUT an unknown mode", status, body, 400, "want buggy or fixed")
}

// The advisory's workaround through the admin API: decline, approve,
// decline leaves every approval consistent.
func TestAdminApprovalsWorkaround(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	a := &admin{t: t, h: h.srv.AdminHandler(mockwsus.AdminOptions{})}
	rows := func() []catalog.Approval {
		var out []catalog.Approval
		if status, body := a.do(http.MethodGet, "/approvals", "", &out); status != 200 {
			t.Fatalf("GET /approvals = %d %s", status, body)
		}
		return out
	}
	var sp1 []catalog.Approval
	for _, r := range rows() {
		if r.RevisionID == catalog.RevOffice2003SP1 {
			sp1 = append(sp1, r)
		} else if !r.Consistent {
			t.Errorf("approval %+v is inconsistent; only 8862's are", r)
		}
	}
	if len(sp1) != 2 || sp1[0].Consistent || sp1[1].Consistent || sp1[0].GroupName != "All Computers" || sp1[0].KB != "842532" || sp1[0].ID == sp1[1].ID {
		t.Fatalf("approvals of 8862 = %+v, want two inconsistent rows for All Computers", sp1)
	}

	var dec struct {
		Update  string `json:"update"`
		Removed int    `json:"removedApprovals"`
	}
	if status, body := a.do(http.MethodPost, "/declines", `{"update":"Office 2003 Service Pack 1"}`, &dec); status != 200 || dec.Removed != 2 {
		t.Fatalf("POST /declines = %d %s, want 2 rows removed", status, body)
	}
	var ap catalog.Approval
	if status, body := a.do(http.MethodPost, "/approvals", `{"update":"KB842532","group":"All Computers","action":"Install"}`, &ap); status != 200 || ap.RevisionID != catalog.RevOffice2003SP1 || !ap.Consistent || ap.Action != catalog.ActionInstall {
		t.Fatalf("POST /approvals = %d %s", status, body)
	}
	if status, body := a.do(http.MethodPost, "/declines", `{"update":"8862"}`, &dec); status != 200 || dec.Removed != 1 {
		t.Fatalf("second POST /declines = %d %s, want 1 row removed", status, body)
	}
	for _, r := range rows() {
		if !r.Consistent || r.RevisionID == catalog.RevOffice2003SP1 {
			t.Errorf("after the workaround: %+v", r)
		}
	}
	s := h.register("c1", "c1.lab.local", "")
	if _, err := s.sync(detXP, detOffice2003); err != nil {
		t.Errorf("Office client on the buggy server after the workaround: %v", err)
	}

	status, body := a.do(http.MethodPost, "/approvals", `{"update":"KB000000"}`, nil)
	wantError(t, "approve an unknown update", status, body, 404, "unknown update")
	status, body = a.do(http.MethodPost, "/approvals", `{"update":"KB950749","group":"Nobody"}`, nil)
	wantError(t, "approve for an unknown group", status, body, 404, "unknown target group")
	status, body = a.do(http.MethodPost, "/approvals", `{"update":"KB950749","action":"Evaluate"}`, nil)
	wantError(t, "approve with a non-admin action", status, body, 400, "unknown approval action")
	status, body = a.do(http.MethodPost, "/declines", `{"update":"no such"}`, nil)
	wantError(t, "decline an unknown update", status, body, 404, "unknown update")
}

func TestAdminJournalEventsReset(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	a := &admin{t: t, h: h.srv.AdminHandler(mockwsus.AdminOptions{})}
	s := h.register("c1", "c1.lab.local", "Workstations")
	if _, err := h.post(reportingPath, reporting.ActionReportEventBatch, reportRequest(s.cookie, "c1", h), &reporting.ReportEventBatchResponse{}); err != nil {
		t.Fatal(err)
	}

	r := httptest.NewRequest(http.MethodGet, "/journal", nil)
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, r)
	if ct := rec.Header().Get("Content-Type"); rec.Code != 200 || ct != "application/x-ndjson" {
		t.Fatalf("GET /journal = %d %s", rec.Code, ct)
	}
	var ops []string
	sc := bufio.NewScanner(bytes.NewReader(rec.Body.Bytes()))
	for sc.Scan() {
		var e mockwsus.Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("journal line %q is not JSON: %v", sc.Text(), err)
		}
		ops = append(ops, e.Operation)
	}
	if want := "start GetConfig GetAuthorizationCookie GetCookie RegisterComputer ReportEventBatch"; strings.Join(ops, " ") != want {
		t.Errorf("journal operations = %v, want %s", ops, want)
	}

	var events []mockwsus.Event
	if status, _ := a.do(http.MethodGet, "/events", "", &events); status != 200 || len(events) != 1 || events[0].EventID != 147 || events[0].Computer != "c1" || events[0].Replacement[0] != "0" {
		t.Errorf("GET /events = %d %+v, want the one event 147 of c1", status, events)
	}
	var comps []mockwsus.Computer
	if status, _ := a.do(http.MethodGet, "/computers", "", &comps); status != 200 || len(comps) != 1 || comps[0].Group != "Workstations" || !comps[0].Registered {
		t.Errorf("GET /computers = %d %+v", status, comps)
	}

	a.do(http.MethodPut, "/behaviours/kb954960", `{"mode":"fixed"}`, nil)
	a.do(http.MethodPost, "/declines", `{"update":"KB950749"}`, nil)
	if status, body := a.do(http.MethodPost, "/reset", "", nil); status != 200 || !strings.Contains(body, `"reset"`) {
		t.Fatalf("POST /reset = %d %s", status, body)
	}
	if j := h.srv.Journal().Entries(); len(j) != 1 || j[0].Kind != mockwsus.KindAdmin || j[0].Operation != "reset" || j[0].Behaviours["kb954960"] != "buggy" {
		t.Errorf("journal after reset = %+v, want only the reset's entry with the modes (kb954960 buggy)", j)
	}
	if n := len(h.srv.Journal().Events()); n != 0 {
		t.Errorf("%d events after reset", n)
	}
	if n := len(h.srv.Computers()); n != 0 {
		t.Errorf("%d computers after reset", n)
	}
	if m := h.srv.Mode("kb954960", ""); m != behaviour.Buggy {
		t.Errorf("kb954960 %s after reset, want the version's default buggy", m)
	}
	if h.srv.Catalog().Declined(8001) {
		t.Error("decline survived reset")
	}
	if _, err := s.syncOnce(nil, nil); err == nil || asFault(t, err).ErrorCode() != "ServerChanged" {
		t.Errorf("cookie from before reset: %v, want ServerChanged", err)
	}

	status, body := a.do(http.MethodGet, "/nothing", "", nil)
	wantError(t, "GET /nothing", status, body, 404, "no admin endpoint")
	if status, body := a.do(http.MethodGet, "/healthz", "", nil); status != 200 || body != "ok\n" {
		t.Errorf("GET /healthz = %d %q", status, body)
	}
}

func TestAdminToken(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	handler := h.srv.AdminHandler(mockwsus.AdminOptions{Token: "s3cret"})
	mutations := []struct{ method, path, body string }{
		{http.MethodPut, "/version", `{"version":"3.1.6001.66"}`},
		{http.MethodPut, "/behaviours/kb954960", `{"mode":"fixed"}`},
		{http.MethodPost, "/approvals", `{"update":"KB950749"}`},
		{http.MethodPost, "/declines", `{"update":"KB950749"}`},
		{http.MethodPost, "/reset", ""},
	}
	for _, auth := range []string{"", "Bearer wrong", "s3cret", "Basic s3cret", "Bearer s3cret2", "Bearer s3cre", "Bearer", "Bearer  ", "Bearers3cret"} {
		for _, m := range mutations {
			r := httptest.NewRequest(m.method, m.path, strings.NewReader(m.body))
			if auth != "" {
				r.Header.Set("Authorization", auth)
			}
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, r)
			wantError(t, m.method+" "+m.path+" with Authorization "+auth, rec.Code, rec.Body.String(), 401, "Authorization: Bearer <token>")
		}
	}
	if h.srv.Version() != mockwsus.DefaultVersion || h.srv.Mode("kb954960", "") != behaviour.Buggy || h.srv.Catalog().Declined(8001) {
		t.Error("a refused mutation changed the server")
	}
	// With the token every mutation goes through; the scheme is
	// case-insensitive and may be followed by several spaces (RFC 9110
	// 11.4).
	for _, auth := range []string{"Bearer s3cret", "bearer  s3cret"} {
		for _, m := range mutations {
			r := httptest.NewRequest(m.method, m.path, strings.NewReader(m.body))
			r.Header.Set("Authorization", auth)
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, r)
			if rec.Code != 200 {
				t.Errorf("%s %s with %q: HTTP %d %s", m.method, m.path, auth, rec.Code, rec.Body)
			}
		}
	}
}
