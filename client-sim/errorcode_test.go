package clientsim_test

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	clientsim "github.com/wsusmock/wsusmock/client-sim"
	"github.com/wsusmock/wsusmock/client-sim/wulog"
	"github.com/wsusmock/wsusmock/internal/clock"
	"github.com/wsusmock/wsusmock/soap"
)

// The calls of a clean search against the fake (self-update skipped, no
// registration required): category round, update round, driver pass.
var (
	handshake = []string{"GetConfig", "GetAuthorizationCookie", "GetCookie"}
	afterSync = []string{"SyncUpdates", "GetExtendedUpdateInfo", "ReportEventBatch"} // driver pass onwards
)

func seq(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func s(ops ...string) []string { return ops }

// TestErrorCodeReactions answers one call with a fault of each ErrorCode
// and checks the calls the agent makes next (the reaction MS-WUSP
// prescribes) and how the search ends.
func TestErrorCodeReactions(t *testing.T) {
	tests := []struct {
		name      string
		op        string // the call that faults
		n         int    // ... its n-th occurrence
		forever   bool   // ... and every later one
		code      string // faultcode
		errorCode string
		flavour   wulog.Flavour
		wantOps   []string
		wantHR    clientsim.HResult
		wantLog   string
	}{
		{
			name: "CookieExpired", op: "SyncUpdates", n: 2, code: soap.CodeClient, errorCode: "CookieExpired",
			wantOps: seq(handshake, s("SyncUpdates", "SyncUpdates", "GetAuthorizationCookie", "GetCookie", "SyncUpdates"), afterSync),
			wantLog: "ErrorCode:CookieExpired(6)",
		},
		{
			name: "InvalidCookie", op: "SyncUpdates", n: 2, code: soap.CodeClient, errorCode: "InvalidCookie",
			wantOps: seq(handshake, s("SyncUpdates", "SyncUpdates"), handshake, s("RefreshCache", "SyncUpdates"), afterSync),
			wantLog: "PTError: 0x80244015",
		},
		{
			name: "ServerChanged", op: "SyncUpdates", n: 2, code: soap.CodeClient, errorCode: "ServerChanged",
			wantOps: seq(handshake, s("SyncUpdates", "SyncUpdates"), handshake, s("RefreshCache", "SyncUpdates"), afterSync),
			wantLog: "PTError: 0x80244015",
		},
		{
			name: "ConfigChanged", op: "SyncUpdates", n: 2, code: soap.CodeClient, errorCode: "ConfigChanged",
			wantOps: seq(handshake, s("SyncUpdates", "SyncUpdates"), handshake, s("SyncUpdates"), afterSync),
			wantLog: "ErrorCode:ConfigChanged(2)",
		},
		{
			name: "ConfigChanged/GetCookie", op: "GetCookie", n: 1, code: soap.CodeClient, errorCode: "ConfigChanged",
			wantOps: seq(handshake, handshake, s("SyncUpdates", "SyncUpdates"), afterSync),
		},
		{
			name: "RegistrationRequired", op: "SyncUpdates", n: 1, code: soap.CodeClient, errorCode: "RegistrationRequired",
			wantOps: seq(handshake, s("SyncUpdates", "RegisterComputer", "SyncUpdates", "SyncUpdates"), afterSync),
			wantLog: "ErrorCode:RegistrationRequired(3)",
		},
		{
			name: "FileLocationChanged", op: "GetExtendedUpdateInfo", n: 1, code: soap.CodeClient, errorCode: "FileLocationChanged",
			wantOps: seq(handshake, s("SyncUpdates", "SyncUpdates", "SyncUpdates", "GetExtendedUpdateInfo", "GetFileLocations", "GetExtendedUpdateInfo", "ReportEventBatch")),
			wantLog: "PTError: 0x80244025",
		},
		{
			name: "InternalServerError", op: "SyncUpdates", n: 2, code: soap.CodeServer, errorCode: "InternalServerError",
			wantOps: seq(handshake, s("SyncUpdates", "SyncUpdates", "ReportEventBatch")),
			wantHR:  clientsim.HRSoapServer,
			wantLog: "WARNING: SyncUpdates failure, error = 0x8024400E, soap client error = 7, soap error code = 400, HTTP status code = 200",
		},
		{
			name: "InternalServerError/wua10", op: "SyncUpdates", n: 2, code: soap.CodeServer, errorCode: "InternalServerError", flavour: wulog.WUA10,
			wantOps: seq(handshake, s("SyncUpdates", "SyncUpdates", "ReportEventBatch")),
			wantHR:  clientsim.HRSoapClientSoapFault,
			wantLog: "FATAL: OnCallFailure failed with hr=0X80244007",
		},
		{
			name: "InvalidParameters", op: "SyncUpdates", n: 1, code: soap.CodeClient, errorCode: "InvalidParameters",
			wantOps: seq(handshake, s("SyncUpdates", "ReportEventBatch")),
			wantHR:  clientsim.HRSoapClient,
			wantLog: "soap error code = 300",
		},
		{
			name: "ServerBusy", op: "GetConfig", n: 1, code: soap.CodeServer, errorCode: "ServerBusy",
			wantOps: s("GetConfig"), // no cookie yet: nothing can be reported
			wantHR:  clientsim.HRSoapServer,
			wantLog: "ErrorCode:ServerBusy(11)",
		},
		{
			name: "CookieExpired/forever", op: "SyncUpdates", n: 1, forever: true, code: soap.CodeClient, errorCode: "CookieExpired",
			wantOps: seq(handshake, s("SyncUpdates", "GetAuthorizationCookie", "GetCookie", "SyncUpdates", "GetAuthorizationCookie", "GetCookie", "SyncUpdates", "ReportEventBatch")),
			wantHR:  clientsim.HRSoapClient,
		},
		{
			name: "InvalidCookie/forever", op: "SyncUpdates", n: 1, forever: true, code: soap.CodeClient, errorCode: "InvalidCookie",
			wantOps: seq(handshake, s("SyncUpdates"), handshake, s("RefreshCache", "SyncUpdates"), handshake, s("RefreshCache", "SyncUpdates", "ReportEventBatch")),
			wantHR:  clientsim.HRRefreshCacheRequired,
		},
		{
			name: "CookieExpired/during recovery", op: "GetCookie", n: 2, forever: true, code: soap.CodeClient, errorCode: "CookieExpired",
			wantOps: seq(handshake, s("SyncUpdates", "GetAuthorizationCookie", "GetCookie", "ReportEventBatch")),
			wantHR:  clientsim.HRSoapClient,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := func(w http.ResponseWriter, r *http.Request, op string, n int) bool {
				if op == tt.op && (n == tt.n || tt.forever && n >= tt.n) {
					writeFault(w, r, tt.code, tt.errorCode)
					return true
				}
				return false
			}
			if tt.name == "CookieExpired/during recovery" {
				// The first SyncUpdates says the cookie expired; the
				// GetCookie of the recovery then faults too.
				script = func(w http.ResponseWriter, r *http.Request, op string, n int) bool {
					if op == "SyncUpdates" && n == 1 || op == "GetCookie" && n >= 2 {
						writeFault(w, r, tt.code, tt.errorCode)
						return true
					}
					return false
				}
			}
			f, url := newFake(t, script)
			var log bytes.Buffer
			res := sync1(t, clientsim.Config{
				ServerURL: url, Profile: builtin(t, "xp-sp3"), Seed: 1, SkipSelfUpdate: true,
				Clock: clock.NewVirtual(clock.DefaultStart, time.Millisecond), Log: &log, LogFormat: tt.flavour,
				CallTimeout: 5 * time.Second,
			})
			if got := f.ops(); !slices.Equal(got, tt.wantOps) {
				t.Errorf("calls\n got %v\nwant %v", got, tt.wantOps)
			}
			if clientsim.HResult(res.HResultCode) != tt.wantHR {
				t.Errorf("search ended %s (%s), want %s", res.HResult, res.Reason, tt.wantHR)
			}
			if tt.wantHR == 0 && (len(res.Updates) != 1 || res.Updates[0].UpdateID != fakeUpdateID) {
				t.Errorf("found %+v, want the fake's update", res.Updates)
			}
			if tt.wantHR != 0 && (res.Fault == nil || res.Fault.ErrorCode != tt.errorCode) {
				t.Errorf("result fault %+v, want ErrorCode %s", res.Fault, tt.errorCode)
			}
			if !strings.Contains(log.String(), tt.wantLog) {
				t.Errorf("log lacks %q:\n%s", tt.wantLog, log.String())
			}
		})
	}
}

