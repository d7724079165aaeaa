package sdlog_test

import (
	"bytes"
	"os"
	"path/filepath"
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
// or skips the test when no copy is available.
func advisoryServerLines(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(shared.SeedDir(), "*.txt"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil || !bytes.Contains(b, []byte("954960")) || !bytes.Contains(b, []byte("Key being added")) {
			continue
		}
		var lines []string
		for _, l := range strings.Split(string(b), "\n") {
			l = collapse(l)
			if (strings.HasPrefix(l, "2008-06-14 ") && strings.Contains(l, " UTC ")) || strings.HasPrefix(l, "at ") {
				lines = append(lines, l)
			}
		}
		if len(lines) == 0 {
			t.Fatalf("%s mentions the advisory but holds no server log lines", f)
		}
		return lines
	}
	t.Skipf("no copy of Security Advisory 954960 in %s (set WSUSMOCK_SEED_DIR); advisory comparison skipped", shared.SeedDir())
	return nil
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
