package clientsim_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clientsim "github.com/wsusmock/wsusmock/client-sim"
	"github.com/wsusmock/wsusmock/client-sim/profile"
	"github.com/wsusmock/wsusmock/internal/clock"
	"github.com/wsusmock/wsusmock/internal/h1client"
	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/soap/reporting"
	"github.com/wsusmock/wsusmock/soap/simpleauth"
	x "github.com/wsusmock/wsusmock/updatexml"
)

// The interop fixture is a small WSUS written here, not mockwsus, that
// behaves as the independent server implementations client-sim must work
// with do (issue 14): each knob is one behaviour seen in the wild.
type fixture struct {
	// plugIns are the authorization plug-ins GetConfig offers, in order:
	// "Anonymous" (no ServiceUrl) and/or "SimpleTargeting".
	plugIns []string
	// dropAfter, when positive, closes a kept-alive connection instead of
	// answering its next request once it has carried that many answers,
	// without ever saying Connection: close (the server read the request,
	// then closed: the agent sees the connection end before any answer).
	dropAfter int
	// dropAlways closes the connection instead of answering every request
	// after the first dropAfter answers of the fixture (a server that died).
	dropAlways bool
	// singleThreaded serves one connection at a time, as a one-threaded
	// development server (Python's http.server without threads) does: the
	// next connection is accepted only when the current one is closed, so
	// a client that keeps an idle connection open blocks every other one.
	singleThreaded bool
	// selfUpdate, when set, is served as /selfupdate/wuident.cab; nil
	// means no self-update files (404).
	selfUpdate []byte
	// wcfOps answer with WCF's own fault (faultcode a:InternalServiceFault,
	// the prefix declared on faultcode, no WSUS detail, HTTP 500), as do
	// operations the fixture does not implement.
	wcfOps map[string]bool

	conns    atomic.Int64 // connections opened to the fixture
	served   atomic.Int64
	requests sync.Map // operation -> *atomic.Int64
	cookies  sync.Map // plug-in IDs seen in GetCookie, joined by ","
}

// Revisions and identities of the fixture's updates: a product category
// and one security update for every Windows.
const (
	fxCategoryRev = 5001
	fxUpdateRev   = 5002
	fxCategoryID  = "0fa1201d-4330-4fa8-8ae9-b877473b6441"
	fxUpdateID    = "3e0b2d8a-6c1f-4a0e-9d2b-7a1c5e4f5002"
	fxUpdateKB    = "5006001"
)

const nsWCFDispatcher = "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher"

