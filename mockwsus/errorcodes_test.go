package mockwsus_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/soap/reporting"
	"github.com/wsusmock/wsusmock/soap/simpleauth"
)

// wantFault asserts that err is a WSUS fault with errorCode (and message,
// unless message is "*"), the fault code code and HTTP 500.
func wantFault(t *testing.T, what string, status int, err error, code, errorCode, message string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s succeeded, want a %s fault", what, errorCode)
	}
	f := asFault(t, err)
	if f.Code != code || f.ErrorCode() != errorCode || (message != "*" && f.Detail.Message != message) {
		msg := ""
		if f.Detail != nil {
			msg = f.Detail.Message
		}
		t.Errorf("%s: fault %s ErrorCode=%q Message=%q, want %s ErrorCode=%q Message=%q", what, f.Code, f.ErrorCode(), msg, code, errorCode, message)
	}
	if status != 500 {
		t.Errorf("%s: fault sent with HTTP %d, want 500", what, status)
	}
}

func (s *session) syncErr(cookie *clientws.Cookie) (int, error) {
	s.h.t.Helper()
	return s.h.post(clientPath, clientws.Action("SyncUpdates"), &clientws.SyncUpdates{Cookie: cookie, Parameters: &clientws.SyncUpdateParameters{}}, &clientws.SyncUpdatesResponse{})
}

func TestCookieErrorCodes(t *testing.T) {
	tamper := func(c *clientws.Cookie, i int) *clientws.Cookie {
		data := slices.Clone([]byte(c.EncryptedData))
		if i < 0 {
			i += len(data)
		}
		data[i] ^= 0x01
		return &clientws.Cookie{Expiration: c.Expiration, EncryptedData: data}
	}
	tests := []struct {
		name      string
		prepare   func(h *harness, s *session) *clientws.Cookie
		errorCode string
	}{
		{"valid cookie", func(h *harness, s *session) *clientws.Cookie { return s.cookie }, ""},
		{"tampered ciphertext", func(h *harness, s *session) *clientws.Cookie { return tamper(s.cookie, -1) }, "InvalidCookie"},
		{"tampered header", func(h *harness, s *session) *clientws.Cookie { return tamper(s.cookie, 1) }, "InvalidCookie"},
		{"truncated", func(h *harness, s *session) *clientws.Cookie {
			return &clientws.Cookie{Expiration: s.cookie.Expiration, EncryptedData: s.cookie.EncryptedData[:20]}
		}, "InvalidCookie"},
		{"empty EncryptedData", func(h *harness, s *session) *clientws.Cookie {
			return &clientws.Cookie{Expiration: s.cookie.Expiration}
		}, "InvalidCookie"},
		{"no cookie", func(h *harness, s *session) *clientws.Cookie { return nil }, "InvalidCookie"},
		{"expired", func(h *harness, s *session) *clientws.Cookie {
			h.clk.Advance(mockwsus.DefaultCookieLifetime + time.Second)
			return s.cookie
		}, "CookieExpired"},
		{"just before expiry", func(h *harness, s *session) *clientws.Cookie {
			h.clk.Set(s.cookie.Expiration.Time.Add(-time.Second))
			return s.cookie
		}, ""},
		{"from before Reset", func(h *harness, s *session) *clientws.Cookie {
			if err := h.srv.Reset(); err != nil {
				t.Fatal(err)
			}
			return s.cookie
		}, "ServerChanged"},
		// MS-WUSP 2.2.2.4: InvalidCookie is "the server cannot decrypt the
		// cookie"; another server's key is not this one's.
		{"sealed by another server", func(h *harness, s *session) *clientws.Cookie {
			other := newHarness(t, mockwsus.Config{Seed: 2})
			return other.register("c1", "c1.lab.local", "").cookie
		}, "InvalidCookie"},
		{"auth cookie presented as sync cookie", func(h *harness, s *session) *clientws.Cookie {
			var auth simpleauth.GetAuthorizationCookieResponse
			if _, err := h.post(authPath, simpleauth.ActionGetAuthorizationCookie, &simpleauth.GetAuthorizationCookie{ClientId: "c1"}, &auth); err != nil {
				t.Fatal(err)
			}
			return &clientws.Cookie{Expiration: s.cookie.Expiration, EncryptedData: clientws.Base64Binary(auth.GetAuthorizationCookieResult.CookieData)}
		}, "InvalidCookie"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, mockwsus.Config{})
			s := h.register("c1", "c1.lab.local", "")
			status, err := s.syncErr(tt.prepare(h, s))
			if tt.errorCode == "" {
				if err != nil {
					t.Fatalf("SyncUpdates: %v", err)
				}
				return
			}
			wantFault(t, "SyncUpdates", status, err, soap.CodeClient, tt.errorCode, "")
			entries := h.srv.Journal().Entries()
			if last := entries[len(entries)-1]; last.ErrorCode != tt.errorCode || last.Outcome != "fault" {
				t.Errorf("journal's last entry = %+v, want a %s fault", last, tt.errorCode)
			}
		})
	}
}

