package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientsim "github.com/wsusmock/wsusmock/client-sim"
	"github.com/wsusmock/wsusmock/internal/cli"
	"github.com/wsusmock/wsusmock/internal/clock"
	"github.com/wsusmock/wsusmock/mockwsus"
)

// startMock serves a seeded in-process WSUS mock of the given version on
// 127.0.0.1:0 and returns its URL.
func startMock(t *testing.T, version string) string {
	t.Helper()
	srv, err := mockwsus.New(mockwsus.Config{Seed: 9, Version: version,
		Clock: clock.NewVirtual(clock.DefaultStart, time.Millisecond), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts.URL
}

// runCLI runs the command line and returns stdout, stderr and the error.
func runCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	return runArgs(args...)
}

// runArgs runs the command line under a deadline, so a command line that
// stops being refused cannot hang the package.
func runArgs(args ...string) (string, string, error) {
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := run(ctx, args, env{stdout: &stdout, stderr: &stderr})
	return stdout.String(), stderr.String(), err
}

func exitCode(err error) int { return cli.Report(prog, err, io.Discard) }

func TestSync(t *testing.T) {
	tests := []struct {
		name     string
		version  string
		profile  string
		wantExit int
		wantHR   string
		wantLog  string
	}{
		{"xp/buggy", mockwsus.VersionWSUS30SP1, "xp-sp3", 0, "0x00000000", "Reporter successfully uploaded 1 events."},
		{"office/buggy", mockwsus.VersionWSUS30SP1, "xp-sp3-office2003", 1, "0x8024400E", "WARNING: ErrorCode:InternalServerError(5)"},
		{"office/fixed", mockwsus.VersionFixed, "xp-sp3-office2003", 0, "0x00000000", "Found 8 updates"},
		// The WUA 10 profiles complete against the WSUS 3.x personality and
		// write the wua10 log by default.
		{"win11/buggy", mockwsus.VersionWSUS30SP1, "win11", 0, "0x00000000", "* END * Finding updates CallerId = UpdateOrchestrator"},
		{"win10/fixed", mockwsus.VersionFixed, "win10", 0, "0x00000000", "* END * Finding updates CallerId = UpdateOrchestrator"},
		{"win11/modern", mockwsus.VersionWSUS2025, "win11", 0, "0x00000000", "* END * Finding updates CallerId = UpdateOrchestrator"},
		{"win10/modern", mockwsus.VersionWSUS2025, "win10", 0, "0x00000000", "* END * Finding updates CallerId = UpdateOrchestrator"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := startMock(t, tt.version)
			logPath := filepath.Join(t.TempDir(), "WindowsUpdate.log")
			stdout, _, err := runCLI(t, "sync", "--server", url, "--profile", tt.profile, "--log", logPath, "--json", "--seed", "4")
			if got := exitCode(err); got != tt.wantExit {
				t.Fatalf("exit %d (%v), want %d", got, err, tt.wantExit)
			}
			var res clientsim.Result
			if err := json.Unmarshal([]byte(stdout), &res); err != nil {
				t.Fatalf("stdout is not a JSON result: %v\n%s", err, stdout)
			}
			if res.HResult.String() != tt.wantHR || res.Profile != tt.profile {
				t.Errorf("result %s for %s, want %s", res.HResult, res.Profile, tt.wantHR)
			}
			if tt.wantExit != 0 && !strings.Contains(err.Error(), "failed with "+tt.wantHR+" in SyncUpdates") {
				t.Errorf("error %q does not say how the search failed", err)
			}
			log, err := os.ReadFile(logPath)
			if err != nil {
				t.Fatal(err)
			}
			start := "2008-06-13\t19:59:53:383\t"
			if strings.HasPrefix(tt.profile, "win") {
				start = "2008/06/13 19:59:53.3830000 "
			}
			if !strings.Contains(string(log), tt.wantLog) || !strings.HasPrefix(string(log), start) {
				t.Errorf("log (virtual clock from the advisory's day) lacks %q:\n%s", tt.wantLog, log)
			}
		})
	}
}

// TestSyncDeterministic runs the same seeded sync twice against fresh
// servers: the JSON is the same but for the timings.
func TestSyncDeterministic(t *testing.T) {
	out := func() []byte {
		url := startMock(t, mockwsus.VersionWSUS30SP1)
		stdout, _, _ := runCLI(t, "sync", "--server", url, "--profile", "xp-sp3-office2003", "--json", "--seed", "4")
		var res clientsim.Result
		if err := json.Unmarshal([]byte(stdout), &res); err != nil {
			t.Fatal(err)
		}
		res.Server, res.Timings = "", nil // the port differs
		b, _ := json.Marshal(res)
		return b
	}
	if a, b := out(), out(); !bytes.Equal(a, b) {
		t.Errorf("two runs differ:\n%s\n%s", a, b)
	}
}

