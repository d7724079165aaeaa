package clientsim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	clientsim "github.com/wsusmock/wsusmock/client-sim"
	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
)

// Revision IDs of the default catalog's software updates.
var (
	xpUpdates     = []int32{8001, 8002, 8003, 8004, 8005}
	officeUpdates = []int32{8871, 8872, 8873} // Word, Excel, Outlook filter; SP1 and SP3 are installed
)

func revisions(res *clientsim.Result) []int32 {
	var out []int32
	for _, u := range res.Updates {
		out = append(out, u.RevisionID)
	}
	return out
}

// TestKB954960AgainstMock runs both XP profiles against a buggy and a fixed
// server: only the computer with Office 2003 on a buggy server fails, with
// 0x8024400E in SyncUpdates, and on a fixed one it finds its updates,
// security updates included.
func TestKB954960AgainstMock(t *testing.T) {
	fixedByMode := func(t *testing.T, m *mock) {
		if err := m.srv.SetMode(behaviour.KB954960Name, behaviour.Fixed, ""); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		profile string
		cfg     mockwsus.Config
		setup   func(*testing.T, *mock)
		wantHR  clientsim.HResult
		want    []int32
	}{
		{"office2003/buggy", "xp-sp3-office2003", mockwsus.Config{}, nil, clientsim.HRSoapServer, nil},
		{"office2003/fixed-mode", "xp-sp3-office2003", mockwsus.Config{}, fixedByMode, 0, append(slices.Clone(xpUpdates), officeUpdates...)},
		{"office2003/fixed-version", "xp-sp3-office2003", mockwsus.Config{Version: mockwsus.VersionFixed}, nil, 0, append(slices.Clone(xpUpdates), officeUpdates...)},
		{"xp/buggy", "xp-sp3", mockwsus.Config{}, nil, 0, xpUpdates},
		{"xp/fixed", "xp-sp3", mockwsus.Config{Version: mockwsus.VersionFixed}, nil, 0, xpUpdates},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMock(t, tt.cfg)
			if tt.setup != nil {
				tt.setup(t, m)
			}
			res := sync1(t, m.agentConfig(t, tt.profile))
			if clientsim.HResult(res.HResultCode) != tt.wantHR || res.Success != (tt.wantHR == 0) {
				t.Fatalf("search ended %s (success %t, %s), want %s", res.HResult, res.Success, res.Reason, tt.wantHR)
			}
			if got := revisions(res); !slices.Equal(got, tt.want) {
				t.Errorf("found revisions %v, want %v", got, tt.want)
			}
			if tt.wantHR != 0 {
				if res.Fault == nil || res.Fault.ErrorCode != "InternalServerError" || res.Fault.Code != "Server" || res.FailedOperation != "SyncUpdates" {
					t.Errorf("fault = %+v in %s, want an InternalServerError Server fault in SyncUpdates", res.Fault, res.FailedOperation)
				}
				if !slices.Equal(res.ReportedEvents, []int{148}) {
					t.Errorf("reported events %v, want [148]", res.ReportedEvents)
				}
				return
			}
			security := 0
			for _, u := range res.Updates {
				if u.Title == "" || u.KB == "" || u.UpdateID == "" {
					t.Errorf("update %d lacks title, KB or ID: %+v", u.RevisionID, u)
				}
				if u.Classification == "Security Updates" {
					security++
				}
			}
			if security == 0 {
				t.Errorf("no security update among %+v", res.Updates)
			}
			if !slices.Equal(res.ReportedEvents, []int{147}) {
				t.Errorf("reported events %v, want [147]", res.ReportedEvents)
			}
			if len(res.UnknownRules) != 0 {
				t.Errorf("unknown rules against the mock's catalog: %+v", res.UnknownRules)
			}
		})
	}
}

// TestFaultIDMatchesServer checks that the ID the client logs for the
// KB954960 fault is the one in the server's SoftwareDistribution.log and
// journal, the link an administrator follows between the two logs.
func TestFaultIDMatchesServer(t *testing.T) {
	m := newMock(t, mockwsus.Config{})
	cfg := m.agentConfig(t, "xp-sp3-office2003")
	var log bytes.Buffer
	cfg.Log = &log
	res := sync1(t, cfg)
	if res.Fault == nil || res.Fault.ID == "" {
		t.Fatalf("no fault ID in result: %+v", res)
	}
	id := res.Fault.ID
	if !strings.Contains(log.String(), "PT\tWARNING: ID:"+id+"\r\n") {
		t.Errorf("client log lacks the fault ID %s:\n%s", id, log.String())
	}
	if !strings.Contains(m.sdl.String(), "ID="+id) {
		t.Errorf("SoftwareDistribution.log lacks ID=%s:\n%s", id, m.sdl.String())
	}
	if !strings.Contains(m.sdl.String(), "Key in dictionary: '8862'") {
		t.Errorf("SoftwareDistribution.log lacks the advisory's exception:\n%s", m.sdl.String())
	}
	found := false
	for _, e := range m.srv.Journal().Entries() {
		if e.FaultID == id {
			found = e.Operation == "SyncUpdates" && e.ErrorCode == "InternalServerError" && e.Computer == res.ClientID
		}
	}
	if !found {
		t.Errorf("journal has no SyncUpdates InternalServerError entry for %s with fault ID %s: %+v", res.ClientID, id, m.srv.Journal().Entries())
	}
	// The 148 event reached the server with the client's ID.
	evs := m.srv.Journal().Events()
	if len(evs) != 1 || evs[0].EventID != 148 || evs[0].Computer != res.ClientID || uint32(evs[0].HResult) != uint32(clientsim.HRSoapServer) {
		t.Errorf("server events %+v, want one 148 with 0x8024400E from %s", evs, res.ClientID)
	}
}

