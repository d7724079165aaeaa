package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	clientsim "github.com/wsusmock/wsusmock/client-sim"
)

// TestHARRoundTrip: a recording exported as HAR, imported back, and
// replayed from the .har file itself answers the agent with the recorded
// fault.
func TestHARRoundTrip(t *testing.T) {
	tmp := t.TempDir()
	rec := filepath.Join(tmp, "rec")
	url, stop := start(t, "--addr", "127.0.0.1:0", "--admin-addr", "", "--record", rec)
	res := syncOffice(t, url)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if res.HResult != clientsim.HRSoapServer || res.Fault == nil {
		t.Fatalf("recording: %s", res.HResult)
	}
	har := filepath.Join(tmp, "rec.har")
	if stdout, stderr, code := runSplit("har", "export", rec, har); code != 0 || !strings.Contains(stdout, "exported ") {
		t.Fatalf("har export: exit %d, %s%s", code, stdout, stderr)
	}
	var doc struct {
		Log struct {
			Version string            `json:"version"`
			Entries []json.RawMessage `json:"entries"`
		} `json:"log"`
	}
	data, _ := os.ReadFile(har)
	recorded, _ := os.ReadDir(rec)
	if err := json.Unmarshal(data, &doc); err != nil || doc.Log.Version != "1.2" || len(doc.Log.Entries) != len(recorded) {
		t.Fatalf("exported HAR: %v, version %q, %d entries for %d exchanges", err, doc.Log.Version, len(doc.Log.Entries), len(recorded))
	}
	// To standard output without a file.
	if stdout, _, code := runSplit("har", "export", rec); code != 0 || stdout != string(data) {
		t.Errorf("har export to standard output: exit %d, %d bytes, want the file's %d", code, len(stdout), len(data))
	}
	imported := filepath.Join(tmp, "imported")
	if stdout, stderr, code := runSplit("har", "import", har, imported); code != 0 || !strings.Contains(stdout, "imported ") {
		t.Fatalf("har import: exit %d, %s%s", code, stdout, stderr)
	}
	if back, _ := os.ReadDir(imported); len(back) != len(recorded) {
		t.Errorf("imported %d exchanges, recorded %d", len(back), len(recorded))
	}
	for _, from := range []string{har, imported} {
		// The mock behind the replay is fixed and seeded otherwise: only
		// the capture can answer with the recorded fault.
		url, stop := start(t, "--addr", "127.0.0.1:0", "--admin-addr", "", "--replay", from, "--wsus-version", "3.1.6001.66", "--seed", "99")
		again := syncOffice(t, url)
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		if again.Fault == nil || again.Fault.ID != res.Fault.ID {
			t.Errorf("--replay %s answered %s %+v, want the recorded fault %s", from, again.HResult, again.Fault, res.Fault.ID)
		}
	}
}

// TestHARBadInput: the HAR commands refuse bad input with exit 2.
func TestHARBadInput(t *testing.T) {
	notHAR := filepath.Join(t.TempDir(), "x.har")
	os.WriteFile(notHAR, []byte("{not json"), 0o644)
	notCapture := filepath.Join(t.TempDir(), "capture.txt")
	os.WriteFile(notCapture, []byte("x"), 0o644)
	for _, args := range [][]string{
		{"har"},
		{"har", "frob"},
		{"har", "import", notHAR},
		{"har", "import", notHAR, t.TempDir()},
		{"har", "export"},
		{"har", "export", filepath.Join(t.TempDir(), "missing")},
		{"--replay", notHAR, "--addr", "127.0.0.1:0", "--admin-addr", ""},
		{"--replay", notCapture, "--addr", "127.0.0.1:0", "--admin-addr", ""},
	} {
		if _, stderr, code := runSplit(args...); code != 2 || stderr == "" {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and a message", args, code, stderr)
		}
	}
	if stdout, _, code := runSplit("help", "har"); code != 0 || !strings.HasPrefix(stdout, "usage: mockwsus har import") {
		t.Errorf("help har: exit %d, %q", code, stdout)
	}
}
