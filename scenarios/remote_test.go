package scenarios

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/mockwsus"
)

// startRemote starts a mockwsus on loopback with an admin API guarded by
// token, as `mockwsus --admin-token` does, and returns its URLs.
func startRemote(t *testing.T, token string) (string, string) {
	t.Helper()
	srv, err := mockwsus.New(mockwsus.Config{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	l, err := srv.Listen(mockwsus.ListenOptions{Addr: "127.0.0.1:0", AdminAddr: "127.0.0.1:0", AdminToken: token})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		l.Shutdown(ctx)
	})
	return l.URL, l.AdminURL
}

// throwID finds the fault ID of a ThrowException line.
var throwID = regexp.MustCompile(`ThrowException: actor = \S+, ID=([0-9a-f-]{36})`)

// verdicts is what a report checked and whether each held, without what
// was observed (fault IDs and times differ between servers).
func verdicts(rep *Report) string {
	var b strings.Builder
	for _, c := range rep.Checks {
		fmt.Fprintf(&b, "%d %s %s %s %s %t\n", c.Step, c.StepName, c.Client, c.What, c.Expected, c.Pass)
	}
	return b.String()
}

// Every built-in scenario, then the default proofs again, against one
// running server through its admin API: every check that passes in process
// passes remotely (the server is reset into each scenario's server section),
// and the artifacts are the same files, the server's SoftwareDistribution.log
// with the client's fault ID among them.
func TestRemoteRunsPassAsInProcess(t *testing.T) {
	const token = "remote-test-token"
	serverURL, adminURL := startRemote(t, token)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for round := 1; round <= 2; round++ {
		names := BuiltinNames() // every built-in first, then the default proofs again
		if round == 2 {
			names = DefaultRun
		}
		for _, name := range names {
			sc, err := Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			local, err := Run(ctx, sc, Options{})
			if err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			rep, err := Run(ctx, sc, Options{OutDir: out, ServerURL: serverURL, AdminURL: adminURL, AdminToken: token})
			if err != nil {
				t.Fatalf("round %d %s: %v", round, name, err)
			}
			if !rep.Passed || verdicts(rep) != verdicts(local) {
				var b strings.Builder
				WriteTable(&b, rep)
				t.Errorf("round %d %s remotely:\n%s\nin process the checks were:\n%s", round, name, b.String(), verdicts(local))
			}
			if !strings.HasPrefix(name, "kb954960") {
				continue
			}
			for _, f := range []string{"SoftwareDistribution.log", "journal.jsonl", "result.json", "junit.xml", "verdict.txt", "clients/xp-office/WindowsUpdate.log"} {
				if _, err := os.Stat(filepath.Join(out, name, f)); err != nil {
					t.Errorf("round %d %s: artifact %s: %v", round, name, f, err)
				}
			}
			var faultID string
			for _, r := range rep.Results {
				if r.Client == "xp-office" && r.Result.Fault != nil && faultID == "" {
					faultID = r.Result.Fault.ID
				}
			}
			sdlog, _ := os.ReadFile(filepath.Join(out, name, "SoftwareDistribution.log"))
			journal, _ := os.ReadFile(filepath.Join(out, name, "journal.jsonl"))
			if faultID == "" || !strings.Contains(string(sdlog), "ID="+faultID) || !strings.Contains(string(journal), faultID) {
				t.Errorf("round %d %s: fault ID %q not in the fetched SoftwareDistribution.log (%d bytes) and journal", round, name, faultID, len(sdlog))
			}
			// The log is this scenario's only: its first fault is the
			// client's, not one of an earlier scenario on the same server.
			if first := throwID.FindStringSubmatch(string(sdlog)); first == nil || first[1] != faultID {
				t.Errorf("round %d %s: the fetched SoftwareDistribution.log's first fault is %v, want the client's %s", round, name, first, faultID)
			}
			if !strings.HasPrefix(string(journal), `{"seq"`) || !strings.Contains(strings.SplitN(string(journal), "\n", 2)[0], `"operation":"reset"`) {
				t.Errorf("round %d %s: the journal artifact does not begin with the scenario's reset:\n%.300s", round, name, journal)
			}
		}
	}
}

// What a remote run cannot do is refused before any step, naming why.
func TestRemoteRunRefusals(t *testing.T) {
	serverURL, adminURL := startRemote(t, "right")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sc, err := Builtin("kb954960")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"no admin API for a server section", Options{ServerURL: serverURL}, "server.version needs the server's admin API"},
		{"no token", Options{ServerURL: serverURL, AdminURL: adminURL}, "401"},
		{"wrong token", Options{ServerURL: serverURL, AdminURL: adminURL, AdminToken: "wrong"}, "401"},
		{"admin URL not a URL", Options{ServerURL: serverURL, AdminURL: "127.0.0.1:1", AdminToken: "right"}, "not an http(s) URL"},
	}
	for _, tt := range tests {
		_, err := Run(ctx, sc, tt.opts)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "right") {
			t.Errorf("%s: %v, want an error saying %q (and never the token)", tt.name, err, tt.want)
		}
	}
	// A scenario with an empty server section and no change runs against
	// any WSUS, admin API or not.
	bare := &Scenario{Name: "bare", Clients: []Client{{Name: "a", Profile: "xp-sp3"}}, Steps: []Step{{Sync: &Targets{All: true}}}}
	if _, err := Run(ctx, bare, Options{ServerURL: serverURL}); err != nil {
		t.Errorf("a scenario needing nothing of the server, without --admin: %v", err)
	}
}
