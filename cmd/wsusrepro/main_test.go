package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/detect"
	"github.com/wsusmock/wsusmock/internal/shared"
)

// runCmd is runSplit with stdout and stderr together.
func runCmd(t *testing.T, args ...string) (string, int) {
	t.Helper()
	out, errs, code := runSplit(args...)
	return out + errs, code
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
	args := []string{"corpus", "--out", corpus, "--seed", "5"}
	// Without the shared folder the advisory's variants are left out,
	// saying so; a shared folder without the advisory makes corpus fail.
	if _, err := os.Stat(shared.Dir()); err != nil && os.Getenv("WSUSMOCK_SEED_DIR") == "" {
		t.Logf("no shared folder %s: corpus without the advisory's variants", shared.Dir())
		args = append(args, "--no-advisory")
	}
	if out, code := runCmd(t, args...); code != 0 {
		t.Fatalf("corpus: %s", out)
	}
	junit := filepath.Join(t.TempDir(), "score.xml")
	out, code := runCmd(t, "score", "--corpus", corpus, "--junit", junit, "--detector", bin+" detect --json {case}")
	if code != 0 || !strings.Contains(out, "precision 1.000") || !strings.Contains(out, "FP 0") || !strings.Contains(out, "FN 0") ||
		!strings.Contains(out, "recall counting possible 1.000") {
		t.Errorf("reference detector: %d\n%s", code, out)
	}
	labels, err := detect.LoadLabels(corpus)
	if err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(junit); err != nil || bytes.Count(data, []byte("<testcase ")) != len(labels) {
		t.Errorf("junit report: %v, want one testcase per corpus case (%d)", err, len(labels))
	}
	out, code = runCmd(t, "score", "--corpus", corpus, "--detector", "grep -rqi 8024400E {case}")
	if code != 1 || strings.Contains(out, "precision 1.000") || !strings.Contains(out, "FP neg-sql-timeout-both") {
		t.Errorf("naive detector not caught: %d\n%s", code, out)
	}
	// A detector that cannot start is one error, not one per case.
	out, code = runCmd(t, "score", "--corpus", corpus, "--detector", "no-such-detector --json {case}")
	if code == 0 || strings.Count(out, "cannot start") != 1 {
		t.Errorf("detector that cannot start: %d\n%s", code, out)
	}
	// detect's exit status: 0 confirmed or probable, 3 possible, 1 none,
	// 2 nothing read.
	empty := t.TempDir()
	binary := t.TempDir()
	os.WriteFile(filepath.Join(binary, "dump.bin"), []byte("MZ\x90\x00\x03\x00\x00\x00"), 0o644)
	for _, tt := range []struct {
		path string
		want int
	}{
		{filepath.Join(corpus, "pos-both"), 0},
		{filepath.Join(corpus, "pos-client-classic"), 0},
		{filepath.Join(corpus, "pos-cut-short"), 3},
		{filepath.Join(corpus, "neg-sql-timeout-both"), 1},
		{filepath.Join(corpus, "no-such-case"), 2},
		{empty, 2},
		{binary, 2},
	} {
		if out, code := runCmd(t, "detect", tt.path); code != tt.want {
			t.Errorf("detect %s: exit %d, want %d\n%s", filepath.Base(tt.path), code, tt.want, out)
		}
	}
}

// detect --help documents the verdicts and the exit statuses.
func TestDetectHelp(t *testing.T) {
	out, code := runCmd(t, "detect", "--help")
	if code != 0 {
		t.Errorf("exit %d", code)
	}
	for _, want := range []string{"confirmed", "probable", "possible", "SqlException", "0  confirmed or probable", "3  only possible", "1  none", "2  nothing could be read", "-json"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "usage:") != 1 {
		t.Errorf("help printed %d times:\n%s", strings.Count(out, "usage:"), out)
	}
	if out, code := runCmd(t, "detect", "--bogus", "x"); code != 2 || !strings.Contains(out, "not defined: -bogus") || !strings.Contains(out, "(run 'wsusrepro detect --help')") {
		t.Errorf("bad flag: exit %d\n%s", code, out)
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

// A scenario that fails is summarised by what failed, never by the
// sentence that says what it proves when it passes.
func TestSummaryOfAFailure(t *testing.T) {
	file := filepath.Join(t.TempDir(), "kb954960.yaml")
	os.WriteFile(file, []byte("name: kb954960\nserver: {version: 3.1.6001.65}\nclients: [{name: xp-office, profile: xp-sp3-office2003}]\nsteps:\n  - sync: all\n    expect: {xp-office: {hresult: S_OK}}\n"), 0o644)
	out, code := runCmd(t, "run", file, "--out", t.TempDir())
	summary := out[strings.Index(out, "summary:"):]
	if code != 1 || !regexp.MustCompile(`FAIL  kb954960 +not proven: 1 of 1 checks failed, first: step 1 xp-office hresult expected 0x00000000, observed 0x8024400E`).MatchString(summary) || strings.Contains(summary, "fault reproduced") {
		t.Errorf("run of a failing kb954960: exit %d, summary:\n%s", code, summary)
	}
}
