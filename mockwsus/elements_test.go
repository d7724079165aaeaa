package mockwsus_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
)

// TestElementLimitBoundary: MaxElements counts start tags (the '<' not
// followed by '/'), exactly at the limit and one over it, also when the
// request has far more '<' than the limit because of its end tags (the
// server only counts exactly when the '<' alone exceed the limit).
func TestElementLimitBoundary(t *testing.T) {
	const limit = 60
	h := newHarness(t, mockwsus.Config{MaxElements: limit})
	// The envelope, Body, GetConfig and protocolVersion open 4 elements.
	withOpenings := func(n int, selfClosing bool) []byte {
		pad := strings.Repeat("<x>1</x>", n-4)
		if selfClosing {
			pad = strings.Repeat("<x/>", n-4)
		}
		return []byte(env11(strings.Replace(getConfigBody, "<protocolVersion>", pad+"<protocolVersion>", 1)))
	}
	header := http.Header{}
	soap.SetRequestHeaders(header, soap.SOAP11, clientws.ActionGetConfig)
	for _, tc := range []struct {
		name     string
		body     []byte
		wantCode int
		wantText string
	}{
		{"at the limit, twice as many '<' as the limit", withOpenings(limit, false), http.StatusOK, "GetConfigResult"},
		{"one over the limit, with end tags", withOpenings(limit+1, false), http.StatusRequestEntityTooLarge, "61 elements, the limit is 60"},
		{"at the limit, self-closing", withOpenings(limit, true), http.StatusOK, "GetConfigResult"},
		{"one over the limit, self-closing", withOpenings(limit+1, true), http.StatusRequestEntityTooLarge, "61 elements, the limit is 60"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := h.serve(http.MethodPost, clientPath, header, tc.body)
			if rec.Code != tc.wantCode || !strings.Contains(rec.Body.String(), tc.wantText) {
				t.Errorf("HTTP %d, want %d with %q:\n%.600s", rec.Code, tc.wantCode, tc.wantText, rec.Body.String())
			}
		})
	}
}
