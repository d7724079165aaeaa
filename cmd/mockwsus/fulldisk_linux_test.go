package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	clientsim "github.com/wsusmock/wsusmock/client-sim"
)

// A full disk under --log-dir loses SoftwareDistribution.log records and
// journal lines, and the real binary says so three ways: on stderr when it
// happens, on GET /healthz (503, naming both files), and with a nonzero
// exit status after SIGTERM. The disk is /dev/full behind the log files
// (every write fails with ENOSPC), and a 64 KiB tmpfs filled to the brim
// when this test may mount one (root); the tmpfs variant is skipped where
// mounting is not permitted.
func TestFullDiskIsReportedByTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the mockwsus binary")
	}
	bin := filepath.Join(t.TempDir(), "mockwsus")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	tests := []struct {
		name    string
		logDirs func(t *testing.T) string
	}{
		{"/dev/full", func(t *testing.T) string {
			dir := t.TempDir()
			for _, f := range []string{"SoftwareDistribution.log", "journal.jsonl"} {
				if err := os.Symlink("/dev/full", filepath.Join(dir, f)); err != nil {
					t.Fatal(err)
				}
			}
			return dir
		}},
		{"a full tmpfs", func(t *testing.T) string {
			dir := t.TempDir()
			if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64k"); err != nil {
				t.Skipf("cannot mount a tmpfs here (%v): the /dev/full variant covers the full disk", err)
			}
			t.Cleanup(func() {
				if err := syscall.Unmount(dir, 0); err != nil {
					t.Errorf("unmounting the tmpfs: %v", err)
				}
			})
			filler, err := os.Create(filepath.Join(dir, "filler"))
			if err != nil {
				t.Fatal(err)
			}
			defer filler.Close()
			block := make([]byte, 4096)
			for {
				if _, err := filler.Write(block); err != nil {
					if !errors.Is(err, syscall.ENOSPC) {
						t.Fatalf("filling the tmpfs: %v", err)
					}
					break
				}
			}
			return dir
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.logDirs(t)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0",
				"--behaviour", "kb954960=buggy", "--log-dir", dir, "--drain", "2s")
			var stderr lockedBuffer
			cmd.Stderr = &stderr
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			t.Cleanup(func() {
				cmd.Process.Kill()
				<-done
			})
			var url, admin string
			sc := bufio.NewScanner(stdout)
			for sc.Scan() && (url == "" || admin == "") {
				if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
					url = u
				}
				if u, ok := strings.CutPrefix(sc.Text(), "admin on "); ok {
					admin = u
				}
			}
			go io.Copy(io.Discard, stdout)
			if url == "" || admin == "" {
				t.Fatalf("mockwsus did not start:\n%s", stderr.String())
			}

			// The Office 2003 computer's sync fails on the buggy server,
			// which logs the exception: the log's write fails.
			if res := syncOffice(t, url); res.HResult != clientsim.HRSoapServer {
				t.Fatalf("sync: %s, want 0x8024400E", res.HResult)
			}
			waitFor(t, "stderr naming both files", 10*time.Second, func() bool {
				s := stderr.String()
				return strings.Contains(s, "SoftwareDistribution.log: sdlog: write") && strings.Contains(s, "journal sink: journal: write") &&
					strings.Contains(s, "no space left on device")
			})

			resp, err := http.Get(admin + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "SoftwareDistribution.log") ||
				!strings.Contains(string(body), "journal sink") || !strings.Contains(string(body), "no space left on device") {
				t.Errorf("/healthz: HTTP %d %q, want 503 naming both files", resp.StatusCode, body)
			}

			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			var exitErr *exec.ExitError
			select {
			case err := <-done:
				done <- err // for the cleanup
				if !errors.As(err, &exitErr) || exitErr.ExitCode() == 0 {
					t.Errorf("mockwsus exited with %v after losing data, want a nonzero status", err)
				}
			case <-ctx.Done():
				t.Fatal("mockwsus did not exit within 60 s of SIGTERM")
			}
			if !strings.Contains(stderr.String(), "data lost") {
				t.Errorf("stderr at exit does not say data was lost:\n%s", stderr.String())
			}
		})
	}
}
