package clientsim_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	clientsim "github.com/wsusmock/wsusmock/client-sim"
	"github.com/wsusmock/wsusmock/client-sim/profile"
	"github.com/wsusmock/wsusmock/internal/clock"
	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/xpress"
)

// TestXpressAgainstMock: a profile with AcceptXpress asks for compressed
// answers on every SOAP call, gets them from mockwsus (both personalities),
// and decodes them into exactly the search, result and log of the same
// agent without it; a profile without it never asks and is never sent one.
func TestXpressAgainstMock(t *testing.T) {
	type run struct {
		res               *clientsim.Result
		log               string
		soap, asked, sent int32
	}
	search := func(t *testing.T, version string, acceptXpress bool) run {
		srv, err := mockwsus.New(mockwsus.Config{Seed: 42, Version: version, Clock: clock.NewVirtual(clock.DefaultStart, time.Millisecond), Logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		var soapCalls, asked, sent atomic.Int32
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				soapCalls.Add(1)
			}
			if r.Header.Get("Accept-Encoding") == "xpress" {
				asked.Add(1)
			}
			srv.ServeHTTP(w, r)
			if w.Header().Get("Content-Encoding") == "xpress" {
				sent.Add(1)
			}
		}))
		t.Cleanup(ts.Close)
		p := builtin(t, "xp-sp3").Clone()
		p.AcceptXpress = acceptXpress
		var log bytes.Buffer
		res := sync1(t, clientsim.Config{ServerURL: serverName, Profile: p, Seed: 1, Log: &log,
			Clock: clock.NewVirtual(clock.DefaultStart, time.Millisecond), HTTPClient: dialTo(t, ts.Listener.Addr().String()), CallTimeout: 10 * time.Second})
		return run{res: res, log: log.String(), soap: soapCalls.Load(), asked: asked.Load(), sent: sent.Load()}
	}
	for _, version := range []string{mockwsus.DefaultVersion, mockwsus.VersionWSUS2025} {
		t.Run(version, func(t *testing.T) {
			plain, packed := search(t, version, false), search(t, version, true)
			if !packed.res.Success || !slices.Equal(revisions(packed.res), revisions(plain.res)) || len(packed.res.Updates) == 0 {
				t.Errorf("with xpress: %s, %v; without: %s, %v", packed.res.HResult, revisions(packed.res), plain.res.HResult, revisions(plain.res))
			}
			if packed.log != plain.log {
				t.Errorf("WindowsUpdate.log differs with xpress:\n%s\n---\n%s", packed.log, plain.log)
			}
			if packed.asked == 0 || packed.asked != packed.soap || packed.sent != packed.soap {
				t.Errorf("with xpress: %d SOAP calls, %d asked, %d answered compressed", packed.soap, packed.asked, packed.sent)
			}
			if plain.asked != 0 || plain.sent != 0 {
				t.Errorf("without xpress: %d asked, %d answered compressed", plain.asked, plain.sent)
			}
		})
	}
}

// The WUA 7 built-ins do not ask for xpress: their traffic is what it was.
func TestBuiltinsDoNotAcceptXpress(t *testing.T) {
	for _, name := range profile.Names() {
		if p := builtin(t, name); p.AcceptXpress && strings.HasPrefix(p.AgentVersion, "7.") {
			t.Errorf("%s (WUA %s) asks for xpress", name, p.AgentVersion)
		}
	}
}

// An answer that says Content-Encoding: xpress and does not decode, or
// decodes past the agent's response limit, fails the call with
// WU_E_PT_SOAPCLIENT_READ; the decoder never expands past the limit.
func TestXpressBadAnswers(t *testing.T) {
	bomb := xpress.Encode(nil, make([]byte, 8<<20)) // 8 MiB of zeros in a few hundred KB
	tests := []struct {
		name   string
		body   []byte
		reason string
	}{
		{"garbage", []byte("this is not xpress data at all"), "does not decode"},
		{"cut short", xpress.Encode(nil, []byte(strings.Repeat("<GetConfigResponse/>", 100)))[:50], "does not decode"},
		{"bomb", bomb, "decodes to more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, url := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, n int) bool {
				if op != "GetConfig" {
					return false
				}
				w.Header().Set("Content-Type", "text/xml; charset=utf-8")
				w.Header().Set("Content-Encoding", "xpress")
				w.Write(tt.body)
				return true
			})
			p := builtin(t, "xp-sp3").Clone()
			p.AcceptXpress = true
			res, err := clientsim.Run(t.Context(), clientsim.Config{ServerURL: url, Profile: p, Seed: 1, MaxResponseBytes: 1 << 20,
				Clock: clock.NewVirtual(clock.DefaultStart, time.Millisecond), CallTimeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if res.HResultCode != uint32(clientsim.HRSoapClientRead) || res.FailedOperation != "GetConfig" || !strings.Contains(res.Reason, tt.reason) {
				t.Errorf("got %s in %s (%s), want 0x80244009 in GetConfig mentioning %q", res.HResult, res.FailedOperation, res.Reason, tt.reason)
			}
		})
	}
}