// wcfFault is WCF's answer to an operation that failed inside the service,
// as the independent servers send it.
const wcfFault = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>` +
	`<faultcode xmlns:a="` + nsWCFDispatcher + `">a:InternalServiceFault</faultcode>` +
	`<faultstring xml:lang="en-US">The server was unable to process the request due to an internal error.</faultstring>` +
	`</s:Fault></s:Body></s:Envelope>`

type connKey struct{}

// connAnswers counts the answers of one connection.
type connAnswers struct{ n atomic.Int64 }

// start serves the fixture on 127.0.0.1:0 and returns its URL.
func (f *fixture) start(t *testing.T) string {
	t.Helper()
	ts := httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	ts.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		f.conns.Add(1)
		return context.WithValue(ctx, connKey{}, &connAnswers{})
	}
	if f.singleThreaded {
		ts.Listener = &oneAtATime{Listener: ts.Listener, free: make(chan struct{}, 1)}
	}
	ts.Start()
	t.Cleanup(ts.Close)
	return ts.URL
}

// count returns how many requests for op the fixture received.
func (f *fixture) count(op string) int64 {
	if v, ok := f.requests.Load(op); ok {
		return v.(*atomic.Int64).Load()
	}
	return 0
}

// oneAtATime accepts a connection only when the previous one is closed.
type oneAtATime struct {
	net.Listener
	free chan struct{} // holds a token while a connection is open
}

func (l *oneAtATime) Accept() (net.Conn, error) {
	l.free <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.free
		return nil, err
	}
	return &releasingConn{Conn: c, release: func() { <-l.free }}, nil
}

// releasingConn frees its listener's slot when closed, once.
type releasingConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *releasingConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

func (f *fixture) serve(w http.ResponseWriter, r *http.Request) {
	action := strings.Trim(r.Header.Get("SOAPAction"), `"`)
	op := action[strings.LastIndex(action, "/")+1:]
	if op == "" {
		op = r.Method + " " + r.URL.Path
	}
	v, _ := f.requests.LoadOrStore(op, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
	body, _ := io.ReadAll(r.Body)

	conn := r.Context().Value(connKey{}).(*connAnswers)
	if f.dropAfter > 0 && (conn.n.Load() >= int64(f.dropAfter) || f.dropAlways && f.served.Load() >= int64(f.dropAfter)) {
		// Close without a word: the request was read, no answer byte goes
		// out, and the close is a FIN (nothing is left unread).
		c, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			if tc, ok := c.(*net.TCPConn); ok {
				tc.CloseWrite()
			}
			c.Close()
		}
		return
	}
	conn.n.Add(1)
	f.served.Add(1)

	if strings.HasPrefix(strings.ToLower(r.URL.Path), "/selfupdate/") {
		if f.selfUpdate != nil && strings.HasSuffix(strings.ToLower(r.URL.Path), "/wuident.cab") {
			w.Write(f.selfUpdate)
			return
		}
		// No self-update files.
		http.NotFound(w, r)
		return
	}
	if f.wcfOps[op] {
		writeWCFFault(w)
		return
	}
	var resp any
	switch op {
	case clientws.OpGetConfig:
		resp = f.getConfig()
	case simpleauth.OpGetAuthorizationCookie:
		resp = &simpleauth.GetAuthorizationCookieResponse{GetAuthorizationCookieResult: &simpleauth.AuthorizationCookie{
			PlugInId: "SimpleTargeting", CookieData: []byte("fixture"),
		}}
	case clientws.OpGetCookie:
		var req clientws.GetCookie
		if err := soap.ParseResponse(body, &req); err == nil && req.AuthCookies != nil {
			var ids []string
			for _, c := range req.AuthCookies.AuthorizationCookie {
				ids = append(ids, c.PlugInId)
			}
			f.cookies.Store(strings.Join(ids, ","), true)
		}
		// No cookie checks: any authorization cookie gets a cookie.
		resp = &clientws.GetCookieResponse{GetCookieResult: fxCookie()}
	case clientws.OpSyncUpdates:
		resp = f.syncUpdates(body)
	case clientws.OpGetExtendedUpdateInfo:
		resp = fxExtendedInfo()
	case reporting.OpReportEventBatch:
		resp = &reporting.ReportEventBatchResponse{ReportEventBatchResult: true}
	default:
		// What the fixture does not implement fails as WCF does.
		writeWCFFault(w)
		return
	}
	if err := soap.WriteResponse(w, soap.SOAP11, resp); err != nil {
		panic(err)
	}
}

func writeWCFFault(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	io.WriteString(w, wcfFault)
}

func (f *fixture) getConfig() *clientws.GetConfigResponse {
	info := &clientws.ArrayOfAuthPlugInInfo{}
	for _, p := range f.plugIns {
		url := ""
		if p == "SimpleTargeting" {
			url = "SimpleAuthWebService/SimpleAuth.asmx"
		}
		info.AuthPlugInInfo = append(info.AuthPlugInInfo, &clientws.AuthPlugInInfo{PlugInID: p, ServiceUrl: url})
	}
	return &clientws.GetConfigResponse{GetConfigResult: &clientws.Config{
		LastChange: clientws.NewDateTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
		AuthInfo:   info, Properties: &clientws.ArrayOfConfigurationProperty{},
	}}
}

func fxCookie() *clientws.Cookie {
	return &clientws.Cookie{Expiration: clientws.NewDateTime(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)), EncryptedData: []byte("fixture-cookie")}
}