func TestFleetCommand(t *testing.T) {
	url := startMock(t, mockwsus.VersionWSUS30SP1)
	dir := t.TempDir()
	stdout, stderr, err := runCLI(t, "fleet", "--server", url, "--clients", "20", "--concurrency", "5",
		"--mix", "xp-sp3-office2003=30,xp-sp3=70", "--log-dir", dir, "--json", "--seed", "2")
	if err != nil {
		t.Fatalf("fleet: %v\n%s", err, stderr)
	}
	var sum clientsim.FleetSummary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("stdout is not a JSON summary: %v\n%s", err, stdout)
	}
	if sum.Clients != 20 || sum.Succeeded != 14 || sum.Failed != 6 || len(sum.Outcomes) != 2 || sum.Outcomes[1].HResult != "0x8024400E" {
		t.Errorf("summary %+v", sum)
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	if len(logs) != 20 {
		t.Errorf("%d logs in --log-dir, want 20", len(logs))
	}
	if !strings.Contains(stderr, "fleet: 20/20 computers done, 6 failed") {
		t.Errorf("stderr lacks the progress line: %q", stderr)
	}
	// --strict turns failed searches into a failed command.
	_, _, err = runCLI(t, "fleet", "--server", url, "--clients", "4", "--mix", "xp-sp3-office2003=100", "--strict", "--quiet")
	if exitCode(err) != 1 || !strings.Contains(err.Error(), "4 of 4 searches failed") {
		t.Errorf("--strict: %v", err)
	}
}

func TestProfilesCommand(t *testing.T) {
	stdout, _, err := runCLI(t, "profiles")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"xp-sp3 ", "xp-sp3-office2003", "Windows XP Professional SP3", "yes"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("profiles output lacks %q:\n%s", want, stdout)
		}
	}
	stdout, _, err = runCLI(t, "profiles", "--json")
	var rows []map[string]any
	if err != nil || json.Unmarshal([]byte(stdout), &rows) != nil || len(rows) < 2 {
		t.Errorf("profiles --json: %v\n%s", err, stdout)
	}
}

func TestBadInput(t *testing.T) {
	badProfile := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(badProfile, []byte("name: broken\nos:\n  major: five\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantExit int
		want     string
	}{
		{"no command", nil, 2, "usage: client-sim COMMAND"},
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"no server", []string{"sync"}, 2, "--server is required"},
		{"bad flag", []string{"sync", "--frob"}, 2, "flag provided but not defined"},
		{"bad log format", []string{"sync", "--server", "http://x", "--log-format", "wua7"}, 2, "want classic or wua10"},
		{"bad URL", []string{"sync", "--server", "wsus01", "--no-self-update"}, 2, "want http://host"},
		{"unknown profile", []string{"sync", "--server", "http://x", "--profile", "no-such"}, 2, "neither a built-in profile"},
		{"malformed profile", []string{"sync", "--server", "http://x", "--profile", badProfile}, 2, `bad.yaml:3:10: field "os.major"`},
		{"bad mix", []string{"fleet", "--server", "http://x", "--mix", "xp-sp3=50"}, 2, "adds up to 50%"},
		{"stdout twice", []string{"sync", "--server", "http://x", "--log", "-", "--json"}, 2, "both write to standard output"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, err := runCLI(t, tt.args...)
			var msg bytes.Buffer
			got := cli.Report(prog, err, &msg)
			printed := stderr + msg.String()
			if got != tt.wantExit || !strings.Contains(printed, tt.want) {
				t.Errorf("exit %d, printed %q; want exit %d and a message containing %q", got, printed, tt.wantExit, tt.want)
			}
			// One prefix: the program's, never a package's or twice.
			for _, leak := range []string{"clientsim:", "client-sim: client-sim", ": profile: "} {
				if strings.Contains(printed, leak) {
					t.Errorf("message %q contains %q", printed, leak)
				}
			}
			var ue *cli.UsageError
			if errors.As(err, &ue) && (strings.Count(printed, "\n") != 1 || !strings.Contains(printed, "(run 'client-sim ")) {
				t.Errorf("usage error printed as %q, want one line with a hint to --help", printed)
			}
		})
	}
}

// TestUnreachable runs sync against a port nothing listens on: exit 1 and
// the WinHTTP error a real agent reports, without hanging.
func TestUnreachable(t *testing.T) {
	ts := httptest.NewServer(nil)
	url := ts.URL
	ts.Close()
	stdout, _, err := runCLI(t, "sync", "--server", url, "--timeout", "2s")
	if exitCode(err) != 1 || !strings.Contains(err.Error(), "0x80072EFD") {
		t.Errorf("exit %d, %v", exitCode(err), err)
	}
	if !strings.Contains(stdout, "search failed with 0x80072EFD in SelfUpdate") {
		t.Errorf("stdout: %s", stdout)
	}
}
