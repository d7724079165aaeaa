package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/internal/cli"
)

func runCmd(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := run(ctx, args, &out, &errb)
	code := cli.Report(prog, err, &errb)
	return out.String() + errb.String(), code
}

func TestListAndCheck(t *testing.T) {
	out, code := runCmd(t, "list")
	if code != 0 || !strings.Contains(out, "kb954960-workaround") || !strings.Contains(out, "lookalike-sql-timeout") {
		t.Errorf("list: %d %s", code, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("name: x\nserver: {behaviours: {kb954961: buggy}}\nclients: [{name: a, profile: xp-sp3}]\nsteps: [{sync: all}]\n"), 0o644)
	out, code = runCmd(t, "check", bad, filepath.Join("..", "..", "examples", "kb954960-per-group.yaml"))
	if code != 1 || !regexp.MustCompile(`bad.yaml:2:\d+: .*unknown behaviour "kb954961"`).MatchString(out) || !strings.Contains(out, "ok ../../examples/kb954960-per-group.yaml") {
		t.Errorf("check: %d %s", code, out)
	}
	if _, code := runCmd(t, "frobnicate"); code != 2 {
		t.Errorf("unknown command exit %d", code)
	}
}

func TestRunReportsAndExits(t *testing.T) {
	dir := t.TempDir()
	out, code := runCmd(t, "run", "kb954960", "--out", dir)
	if code != 0 || !strings.Contains(out, "PASS  kb954960") {
		t.Errorf("run kb954960: %d\n%s", code, out)
	}
	for _, f := range []string{"result.json", "junit.xml", "journal.jsonl", "SoftwareDistribution.log", "clients/xp-office/WindowsUpdate.log"} {
		if _, err := os.Stat(filepath.Join(dir, "kb954960", f)); err != nil {
			t.Errorf("artifact: %v", err)
		}
	}
	out, code = runCmd(t, "run", filepath.Join("..", "..", "scenarios", "testdata", "wrong-expectation.yaml"), "--out", "")
	if code != 1 || !strings.Contains(out, "FAIL  wrong-expectation") {
		t.Errorf("wrong expectation: %d\n%s", code, out)
	}
	out, code = runCmd(t, "run", "kb954960", "--server", "http://127.0.0.1:1", "--out", "")
	if code != 2 || !strings.Contains(out, "does not answer") {
		t.Errorf("unreachable server: %d\n%s", code, out)
	}
}

// The reference detector and a naive one are scored through the same
// external-command path: the naive one, which matches "0x8024400E" alone,
// must be caught.
func TestScoreThroughTheCommandPath(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wsusrepro binary")
	}
	bin := filepath.Join(t.TempDir(), "wsusrepro")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	corpus := filepath.Join(t.TempDir(), "corpus")
	if out, code := runCmd(t, "corpus", "--out", corpus, "--seed", "5"); code != 0 {
		t.Fatalf("corpus: %s", out)
	}
	junit := filepath.Join(t.TempDir(), "score.xml")
	out, code := runCmd(t, "score", "--corpus", corpus, "--junit", junit, "--detector", bin+" detect --json {case}")
	if code != 0 || !strings.Contains(out, "precision 1.000  recall 1.000") || !strings.Contains(out, "FP 0") {
		t.Errorf("reference detector: %d\n%s", code, out)
	}
	if data, err := os.ReadFile(junit); err != nil || !bytes.Contains(data, []byte("<testcase")) {
		t.Errorf("junit report: %v", err)
	}
	out, code = runCmd(t, "score", "--corpus", corpus, "--detector", "grep -rqi 8024400E {case}")
	if code != 1 || strings.Contains(out, "precision 1.000") || !strings.Contains(out, "FP neg-sql-timeout-both") {
		t.Errorf("naive detector not caught: %d\n%s", code, out)
	}
	// detect's exit status: 0 found, 1 not found.
	if _, code := runCmd(t, "detect", filepath.Join(corpus, "pos-both")); code != 0 {
		t.Errorf("detect on a positive case: exit %d", code)
	}
	if _, code := runCmd(t, "detect", filepath.Join(corpus, "neg-sql-timeout-both")); code != 1 {
		t.Errorf("detect on the sql-timeout look-alike: exit %d", code)
	}
	if _, code := runCmd(t, "detect", filepath.Join(corpus, "no-such-case")); code != 2 {
		t.Errorf("detect on a missing path: exit %d", code)
	}
}

// bench --cpuprofile leaves a pprof profile (gzip-compressed protobuf) of
// the run, and a profile it cannot create is an error before any load.
func TestBenchCPUProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.out")
	out, code := runCmd(t, "bench", "--clients", "4", "--concurrency", "2", "--delta", "0", "--cpuprofile", path)
	if code != 0 || !strings.Contains(out, "errors: none") {
		t.Fatalf("bench: exit %d\n%s", code, out)
	}
	data, err := os.ReadFile(path)
	if err != nil || len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		t.Errorf("profile: %d bytes, %v; want a gzip-compressed pprof profile", len(data), err)
	}
	out, code = runCmd(t, "bench", "--clients", "1", "--cpuprofile", filepath.Join(t.TempDir(), "missing", "cpu.out"))
	if code == 0 || !strings.Contains(out, "cpu profile") {
		t.Errorf("bench with an unwritable profile: exit %d\n%s", code, out)
	}
}