// syncUpdates offers the category and the update to every software round
// (the fixture keeps no state) and nothing to the driver pass.
func (f *fixture) syncUpdates(body []byte) *clientws.SyncUpdatesResponse {
	info := &clientws.SyncInfo{NewUpdates: &clientws.ArrayOfUpdateInfo{}, NewCookie: fxCookie()}
	if bytes.Contains(body, []byte("<SkipSoftwareSync>true</SkipSoftwareSync>")) {
		return &clientws.SyncUpdatesResponse{SyncUpdatesResult: info}
	}
	cat := (&x.Core{Identity: x.Identity{UpdateID: fxCategoryID, RevisionNumber: 1}, UpdateType: "Category",
		IsInstalled: x.True()}).Render()
	upd := (&x.Core{Identity: x.Identity{UpdateID: fxUpdateID, RevisionNumber: 3}, UpdateType: "Software",
		Prerequisites: []x.Prerequisite{x.Require(x.Identity{UpdateID: fxCategoryID})},
		IsInstalled:   x.False(), IsInstallable: x.True()}).Render()
	info.NewUpdates.UpdateInfo = []*clientws.UpdateInfo{
		{ID: fxCategoryRev, Deployment: &clientws.Deployment{ID: 1, Action: clientws.DeploymentActionEvaluate, LastChangeTime: "2026-01-01"}, Xml: cat},
		{ID: fxUpdateRev, Deployment: &clientws.Deployment{ID: 2, Action: clientws.DeploymentActionInstall, LastChangeTime: "2026-01-01"}, IsLeaf: true, Xml: upd},
	}
	return &clientws.SyncUpdatesResponse{SyncUpdatesResult: info}
}

func fxExtendedInfo() *clientws.GetExtendedUpdateInfoResponse {
	ext := (&x.Extended{DefaultPropertiesLanguage: "en", KBArticleID: fxUpdateKB}).Render()
	loc := (&x.LocalizedProperties{Language: "en", Title: "Security Update for Windows (KB" + fxUpdateKB + ")"}).Render()
	return &clientws.GetExtendedUpdateInfoResponse{GetExtendedUpdateInfoResult: &clientws.ExtendedUpdateInfo{
		Updates: &clientws.ArrayOfUpdateData{Update: []*clientws.UpdateData{{ID: fxUpdateRev, Xml: ext}, {ID: fxUpdateRev, Xml: loc}}},
	}}
}

// independent is the fixture of the done-when: Anonymous only, a kept-alive
// connection closed after two answers without saying so, one thread, WCF
// faults for what it does not implement, no cookie checks, no self-update
// files.
func independent() *fixture {
	return &fixture{plugIns: []string{"Anonymous"}, dropAfter: 2, singleThreaded: true}
}

// fixtureConfig is a win11 computer against url with the command line's
// defaults: no HTTPClient (the agent makes its own transport), a virtual
// clock.
func fixtureConfig(url, profileName string, index int) clientsim.Config {
	return clientsim.Config{
		ServerURL: url, Profile: mustProfile(profileName), Seed: 1, Index: index,
		Clock: clock.NewVirtual(clock.DefaultStart, time.Millisecond), CallTimeout: 10 * time.Second,
	}
}

// TestInteropIndependentServer is the done-when: against a server that
// offers only Anonymous and closes kept-alive connections after two answers
// without saying so, a win11 search succeeds with the server's update 10
// runs out of 10, without calling SimpleAuth, and its GetCookie carries the
// Anonymous plug-in's cookie; the resend on a new connection is what makes
// it work (the server dropped requests, and every drop was resent).
func TestInteropIndependentServer(t *testing.T) {
	f := independent()
	url := f.start(t)
	for run := range 10 {
		var log bytes.Buffer
		cfg := fixtureConfig(url, "win11", 0)
		cfg.Log = &log
		res, err := clientsim.Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Success || len(res.Updates) != 1 || res.Updates[0].RevisionID != fxUpdateRev || res.Updates[0].KB != fxUpdateKB {
			t.Fatalf("run %d: %s (%s), updates %+v; want S_OK with revision %d (KB%s)\n%s", run+1, res.HResult, res.Reason, res.Updates, fxUpdateRev, fxUpdateKB, log.String())
		}
		if strings.Contains(log.String(), "simple targeting") {
			t.Errorf("run %d: the log initialises a simple targeting cookie against an Anonymous-only server", run+1)
		}
	}
	if n := f.count(simpleauth.OpGetAuthorizationCookie); n != 0 {
		t.Errorf("GetAuthorizationCookie called %d times; the server offers only Anonymous", n)
	}
	if _, ok := f.cookies.Load("Anonymous"); !ok {
		t.Errorf("no GetCookie carried exactly the Anonymous plug-in's cookie")
	}
	// 10 searches of 6 calls each, 3 per connection before the drop: the
	// fixture dropped requests, and each was sent again.
	total := int64(0)
	f.requests.Range(func(_, v any) bool { total += v.(*atomic.Int64).Load(); return true })
	if answered := f.served.Load(); total <= answered {
		t.Errorf("the fixture received %d requests and answered %d: no request was dropped, the test proves nothing", total, answered)
	}
}

