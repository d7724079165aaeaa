// Package clitest checks a command against the project's command-line
// convention (internal/cli) in the tests of each cmd package, so that the
// convention is checked one way everywhere.
package clitest

import (
	"strings"
	"testing"
)

// Run runs one command line and returns its stdout, its stderr with what
// cli.Report printed, and the exit status.
type Run func(args ...string) (stdout, stderr string, code int)

// CheckCommand checks subcommand name of prog: --help, -h and `help NAME`
// print the same usage, starting "usage: PROG NAME" and stating the exit
// statuses, on stdout with exit 0; a bad flag is one line on stderr naming
// the flag with a hint, exit 2, and nothing on stdout.
func CheckCommand(t *testing.T, prog, name string, run Run) {
	t.Helper()
	want := "usage: " + prog + " " + name
	var first string
	for _, args := range [][]string{{name, "--help"}, {name, "-h"}, {"help", name}} {
		stdout, stderr, code := run(args...)
		if code != 0 || !strings.HasPrefix(stdout, want) || stderr != "" || !strings.Contains(stdout, "\nexit status:") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 0 and the usage (with exit statuses) on stdout", args, code, stdout, stderr)
		}
		if first == "" {
			first = stdout
		} else if stdout != first {
			t.Errorf("%q prints another usage than %s --help", args, name)
		}
	}
	stdout, stderr, code := run(name, "--no-such-flag")
	wantErr := prog + " " + name + ": flag provided but not defined: -no-such-flag (run '" + prog + " " + name + " --help')\n"
	if code != 2 || stdout != "" || stderr != wantErr {
		t.Errorf("bad flag: exit %d, stdout %q, stderr %q; want exit 2 and %q", code, stdout, stderr, wantErr)
	}
}
