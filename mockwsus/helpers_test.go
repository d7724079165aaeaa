package mockwsus_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/internal/clock"
	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/soap/reporting"
	"github.com/wsusmock/wsusmock/soap/simpleauth"
)

// harness is an in-process server with a virtual clock and captured
// SoftwareDistribution.log.
type harness struct {
	t     testing.TB
	srv   *mockwsus.Server
	http  *httptest.Server
	clk   *clock.Virtual
	sdlog *bytes.Buffer
	// protocol is the protocolVersion its handshakes send; "" means 1.0.
	protocol string
}

func newHarness(t testing.TB, cfg mockwsus.Config) *harness {
	t.Helper()
	h := &harness{t: t, clk: clock.NewVirtual(clock.DefaultStart, time.Millisecond), sdlog: &bytes.Buffer{}}
	if cfg.Clock == nil {
		cfg.Clock = h.clk
	}
	cfg.SoftwareDistributionLog = h.sdlog
	cfg.Logf = t.Logf
	srv, err := mockwsus.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	h.http = httptest.NewServer(srv)
	t.Cleanup(h.http.Close)
	return h
}

const (
	clientPath    = "/ClientWebService/client.asmx"
	authPath      = "/SimpleAuthWebService/SimpleAuth.asmx"
	reportingPath = "/ReportingWebService/ReportingWebService.asmx"
)

// post sends a typed request and decodes the answer; a fault comes back as
// the error (a *soap.Fault).
func (h *harness) post(path, action string, req, resp any) (int, error) {
	h.t.Helper()
	body, err := soap.EncodeRequest(soap.SOAP11, req)
	if err != nil {
		h.t.Fatal(err)
	}
	raw, status := h.raw(path, action, "text/xml; charset=utf-8", body)
	return status, soap.ParseResponse(raw, resp)
}

