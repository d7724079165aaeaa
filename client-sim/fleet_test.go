package clientsim_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	clientsim "github.com/wsusmock/wsusmock/client-sim"
	"github.com/wsusmock/wsusmock/mockwsus"
)

func TestParseMix(t *testing.T) {
	tests := []struct {
		in      string
		want    []clientsim.MixEntry
		wantErr string
	}{
		{in: "xp-sp3-office2003=30,xp-sp3=70", want: []clientsim.MixEntry{{"xp-sp3-office2003", 30}, {"xp-sp3", 70}}},
		{in: " xp-sp3 = 100 ", want: []clientsim.MixEntry{{"xp-sp3", 100}}},
		{in: "xp-sp3=60,vista-sp1=30", wantErr: "adds up to 90%"},
		{in: "xp-sp3", wantErr: "want PROFILE=PERCENT"},
		{in: "xp-sp3=x", wantErr: "want PROFILE=PERCENT"},
		{in: "xp-sp3=50,xp-sp3=50", wantErr: "twice"},
		{in: "", wantErr: "empty mix"},
	}
	for _, tt := range tests {
		got, err := clientsim.ParseMix(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "clientsim: ") {
				t.Errorf("ParseMix(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("ParseMix(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestAssignProfiles(t *testing.T) {
	mix := []clientsim.MixEntry{{"a", 30}, {"b", 70}}
	for _, n := range []int{1, 3, 10, 101} {
		got := clientsim.AssignProfiles(mix, n, 5)
		if len(got) != n {
			t.Fatalf("n=%d: %d assignments", n, len(got))
		}
		a := 0
		for _, p := range got {
			if p == "a" {
				a++
			}
		}
		if want := (30*n + 50) / 100; a < want-1 || a > want+1 {
			t.Errorf("n=%d: %d computers of profile a, want about %d", n, a, want)
		}
		if !slices.Equal(got, clientsim.AssignProfiles(mix, n, 5)) {
			t.Errorf("n=%d: assignment not deterministic", n)
		}
	}
}

// TestFleet runs a small mixed fleet against a buggy in-process mock: the
// Office 2003 computers fail with 0x8024400E, the others succeed, every
// computer has its own log, and progress ends with a last line.
func TestFleet(t *testing.T) {
	m := newMock(t, mockwsus.Config{})
	dir := t.TempDir()
	var progress bytes.Buffer
	cfg := clientsim.FleetConfig{
		ServerURL: serverName, Clients: 20, Concurrency: 4, Seed: 3,
		Mix:        []clientsim.MixEntry{{"xp-sp3-office2003", 30}, {"xp-sp3", 70}},
		HTTPClient: m.client, LogDir: dir, Progress: &progress, KeepResults: true,
	}
	sum, err := clientsim.RunFleet(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Succeeded != 14 || sum.Failed != 6 {
		t.Errorf("succeeded %d, failed %d; want 14 and 6", sum.Succeeded, sum.Failed)
	}
	want := []clientsim.Outcome{
		{HResult: "0x00000000", Code: 0, Count: 14},
		{HResult: "0x8024400E", Code: 0x8024400E, Count: 6},
	}
	if len(sum.Outcomes) != 2 {
		t.Fatalf("outcomes %+v", sum.Outcomes)
	}
	for i, o := range sum.Outcomes {
		if o.HResult != want[i].HResult || o.Code != want[i].Code || o.Count != want[i].Count || o.Example == "" {
			t.Errorf("outcome %d = %+v, want %+v", i, o, want[i])
		}
	}
	names := map[string]bool{}
	ids := map[string]bool{}
	for i, r := range sum.Results {
		names[r.Computer], ids[r.ClientID] = true, true
		office := strings.HasPrefix(r.Computer, "XPSP3-OFF-")
		if office == r.Success {
			t.Errorf("computer %d %s: success %t", i, r.Computer, r.Success)
		}
		short, _, _ := strings.Cut(r.Computer, ".")
		log, err := os.ReadFile(filepath.Join(dir, short+".log"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(log, []byte("DNS name = "+r.Computer)) || bytes.Contains(log, []byte("Exit code = ")) == r.Success {
			t.Errorf("log of %s does not match its result:\n%s", r.Computer, log)
		}
	}
	if len(names) != 20 || len(ids) != 20 {
		t.Errorf("%d distinct names and %d distinct client IDs for 20 computers", len(names), len(ids))
	}
	ops := map[string]clientsim.OpLatency{}
	for _, o := range sum.Operations {
		ops[o.Operation] = o
		if !(o.P50MS <= o.P90MS && o.P90MS <= o.P99MS && o.P99MS <= o.MaxMS) {
			t.Errorf("percentiles of %s not ordered: %+v", o.Operation, o)
		}
	}
	if ops["GetConfig"].Calls != 20 || ops["SyncUpdates"].Calls == 0 {
		t.Errorf("latencies %+v", sum.Operations)
	}
	if sum.Requests == 0 || sum.SessionsPerSecond <= 0 || sum.RequestsPerSecond <= 0 {
		t.Errorf("rates: %d requests, %.1f sessions/s, %.1f requests/s", sum.Requests, sum.SessionsPerSecond, sum.RequestsPerSecond)
	}
	if !strings.Contains(progress.String(), "fleet: 20/20 computers done, 6 failed") {
		t.Errorf("progress lacks the last line: %q", progress.String())
	}
	var text bytes.Buffer
	if err := sum.WriteText(&text); err != nil || !strings.Contains(text.String(), "0x8024400E       6") {
		t.Errorf("text summary (%v):\n%s", err, text.String())
	}
	// The assignment depends on the seed only.
	if got := clientsim.AssignProfiles(cfg.Mix, 20, 3); got[0] != sum.Results[0].Profile {
		t.Errorf("AssignProfiles does not match the fleet's assignment")
	}
}

// TestFleetTerminalProgress checks the carriage-return bar.
func TestFleetTerminalProgress(t *testing.T) {
	m := newMock(t, mockwsus.Config{Version: mockwsus.VersionFixed})
	var progress bytes.Buffer
	_, err := clientsim.RunFleet(context.Background(), clientsim.FleetConfig{
		ServerURL: serverName, Clients: 3, HTTPClient: m.client, Progress: &progress, ProgressTerminal: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(progress.String(), "\rfleet [") || !strings.HasSuffix(progress.String(), "\n") ||
		!strings.Contains(progress.String(), "3/3") {
		t.Errorf("terminal progress %q", progress.String())
	}
}

func TestFleetErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  clientsim.FleetConfig
		want string
	}{
		{"no clients", clientsim.FleetConfig{ServerURL: serverName}, "at least one"},
		{"bad URL", clientsim.FleetConfig{ServerURL: "wsus01", Clients: 1}, "want http://host"},
		{"unknown profile", clientsim.FleetConfig{ServerURL: serverName, Clients: 1, Mix: []clientsim.MixEntry{{"no-such-profile", 100}}}, "neither a built-in profile"},
	}
	for _, tt := range tests {
		_, err := clientsim.RunFleet(context.Background(), tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestPercentileNearestRank(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	for _, tt := range []struct {
		name   string
		sorted []time.Duration
		q      float64
		want   time.Duration
	}{
		{"p50 of 1..100", hundred, 0.50, 50 * time.Millisecond},
		{"p99 of 1..100", hundred, 0.99, 99 * time.Millisecond},
		{"max of 1..100", hundred, 1, 100 * time.Millisecond},
		{"p0 is the least", hundred, 0, time.Millisecond},
		{"p99 of three", hundred[:3], 0.99, 3 * time.Millisecond},
		{"p50 of one", hundred[:1], 0.50, time.Millisecond},
		{"empty", nil, 0.5, 0},
	} {
		if got := clientsim.Percentile(tt.sorted, tt.q); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
