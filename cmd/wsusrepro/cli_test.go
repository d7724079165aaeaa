package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/internal/cli"
	"github.com/wsusmock/wsusmock/internal/cli/clitest"
)

// runSplit runs a command line and returns stdout, stderr (with what Report
// prints) and the exit status.
func runSplit(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	// A deadline, so a command line that stops being refused cannot hang
	// the package.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := run(ctx, args, &out, &errb)
	code := cli.Report(prog, err, &errb)
	return out.String(), errb.String(), code
}

// TestCLIConvention: every command's --help, -h and `help CMD` print its
// usage on stdout with exit 0; a bad flag is one line on stderr with a hint,
// exit 2.
func TestCLIConvention(t *testing.T) {
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) { clitest.CheckCommand(t, prog, c.name, runSplit) })
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		stdout, _, code := runSplit(args...)
		if code != 0 || !strings.HasPrefix(stdout, "usage: wsusrepro COMMAND") {
			t.Errorf("%q: exit %d, %q", args, code, stdout)
		}
	}
	if _, stderr, code := runSplit("frobnicate"); code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "--help") {
		t.Errorf("unknown command: exit %d, %q", code, stderr)
	}
	if _, stderr, code := runSplit(); code != 2 || !strings.Contains(stderr, "usage: wsusrepro COMMAND") {
		t.Errorf("no command: exit %d, %q", code, stderr)
	}
}

// TestExitStatuses: the same kind of mistake exits the same way in every
// command, and each command's "found or failed" is 1.
func TestExitStatuses(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
		// msg must be in what was printed.
		msg string
	}{
		{"list with an argument", []string{"list", "x"}, 2, `wsusrepro list: unexpected argument "x"`},
		{"check without files", []string{"check"}, 2, "wsusrepro check: no scenario file given"},
		{"check of a missing file", []string{"check", "no-such.yaml"}, 1, "no-such.yaml"},
		{"detect without paths", []string{"detect"}, 2, "wsusrepro detect: give at least one PATH"},
		{"detect of a missing path", []string{"detect", "no-such-dir"}, 2, "wsusrepro: "},
		{"score without detector", []string{"score"}, 2, "--detector is required"},
		{"run of an unknown scenario", []string{"run", "no-such-scenario", "--out", ""}, 2, "no-such-scenario"},
		{"run with --admin alone", []string{"run", "--admin", "http://127.0.0.1:1"}, 2, "--admin needs --server"},
		{"bench without clients", []string{"bench", "--clients", "0"}, 2, "--clients must be positive"},
		{"version with an argument", []string{"version", "x"}, 2, `unexpected argument "x"`},
		{"version", []string{"version"}, 0, "module  github.com/wsusmock/wsusmock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runSplit(tt.args...)
			printed := stdout + stderr
			if code != tt.want || !strings.Contains(printed, tt.msg) {
				t.Errorf("exit %d, printed %q; want exit %d and %q", code, printed, tt.want, tt.msg)
			}
			for _, doubled := range []string{"wsusrepro: wsusrepro", ": scenarios:", ": bench:", ": detect:", ": clientsim:"} {
				if strings.Contains(stderr, doubled) {
					t.Errorf("%q: a second prefix %q", stderr, doubled)
				}
			}
		})
	}
}

// TestBenchExitsOneWhenSessionsFail: a load run whose searches fail (Office
// 2003 computers on a buggy server) reports them and exits 1; the same run
// on the fixed server exits 0.
func TestBenchExitsOneWhenSessionsFail(t *testing.T) {
	args := []string{"bench", "--clients", "4", "--concurrency", "2", "--delta", "0", "--mix", "xp-sp3-office2003=100"}
	stdout, stderr, code := runSplit(append(args, "--version", "3.1.6001.65")...)
	if code != 1 || !strings.Contains(stderr, "wsusrepro: 4 of 4 sessions failed") || !strings.Contains(stdout, "0x8024400E") {
		t.Errorf("bench on the buggy server: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	if _, stderr, code := runSplit(append(args, "--version", "3.1.6001.66")...); code != 0 {
		t.Errorf("bench on the fixed server: exit %d, %s", code, stderr)
	}
}
