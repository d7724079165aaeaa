package clientsim_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	clientsim "github.com/wsusmock/wsusmock/client-sim"
	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
)

// Under each injected transport fault the agent ends with the HRESULT the
// real agent reports, says why in WindowsUpdate.log, and never hangs: every
// search here is bounded by a short CallTimeout and the test's deadline.
// A fresh computer's requests are, in order: 1 the self-update GET, 2
// GetConfig, 3 GetAuthorizationCookie, 4 GetCookie, 5 RegisterComputer, 6
// SyncUpdates, ... so each fault's default trigger decides which call fails.
func TestInjectedTransportFaults(t *testing.T) {
	tests := []struct {
		name        string
		callTimeout time.Duration
		wantHR      clientsim.HResult
		wantOp      string   // the failed operation; "" for success
		wantLog     []string // in WindowsUpdate.log, in order
	}{
		{behaviour.InjectResetName, 2 * time.Second, clientsim.HRConnectionError, "RegisterComputer",
			[]string{"WARNING: Send failed with hr = 80072efe: the server reset the connection", "RegisterComputer failure, error = 0x80072EFE"}},
		{behaviour.InjectTruncatedBodyName, 2 * time.Second, clientsim.HRConnectionError, "GetCookie",
			[]string{"WARNING: Send failed with hr = 80072efe: the connection closed before the answer was complete", "GetCookie failure, error = 0x80072EFE"}},
		{behaviour.InjectSlowBodyName, 300 * time.Millisecond, clientsim.HRTimeout, "GetAuthorizationCookie",
			[]string{"WARNING: Send failed with hr = 80072ee2: no answer within the call deadline", "GetAuthorizationCookie failure, error = 0x80072EE2"}},
		{behaviour.Inject503WindowName, 2 * time.Second, clientsim.HRHTTPUnavailable, "GetAuthorizationCookie",
			[]string{"HTTP status 503", "GetAuthorizationCookie failure, error = 0x80244022", "HTTP status code = 503"}},
		{behaviour.InjectWrongContentTypeName, 2 * time.Second, clientsim.HRSoapClientParse, "GetConfig",
			[]string{`answer has content type "text/html; charset=utf-8", not a SOAP message`, "GetConfig failure, error = 0x8024400A"}},
		{behaviour.InjectLatencyName, 2 * time.Second, clientsim.HRSuccess, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMock(t, mockwsus.Config{Version: mockwsus.VersionFixed, Behaviours: map[string]behaviour.Mode{tt.name: behaviour.Buggy}})
			cfg := m.agentConfig(t, "xp-sp3")
			cfg.CallTimeout = tt.callTimeout
			log := &lockedBuffer{}
			cfg.Log = log
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			start := time.Now()
			res, err := clientsim.Run(ctx, cfg)
			if err != nil {
				t.Fatalf("search: %v", err)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("search took %s", d)
			}
			if res.HResult != tt.wantHR || res.FailedOperation != tt.wantOp {
				t.Fatalf("HRESULT %s in %q (%s), want %s in %q\n%s", res.HResult, res.FailedOperation, res.Reason, tt.wantHR, tt.wantOp, log)
			}
			text := log.String()
			at := 0
			for _, want := range tt.wantLog {
				i := strings.Index(text[at:], want)
				if i < 0 {
					t.Errorf("WindowsUpdate.log lacks %q (after offset %d):\n%s", want, at, text)
					break
				}
				at += i + len(want)
			}
			// The server journaled the injection with the request's number.
			// A reset is journaled after the agent already saw it: wait for
			// the entry, with a deadline.
			found := false
			for deadline := time.Now().Add(5 * time.Second); !found && time.Now().Before(deadline); runtime.Gosched() {
				for _, e := range m.srv.Journal().Entries() {
					if strings.Contains(e.Detail, tt.name+": request ") {
						found = true
					}
				}
			}
			if !found {
				t.Errorf("no journal entry notes %s: %+v", tt.name, m.srv.Journal().Entries())
			}
		})
	}
}

// A latency longer than the call deadline is a timeout.
func TestInjectedLatencyPastTheDeadline(t *testing.T) {
	m := newMock(t, mockwsus.Config{Version: mockwsus.VersionFixed, Behaviours: map[string]behaviour.Mode{behaviour.InjectLatencyName: behaviour.Buggy}})
	cfg := m.agentConfig(t, "xp-sp3")
	cfg.CallTimeout = behaviour.InjectLatencyDelay / 4
	res := sync1(t, cfg)
	if res.HResult != clientsim.HRTimeout || res.FailedOperation != "GetCookie" {
		t.Fatalf("HRESULT %s in %s (%s), want 0x80072EE2 in GetCookie", res.HResult, res.FailedOperation, res.Reason)
	}
}
