package sdlog_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/internal/clock"
	"github.com/wsusmock/wsusmock/internal/shared"
	"github.com/wsusmock/wsusmock/mockwsus/sdlog"
)

// collapse turns every run of whitespace into one space, as the advisory's
// rendering did.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// advisoryServerLines returns the advisory's SoftwareDistribution.log lines
// (the two records and the stack frames it kept) with whitespace collapsed,
// or skips the test when the shared folder is absent.
func advisoryServerLines(t *testing.T) []string {
	t.Helper()
	a := shared.LoadAdvisory(t)
	var lines []string
	for _, l := range strings.Split(a.Page, "\n") {
		l = collapse(l)
		if (strings.HasPrefix(l, "2008-06-14 ") && strings.Contains(l, " UTC ")) || strings.HasPrefix(l, "at ") {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		t.Fatalf("%s mentions the advisory but holds no server log lines", a.Path)
	}
	return lines
}

// TestAdvisoryServerLines checks that the KB954960 block, at the advisory's
// time and thread, contains every server line the advisory quotes once
// whitespace is collapsed (the advisory elided the ASP.NET frames).
func TestAdvisoryServerLines(t *testing.T) {
	want := advisoryServerLines(t)
	var buf bytes.Buffer
	w := sdlog.New(&buf, clock.NewVirtual(serverStart, 0))
	kb954960Block(w)

	got := make(map[string]bool)
	for _, l := range strings.Split(buf.String(), "\r\n") {
		got[collapse(l)] = true
	}
	for _, l := range want {
		if !got[l] {
			t.Errorf("advisory line missing from output:\n  %s\noutput:\n%s", l, buf.String())
		}
	}
	if len(want) != 9 {
		t.Errorf("found %d advisory server lines, want 9 (did the seed change?)", len(want))
	}
}
