package capture

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/soap/simpleauth"
)

// Revision IDs of the default catalog's detectoids (docs/architecture.md).
const (
	detXP         = 1002
	detOffice2003 = 1020
)

const officeClientID = "e1da06a3-5601-43c9-bac3-52d5db701494"

// newMock starts a mockwsus on 127.0.0.1, optionally behind wrap.
func newMock(t *testing.T, cfg mockwsus.Config, wrap func(http.Handler) http.Handler) (*mockwsus.Server, *httptest.Server) {
	t.Helper()
	if cfg.Logf == nil {
		cfg.Logf = t.Logf
	}
	srv, err := mockwsus.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = srv
	if wrap != nil {
		h = wrap(srv)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return srv, hs
}

// agent is a scripted Windows Update Agent: just enough of one to drive a
// flow through the wire types.
type agent struct {
	t      *testing.T
	base   string
	client *http.Client
	// host, when set, is the Host header sent (a lab name).
	host   string
	cookie *clientws.Cookie
}

func newAgent(t *testing.T, base string) *agent {
	return &agent{t: t, base: base, client: &http.Client{}}
}

func (a *agent) call(path, action string, req, resp any) error {
	a.t.Helper()
	body, err := soap.EncodeRequest(soap.SOAP11, req)
	if err != nil {
		a.t.Fatal(err)
	}
	hr, err := http.NewRequest(http.MethodPost, a.base+path, bytes.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	soap.SetRequestHeaders(hr.Header, soap.SOAP11, action)
	hr.Header.Set("User-Agent", "Windows-Update-Agent/7.2.6001.788 Client-Protocol/1.20")
	if a.host != "" {
		hr.Host = a.host
	}
	res, err := a.client.Do(hr)
	if err != nil {
		a.t.Fatalf("%s: %v", action, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		a.t.Fatalf("%s: %v", action, err)
	}
	return soap.ParseResponse(data, resp)
}

// register runs GetConfig, GetAuthorizationCookie, GetCookie and
// RegisterComputer.
func (a *agent) register(clientID, dns string) {
	a.t.Helper()
	var cfg clientws.GetConfigResponse
	if err := a.call(clientServicePath, clientws.ActionGetConfig, &clientws.GetConfig{ProtocolVersion: "1.20"}, &cfg); err != nil {
		a.t.Fatalf("GetConfig: %v", err)
	}
	var auth simpleauth.GetAuthorizationCookieResponse
	if err := a.call(authServicePath, simpleauth.ActionGetAuthorizationCookie, &simpleauth.GetAuthorizationCookie{ClientId: clientID, DnsName: dns}, &auth); err != nil {
		a.t.Fatalf("GetAuthorizationCookie: %v", err)
	}
	ac := auth.GetAuthorizationCookieResult
	var ck clientws.GetCookieResponse
	if err := a.call(clientServicePath, clientws.ActionGetCookie, &clientws.GetCookie{
		AuthCookies: &clientws.ArrayOfAuthorizationCookie{AuthorizationCookie: []*clientws.AuthorizationCookie{{PlugInId: ac.PlugInId, CookieData: ac.CookieData}}},
		LastChange:  cfg.GetConfigResult.LastChange, CurrentTime: cfg.GetConfigResult.LastChange, ProtocolVersion: "1.20",
	}, &ck); err != nil {
		a.t.Fatalf("GetCookie: %v", err)
	}
	a.cookie = ck.GetCookieResult
	if err := a.call(clientServicePath, clientws.ActionRegisterComputer, &clientws.RegisterComputer{Cookie: a.cookie, ComputerInfo: &clientws.ComputerInfo{
		DnsName: dns, OSMajorVersion: 5, OSMinorVersion: 1, OSBuildNumber: 2600, OSServicePackMajorNumber: 3,
		ClientVersionMajorNumber: 7, ClientVersionMinorNumber: 2, ClientVersionBuildNumber: 6001, ClientVersionQfeNumber: 788,
	}}, &clientws.RegisterComputerResponse{}); err != nil {
		a.t.Fatalf("RegisterComputer: %v", err)
	}
}

// syncRounds sends SyncUpdates rounds as an agent does: categories and the
// detectoids in installed count as installed, every other revision
// received as cached, until a round brings nothing new, at most max rounds,
// or a fault (returned). It returns the leaf revisions offered.
func (a *agent) syncRounds(max int, installed ...int32) (map[int32]string, *soap.Fault) {
	a.t.Helper()
	want := map[int32]bool{}
	for _, id := range installed {
		want[id] = true
	}
	var inst, cached []int32
	leaves := map[int32]string{}
	for round := 0; round < max; round++ {
		var resp clientws.SyncUpdatesResponse
		err := a.call(clientServicePath, clientws.ActionSyncUpdates, &clientws.SyncUpdates{Cookie: a.cookie, Parameters: &clientws.SyncUpdateParameters{
			InstalledNonLeafUpdateIDs: &clientws.ArrayOfInt{Int: inst},
			OtherCachedUpdateIDs:      &clientws.ArrayOfInt{Int: cached},
		}}, &resp)
		var f *soap.Fault
		if errors.As(err, &f) {
			return leaves, f
		}
		if err != nil {
			a.t.Fatalf("SyncUpdates: %v", err)
		}
		info := resp.SyncUpdatesResult
		if info.NewCookie != nil {
			a.cookie = info.NewCookie
		}
		if info.NewUpdates == nil || len(info.NewUpdates.UpdateInfo) == 0 {
			return leaves, nil
		}
		for _, u := range info.NewUpdates.UpdateInfo {
			switch {
			case u.IsLeaf:
				leaves[u.ID] = string(u.Deployment.Action)
				cached = append(cached, u.ID)
			case want[u.ID] || isCategory(u.Xml):
				inst = append(inst, u.ID)
			default:
				cached = append(cached, u.ID)
			}
		}
	}
	return leaves, nil
}

// extendedInfo asks for the Core and Extended fragments of revs.
func (a *agent) extendedInfo(revs ...int32) {
	a.t.Helper()
	var resp clientws.GetExtendedUpdateInfoResponse
	if err := a.call(clientServicePath, clientws.ActionGetExtendedUpdateInfo, &clientws.GetExtendedUpdateInfo{
		Cookie: a.cookie, RevisionIDs: &clientws.ArrayOfInt{Int: revs},
		InfoTypes: &clientws.ArrayOfXmlUpdateFragmentType{XmlUpdateFragmentType: []clientws.XmlUpdateFragmentType{clientws.XmlUpdateFragmentTypeCore, clientws.XmlUpdateFragmentTypeExtended}},
	}, &resp); err != nil {
		a.t.Fatalf("GetExtendedUpdateInfo: %v", err)
	}
}

// cleanFlow is the short scripted flow of a computer without Office: the
// handshake, SyncUpdates until done, and the fragments of two updates.
func cleanFlow(t *testing.T, base string) { cleanFlowAs(t, base, "") }

// cleanFlowAs runs cleanFlow sending host as the Host header ("" for the
// server's address).
func cleanFlowAs(t *testing.T, base, host string) {
	t.Helper()
	a := newAgent(t, base)
	a.host = host
	a.register("c0ffee00-1111-4222-8333-444455556666", "xp-clean.lab.local")
	leaves, f := a.syncRounds(10, detXP)
	if f != nil {
		t.Fatalf("clean flow faulted: %v", f)
	}
	if leaves[8001] != "Install" {
		t.Fatalf("clean flow was not offered the XP security update: %v", leaves)
	}
	a.extendedInfo(8001, 8002)
}

// officeFlow is the flow of the advisory's computer (Windows XP and Office
// 2003 installed): on a buggy server it ends with the SyncUpdates fault.
func officeFlow(t *testing.T, base string) *soap.Fault {
	t.Helper()
	a := newAgent(t, base)
	a.register(officeClientID, "xp-office.lab.local")
	_, f := a.syncRounds(10, detXP, detOffice2003)
	return f
}

func recordTo(t *testing.T, opts WriterOptions) (*Writer, string) {
	t.Helper()
	dir := t.TempDir()
	w, err := NewWriter(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return w, dir
}

func mustRead(t *testing.T, dir string) []Exchange {
	t.Helper()
	exs, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	return exs
}

func ops(exs []Exchange) string {
	var names []string
	for i := range exs {
		names = append(names, exs[i].Operation())
	}
	return strings.Join(names, ",")
}
