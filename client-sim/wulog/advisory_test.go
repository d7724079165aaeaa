package wulog_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/client-sim/wulog"
	"github.com/wsusmock/wsusmock/internal/clock"
	"github.com/wsusmock/wsusmock/internal/shared"
)

// advisoryClientLines returns the client log lines of the advisory with
// whitespace collapsed, or skips the test when the shared folder is absent.
func advisoryClientLines(t *testing.T) []string {
	t.Helper()
	a := shared.LoadAdvisory(t)
	var lines []string
	for _, l := range strings.Split(a.Page, "\n") {
		l = collapse(l)
		if strings.HasPrefix(l, "2008-06-13 ") && strings.Contains(l, " PT ") {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		t.Fatalf("%s mentions the advisory but holds no client log lines", a.Path)
	}
	return lines
}

// collapse turns every run of whitespace into one space, as the advisory's
// rendering did, and undoes the rendering's rewriting of http:// links to
// https:// (the KB954960 text itself has http:// in both the Server URL and
// the Method line).
func collapse(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "https://", "http://")
}

// TestAdvisoryClientLines checks that the classic KB954960 block, with the
// advisory's times, PID and TID, contains every client line the advisory
// quotes, once whitespace is collapsed.
func TestAdvisoryClientLines(t *testing.T) {
	want := advisoryClientLines(t)

	var buf bytes.Buffer
	clk := clock.NewVirtual(clock.DefaultStart, 0) // 2008-06-13 19:59:53.383
	w := wulog.New(&buf, wulog.Classic, clk, 0x788, 0xee4)
	w.SyncBanner("server updates", wulog.WSUSServiceID, "http://<WSUS Server>/ClientWebService/client.asmx")
	clk.Set(time.Date(2008, 6, 13, 19, 59, 56, 617_000_000, time.UTC))
	w.SOAPFault("SyncUpdates", wulog.NewFaultInfo(wulog.Classic, "soap:Server", "Fault occurred",
		"InternalServerError", "", syncMethod, faultID), 200)

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
		t.Errorf("found %d advisory client lines, want 9 (did the seed change?)", len(want))
	}
}