// raw posts bytes with a SOAPAction ("" leaves the header out).
func (h *harness) raw(path, action, contentType string, body []byte) ([]byte, int) {
	h.t.Helper()
	r, err := http.NewRequest(http.MethodPost, h.http.URL+path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if action != "" {
		r.Header["SOAPAction"] = []string{`"` + action + `"`}
	}
	resp, err := h.http.Client().Do(r)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return out, resp.StatusCode
}

// session is one computer talking to the harness.
type session struct {
	h        *harness
	clientID string
	cookie   *clientws.Cookie
}

// register runs GetConfig, GetAuthorizationCookie, GetCookie and
// RegisterComputer for a computer in group ("" for none).
func (h *harness) register(clientID, dns, group string) *session {
	h.t.Helper()
	s := h.unregistered(clientID, dns, group)
	if _, err := h.post(clientPath, clientws.Action("RegisterComputer"), &clientws.RegisterComputer{Cookie: s.cookie, ComputerInfo: &clientws.ComputerInfo{
		DnsName: dns, OSMajorVersion: 5, OSMinorVersion: 1, OSBuildNumber: 2600, OSServicePackMajorNumber: 3,
		ClientVersionMajorNumber: 7, ClientVersionMinorNumber: 2, ClientVersionBuildNumber: 6001, ClientVersionQfeNumber: 788,
	}}, &clientws.RegisterComputerResponse{}); err != nil {
		h.t.Fatalf("RegisterComputer: %v", err)
	}
	return s
}

// unregistered runs GetConfig, GetAuthorizationCookie and GetCookie but not
// RegisterComputer: a computer with a sync cookie the server does not know
// as registered.
func (h *harness) unregistered(clientID, dns, group string) *session {
	h.t.Helper()
	protocol := h.protocol
	if protocol == "" {
		protocol = "1.0"
	}
	var cfg clientws.GetConfigResponse
	if _, err := h.post(clientPath, clientws.Action("GetConfig"), &clientws.GetConfig{ProtocolVersion: protocol}, &cfg); err != nil {
		h.t.Fatalf("GetConfig: %v", err)
	}
	var auth simpleauth.GetAuthorizationCookieResponse
	if _, err := h.post(authPath, simpleauth.ActionGetAuthorizationCookie, &simpleauth.GetAuthorizationCookie{ClientId: clientID, TargetGroupName: group, DnsName: dns}, &auth); err != nil {
		h.t.Fatalf("GetAuthorizationCookie: %v", err)
	}
	ac := auth.GetAuthorizationCookieResult
	var ck clientws.GetCookieResponse
	if _, err := h.post(clientPath, clientws.Action("GetCookie"), &clientws.GetCookie{
		AuthCookies: &clientws.ArrayOfAuthorizationCookie{AuthorizationCookie: []*clientws.AuthorizationCookie{{PlugInId: ac.PlugInId, CookieData: clientws.Base64Binary(ac.CookieData)}}},
		LastChange:  cfg.GetConfigResult.LastChange, CurrentTime: clientws.NewDateTime(h.clk.Peek()), ProtocolVersion: protocol,
	}, &ck); err != nil {
		h.t.Fatalf("GetCookie: %v", err)
	}
	return &session{h: h, clientID: clientID, cookie: ck.GetCookieResult}
}

// syncOnce sends one SyncUpdates.
func (s *session) syncOnce(installed, cached []int32) (*clientws.SyncInfo, error) {
	s.h.t.Helper()
	var resp clientws.SyncUpdatesResponse
	_, err := s.h.post(clientPath, clientws.Action("SyncUpdates"), &clientws.SyncUpdates{Cookie: s.cookie, Parameters: &clientws.SyncUpdateParameters{
		InstalledNonLeafUpdateIDs: &clientws.ArrayOfInt{Int: installed},
		OtherCachedUpdateIDs:      &clientws.ArrayOfInt{Int: cached},
	}}, &resp)
	if err != nil {
		return nil, err
	}
	if resp.SyncUpdatesResult.NewCookie != nil {
		s.cookie = resp.SyncUpdatesResult.NewCookie
	}
	return resp.SyncUpdatesResult, nil
}

// sync runs SyncUpdates rounds as an agent does, treating the non-leaf
// revisions in installedNonLeaf (and every category) as installed, until no
// new update arrives. It returns the leaf revisions offered with their
// actions, or the first fault.
func (s *session) sync(installedNonLeaf ...int32) (map[int32]string, error) {
	s.h.t.Helper()
	leaves, _, _, err := s.syncState(installedNonLeaf...)
	return leaves, err
}

// syncState is sync that also returns what the agent ends with: the
// revisions it reports installed and the ones it caches, as it would send
// them in its next SyncUpdates.
func (s *session) syncState(installedNonLeaf ...int32) (leaves map[int32]string, installed, cached []int32, err error) {
	s.h.t.Helper()
	want := map[int32]bool{}
	for _, id := range installedNonLeaf {
		want[id] = true
	}
	leaves = map[int32]string{}
	for round := 0; round < 50; round++ {
		info, err := s.syncOnce(installed, cached)
		if err != nil {
			return leaves, installed, cached, err
		}
		var infos []*clientws.UpdateInfo
		if info.NewUpdates != nil {
			infos = info.NewUpdates.UpdateInfo
		}
		if len(infos) == 0 && !info.Truncated {
			return leaves, installed, cached, nil
		}
		for _, u := range infos {
			switch {
			case u.IsLeaf:
				leaves[u.ID] = string(u.Deployment.Action)
				cached = append(cached, u.ID)
			case want[u.ID] || strings.Contains(u.Xml, `UpdateType="Category"`):
				installed = append(installed, u.ID)
			default:
				cached = append(cached, u.ID)
			}
		}
	}
	s.h.t.Fatal("sync did not end in 50 rounds")
	return nil, nil, nil, nil
}

// Revision IDs of the default catalog's detectoids.
const (
	detXP         = 1002
	detOffice2003 = 1020
)

func asFault(t testing.TB, err error) *soap.Fault {
	t.Helper()
	var f *soap.Fault
	if !errors.As(err, &f) {
		t.Fatalf("want a SOAP fault, got %v", err)
	}
	return f
}

var _ = reporting.Namespace
var _ = catalog.GroupAllComputers

// wireHost is the Host of requests sent through serve: a fixed name, so
// that content URLs and the actor of SoftwareDistribution.log lines do not
// carry the random port of an httptest listener.
const wireHost = "wsus.lab.local:8530"

// serve sends one HTTP request straight to the server's ServeHTTP (no
// listener, no network) with Host wireHost.
func (h *harness) serve(method, path string, header http.Header, body []byte) *httptest.ResponseRecorder {
	h.t.Helper()
	r := httptest.NewRequest(method, "http://"+wireHost+path, bytes.NewReader(body))
	for k, v := range header {
		r.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.srv.ServeHTTP(rec, r)
	return rec
}

// call encodes req as a SOAP request of version v for action and serves it.
func (h *harness) call(v soap.Version, path, action string, req any) *httptest.ResponseRecorder {
	h.t.Helper()
	body, err := soap.EncodeRequest(v, req)
	if err != nil {
		h.t.Fatal(err)
	}
	header := http.Header{}
	soap.SetRequestHeaders(header, v, action)
	return h.serve(http.MethodPost, path, header, body)
}

// decode parses a served answer into resp; a fault comes back as the error.
func decode(t testing.TB, rec *httptest.ResponseRecorder, resp any) error {
	t.Helper()
	return soap.ParseResponse(rec.Body.Bytes(), resp)
}

// exchanges returns the journal's exchange entries, without the admin
// entries (the server's start, resets, switches).
func exchanges(srv *mockwsus.Server) []mockwsus.Entry {
	var out []mockwsus.Entry
	for _, e := range srv.Journal().Entries() {
		if e.Kind == "" {
			out = append(out, e)
		}
	}
	return out
}
