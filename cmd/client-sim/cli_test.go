package main

import (
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/internal/cli"
	"github.com/wsusmock/wsusmock/internal/cli/clitest"
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
		t.Run(c.name, func(t *testing.T) { clitest.CheckCommand(t, prog, c.name, runSplit) })
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
