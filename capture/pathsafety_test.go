package capture

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writeOne writes one small exchange into a new capture directory and
// returns the directory and the exchange's folder.
func writeOne(t *testing.T) (string, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "capture")
	w, err := NewWriter(dir, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := w.Write(Exchange{
		Request:  Request{Method: "POST", Target: "/ClientWebService/client.asmx", Proto: "HTTP/1.1", Header: Header{{"Host", "wsus01:8530"}}, Body: []byte("<request/>")},
		Response: Response{Proto: "HTTP/1.1", StatusCode: 200, Reason: "OK", Header: Header{{"Content-Type", "text/xml"}}, Body: []byte("<answer/>")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Read(dir); err != nil {
		t.Fatalf("the untouched capture does not read: %v", err)
	}
	return dir, filepath.Join(dir, ex.Name)
}

// A capture folder is data from elsewhere (a colleague's upload, a HAR
// import): Read follows no symbolic link out of it, reads no FIFO or
// device, and takes no file larger than MaxFileSize.
func TestReadRefusesLinksAndSpecialFiles(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("password"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		tamper  func(t *testing.T, dir, folder string)
		wantErr string
	}{
		{"exchange folder is a link to a directory outside", func(t *testing.T, dir, folder string) {
			if err := os.Symlink(filepath.Dir(secret), filepath.Join(dir, "000099")); err != nil {
				t.Fatal(err)
			}
		}, "is a symbolic link"},
		{"exchange folder is a link to ..", func(t *testing.T, dir, folder string) {
			if err := os.Symlink("..", filepath.Join(dir, "000099")); err != nil {
				t.Fatal(err)
			}
		}, "is a symbolic link"},
		{"request body is a link to a file outside", func(t *testing.T, dir, folder string) {
			replaceWithLink(t, filepath.Join(folder, FileRequestBody), secret)
		}, "not a regular file"},
		{"meta.json is a link through ..", func(t *testing.T, dir, folder string) {
			data, _ := os.ReadFile(filepath.Join(folder, FileMeta))
			os.WriteFile(filepath.Join(dir, "meta-copy.json"), data, 0o644)
			replaceWithLink(t, filepath.Join(folder, FileMeta), "../meta-copy.json")
		}, "not a regular file"},
		{"response headers are a directory", func(t *testing.T, dir, folder string) {
			os.Remove(filepath.Join(folder, FileResponseHeaders))
			os.Mkdir(filepath.Join(folder, FileResponseHeaders), 0o755)
		}, "not a regular file"},
		{"response body is a FIFO", func(t *testing.T, dir, folder string) {
			if runtime.GOOS == "windows" {
				t.Skip("no FIFOs")
			}
			os.Remove(filepath.Join(folder, FileResponseBody))
			if err := syscall.Mkfifo(filepath.Join(folder, FileResponseBody), 0o644); err != nil {
				t.Skip(err)
			}
		}, "not a regular file"},
		{"request body larger than MaxFileSize", func(t *testing.T, dir, folder string) {
			if err := os.Truncate(filepath.Join(folder, FileRequestBody), MaxFileSize+1); err != nil {
				t.Fatal(err)
			}
		}, "more than the"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, folder := writeOne(t)
			tt.tamper(t, dir, folder)
			done := make(chan error, 1)
			go func() {
				_, err := Read(dir)
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Read = %v, want an error saying %q", err, tt.wantErr)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Read hangs")
			}
		})
	}
}

func replaceWithLink(t *testing.T, path, target string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
}

// Exchange names from a HAR file or a caller become folder names: none may
// climb out of the capture directory.
func TestExchangeNamesStayInside(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "capture")
	w, err := NewWriter(dir, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"..", "../x", "a/../../x", `..\x`, ".hidden", "", "/abs", "x/y"} {
		if err := w.claim(name); err == nil {
			t.Errorf("claim(%q) accepted", name)
		}
	}
	har := `{"log":{"entries":[{"_exchange":"../escaped","request":{"method":"GET","url":"http://wsus01:8530/selfupdate/wuident.cab","httpVersion":"HTTP/1.1","headers":[]},"response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","headers":[],"content":{"text":"x"}}}]}}`
	out := filepath.Join(t.TempDir(), "imported")
	if _, err := ImportHAR(strings.NewReader(har), out); err == nil || !strings.Contains(err.Error(), "cannot be an exchange folder name") {
		t.Errorf("ImportHAR with _exchange ../escaped: %v", err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(out), "escaped")); err == nil {
		t.Error("ImportHAR wrote outside its directory")
	}
}
