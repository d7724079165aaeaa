package clientsim_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	clientsim "github.com/wsusmock/wsusmock/client-sim"
	"github.com/wsusmock/wsusmock/internal/clock"
	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/updatexml"
)

// TestUnknownRules serves updates whose rules the evaluator does not know
// (or whose Core fragment is broken): each is reported in the result and
// the log and treated as not applicable, never as true.
func TestUnknownRules(t *testing.T) {
	license := updatexml.Leaf("b.LicenseDword", updatexml.Attr{Name: "Value", Value: "Kernel-ProductInfo"})
	leaf := (&updatexml.Core{
		Identity:      updatexml.Identity{UpdateID: "3c1d3e58-1f6a-4f0e-9a37-2b8f0f6f0c31", RevisionNumber: 200},
		UpdateType:    updatexml.UpdateTypeSoftware,
		IsInstalled:   updatexml.Not(license),
		IsInstallable: updatexml.True(),
	}).Render()
	detectoid := (&updatexml.Core{
		Identity:    updatexml.Identity{UpdateID: "9d2c8a41-5a7e-4b1b-8c3e-7f6a5b4c3d21", RevisionNumber: 201},
		UpdateType:  updatexml.UpdateTypeDetectoid,
		IsInstalled: updatexml.Or(updatexml.True(), license),
	}).Render()
	installable := (&updatexml.Core{
		Identity:      updatexml.Identity{UpdateID: "5e4d3c2b-1a09-4f8e-8d7c-6b5a49382716", RevisionNumber: 202},
		UpdateType:    updatexml.UpdateTypeSoftware,
		IsInstalled:   updatexml.False(),
		IsInstallable: updatexml.Leaf(updatexml.NameWindowsVersion, updatexml.Attr{Name: "Comparison", Value: "Sideways"}),
	}).Render()
	f, url := newFake(t, nil)
	f.extra = []*clientws.UpdateInfo{
		{ID: 3, IsLeaf: true, Xml: leaf},
		{ID: 4, IsLeaf: true, Xml: "<Nonsense />"},
		{ID: 5, IsLeaf: false, Xml: detectoid},
		{ID: 6, IsLeaf: true, Xml: installable},
	}
	var log bytes.Buffer
	res := sync1(t, clientsim.Config{ServerURL: url, Profile: builtin(t, "xp-sp3"), SkipSelfUpdate: true,
		Clock: clock.NewVirtual(clock.DefaultStart, time.Millisecond), Log: &log})
	if !res.Success || len(res.Updates) != 1 || res.Updates[0].RevisionID != 2 {
		t.Fatalf("search %s found %+v, want only the fake's update", res.HResult, res.Updates)
	}
	var got []string
	for _, u := range res.UnknownRules {
		got = append(got, u.Rule)
		if u.Error == "" {
			t.Errorf("revision %d: no error text", u.RevisionID)
		}
	}
	if want := []string{"IsInstalled", "Core", "IsInstalled", "IsInstallable"}; !slices.Equal(got, want) {
		t.Errorf("unknown rules %v, want %v: %+v", got, want, res.UnknownRules)
	}
	for _, want := range []string{
		"Agent\tWARNING: Failed to evaluate Installed rule, updateId = {3C1D3E58-1F6A-4F0E-9A37-2B8F0F6F0C31}.200, hr = 8024e001",
		"Agent\tWARNING: Failed to evaluate Core rule, updateId = revision 4, hr = 8024e002",
		"Agent\tWARNING: Failed to evaluate Installable rule, updateId = {5E4D3C2B-1A09-4F8E-8D7C-6B5A49382716}.202, hr = 8024e002",
		"element b.LicenseDword",
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
}

// TestCookieExpiresBetweenSearches lets the agent's clock pass the
// cookie's expiration: the next search re-authorises (no GetConfig, no
// second registration) before it syncs.
func TestCookieExpiresBetweenSearches(t *testing.T) {
	m := newMock(t, mockwsus.Config{Version: mockwsus.VersionFixed})
	cfg := m.agentConfig(t, "xp-sp3")
	clk := clock.NewVirtual(clock.DefaultStart, time.Millisecond)
	cfg.Clock = clk
	var log bytes.Buffer
	cfg.Log = &log
	a, err := clientsim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := a.Sync(context.Background()); err != nil || !res.Success {
		t.Fatalf("first search: %v %+v", err, res)
	}
	clk.Advance(2 * time.Hour)
	res, err := a.Sync(context.Background())
	if err != nil || !res.Success {
		t.Fatalf("second search: %v %+v", err, res)
	}
	var ops []string
	for _, c := range res.Calls {
		ops = append(ops, c.Operation)
	}
	want := []string{"SelfUpdate", "GetAuthorizationCookie", "GetCookie", "SyncUpdates", "SyncUpdates", "ReportEventBatch"}
	if !slices.Equal(ops, want) {
		t.Errorf("calls %v, want %v", ops, want)
	}
	if n := strings.Count(log.String(), "Cached cookie has expired"); n != 2 {
		t.Errorf("%d \"Cached cookie has expired\" lines, want 2", n)
	}
}
