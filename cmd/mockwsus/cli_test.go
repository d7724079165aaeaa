package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/internal/cli"
)

func runSplit(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	// A deadline, so a command line that stops being refused cannot hang
	// the package.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := run(ctx, args, &out, &errb)
	code := cli.Report(prog, err, &errb)
	return out.String(), errb.String(), code
}

// TestCLIConvention: --help, -h and `help [CMD]` print the usage on stdout
// with exit 0; a bad flag or a bad --wsus-version is one line on stderr with
// a hint, exit 2, before anything listens.
func TestCLIConvention(t *testing.T) {
	for _, tt := range []struct {
		usage string
		forms [][]string
	}{
		{"usage: mockwsus [flags]", [][]string{{"--help"}, {"-h"}, {"help"}}},
		{"usage: mockwsus proxy", [][]string{{"proxy", "--help"}, {"proxy", "-h"}, {"help", "proxy"}}},
		{"usage: mockwsus version", [][]string{{"version", "--help"}, {"help", "version"}}},
		{"usage: mockwsus har import", [][]string{{"har", "import", "--help"}, {"har", "import", "-h"}}},
		{"usage: mockwsus har export", [][]string{{"har", "export", "--help"}}},
	} {
		for _, args := range tt.forms {
			stdout, stderr, code := runSplit(args...)
			if code != 0 || !strings.HasPrefix(stdout, tt.usage) || stderr != "" || !strings.Contains(stdout, "\nexit status:") {
				t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 0 and %q on stdout", args, code, stdout, stderr, tt.usage)
			}
		}
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--no-such-flag"}, "mockwsus: flag provided but not defined: -no-such-flag (run 'mockwsus --help')\n"},
		{[]string{"proxy", "--no-such-flag"}, "mockwsus proxy: flag provided but not defined: -no-such-flag (run 'mockwsus proxy --help')\n"},
		{[]string{"har", "import", "--no-such-flag"}, "mockwsus har import: flag provided but not defined: -no-such-flag (run 'mockwsus har import --help')\n"},
		{[]string{"--wsus-version", "3.1"}, "mockwsus: --wsus-version: version \"3.1\" is not a WSUS version like 3.1.6001.66 (run 'mockwsus --help')\n"},
		{[]string{"--version", "banana"}, "mockwsus: --wsus-version: version \"banana\" is not a WSUS version like 3.1.6001.66 (run 'mockwsus --help')\n"},
		{[]string{"--version", "3.1.6001.65", "--wsus-version", "3.1.6001.66"}, "mockwsus: give --wsus-version or --version, not both (run 'mockwsus --help')\n"},
		{[]string{"serve"}, "mockwsus: unknown command \"serve\" (commands: proxy, har, version, help; the server takes flags only) (run 'mockwsus --help')\n"},
		{[]string{"proxy", "--upstream", "ftp://x", "--record", "d"}, "mockwsus proxy: --upstream \"ftp://x\" is not an http or https URL (run 'mockwsus proxy --help')\n"},
	} {
		stdout, stderr, code := runSplit(tt.args...)
		if code != 2 || stdout != "" || stderr != tt.want {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and %q", tt.args, code, stdout, stderr, tt.want)
		}
	}
}

// TestVersionCommand: `mockwsus version` names the module and the Go
// version; --json has the same in camelCase.
func TestVersionCommand(t *testing.T) {
	stdout, _, code := runSplit("version")
	if code != 0 || !strings.HasPrefix(stdout, "mockwsus ") || !strings.Contains(stdout, "module  github.com/wsusmock/wsusmock") || !strings.Contains(stdout, "go      go1.") {
		t.Errorf("version: exit %d\n%s", code, stdout)
	}
	stdout, _, code = runSplit("version", "--json")
	var info cli.BuildInfo
	if err := json.Unmarshal([]byte(stdout), &info); code != 0 || err != nil || info.Module != "github.com/wsusmock/wsusmock" || !strings.HasPrefix(info.GoVersion, "go1.") {
		t.Errorf("version --json: exit %d, %v\n%s", code, err, stdout)
	}
}
