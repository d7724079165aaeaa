package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/capture"
	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/reporting"
)

// A ReportEventBatch recorded against one mockwsus process, sent as it is
// to a second process started the same way, is refused with InvalidCookie
// (the second cannot decrypt the first one's cookie: MS-WUSP 2.2.2.4) and
// stores nothing. With --deterministic-cookies on both, the explicit opt-in
// to byte-stable runs, the two share the seed's key and the second accepts
// it.
func TestCookieOfAnotherProcessIsRefused(t *testing.T) {
	tests := []struct {
		name  string
		flags []string
		want  string // ErrorCode from the second process; "" accepted
	}{
		{"default flags", nil, "InvalidCookie"},
		{"--deterministic-cookies", []string{"--deterministic-cookies"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := t.TempDir()
			common := append([]string{"--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--version", mockwsus.VersionFixed}, tt.flags...)
			urlA, _, stopA := startBoth(t, append([]string{"--record", rec}, common...)...)
			urlB, adminB, stopB := startBoth(t, common...)
			defer stopB()
			if res := syncOffice(t, urlA); res.HResultCode != 0 {
				t.Fatalf("sync against the first process: %s", res.HResult)
			}
			if err := stopA(); err != nil {
				t.Fatal(err)
			}
			exs, err := capture.Read(rec)
			if err != nil {
				t.Fatal(err)
			}
			var report *capture.Exchange
			for i := range exs {
				if strings.HasSuffix(strings.Trim(exs[i].Request.SOAPAction(), `"`), "/ReportEventBatch") {
					report = &exs[i]
				}
			}
			if report == nil || report.Response.StatusCode != http.StatusOK {
				t.Fatalf("no ReportEventBatch accepted by the first process among %d exchanges", len(exs))
			}

			req, err := http.NewRequest(http.MethodPost, urlB+report.Request.Path(), bytes.NewReader(report.Request.Body))
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range report.Request.Header {
				if strings.EqualFold(h.Name, "Content-Type") || strings.EqualFold(h.Name, "SOAPAction") {
					req.Header[h.Name] = append(req.Header[h.Name], h.Value)
				}
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			err = soap.ParseResponse(body, &reporting.ReportEventBatchResponse{})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("second process refused a cookie of the same seed with --deterministic-cookies: %v", err)
				}
				return
			}
			var f *soap.Fault
			if !errors.As(err, &f) || f.ErrorCode() != tt.want || resp.StatusCode != http.StatusInternalServerError {
				t.Fatalf("the first process's ReportEventBatch at a second one: HTTP %d, %v; want a %s fault", resp.StatusCode, err, tt.want)
			}
			eresp, err := http.Get(adminB + "/events")
			if err != nil {
				t.Fatal(err)
			}
			defer eresp.Body.Close()
			var events []mockwsus.Event
			if err := json.NewDecoder(eresp.Body).Decode(&events); err != nil {
				t.Fatal(err)
			}
			if len(events) != 0 {
				t.Errorf("the second process stored %d events of a computer it never registered: %+v", len(events), events)
			}
		})
	}
}
