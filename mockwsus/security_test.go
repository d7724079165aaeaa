package mockwsus_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/soap/simpleauth"
)

// Every single-bit change anywhere in a sync cookie is InvalidCookie,
// including in its server ID: only a cookie this server sealed before a
// Reset is ServerChanged (another server's is InvalidCookie too), which
// TestCookieErrorCodes checks. The same for the authorization cookie and
// GetCookie.
func TestEveryBitFlipIsInvalidCookie(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	s := h.register("c1", "c1.lab.local", "")
	data := []byte(s.cookie.EncryptedData)
	for i := range data {
		for bit := 0; bit < 8; bit++ {
			flipped := slices.Clone(data)
			flipped[i] ^= 1 << bit
			rec := h.call(soap.SOAP11, clientPath, clientws.Action("SyncUpdates"), &clientws.SyncUpdates{
				Cookie: &clientws.Cookie{Expiration: s.cookie.Expiration, EncryptedData: flipped}, Parameters: &clientws.SyncUpdateParameters{}})
			err := decode(t, rec, &clientws.SyncUpdatesResponse{})
			var f *soap.Fault
			if !errors.As(err, &f) || f.ErrorCode() != "InvalidCookie" {
				t.Fatalf("sync cookie with bit %d of byte %d of %d flipped: %v, want InvalidCookie", bit, i, len(data), err)
			}
		}
	}

	var auth simpleauth.GetAuthorizationCookieResponse
	if _, err := h.post(authPath, simpleauth.ActionGetAuthorizationCookie, &simpleauth.GetAuthorizationCookie{ClientId: "c2"}, &auth); err != nil {
		t.Fatal(err)
	}
	adata := auth.GetAuthorizationCookieResult.CookieData
	for i := range adata {
		for bit := 0; bit < 8; bit++ {
			flipped := slices.Clone([]byte(adata))
			flipped[i] ^= 1 << bit
			rec := h.call(soap.SOAP11, clientPath, clientws.Action("GetCookie"), &clientws.GetCookie{
				AuthCookies:     &clientws.ArrayOfAuthorizationCookie{AuthorizationCookie: []*clientws.AuthorizationCookie{{PlugInId: "SimpleTargeting", CookieData: flipped}}},
				ProtocolVersion: "1.0"})
			err := decode(t, rec, &clientws.GetCookieResponse{})
			var f *soap.Fault
			if !errors.As(err, &f) || f.ErrorCode() != "InvalidAuthorizationCookie" {
				t.Fatalf("authorization cookie with bit %d of byte %d flipped: %v, want InvalidAuthorizationCookie", bit, i, err)
			}
		}
	}
}

