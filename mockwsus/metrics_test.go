package mockwsus_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	clientsim "github.com/wsusmock/wsusmock/client-sim"
	"github.com/wsusmock/wsusmock/client-sim/profile"
	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
)

// TestMetrics: after a KB954960 search and an injected reset, GET /metrics
// on the admin listener counts the requests by service, operation, status
// and ErrorCode, the session, the faults by behaviour, the registered
// computer and the journal, beside the Go runtime's metrics.
func TestMetrics(t *testing.T) {
	srv, err := mockwsus.New(mockwsus.Config{Version: mockwsus.VersionWSUS30SP1})
	if err != nil {
		t.Fatal(err)
	}
	l, err := srv.Listen(mockwsus.ListenOptions{Addr: "127.0.0.1:0", AdminAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		l.Shutdown(ctx)
	})
	p, _ := profile.Builtin("xp-sp3-office2003")
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	res, err := clientsim.Run(ctx, clientsim.Config{ServerURL: l.URL, Profile: p, Seed: 1})
	if err != nil || res.HResult != clientsim.HRSoapServer {
		t.Fatalf("search: %v %v", res.HResult, err)
	}
	if err := srv.SetMode(behaviour.InjectResetName, behaviour.Buggy, ""); err != nil {
		t.Fatal(err)
	}
	// Requests 1 to 5 since switched on: the 5th is reset.
	for range 5 {
		if resp, err := http.Get(l.URL + "/selfupdate/wuident.cab"); err == nil {
			resp.Body.Close()
		}
	}
	resp, err := http.Get(l.AdminURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(body)
	for _, want := range []string{
		`mockwsus_requests_total{error_code="InternalServerError",operation="SyncUpdates",service="ClientWebService",status="500"} 1`,
		`mockwsus_requests_total{error_code="",operation="GetConfig",service="ClientWebService",status="200"} 1`,
		`mockwsus_sessions_total 1`,
		`mockwsus_faults_total{behaviour="kb954960"} 1`,
		`mockwsus_faults_total{behaviour="inject-reset"} 1`,
		`mockwsus_registered_computers 1`,
		`mockwsus_journal_entries `,
		`mockwsus_requests_in_flight `,
		`go_goroutines `,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("GET /metrics lacks %q", want)
		}
	}
	// The metrics follow Prometheus's naming and help conventions.
	problems, err := testutil.GatherAndLint(srv.Metrics())
	if err != nil || len(problems) > 0 {
		t.Errorf("metrics lint: %v %+v", err, problems)
	}
}
