package detect_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/detect"
)

// scanFiles writes files (name → content) into a fresh directory, scans it
// and returns the report.
func scanFiles(t *testing.T, files map[string]string) *detect.Report {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := detect.Scan([]string{dir})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return r
}

// readFile returns a testdata file's text.
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// renderings returns text as written and as people paste it: LF line
// ends; white space collapsed with a blank line between lines (the
// advisory's rendering); the same with https:// URLs.
func renderings(text string) map[string]string {
	lf := strings.ReplaceAll(text, "\r\n", "\n")
	var lines []string
	for _, l := range strings.Split(lf, "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	collapsed := strings.Join(lines, "\n\n") + "\n"
	return map[string]string{
		"as-written":      text,
		"lf":              lf,
		"collapsed":       collapsed,
		"collapsed-https": strings.ReplaceAll(collapsed, "http://", "https://"),
	}
}

// summary is what table tests compare: the overall verdict, the sides of
// each incident, the fault IDs, and how many findings were dismissed.
type summary struct {
	verdict   detect.Verdict
	incidents int
	faultIDs  string
	sides     string
	dismissed int
}

func summarize(r *detect.Report) summary {
	s := summary{verdict: r.Verdict, incidents: len(r.Incidents), dismissed: len(r.Dismissed)}
	var ids, sides []string
	for _, in := range r.Incidents {
		ids = append(ids, in.FaultID)
		var ss []string
		for _, side := range in.Sides {
			ss = append(ss, string(side))
		}
		sides = append(sides, strings.Join(ss, "+"))
	}
	s.faultIDs = strings.Join(ids, ",")
	s.sides = strings.Join(sides, ",")
	return s
}

// checkDetected fails unless r.Detected and the exit status agree with
// the verdict.
func checkDetected(t *testing.T, r *detect.Report) {
	t.Helper()
	if r.Detected != r.Verdict.Firm() {
		t.Errorf("Detected = %v with verdict %s", r.Detected, r.Verdict)
	}
	want := map[detect.Verdict]int{detect.VerdictConfirmed: detect.ExitFound, detect.VerdictProbable: detect.ExitFound,
		detect.VerdictPossible: detect.ExitPossible, detect.VerdictNone: detect.ExitNotFound}[r.Verdict]
	if r.ExitCode() != want {
		t.Errorf("ExitCode() = %d, want %d", r.ExitCode(), want)
	}
}
