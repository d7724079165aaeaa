package mockwsus_test

import (
	"testing"

	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/reporting"
)

// Cookie keys decide who can use a cookie. With random keys (cmd/mockwsus's
// default) a second server started the same way cannot decrypt the first
// one's cookies: InvalidCookie (MS-WUSP 2.2.2.4), and nothing is stored for
// a computer it never registered. Seeded keys are the explicit opt-in to
// byte-stable runs: two servers of one seed share them. A server's own
// cookie from before a Reset is ServerChanged, with either kind of key.
func TestCookieKeys(t *testing.T) {
	tests := []struct {
		name   string
		random bool
		// errorCode of the first server's cookie at a second one of the
		// same configuration ("" means accepted).
		other string
	}{
		{"random keys", true, "InvalidCookie"},
		{"seeded keys", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mockwsus.Config{RandomCookieKeys: tt.random}
			a, b := newHarness(t, cfg), newHarness(t, cfg)
			s := a.register("c1", "c1.lab.local", "")
			if _, err := s.syncOnce(nil, nil); err != nil {
				t.Fatalf("SyncUpdates at the server that sealed the cookie: %v", err)
			}

			// The ReportEventBatch the computer sends the first server,
			// replayed at the second.
			var resp reporting.ReportEventBatchResponse
			status, err := b.post(reportingPath, reporting.ActionReportEventBatch, reportRequest(s.cookie, s.clientID, b), &resp)
			switch {
			case tt.other == "" && err != nil:
				t.Fatalf("second server refused a cookie of the same seed: %v", err)
			case tt.other != "":
				wantFault(t, "ReportEventBatch at another server", status, err, soap.CodeClient, tt.other, "")
				if evs := b.srv.Journal().Events(); len(evs) != 0 {
					t.Errorf("the second server stored %d events for a computer it never registered", len(evs))
				}
			}

			// A Reset makes the server's own earlier cookies ServerChanged,
			// twice in a row (it remembers more than one incarnation).
			for i := 0; i < 2; i++ {
				if err := a.srv.Reset(); err != nil {
					t.Fatal(err)
				}
				status, err = s.syncErr(s.cookie)
				wantFault(t, "SyncUpdates after a Reset", status, err, soap.CodeClient, "ServerChanged", "")
			}
		})
	}
}
