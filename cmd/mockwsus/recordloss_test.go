package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A recording the disk refuses (here its folder is gone, which fails for
// root too) is not lost silently either: stderr says so at once, /healthz
// answers 503 naming it, and run ends with an error naming it, so the
// process exits nonzero.
func TestLostRecordingIsReported(t *testing.T) {
	rec := filepath.Join(t.TempDir(), "capture")
	var stderr lockedBuffer
	url, admin, stop := startBothTo(t, &stderr, "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--record", rec)
	if err := os.RemoveAll(rec); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(url + "/selfupdate/wuident.cab")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the client's answer suffered from the recording: HTTP %d", resp.StatusCode)
	}
	waitFor(t, "the recording failure on stderr", 10*time.Second, func() bool {
		return strings.Contains(stderr.String(), "recording: capture: exchange 000001")
	})
	resp, err = http.Get(admin + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "recording: capture: exchange 000001") {
		t.Errorf("/healthz: HTTP %d %q, want 503 naming the recording", resp.StatusCode, body)
	}
	if err := stop(); err == nil || !strings.Contains(err.Error(), "recording: capture: exchange 000001") {
		t.Errorf("run: %v, want an error naming the lost recording", err)
	}
}