// TestInteropIndependentFleet: a fleet of 50 win11 computers against the
// same server all succeed with its update; each computer has its own
// connections, so the single-threaded server is never blocked by a
// connection another computer holds idle.
func TestInteropIndependentFleet(t *testing.T) {
	url := independent().start(t)
	sum, err := clientsim.RunFleet(context.Background(), clientsim.FleetConfig{
		ServerURL: url, Clients: 50, Concurrency: 16, Mix: []clientsim.MixEntry{{Profile: "win11", Percent: 100}},
		Seed: 1, CallTimeout: 10 * time.Second, KeepResults: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Succeeded != 50 {
		t.Fatalf("%d of 50 succeeded: %+v", sum.Succeeded, sum.Outcomes)
	}
	for _, r := range sum.Results {
		if len(r.Updates) != 1 || r.Updates[0].RevisionID != fxUpdateRev {
			t.Fatalf("%s found %+v, want revision %d", r.Computer, r.Updates, fxUpdateRev)
		}
	}
}

// TestInteropLeanTransport: the independent server's done-when, a fleet
// and a dead server, with the lean transport `wsusrepro bench` shares among
// its agents (h1client) instead of each agent's own net/http transport. The
// stale keep-alive resend works through h1client's trace hooks, and on a
// shared pool the resend goes out on a new connection.
func TestInteropLeanTransport(t *testing.T) {
	t.Run("independent server", func(t *testing.T) {
		f := independent()
		url := f.start(t)
		rt := &h1client.Transport{}
		defer rt.CloseIdleConnections()
		hc := &http.Client{Transport: rt}
		for run := range 10 {
			var log bytes.Buffer
			cfg := fixtureConfig(url, "win11", 0)
			cfg.Log, cfg.HTTPClient = &log, hc
			res, err := clientsim.Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Success || len(res.Updates) != 1 || res.Updates[0].RevisionID != fxUpdateRev {
				t.Fatalf("run %d: %s (%s), updates %+v; want S_OK with revision %d\n%s", run+1, res.HResult, res.Reason, res.Updates, fxUpdateRev, log.String())
			}
		}
		if total, answered := f.received(), f.served.Load(); total <= answered {
			t.Errorf("the fixture received %d requests and answered %d: no request was dropped, the test proves nothing", total, answered)
		}
	})
	t.Run("fleet sharing one transport", func(t *testing.T) {
		// Many threads, so that connections idle in the shared pool block
		// nobody; every connection is dropped at its third request.
		f := &fixture{plugIns: []string{"Anonymous"}, dropAfter: 2}
		url := f.start(t)
		rt := &h1client.Transport{MaxIdlePerHost: 32}
		defer rt.CloseIdleConnections()
		sum, err := clientsim.RunFleet(context.Background(), clientsim.FleetConfig{
			ServerURL: url, Clients: 50, Concurrency: 16, Mix: []clientsim.MixEntry{{Profile: "win11", Percent: 100}},
			Seed: 1, CallTimeout: 10 * time.Second, HTTPClient: &http.Client{Transport: rt},
		})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Succeeded != 50 {
			t.Fatalf("%d of 50 succeeded: %+v", sum.Succeeded, sum.Outcomes)
		}
		if total, answered := f.received(), f.served.Load(); total <= answered {
			t.Errorf("the fixture received %d requests and answered %d: no request was dropped, the test proves nothing", total, answered)
		}
	})
	t.Run("dead server", func(t *testing.T) {
		url := (&fixture{plugIns: []string{"Anonymous"}, dropAfter: 2, dropAlways: true}).start(t)
		rt := &h1client.Transport{}
		defer rt.CloseIdleConnections()
		cfg := fixtureConfig(url, "win11", 0)
		cfg.HTTPClient = &http.Client{Transport: rt}
		res, err := clientsim.Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if res.HResult != clientsim.HRConnectionError {
			t.Errorf("search ended %s (%s), want %s", res.HResult, res.Reason, clientsim.HRConnectionError)
		}
	})
}

// received is how many requests the fixture received, answered or not.
func (f *fixture) received() int64 {
	total := int64(0)
	f.requests.Range(func(_, v any) bool { total += v.(*atomic.Int64).Load(); return true })
	return total
}

// TestInteropOutcomes runs each profile generation against each
// behaviour of the fixture and checks the outcome a real agent has.
func TestInteropOutcomes(t *testing.T) {
	tests := []struct {
		name    string
		fx      *fixture
		profile string
		wantHR  clientsim.HResult
		// noSelfUpdate leaves out WUA 7's self-update check, which the
		// fixture's missing files would end first.
		noSelfUpdate bool
		check        func(t *testing.T, f *fixture, res *clientsim.Result, log string)
	}{
		{
			name: "SimpleTargeting then Anonymous: SimpleAuth, one cookie", profile: "win11",
			fx: &fixture{plugIns: []string{"SimpleTargeting", "Anonymous"}}, wantHR: clientsim.HRSuccess,
			check: func(t *testing.T, f *fixture, res *clientsim.Result, log string) {
				if f.count(simpleauth.OpGetAuthorizationCookie) != 1 {
					t.Errorf("GetAuthorizationCookie called %d times, want 1", f.count(simpleauth.OpGetAuthorizationCookie))
				}
				if _, ok := f.cookies.Load("SimpleTargeting"); !ok {
					t.Error("GetCookie did not carry exactly the SimpleTargeting cookie")
				}
				if !strings.Contains(log, "Initializing simple targeting cookie") {
					t.Error("no simple targeting lines in the log")
				}
			},
		},
		{
			name: "an unknown plug-in, then Anonymous: no SimpleAuth, the Anonymous cookie", profile: "xp-sp3", noSelfUpdate: true,
			fx: &fixture{plugIns: []string{"KerberosTargeting", "Anonymous"}}, wantHR: clientsim.HRSuccess,
			check: func(t *testing.T, f *fixture, res *clientsim.Result, log string) {
				if n := f.count(simpleauth.OpGetAuthorizationCookie); n != 0 {
					t.Errorf("GetAuthorizationCookie called %d times", n)
				}
				if _, ok := f.cookies.Load("Anonymous"); !ok || strings.Contains(log, "simple targeting") {
					t.Error("GetCookie did not carry exactly the Anonymous cookie, or the log initialises a simple targeting cookie")
				}
			},
		},
		{
			name: "only an unknown plug-in", profile: "win11",
			fx: &fixture{plugIns: []string{"KerberosTargeting"}}, wantHR: clientsim.HRNoAuthCookies,
		},
		{
			name: "WCF fault on GetExtendedUpdateInfo, WUA 10: a SOAP fault", profile: "win11",
			fx:     &fixture{plugIns: []string{"Anonymous"}, wcfOps: map[string]bool{clientws.OpGetExtendedUpdateInfo: true}},
			wantHR: clientsim.HRSoapClientSoapFault,
			check: func(t *testing.T, f *fixture, res *clientsim.Result, log string) {
				if res.Fault == nil || res.Fault.Code != "InternalServiceFault" || res.Fault.ErrorCode != "" {
					t.Errorf("fault %+v, want InternalServiceFault without ErrorCode", res.Fault)
				}
				if !strings.Contains(log, "WARNING: code: InternalServiceFault") || strings.Contains(log, "Soap fault detail") {
					t.Errorf("log lacks the fault's code or shows a detail it did not have:\n%s", log)
				}
			},
		},
		{
			name: "WCF fault on GetExtendedUpdateInfo, WUA 7: ATL cannot parse it", profile: "xp-sp3", noSelfUpdate: true,
			fx:     &fixture{plugIns: []string{"Anonymous"}, wcfOps: map[string]bool{clientws.OpGetExtendedUpdateInfo: true}},
			wantHR: clientsim.HRSoapClientParseFault,
			check: func(t *testing.T, f *fixture, res *clientsim.Result, log string) {
				if !strings.Contains(log, "GetExtendedUpdateInfo failure, error = 0x80244008, soap client error = 8") {
					t.Errorf("log lacks the parse-fault failure line:\n%s", log)
				}
			},
		},
		{
			name: "no self-update files, WUA 7: the self-update check fails the scan", profile: "xp-sp3",
			fx: &fixture{plugIns: []string{"Anonymous"}}, wantHR: clientsim.HRHTTPNotFound,
			check: func(t *testing.T, f *fixture, res *clientsim.Result, log string) {
				if !strings.Contains(log, "Skipping scan, self-update check returned 0x80244019") {
					t.Errorf("log lacks the skipped scan:\n%s", log)
				}
			},
		},
		{
			name: "no self-update files, WUA 10: no self-update check", profile: "win10",
			fx: &fixture{plugIns: []string{"Anonymous"}}, wantHR: clientsim.HRSuccess,
			check: func(t *testing.T, f *fixture, res *clientsim.Result, log string) {
				if n := f.count("GET /selfupdate/wuident.cab"); n != 0 {
					t.Errorf("%d self-update requests", n)
				}
			},
		},
		{
			name: "a connection closed on every request after the first two answers: the resend fails too", profile: "win11",
			fx: &fixture{plugIns: []string{"Anonymous"}, dropAfter: 2, dropAlways: true}, wantHR: clientsim.HRConnectionError,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := tt.fx.start(t)
			var log bytes.Buffer
			cfg := fixtureConfig(url, tt.profile, 0)
			cfg.Log = &log
			cfg.SkipSelfUpdate = tt.noSelfUpdate
			res, err := clientsim.Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if clientsim.HResult(res.HResultCode) != tt.wantHR {
				t.Fatalf("search ended %s (%s), want %s\n%s", res.HResult, res.Reason, tt.wantHR, log.String())
			}
			if tt.check != nil {
				tt.check(t, tt.fx, res, log.String())
			}
		})
	}
}

// TestInteropSameHResultInFleet: one transport failure gives one HRESULT
// whether the computer runs alone (sync) or in a fleet.
func TestInteropSameHResultInFleet(t *testing.T) {
	dead := func() *fixture { return &fixture{plugIns: []string{"Anonymous"}, dropAfter: 2, dropAlways: true} }
	res, err := clientsim.Run(context.Background(), fixtureConfig(dead().start(t), "win11", 0))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := clientsim.RunFleet(context.Background(), clientsim.FleetConfig{
		ServerURL: dead().start(t), Clients: 8, Concurrency: 4, Mix: []clientsim.MixEntry{{Profile: "win11", Percent: 100}},
		Seed: 1, CallTimeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.HResult != clientsim.HRConnectionError || len(sum.Outcomes) == 0 {
		t.Fatalf("sync %s, fleet %+v", res.HResult, sum.Outcomes)
	}
	// The two answers the dead server gives go to whichever computers ask
	// first; no search gets far enough on them, so every computer fails as
	// the one of sync did.
	if len(sum.Outcomes) != 1 || sum.Outcomes[0].HResult != res.HResult.String() || sum.Outcomes[0].Count != 8 {
		t.Errorf("fleet outcomes %+v, sync %s", sum.Outcomes, res.HResult)
	}
}

// mustProfile returns a built-in profile; the names are the contract's.
func mustProfile(name string) *profile.Profile {
	p, err := profile.Builtin(name)
	if err != nil {
		panic(fmt.Sprintf("profile %s: %v", name, err))
	}
	return p
}

// TestEachComputerItsOwnConnections: computers of a fleet never share a
// TCP connection, as real computers cannot, even when run one after the
// other with one HTTPClient given (as the command line gives one for TLS
// settings): five computers open five connections, each keeping its own
// alive for its whole search.
func TestEachComputerItsOwnConnections(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared HTTPClient %v", shared), func(t *testing.T) {
			f := &fixture{plugIns: []string{"Anonymous"}}
			cfg := clientsim.FleetConfig{
				ServerURL: f.start(t), Clients: 5, Concurrency: 1, Mix: []clientsim.MixEntry{{Profile: "win11", Percent: 100}},
				Seed: 1, CallTimeout: 10 * time.Second,
			}
			if shared {
				tr := &http.Transport{MaxIdleConnsPerHost: 64}
				t.Cleanup(tr.CloseIdleConnections)
				cfg.HTTPClient = &http.Client{Transport: tr}
			}
			sum, err := clientsim.RunFleet(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Succeeded != 5 || f.conns.Load() != 5 {
				t.Errorf("%d of 5 succeeded over %d connections; want 5 over 5", sum.Succeeded, f.conns.Load())
			}
		})
	}
}

// TestSelfUpdateCheck: the WUA 7 self-update check looks at what it
// downloaded and reacts as the real agent does; the log claims a
// Microsoft signature and the /SKIP directive only when it found them.
func TestSelfUpdateCheck(t *testing.T) {
	good, err := mockwsus.SelfUpdateCabinet(1, "wuident.cab")
	if err != nil {
		t.Fatal(err)
	}
	replace := func(old, new string) []byte {
		if len(old) != len(new) || !bytes.Contains(good, []byte(old)) {
			t.Fatalf("cannot replace %q by %q in the cabinet", old, new)
		}
		return bytes.ReplaceAll(slices.Clone(good), []byte(old), []byte(new))
	}
	// A cabinet without its signature: cut at cbCabinet, reserve zeroed.
	unsigned := slices.Clone(good[:binary.LittleEndian.Uint32(good[8:])])
	clear(unsigned[44:52])
	signedLine, skipLine := " Microsoft signed: Yes", "/SKIP directive in wuident"
	tests := []struct {
		name     string
		cab      []byte
		wantHR   clientsim.HResult
		want     []string
		wantNone []string
	}{
		{"missing", nil, clientsim.HRHTTPNotFound, []string{"Skipping scan, self-update check returned 0x80244019"}, []string{signedLine}},
		{"an HTML page", []byte("<html><body>It works!</body></html>"), clientsim.HRTrustSubjectFormUnknown,
			[]string{"are not trusted: Error 0x800b0003", "Skipping scan, self-update check returned 0x800B0003"}, []string{signedLine, skipLine}},
		{"a fake EXE", append([]byte("MZ\x90\x00"), make([]byte, 500)...), clientsim.HRTrustSubjectFormUnknown,
			[]string{"are not trusted: Error 0x800b0003"}, []string{signedLine}},
		{"a cabinet without a signature", unsigned, clientsim.HRTrustNoSignature,
			[]string{"are not trusted: Error 0x800b0100"}, []string{signedLine, skipLine}},
		{"a cabinet signed by someone else", replace("Microsoft Corporation", "Microsoft Corporatiom"), clientsim.HRTrustSubjectNotTrusted,
			[]string{"are not trusted: Error 0x800b0004"}, []string{signedLine, skipLine}},
		{"a signed cabinet without /SKIP", replace("/SKIP", "/NONE"), clientsim.HRSuccess, []string{signedLine}, []string{skipLine}},
		{"a signed cabinet with /SKIP", good, clientsim.HRSuccess, []string{signedLine, skipLine, "SelfUpdate is NOT required"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fixture{plugIns: []string{"Anonymous"}, selfUpdate: tt.cab}
			var log bytes.Buffer
			cfg := fixtureConfig(f.start(t), "xp-sp3", 0)
			cfg.Log = &log
			res, err := clientsim.Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if clientsim.HResult(res.HResultCode) != tt.wantHR {
				t.Fatalf("search ended %s (%s), want %s", res.HResult, res.Reason, tt.wantHR)
			}
			for _, w := range tt.want {
				if !strings.Contains(log.String(), w) {
					t.Errorf("log lacks %q:\n%s", w, log.String())
				}
			}
			for _, w := range tt.wantNone {
				if strings.Contains(log.String(), w) {
					t.Errorf("log claims %q:\n%s", w, log.String())
				}
			}
		})
	}
}