// TestSecondSearchReusesCookie runs two searches on one agent: the second
// goes straight to SyncUpdates with the cached cookie and revision IDs,
// needs no extended info (the titles are cached) and finds the same
// updates.
func TestSecondSearchReusesCookie(t *testing.T) {
	m := newMock(t, mockwsus.Config{Version: mockwsus.VersionFixed})
	a, err := clientsim.New(m.agentConfig(t, "xp-sp3"))
	if err != nil {
		t.Fatal(err)
	}
	first, err := a.Sync(context.Background())
	if err != nil || !first.Success {
		t.Fatalf("first search: %v %+v", err, first)
	}
	second, err := a.Sync(context.Background())
	if err != nil || !second.Success {
		t.Fatalf("second search: %v %+v", err, second)
	}
	var ops []string
	for _, c := range second.Calls {
		ops = append(ops, c.Operation)
	}
	want := []string{"SelfUpdate", "SyncUpdates", "SyncUpdates", "ReportEventBatch"}
	if !slices.Equal(ops, want) {
		t.Errorf("second search calls %v, want %v", ops, want)
	}
	if !slices.Equal(revisions(first), revisions(second)) {
		t.Errorf("second search found %v, first %v", revisions(second), revisions(first))
	}
}

// TestDeterministic runs the same seeded search twice against fresh
// servers and compares the log and the JSON result (timings aside).
func TestDeterministic(t *testing.T) {
	run := func() (log, js []byte) {
		m := newMock(t, mockwsus.Config{})
		cfg := m.agentConfig(t, "xp-sp3-office2003")
		var buf bytes.Buffer
		cfg.Log = &buf
		res := sync1(t, cfg)
		out, err := json.Marshal(res.WithoutTimings())
		if err != nil {
			t.Fatal(err)
		}
		return buf.Bytes(), out
	}
	log1, js1 := run()
	log2, js2 := run()
	if !bytes.Equal(log1, log2) {
		t.Errorf("logs differ between runs:\n%s\n---\n%s", log1, log2)
	}
	if !bytes.Equal(js1, js2) {
		t.Errorf("results differ between runs:\n%s\n---\n%s", js1, js2)
	}
}

// TestIdentity checks the derived names and IDs: distinct per index,
// stable per seed.
func TestIdentity(t *testing.T) {
	if got := clientsim.ComputerName("xp-sp3-office2003", 0); got != "XPSP3-OFF-0001.lab.local" {
		t.Errorf("ComputerName = %q", got)
	}
	if got := clientsim.ComputerName("my custom-profile!", 41); got != "MYCUSTOMPR-0042.lab.local" {
		t.Errorf("ComputerName of a custom profile = %q", got)
	}
	a, b := clientsim.ClientID(1, 0), clientsim.ClientID(1, 1)
	if a == b || a != clientsim.ClientID(1, 0) || a == clientsim.ClientID(2, 0) {
		t.Errorf("client IDs not distinct per index and seed, or not stable: %s %s", a, b)
	}
}

// TestTruncatedPages makes the server page two updates at a time: the agent
// follows Truncated until the last page and finds the same updates.
func TestTruncatedPages(t *testing.T) {
	m := newMock(t, mockwsus.Config{Version: mockwsus.VersionFixed, PageSize: 2})
	res := sync1(t, m.agentConfig(t, "xp-sp3-office2003"))
	if !res.Success {
		t.Fatalf("search failed: %s %s", res.HResult, res.Reason)
	}
	if got, want := revisions(res), append(slices.Clone(xpUpdates), officeUpdates...); !slices.Equal(got, want) {
		t.Errorf("found %v, want %v", got, want)
	}
	n := 0
	for _, c := range res.Calls {
		if c.Operation == "SyncUpdates" {
			n++
		}
	}
	if n < 10 {
		t.Errorf("%d SyncUpdates calls with pages of 2, want at least 10", n)
	}
}