// A cookie names its computer; no request can act for another one with it.
// ReportEventBatch's TargetID is checked (TestInvalidParameters). GetCookie
// takes the computer from the authorization cookie: another computer's old
// sync cookie lends it nothing (its last sync time neither:
// TestGetCookieTakesLastSyncOnlyFromItsOwnOldCookie). RegisterComputer's DnsName is not checked
// against the cookie's: WSUS identifies a computer by its SusClientId, the
// cookie's, and takes the name RegisterComputer sends as the computer's
// current one (a renamed computer re-registers under its new name), so the
// computer of the cookie is renamed and no other is touched.
func TestCookieIsBoundToItsComputer(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	a := h.register("aaaaaaaa-0000-0000-0000-000000000001", "a.lab.local", "")
	b := h.unregistered("bbbbbbbb-0000-0000-0000-000000000002", "b.lab.local", "")

	// GetCookie with B's authorization cookie and A's sync cookie as the
	// old one: the new cookie is B's.
	var auth simpleauth.GetAuthorizationCookieResponse
	if _, err := h.post(authPath, simpleauth.ActionGetAuthorizationCookie, &simpleauth.GetAuthorizationCookie{ClientId: b.clientID, DnsName: "b.lab.local"}, &auth); err != nil {
		t.Fatal(err)
	}
	var ck clientws.GetCookieResponse
	if _, err := h.post(clientPath, clientws.Action("GetCookie"), &clientws.GetCookie{
		AuthCookies: &clientws.ArrayOfAuthorizationCookie{AuthorizationCookie: []*clientws.AuthorizationCookie{{PlugInId: "SimpleTargeting", CookieData: clientws.Base64Binary(auth.GetAuthorizationCookieResult.CookieData)}}},
		OldCookie:   a.cookie, ProtocolVersion: "1.0",
	}, &ck); err != nil {
		t.Fatal(err)
	}
	b.cookie = ck.GetCookieResult
	if _, err := b.syncOnce(nil, nil); err == nil || asFault(t, err).ErrorCode() != "RegistrationRequired" {
		t.Errorf("B's new cookie acts for a registered computer (A?): %v, want RegistrationRequired", err)
	}
	entries := h.srv.Journal().Entries()
	if last := entries[len(entries)-1]; last.Computer != b.clientID {
		t.Errorf("SyncUpdates with B's new cookie journaled for %q, want B %s", last.Computer, b.clientID)
	}

	// RegisterComputer with A's cookie naming another DNS name renames A.
	if _, err := h.post(clientPath, clientws.Action("RegisterComputer"), &clientws.RegisterComputer{Cookie: a.cookie, ComputerInfo: &clientws.ComputerInfo{
		DnsName: "b.lab.local", OSMajorVersion: 5, OSMinorVersion: 1, OSBuildNumber: 2600, OSServicePackMajorNumber: 3,
	}}, &clientws.RegisterComputerResponse{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range h.srv.Computers() {
		switch c.ID {
		case a.clientID:
			if c.DNSName != "b.lab.local" || !c.Registered {
				t.Errorf("A after re-registering as b.lab.local: %+v", c)
			}
		case b.clientID:
			if c.Registered {
				t.Errorf("B was registered by A's cookie: %+v", c)
			}
		default:
			t.Errorf("unexpected computer %+v", c)
		}
	}
}

// The admin API off loopback: Listen refuses it without a token; with one,
// every request but GET /healthz needs it.
func TestAdminOffLoopbackNeedsAToken(t *testing.T) {
	srv, err := mockwsus.New(mockwsus.Config{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	if l, err := srv.Listen(mockwsus.ListenOptions{Addr: "127.0.0.1:0", AdminAddr: "0.0.0.0:0"}); err == nil {
		l.Shutdown(context.Background())
		t.Fatal("an admin API on 0.0.0.0 without a token was started")
	} else if !strings.Contains(err.Error(), "--admin-token") {
		t.Errorf("refusal %q does not say how to fix it", err)
	}
	l, err := srv.Listen(mockwsus.ListenOptions{Addr: "127.0.0.1:0", AdminAddr: "0.0.0.0:0", AdminToken: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Shutdown(context.Background())
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(l.AdminURL, "http://"))
	base := "http://127.0.0.1:" + port
	do := func(method, path, token string) int {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(`{"mode":"fixed"}`))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := do(http.MethodPut, "/behaviours/kb954960", ""); got != http.StatusUnauthorized {
		t.Errorf("mutation without the token over the wire: HTTP %d, want 401", got)
	}
	if got := do(http.MethodPost, "/reset", "wrong"); got != http.StatusUnauthorized {
		t.Errorf("mutation with a wrong token over the wire: HTTP %d, want 401", got)
	}
	if got := do(http.MethodGet, "/version", ""); got != http.StatusUnauthorized {
		t.Errorf("read without the token: HTTP %d, want 401", got)
	}
	if got := do(http.MethodGet, "/healthz", ""); got != http.StatusOK {
		t.Errorf("GET /healthz without the token: HTTP %d, want 200", got)
	}
	if got := do(http.MethodPut, "/behaviours/kb954960", "s3cret"); got != http.StatusOK {
		t.Errorf("mutation with the token: HTTP %d, want 200", got)
	}
}

// A client that cannot speak the minimum TLS version fails the handshake;
// the default minimum, TLS 1.0, takes WUA 7 on Windows XP.
func TestTLSMinVersion(t *testing.T) {
	tests := []struct {
		name           string
		min            uint16 // server
		clientMax      uint16
		wantHandshake  bool
		wantNegotiated uint16
	}{
		{"default takes TLS 1.0", 0, tls.VersionTLS10, true, tls.VersionTLS10},
		{"1.2 refuses a client capped at 1.1", tls.VersionTLS12, tls.VersionTLS11, false, 0},
		{"1.2 takes 1.2", tls.VersionTLS12, tls.VersionTLS12, true, tls.VersionTLS12},
		{"1.3 refuses a client capped at 1.2", tls.VersionTLS13, tls.VersionTLS12, false, 0},
		{"1.3 takes 1.3", tls.VersionTLS13, tls.VersionTLS13, true, tls.VersionTLS13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := mockwsus.New(mockwsus.Config{Logf: t.Logf})
			if err != nil {
				t.Fatal(err)
			}
			l, err := srv.Listen(mockwsus.ListenOptions{Addr: "127.0.0.1:0", TLS: true, TLSMinVersion: tt.min})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Shutdown(context.Background())
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			d := tls.Dialer{Config: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10, MaxVersion: tt.clientMax}}
			conn, err := d.DialContext(ctx, "tcp", strings.TrimPrefix(l.URL, "https://"))
			if !tt.wantHandshake {
				if err == nil {
					conn.Close()
					t.Fatal("handshake succeeded below the minimum version")
				}
				return
			}
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			defer conn.Close()
			if v := conn.(*tls.Conn).ConnectionState().Version; v != tt.wantNegotiated {
				t.Errorf("negotiated %s, want %s", tls.VersionName(v), tls.VersionName(tt.wantNegotiated))
			}
		})
	}
}

// GetCookie carries the last sync time over from the old cookie only when
// that cookie is the same computer's: with another computer's old cookie, a
// computer would be told of changes since that computer's sync (or miss
// them), as if it were that computer. The same computer's old cookie is
// the positive control: it does carry the time over.
func TestGetCookieTakesLastSyncOnlyFromItsOwnOldCookie(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	a := h.register("aaaaaaaa-0000-0000-0000-000000000011", "a.lab.local", "")
	leaves, installed, cached, err := a.syncState(detXP)
	if err != nil || len(leaves) == 0 {
		t.Fatalf("A's first sync: %d leaves, %v", len(leaves), err)
	}
	b := h.register("bbbbbbbb-0000-0000-0000-000000000012", "b.lab.local", "")
	if _, _, _, err := b.syncState(detXP); err != nil {
		t.Fatalf("B's first sync: %v", err)
	}
	aOld := a.cookie

	// An approval after both syncs changes one of A's cached leaves.
	var changed int32
	for id := range leaves {
		if changed == 0 || id < changed {
			changed = id
		}
	}
	if _, err := h.srv.Approve(fmt.Sprint(changed), "All Computers", "Uninstall"); err != nil {
		t.Fatal(err)
	}

	newCookie := func(s *session, old *clientws.Cookie) *clientws.Cookie {
		t.Helper()
		var auth simpleauth.GetAuthorizationCookieResponse
		if _, err := h.post(authPath, simpleauth.ActionGetAuthorizationCookie, &simpleauth.GetAuthorizationCookie{ClientId: s.clientID, DnsName: s.clientID + ".lab.local"}, &auth); err != nil {
			t.Fatal(err)
		}
		var ck clientws.GetCookieResponse
		if _, err := h.post(clientPath, clientws.Action("GetCookie"), &clientws.GetCookie{
			AuthCookies: &clientws.ArrayOfAuthorizationCookie{AuthorizationCookie: []*clientws.AuthorizationCookie{{PlugInId: "SimpleTargeting", CookieData: clientws.Base64Binary(auth.GetAuthorizationCookieResult.CookieData)}}},
			OldCookie:   old, ProtocolVersion: "1.0",
		}, &ck); err != nil {
			t.Fatal(err)
		}
		return ck.GetCookieResult
	}
	changedIn := func(s *session) bool {
		t.Helper()
		info, err := s.syncOnce(installed, cached)
		if err != nil {
			t.Fatal(err)
		}
		if info.ChangedUpdates == nil {
			return false
		}
		for _, u := range info.ChangedUpdates.UpdateInfo {
			if u.ID == changed {
				return true
			}
		}
		return false
	}

	// B presents A's old cookie: B's new cookie must not carry A's sync.
	b.cookie = newCookie(b, aOld)
	if changedIn(b) {
		t.Errorf("B, presenting A's old cookie, was told revision %d changed since A's last sync: GetCookie took LastSync from another computer's cookie", changed)
	}
	// A presents its own old cookie: the change since its sync comes back.
	a.cookie = newCookie(a, aOld)
	if !changedIn(a) {
		t.Errorf("A, presenting its own old cookie, was not told revision %d changed since its last sync", changed)
	}
}
