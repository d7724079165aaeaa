package main

import (
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/capture"
	clientsim "github.com/wsusmock/wsusmock/client-sim"
	"github.com/wsusmock/wsusmock/internal/cli"
	"github.com/wsusmock/wsusmock/internal/clock"
	"github.com/wsusmock/wsusmock/internal/jsonout"
	"github.com/wsusmock/wsusmock/mockwsus"
)

// TestJSONOutputs: every --json output of client-sim has camelCase field
// names and no null (an empty list is []).
func TestJSONOutputs(t *testing.T) {
	// A recorded capture to replay: one search against a recording mock.
	srv, err := mockwsus.New(mockwsus.Config{Seed: 9, Clock: clock.NewVirtual(clock.DefaultStart, time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "capture")
	w, err := capture.NewWriter(dir, capture.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewServer(capture.Record(srv, w))
	defer rec.Close()
	if _, _, err := runCLI(t, "sync", "--server", rec.URL, "--profile", "xp-sp3", "--seed", "3"); err != nil {
		t.Fatal(err)
	}
	w.Wait()
	if err := w.Err(); err != nil {
		t.Fatal(err)
	}
	url := startMock(t, mockwsus.VersionWSUS30SP1)
	tests := []struct {
		args []string
		typ  reflect.Type
	}{
		// A failed search: no updates, so the empty lists are there.
		{[]string{"sync", "--server", url, "--profile", "xp-sp3-office2003", "--seed", "4", "--json"}, reflect.TypeFor[clientsim.Result]()},
		{[]string{"sync", "--server", url, "--profile", "xp-sp3", "--seed", "4", "--json", "--no-report"}, reflect.TypeFor[clientsim.Result]()},
		{[]string{"fleet", "--server", url, "--clients", "3", "--mix", "xp-sp3-office2003=100", "--seed", "4", "--json", "--quiet"}, reflect.TypeFor[clientsim.FleetSummary]()},
		{[]string{"profiles", "--json"}, reflect.TypeFor[[]struct{}]()},
		{[]string{"replay", dir, "--server", url, "--json"}, reflect.TypeFor[capture.ReplayReport]()},
		{[]string{"version", "--json"}, reflect.TypeFor[cli.BuildInfo]()},
	}
	for _, tt := range tests {
		t.Run(tt.args[0], func(t *testing.T) {
			stdout, stderr, err := runCLI(t, tt.args...)
			if code := exitCode(err); code == 2 || stdout == "" {
				t.Fatalf("exit %d (%v): %s", code, err, stderr)
			}
			for _, p := range jsonout.Lint(tt.typ, []byte(stdout)) {
				t.Error(p)
			}
		})
	}
}
