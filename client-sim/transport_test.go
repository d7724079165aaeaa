package clientsim_test

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	clientsim "github.com/wsusmock/wsusmock/client-sim"
	"github.com/wsusmock/wsusmock/internal/clock"
	"github.com/wsusmock/wsusmock/internal/h1client"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
)

// closedPort returns the URL of a port nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// getConfigAnswer is a valid GetConfig answer, to be cut or spoilt.
func getConfigAnswer(t *testing.T) []byte {
	out, err := soap.AppendEnvelope(nil, soap.SOAP11, "soap", &clientws.GetConfigResponse{GetConfigResult: &clientws.Config{
		AuthInfo: &clientws.ArrayOfAuthPlugInInfo{AuthPlugInInfo: []*clientws.AuthPlugInInfo{
			{PlugInID: "SimpleTargeting", ServiceUrl: "SimpleAuthWebService/SimpleAuth.asmx"},
		}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTransportFailures answers GetConfig (or the whole exchange) badly and
// checks the HRESULT the search ends with and the log line that says why.
// No test waits longer than its own short call deadline.
func TestTransportFailures(t *testing.T) {
	status := func(code int, ct, body string) answer {
		return func(t *testing.T, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ct)
			w.WriteHeader(code)
			io.WriteString(w, body)
		}
	}
	tests := []transportCase{
		{
			name: "connection refused", url: closedPort,
			wantHR:  clientsim.HRCannotConnect,
			wantLog: []string{"Misc\tWARNING: Send failed with hr = 80072efd: cannot connect", "PT\tWARNING: GetConfig failure, error = 0x80072EFD, soap client error = 5"},
		},
		{
			name: "connection refused/self-update", url: closedPort, selfUpdate: true,
			wantHR: clientsim.HRCannotConnect,
			wantLog: []string{"Setup\tWARNING: SelfUpdate: Default Service: IsUpdateRequired failed, error = 0x80072EFD",
				"Agent\t  * WARNING: Skipping scan, self-update check returned 0x80072EFD"},
		},
		{
			name: "timeout",
			answer: func(t *testing.T, w http.ResponseWriter, r *http.Request) {
				<-r.Context().Done() // until the agent gives up
			},
			wantHR:  clientsim.HRTimeout,
			wantLog: []string{"no answer within the call deadline", "error = 0x80072EE2"},
		},
		{
			name: "HTTP 503", answer: status(503, "text/html", "<html><body>Service Unavailable</body></html>"),
			wantHR:  clientsim.HRHTTPUnavailable,
			wantLog: []string{"HTTP status 503 from", "GetConfig failure, error = 0x80244022, soap client error = 10, soap error code = 0, HTTP status code = 503"},
		},
		{
			name: "HTTP 407", answer: status(407, "text/html", "proxy authentication required"),
			wantHR:  clientsim.HRHTTPProxyAuthReq,
			wantLog: []string{"error = 0x8024401B", "HTTP status code = 407"},
		},
		{
			name: "HTTP 404", answer: status(404, "text/html", "not found"),
			wantHR:  clientsim.HRHTTPNotFound,
			wantLog: []string{"error = 0x80244019"},
		},
		{
			name: "HTTP 404/self-update", selfUpdate: true, op: "SelfUpdate", answer: status(404, "text/html", "not found"),
			wantHR: clientsim.HRHTTPNotFound,
			wantLog: []string{"Misc\tWARNING: WinHttp: SendRequestToServerForFileInformation failed with 0x80190194",
				"Agent\t  * WARNING: Skipping scan, self-update check returned 0x80244019", "Agent\t  * WARNING: Exit code = 0x80244019"},
		},
		{
			name: "HTTP 418 not mapped", answer: status(418, "text/plain", "teapot"),
			wantHR: clientsim.HRHTTPNotMapped, wantLog: []string{"error = 0x8024402B"},
		},
		{
			name: "HTTP 500 without fault", answer: status(500, "text/html", "<html>Server Error in '/' Application.</html>"),
			wantHR:  clientsim.HRHTTPServerError,
			wantLog: []string{`content type "text/html", not a SOAP message`, "error = 0x8024401F"},
		},
		{
			name: "HTTP 500 with an unparsable fault",
			answer: status(500, "text/xml; charset=utf-8", `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>`+
				`<faultcode>Server</faultcode><faultstring>Fault occurred</faultstring></soap:Fault></soap:Body></soap:Envelope>`),
			wantHR:  clientsim.HRSoapClientParseFault,
			wantLog: []string{"the SOAP fault cannot be parsed", "error = 0x80244008, soap client error = 8"},
		},
		{
			name: "garbage", answer: status(200, "text/xml; charset=utf-8", "\x00\x01 this is not XML at all"),
			wantHR:  clientsim.HRSoapClientParse,
			wantLog: []string{"the response cannot be parsed", "error = 0x8024400A, soap client error = 10"},
		},
		{
			name: "truncated XML",
			answer: func(t *testing.T, w http.ResponseWriter, r *http.Request) {
				body := getConfigAnswer(t)
				w.Header().Set("Content-Type", "text/xml; charset=utf-8")
				w.Write(body[:len(body)/2])
			},
			wantHR:  clientsim.HRSoapClientParse,
			wantLog: []string{"the response cannot be parsed", "error = 0x8024400A"},
		},
		{
			name: "wrong content type",
			answer: func(t *testing.T, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.Write(getConfigAnswer(t))
			},
			wantHR:  clientsim.HRSoapClientParse,
			wantLog: []string{`content type "text/html; charset=utf-8", not a SOAP message`},
		},
		{
			name: "no authorization plug-in",
			answer: func(t *testing.T, w http.ResponseWriter, r *http.Request) {
				soap.WriteResponse(w, soap.SOAP11, &clientws.GetConfigResponse{GetConfigResult: &clientws.Config{}})
			},
			wantHR:  clientsim.HRNoAuthPlugins,
			wantLog: []string{"GetConfig failure, error = 0x80244027: GetConfig names no authorization plug-in"},
		},
		{
			name: "connection dropped",
			answer: func(t *testing.T, w http.ResponseWriter, r *http.Request) {
				conn, _, err := w.(http.Hijacker).Hijack()
				if err != nil {
					t.Error(err)
					return
				}
				conn.Close()
			},
			wantHR:  clientsim.HRConnectionError,
			wantLog: []string{"the connection closed before an answer came", "error = 0x80072EFE"},
		},
		{
			name: "redirect loop",
			answer: func(t *testing.T, w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, r.URL.Path, http.StatusTemporaryRedirect)
			},
			wantHR:  clientsim.HRRedirectFailed,
			wantLog: []string{"redirect loop: clientsim: too many redirects: stopped after 10 redirects", "error = 0x80072F7C"},
		},
		{
			name: "GetConfig without a result",
			answer: func(t *testing.T, w http.ResponseWriter, r *http.Request) {
				soap.WriteResponse(w, soap.SOAP11, &clientws.GetConfigResponse{})
			},
			wantHR:  clientsim.HRSoapClientParse,
			wantLog: []string{"GetConfigResponse has no GetConfigResult"},
		},
		{
			name: "answer of another operation",
			answer: func(t *testing.T, w http.ResponseWriter, r *http.Request) {
				soap.WriteResponse(w, soap.SOAP11, &clientws.GetCookieResponse{})
			},
			wantHR:  clientsim.HRSoapClientParse,
			wantLog: []string{"the response cannot be parsed", "GetCookieResponse"},
		},
		{
			name: "SyncUpdates without a result", op: "SyncUpdates",
			answer: func(t *testing.T, w http.ResponseWriter, r *http.Request) {
				soap.WriteResponse(w, soap.SOAP11, &clientws.SyncUpdatesResponse{})
			},
			wantHR:  clientsim.HRSoapClientParse,
			wantLog: []string{"SyncUpdates failure, error = 0x8024400A: SyncUpdatesResponse has no SyncUpdatesResult"},
		},
		{
			name: "endless Truncated", truncated: true,
			wantHR:  clientsim.HRExceededMaxServerTrips,
			wantLog: []string{"PT\tWARNING: Exceeded max server round trips: 0x80244010", "WARNING: SyncUpdates_WithRecovery failed.: 0x80244010"},
		},
	}
	// Each case with the agent's own net/http transport, and with the lean
	// transport `wsusrepro bench` gives its agents (shared by all of them):
	// the same HRESULTs and log lines.
	for _, tr := range []struct {
		name   string
		client func() *http.Client
	}{
		{name: "net-http", client: func() *http.Client { return nil }},
		{name: "h1client", client: func() *http.Client { return &http.Client{Transport: &h1client.Transport{}} }},
	} {
		for _, tt := range tests {
			t.Run(tr.name+"/"+tt.name, func(t *testing.T) {
				tt.run(t, tr.client())
			})
		}
	}
}

// answer is how a transportCase's server answers.
type answer func(t *testing.T, w http.ResponseWriter, r *http.Request)

// transportCase is one case of TestTransportFailures.
type transportCase struct {
	name       string
	op         string // the operation answered badly ("" means GetConfig)
	answer     answer
	url        func(t *testing.T) string // instead of a server
	selfUpdate bool
	truncated  bool
	wantHR     clientsim.HResult
	wantLog    []string
}

// run searches against the case's server with hc (nil: the agent's own
// transport) and checks the outcome.
func (tt transportCase) run(t *testing.T, hc *http.Client) {
	var url string
	var f *fake
	if tt.url != nil {
		url = tt.url(t)
	} else {
		op := tt.op
		if op == "" {
			op = "GetConfig"
		}
		f, url = newFake(t, func(w http.ResponseWriter, r *http.Request, got string, n int) bool {
			if tt.answer != nil && got == op {
				tt.answer(t, w, r)
				return true
			}
			return false
		})
		f.truncated = tt.truncated
	}
	var log bytes.Buffer
	res := sync1(t, clientsim.Config{
		ServerURL: url, Profile: builtin(t, "xp-sp3"), Seed: 1, SkipSelfUpdate: !tt.selfUpdate,
		Clock: clock.NewVirtual(clock.DefaultStart, time.Millisecond), Log: &log,
		CallTimeout: 200 * time.Millisecond, HTTPClient: hc,
	})
	if clientsim.HResult(res.HResultCode) != tt.wantHR || res.Success {
		t.Errorf("search ended %s (%s), want %s", res.HResult, res.Reason, tt.wantHR)
	}
	if res.Reason == "" || res.FailedOperation == "" {
		t.Errorf("result does not say why or where it failed: %+v", res)
	}
	for _, want := range tt.wantLog {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
	if !strings.Contains(log.String(), "WARNING: Exit code = 0x"+strings.TrimPrefix(tt.wantHR.String(), "0x")) {
		t.Errorf("log does not end the search with %s:\n%s", tt.wantHR, log.String())
	}
	if tt.truncated && (res.RoundTrips < clientsim.DefaultMaxRoundTrips || res.RoundTrips > clientsim.DefaultMaxRoundTrips+20) {
		t.Errorf("%d round trips for an endless Truncated loop, want about %d", res.RoundTrips, clientsim.DefaultMaxRoundTrips)
	}
}
