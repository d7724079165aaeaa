package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"mockwsus: version \"x\" is bad":                    "version \"x\" is bad",
		"--profile: profile: \"x\" is neither":              "--profile: \"x\" is neither",
		"scenarios: kb: step 1: clientsim: server: refused": "kb: step 1: server: refused",
		"open x: no such file":                              "open x: no such file",
		"mockwsus":                                          "mockwsus",
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParse(t *testing.T) {
	c := NewCommand("p", "c", "ARGS", "s", "0")
	v := c.Flags.Bool("v", false, "")
	pos, err := c.Parse([]string{"a", "-v", "b", "--", "-x", "c"}, nil)
	if err != nil || !*v || strings.Join(pos, ",") != "a,b,-x,c" {
		t.Errorf("Parse = %q, %v (v %t); want a,b,-x,c with v", pos, err, *v)
	}
	var out bytes.Buffer
	if _, err := NewCommand("p", "c", "", "sum", "0 ok").Parse([]string{"--help"}, &out); !errors.Is(err, flag.ErrHelp) || !strings.HasPrefix(out.String(), "usage: p c\n\nsum\n") {
		t.Errorf("--help: %v, %q", err, out.String())
	}
}

func TestReport(t *testing.T) {
	tests := []struct {
		err  error
		code int
		msg  string
	}{
		{nil, 0, ""},
		{flag.ErrHelp, 0, ""},
		{&UsageError{Cmd: "p c", Msg: "mockwsus: bad"}, 2, "p c: bad (run 'p c --help')\n"},
		{Exit(1), 1, ""},
		{Found(fmt.Errorf("bench: %d failed", 3)), 1, "p: 3 failed\n"},
		{fmt.Errorf("clientsim: down"), 2, "p: down\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if code := Report("p", tt.err, &b); code != tt.code || b.String() != tt.msg {
			t.Errorf("Report(%v) = %d %q, want %d %q", tt.err, code, b.String(), tt.code, tt.msg)
		}
	}
}

func TestBuildInfoText(t *testing.T) {
	var b bytes.Buffer
	BuildInfo{Program: "p", Module: "m", Version: "v1.2.3", Commit: "abc", CommitTime: "2026-12-07T00:00:00Z", Modified: true, GoVersion: "go1.26.8", Platform: "linux/amd64"}.WriteText(&b)
	want := "p v1.2.3\nmodule  m\ncommit  abc (2026-12-07T00:00:00Z), with uncommitted changes\ngo      go1.26.8 linux/amd64\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
	b.Reset()
	BuildInfo{Program: "p", Module: "m", Version: "(devel)", GoVersion: "go1.26.8", Platform: "linux/amd64"}.WriteText(&b)
	if !strings.Contains(b.String(), "commit  unknown (built without VCS information") {
		t.Errorf("without VCS: %q", b.String())
	}
}
