package main

import (
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/internal/cli"
)

// runSplit is runArgs with the error reported as main reports it: stdout,
// stderr with the report, and the exit status.
func runSplit(args ...string) (string, string, int) {
	stdout, stderr, err := runArgs(args...)
	var report strings.Builder
	code := cli.Report(prog, err, &report)
	return stdout, stderr + report.String(), code
}

// TestCLIConvention: every command's --help, -h and `help CMD` print its
// usage on stdout with exit 0; a bad flag is one line on stderr with a hint,
// exit 2.
func TestCLIConvention(t *testing.T) {
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			var first string
			for _, args := range [][]string{{c.name, "--help"}, {c.name, "-h"}, {"help", c.name}} {
				stdout, stderr, code := runSplit(args...)
				if code != 0 || !strings.HasPrefix(stdout, "usage: client-sim "+c.name) || stderr != "" || !strings.Contains(stdout, "\nexit status:") {
					t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 0 and the usage on stdout", args, code, stdout, stderr)
				}
				if first == "" {
					first = stdout
				} else if stdout != first {
					t.Errorf("%q prints another usage than %s --help", args, c.name)
				}
			}
			stdout, stderr, code := runSplit(c.name, "--no-such-flag")
			want := "client-sim " + c.name + ": flag provided but not defined: -no-such-flag (run 'client-sim " + c.name + " --help')\n"
			if code != 2 || stdout != "" || stderr != want {
				t.Errorf("bad flag: exit %d, stdout %q, stderr %q; want exit 2 and %q", code, stdout, stderr, want)
			}
		})
	}
	if stdout, _, code := runSplit("--help"); code != 0 || !strings.HasPrefix(stdout, "usage: client-sim COMMAND") {
		t.Errorf("--help: exit %d, %q", code, stdout)
	}
	// fleet's rule is in its help.
	if stdout, _, _ := runSplit("fleet", "--help"); !strings.Contains(stdout, "--strict") || !strings.Contains(stdout, "whatever its searches' outcomes") {
		t.Errorf("fleet --help does not state its exit rule:\n%s", stdout)
	}
	if stdout, _, code := runSplit("version"); code != 0 || !strings.HasPrefix(stdout, "client-sim ") || !strings.Contains(stdout, "go1.") {
		t.Errorf("version: exit %d, %q", code, stdout)
	}
}