func TestRegistrationRequired(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	s := h.unregistered("c1", "c1.lab.local", "")
	status, err := s.syncErr(s.cookie)
	wantFault(t, "SyncUpdates before RegisterComputer", status, err, soap.CodeClient, "RegistrationRequired", "")

	// RegistrationNotRequired servers sync unregistered computers and refuse
	// RegisterComputer.
	h2 := newHarness(t, mockwsus.Config{RegistrationNotRequired: true})
	s2 := h2.unregistered("c2", "c2.lab.local", "")
	if _, err := s2.syncErr(s2.cookie); err != nil {
		t.Errorf("SyncUpdates on a server without registration: %v", err)
	}
	status, err = h2.post(clientPath, clientws.Action("RegisterComputer"), &clientws.RegisterComputer{Cookie: s2.cookie, ComputerInfo: &clientws.ComputerInfo{DnsName: "c2"}}, &clientws.RegisterComputerResponse{})
	wantFault(t, "RegisterComputer on a server without registration", status, err, soap.CodeClient, "RegistrationNotRequired", "")
}

func TestInvalidAuthorizationCookie(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	s := h.register("c1", "c1.lab.local", "")
	var auth simpleauth.GetAuthorizationCookieResponse
	if _, err := h.post(authPath, simpleauth.ActionGetAuthorizationCookie, &simpleauth.GetAuthorizationCookie{ClientId: "c1"}, &auth); err != nil {
		t.Fatal(err)
	}
	good := auth.GetAuthorizationCookieResult.CookieData
	bad := slices.Clone([]byte(good))
	bad[len(bad)-1] ^= 1
	tests := []struct {
		name    string
		cookies []*clientws.AuthorizationCookie
	}{
		{"tampered", []*clientws.AuthorizationCookie{{PlugInId: "SimpleTargeting", CookieData: bad}}},
		{"garbage", []*clientws.AuthorizationCookie{{PlugInId: "SimpleTargeting", CookieData: []byte("not a cookie")}}},
		{"wrong plug-in", []*clientws.AuthorizationCookie{{PlugInId: "prod", CookieData: clientws.Base64Binary(good)}}},
		{"sync cookie as auth cookie", []*clientws.AuthorizationCookie{{PlugInId: "SimpleTargeting", CookieData: s.cookie.EncryptedData}}},
		{"none", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, err := h.post(clientPath, clientws.Action("GetCookie"), &clientws.GetCookie{
				AuthCookies: &clientws.ArrayOfAuthorizationCookie{AuthorizationCookie: tt.cookies}, ProtocolVersion: "1.0",
			}, &clientws.GetCookieResponse{})
			wantFault(t, "GetCookie", status, err, soap.CodeClient, "InvalidAuthorizationCookie", "")
		})
	}
	// An expired authorization cookie is refused too.
	h.clk.Advance(mockwsus.DefaultCookieLifetime + time.Second)
	status, err := h.post(clientPath, clientws.Action("GetCookie"), &clientws.GetCookie{
		AuthCookies: &clientws.ArrayOfAuthorizationCookie{AuthorizationCookie: []*clientws.AuthorizationCookie{{PlugInId: "SimpleTargeting", CookieData: clientws.Base64Binary(good)}}},
	}, &clientws.GetCookieResponse{})
	wantFault(t, "GetCookie with an expired authorization cookie", status, err, soap.CodeClient, "InvalidAuthorizationCookie", "")
}