// TestFoundUpdateDescribed checks what the search learns of the fake's
// update from GetExtendedUpdateInfo: title, KB from the title,
// classification from its category.
func TestFoundUpdateDescribed(t *testing.T) {
	_, url := newFake(t, nil)
	res := sync1(t, clientsim.Config{ServerURL: url, Profile: builtin(t, "xp-sp3"), Clock: clock.NewVirtual(clock.DefaultStart, time.Millisecond)})
	if !res.Success || len(res.Updates) != 1 {
		t.Fatalf("result %+v", res)
	}
	u := res.Updates[0]
	want := clientsim.FoundUpdate{RevisionID: 2, UpdateID: fakeUpdateID, RevisionNumber: 101,
		Title: "Fake Update for Windows XP (KB999999)", KB: "999999", Classification: "Security Updates", Action: "Install"}
	if u != want {
		t.Errorf("found %+v, want %+v", u, want)
	}
	if res.Categories != 1 || res.Deployed != 2 {
		t.Errorf("categories %d, deployed %d; want 1 and 2", res.Categories, res.Deployed)
	}
}

// TestCancelled stops the search from outside: the agent ends with
// WU_E_CALL_CANCELLED and Sync reports the context's error.
func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	_, url := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, n int) bool {
		if op == "GetConfig" {
			cancel()
			<-r.Context().Done()
			return true
		}
		return false
	})
	a, err := clientsim.New(clientsim.Config{ServerURL: url, Profile: builtin(t, "xp-sp3"), SkipSelfUpdate: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.Sync(ctx)
	if err == nil || clientsim.HResult(res.HResultCode) != clientsim.HRCallCancelled {
		t.Errorf("Sync = %s, %v; want %s and an error", res.HResult, err, clientsim.HRCallCancelled)
	}
}

// TestExtendedInfoBatches sets MaxExtendedUpdatesPerRequest to 1: the
// update and its category are asked about in two calls.
func TestExtendedInfoBatches(t *testing.T) {
	f, url := newFake(t, nil)
	f.maxExtended = 1
	res := sync1(t, clientsim.Config{ServerURL: url, Profile: builtin(t, "xp-sp3"), SkipSelfUpdate: true})
	n := 0
	for _, op := range f.ops() {
		if op == "GetExtendedUpdateInfo" {
			n++
		}
	}
	if n != 2 || !res.Success || res.Updates[0].Classification != "Security Updates" {
		t.Errorf("%d GetExtendedUpdateInfo calls, result %+v; want 2 and a described update", n, res)
	}
}
