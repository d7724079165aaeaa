package mockwsus_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/wsusmock/wsusmock/mockwsus"
)

// openAPIProbes are the requests that exercise each documented operation
// (path parameters filled in, a valid body) and some of its documented
// errors.
var openAPIProbes = []struct {
	method, target, body string
	status               int
}{
	{"GET", "/healthz", "", 200},
	{"GET", "/version", "", 200},
	{"PUT", "/version", `{"version":"3.1.6001.66"}`, 200},
	{"PUT", "/version", `{"version":"banana"}`, 400},
	{"GET", "/behaviours", "", 200},
	{"GET", "/behaviours/kb954960", "", 200},
	{"GET", "/behaviours/no-such", "", 404},
	{"PUT", "/behaviours/kb954960", `{"mode":"buggy"}`, 200},
	{"PUT", "/behaviours/kb954960", `{"mode":"fixed","group":"Unassigned Computers"}`, 200},
	{"PUT", "/behaviours/no-such", `{"mode":"fixed"}`, 404},
	{"DELETE", "/behaviours/kb954960", "", 200},
	{"GET", "/groups", "", 200},
	{"DELETE", "/groups/Unassigned%20Computers/behaviours/kb954960", "", 200},
	{"GET", "/approvals", "", 200},
	{"POST", "/approvals", `{"update":"KB842532","group":"All Computers","action":"Install"}`, 200},
	{"POST", "/declines", `{"update":"KB842532"}`, 200},
	{"POST", "/declines", `{"update":"KB000000"}`, 404},
	{"GET", "/computers", "", 200},
	{"GET", "/journal", "", 200},
	{"GET", "/events", "", 200},
	{"GET", "/logs/SoftwareDistribution.log", "", 200},
	{"GET", "/logs/SoftwareDistribution.log?offset=99999999", "", 416},
	{"POST", "/reset", "", 200},
	{"POST", "/reset", `{"version":"3.1.6001.65"}`, 200},
	{"GET", "/metrics", "", 200},
	{"GET", "/openapi.json", "", 200},
	{"GET", "/debug/vars", "", 200},
	{"GET", "/debug/memory", "", 200},
	{"GET", "/debug/pprof/", "", 200},
	{"GET", "/debug/pprof/profile?seconds=1", "", 200},
	{"GET", "/debug/pprof/trace?seconds=1", "", 200},
}

// TestOpenAPI: GET /openapi.json is a valid OpenAPI 3 document, and every
// operation it documents answers the real handlers' way: the status and
// the body schema of each probe validate against the document
// (kin-openapi's response validation), and no documented operation is
// left without a probe.
func TestOpenAPI(t *testing.T) {
	srv, err := mockwsus.New(mockwsus.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.AdminHandler(mockwsus.AdminOptions{}))
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /openapi.json: %s: %s", resp.Status, raw)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		t.Fatalf("GET /openapi.json: %v", err)
	}
	ctx := context.Background()
	if err := doc.Validate(ctx); err != nil {
		t.Fatalf("the document is not valid OpenAPI 3: %v", err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	probed := map[*openapi3.Operation]bool{}
	for _, p := range openAPIProbes {
		req, _ := http.NewRequestWithContext(ctx, p.method, ts.URL+p.target, strings.NewReader(p.body))
		if p.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Errorf("%s %s is not documented: %v", p.method, p.target, err)
			continue
		}
		probed[route.Operation] = true
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != p.status {
			t.Errorf("%s %s: %d, want %d: %s", p.method, p.target, resp.StatusCode, p.status, body)
			continue
		}
		ct := resp.Header.Get("Content-Type")
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 resp.StatusCode,
			Header:                 resp.Header,
			Body:                   io.NopCloser(bytes.NewReader(body)),
			// Bodies that are not one JSON document (text, JSON lines,
			// profiles) are checked by content type only.
			Options: &openapi3filter.Options{ExcludeResponseBody: !strings.HasPrefix(ct, "application/json") || !json.Valid(body)},
		}
		if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
			t.Errorf("%s %s answers otherwise than documented: %v", p.method, p.target, err)
		}
	}
	documented := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			documented++
			if !probed[op] {
				t.Errorf("%s %s is documented but no probe checks it", method, path)
			}
		}
	}
	// Every route the handler serves is in the document.
	for _, ep := range mockwsus.AdminEndpoints() {
		if item := doc.Paths.Find(ep.Path); item == nil || item.GetOperation(ep.Method) == nil {
			t.Errorf("route %s %s is not documented", ep.Method, ep.Path)
		}
	}
	if n := len(mockwsus.AdminEndpoints()); documented != n {
		t.Errorf("%d operations documented, %d routes served", documented, n)
	}
}

// TestMetricsAndOpenAPINeedTheToken: with a token, GET /metrics and GET
// /openapi.json are protected like the rest of the admin API.
func TestMetricsAndOpenAPINeedTheToken(t *testing.T) {
	srv, err := mockwsus.New(mockwsus.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.AdminHandler(mockwsus.AdminOptions{Token: "metrics-test-token"}))
	defer ts.Close()
	for _, path := range []string{"/metrics", "/openapi.json"} {
		for _, tok := range []string{"", "metrics-test-token"} {
			req, _ := http.NewRequest("GET", ts.URL+path, nil)
			if tok != "" {
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			want := http.StatusUnauthorized
			if tok != "" {
				want = http.StatusOK
			}
			if resp.StatusCode != want {
				t.Errorf("GET %s with token %q: %d, want %d", path, tok, resp.StatusCode, want)
			}
		}
	}
}