func TestInvalidParameters(t *testing.T) {
	ints := func(n int, base int32) []int32 {
		out := make([]int32, n)
		for i := range out {
			out[i] = base + int32(i)
		}
		return out
	}
	h := newHarness(t, mockwsus.Config{})
	s := h.register("c1", "c1.lab.local", "")
	sync := func(installed, cached []int32) (int, error) {
		return h.post(clientPath, clientws.Action("SyncUpdates"), &clientws.SyncUpdates{Cookie: s.cookie, Parameters: &clientws.SyncUpdateParameters{
			InstalledNonLeafUpdateIDs: &clientws.ArrayOfInt{Int: installed}, OtherCachedUpdateIDs: &clientws.ArrayOfInt{Int: cached},
		}}, &clientws.SyncUpdatesResponse{})
	}
	extended := func(n int) (int, error) {
		return h.post(clientPath, clientws.Action("GetExtendedUpdateInfo"), &clientws.GetExtendedUpdateInfo{
			Cookie: s.cookie, RevisionIDs: &clientws.ArrayOfInt{Int: ints(n, 8001)},
			InfoTypes: &clientws.ArrayOfXmlUpdateFragmentType{XmlUpdateFragmentType: []clientws.XmlUpdateFragmentType{clientws.XmlUpdateFragmentTypeExtended}},
		}, &clientws.GetExtendedUpdateInfoResponse{})
	}
	report := func(sid string) (int, error) {
		return h.post(reportingPath, reporting.ActionReportEventBatch, reportRequest(s.cookie, sid, h), &reporting.ReportEventBatchResponse{})
	}

	if _, err := sync(ints(400, 1_000_000), nil); err != nil {
		t.Errorf("SyncUpdates with 400 InstalledNonLeafUpdateIDs (the limit): %v", err)
	}
	status, err := sync(ints(401, 1_000_000), nil)
	wantFault(t, "SyncUpdates with 401 InstalledNonLeafUpdateIDs", status, err, soap.CodeClient, "InvalidParameters", "parameters.InstalledNonLeafUpdateIDs")

	status, err = h.post(clientPath, clientws.Action("SyncUpdates"), &clientws.SyncUpdates{Cookie: s.cookie}, &clientws.SyncUpdatesResponse{})
	wantFault(t, "SyncUpdates without parameters", status, err, soap.CodeClient, "InvalidParameters", "parameters")

	if _, err := extended(50); err != nil {
		t.Errorf("GetExtendedUpdateInfo with 50 revision IDs (MaxExtendedUpdatesPerRequest): %v", err)
	}
	status, err = extended(51)
	wantFault(t, "GetExtendedUpdateInfo with 51 revision IDs", status, err, soap.CodeClient, "InvalidParameters", "revisionIDs")
	status, err = extended(0)
	wantFault(t, "GetExtendedUpdateInfo without revision IDs", status, err, soap.CodeClient, "InvalidParameters", "revisionIDs")
	status, err = h.post(clientPath, clientws.Action("GetExtendedUpdateInfo"), &clientws.GetExtendedUpdateInfo{
		Cookie: s.cookie, RevisionIDs: &clientws.ArrayOfInt{Int: []int32{8001}},
		InfoTypes: &clientws.ArrayOfXmlUpdateFragmentType{XmlUpdateFragmentType: []clientws.XmlUpdateFragmentType{clientws.XmlUpdateFragmentTypeLocalizedProperties}},
	}, &clientws.GetExtendedUpdateInfoResponse{})
	wantFault(t, "GetExtendedUpdateInfo LocalizedProperties without locales", status, err, soap.CodeClient, "InvalidParameters", "locales")

	if _, err := report("C1"); err != nil {
		t.Errorf("ReportEventBatch for the cookie's own computer (other case): %v", err)
	}
	status, err = report("e1da06a3-5601-43c9-bac3-52d5db701494")
	wantFault(t, "ReportEventBatch for another computer", status, err, soap.CodeClient, "InvalidParameters", "eventBatch.TargetID")
	if n := len(h.srv.Journal().Events()); n != 1 {
		t.Errorf("%d events acknowledged, want 1 (the refused batch must store nothing)", n)
	}

	status, err = h.post(authPath, simpleauth.ActionGetAuthorizationCookie, &simpleauth.GetAuthorizationCookie{ClientId: "  "}, &simpleauth.GetAuthorizationCookieResponse{})
	wantFault(t, "GetAuthorizationCookie without a clientId", status, err, soap.CodeClient, "InvalidParameters", "clientId")

	// Every InvalidParameters was logged as WSUS logs it, with the fault's ID.
	for _, e := range h.srv.Journal().Entries() {
		if e.ErrorCode == "InvalidParameters" && !strings.Contains(h.sdlog.String(), "ID="+e.FaultID+", ErrorCode=InvalidParameters") {
			t.Errorf("SoftwareDistribution.log lacks ThrowException for fault %s (%s)", e.FaultID, e.Operation)
		}
	}
}

// ConfigChanged: a client whose configuration is older than the server's
// must fetch it again.
func TestConfigChanged(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	var auth simpleauth.GetAuthorizationCookieResponse
	if _, err := h.post(authPath, simpleauth.ActionGetAuthorizationCookie, &simpleauth.GetAuthorizationCookie{ClientId: "c1"}, &auth); err != nil {
		t.Fatal(err)
	}
	status, err := h.post(clientPath, clientws.Action("GetCookie"), &clientws.GetCookie{
		AuthCookies: &clientws.ArrayOfAuthorizationCookie{AuthorizationCookie: []*clientws.AuthorizationCookie{{PlugInId: "SimpleTargeting", CookieData: clientws.Base64Binary(auth.GetAuthorizationCookieResult.CookieData)}}},
		LastChange:  clientws.NewDateTime(time.Date(2007, 1, 31, 4, 16, 35, 0, time.UTC)),
	}, &clientws.GetCookieResponse{})
	wantFault(t, "GetCookie with an old lastChange", status, err, soap.CodeClient, "ConfigChanged", "")
}
