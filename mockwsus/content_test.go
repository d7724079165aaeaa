package mockwsus_test

import (
	"bytes"
	"crypto/sha1"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/mockwsus"
)

// contentURLPath is the /Content/ path of a file of revision rev, as
// GetExtendedUpdateInfo and GetFileLocations give it.
func contentURLPath(t *testing.T, h *harness, rev int32) (string, []byte) {
	t.Helper()
	f := h.srv.Catalog().ByRevision(rev).Files[0]
	sum := fmt.Sprintf("%X", f.SHA1)
	return fmt.Sprintf("/Content/%s/%s.exe", sum[38:], sum), f.Data
}

func TestContent(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	path, data := contentURLPath(t, h, 8001)
	n := len(data)
	get := func(method, path, rng string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, h.http.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		resp, err := h.http.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}

	t.Run("whole file", func(t *testing.T) {
		resp, body := get(http.MethodGet, path, "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: HTTP %d %s", path, resp.StatusCode, body)
		}
		sum := sha1.Sum(body)
		if !strings.Contains(strings.ToUpper(path), fmt.Sprintf("%X", sum)) {
			t.Errorf("SHA-1 of the served file is %X, the path names %s", sum, path)
		}
		if resp.Header.Get("Content-Type") != "application/octet-stream" || resp.Header.Get("Accept-Ranges") != "bytes" || resp.Header.Get("Last-Modified") == "" {
			t.Errorf("headers %v, want application/octet-stream, Accept-Ranges bytes, Last-Modified", resp.Header)
		}
	})
	t.Run("lower-case path", func(t *testing.T) {
		resp, body := get(http.MethodGet, strings.ToLower(path), "")
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, data) {
			t.Errorf("GET %s: HTTP %d, %d bytes; IIS paths are case-insensitive", strings.ToLower(path), resp.StatusCode, len(body))
		}
	})
	ranges := []struct {
		name, header     string
		first, last      int
		wantContentRange string
	}{
		{"first bytes", "bytes=0-99", 0, 99, fmt.Sprintf("bytes 0-99/%d", n)},
		{"middle", "bytes=1000-1999", 1000, 1999, fmt.Sprintf("bytes 1000-1999/%d", n)},
		{"suffix", "bytes=-100", n - 100, n - 1, fmt.Sprintf("bytes %d-%d/%d", n-100, n-1, n)},
		{"open end", fmt.Sprintf("bytes=%d-", n-10), n - 10, n - 1, fmt.Sprintf("bytes %d-%d/%d", n-10, n-1, n)},
		{"final range as the native client asks it", fmt.Sprintf("bytes=%d-%d", n-272, n-1), n - 272, n - 1, fmt.Sprintf("bytes %d-%d/%d", n-272, n-1, n)},
		{"past the end is clipped", fmt.Sprintf("bytes=%d-%d", n-5, n+1000), n - 5, n - 1, fmt.Sprintf("bytes %d-%d/%d", n-5, n-1, n)},
	}
	for _, r := range ranges {
		t.Run("range "+r.name, func(t *testing.T) {
			resp, body := get(http.MethodGet, path, r.header)
			if resp.StatusCode != http.StatusPartialContent {
				t.Fatalf("Range %s: HTTP %d, want 206", r.header, resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Range"); got != r.wantContentRange {
				t.Errorf("Range %s: Content-Range %q, want %q", r.header, got, r.wantContentRange)
			}
			if !bytes.Equal(body, data[r.first:r.last+1]) {
				t.Errorf("Range %s: got %d bytes that are not bytes %d-%d of the file", r.header, len(body), r.first, r.last)
			}
		})
	}
	t.Run("unsatisfiable range", func(t *testing.T) {
		resp, _ := get(http.MethodGet, path, fmt.Sprintf("bytes=%d-", n+10))
		if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable || resp.Header.Get("Content-Range") != fmt.Sprintf("bytes */%d", n) {
			t.Errorf("HTTP %d Content-Range %q, want 416 bytes */%d", resp.StatusCode, resp.Header.Get("Content-Range"), n)
		}
	})
	t.Run("HEAD", func(t *testing.T) {
		resp, body := get(http.MethodHead, path, "")
		if resp.StatusCode != http.StatusOK || resp.ContentLength != int64(n) || len(body) != 0 {
			t.Errorf("HEAD: HTTP %d Content-Length %d body %d bytes, want 200, %d, empty", resp.StatusCode, resp.ContentLength, len(body), n)
		}
	})
	t.Run("POST", func(t *testing.T) {
		resp, _ := get(http.MethodPost, path, "")
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("POST: HTTP %d Allow %q, want 405 with Allow: GET, HEAD", resp.StatusCode, resp.Header.Get("Allow"))
		}
	})

	wrongDir := "/Content/00/" + path[len("/Content/XX/"):]
	if strings.HasPrefix(path, "/Content/00/") {
		wrongDir = "/Content/01/" + path[len("/Content/XX/"):]
	}
	missing := fmt.Sprintf("/Content/%s/%s.exe", "AB", strings.Repeat("0", 38)+"AB")
	for _, p := range []string{
		wrongDir,
		missing,
		"/Content/" + path[len("/Content/XX/"):],
		path + "/x",
		"/Content/",
		"/Content/../../etc/passwd",
		"/Content/%2e%2e/%2e%2e/etc/passwd",
		"/Content/..%2f..%2fetc%2fpasswd",
		"/Content/" + path[len("/Content/"):len("/Content/XX/")] + "..%5c..%5cwindows%5cwin.ini",
		"/selfupdate/../Content/../etc/passwd",
		"/SelfUpdate/%2e%2e/%2e%2e/etc/passwd",
	} {
		t.Run("404 "+p, func(t *testing.T) {
			resp, body := get(http.MethodGet, p, "")
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: HTTP %d, want 404", p, resp.StatusCode)
			}
			if bytes.Contains(body, []byte("root:")) || bytes.Equal(body, data) {
				t.Errorf("GET %s served content", p)
			}
		})
	}

	t.Run("self-update", func(t *testing.T) {
		resp, body := get(http.MethodGet, "/selfupdate/wuident.cab", "")
		if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(body, []byte("MSCF")) || resp.Header.Get("Content-Type") != "application/vnd.ms-cab-compressed" {
			t.Errorf("GET /selfupdate/wuident.cab: HTTP %d, %q..., %v; want 200 and a cabinet", resp.StatusCode, body[:min(4, len(body))], resp.Header)
		}
		resp2, body2 := get(http.MethodGet, "/SelfUpdate/WUIDENT.CAB", "")
		if resp2.StatusCode != http.StatusOK || !bytes.Equal(body, body2) {
			t.Errorf("GET /SelfUpdate/WUIDENT.CAB: HTTP %d, want the same file case-insensitively", resp2.StatusCode)
		}
		if resp, _ := get(http.MethodGet, "/selfupdate/other.cab", ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET /selfupdate/other.cab: HTTP %d, want 404", resp.StatusCode)
		}
	})

	// Every content request is journalled with the status it got.
	for _, e := range exchanges(h.srv) {
		if e.Status == 0 || e.Outcome != "http" {
			t.Errorf("journal entry %+v has no status", e)
		}
	}
}

// The journal records the status ServeContent chose, not a guess from the
// request's headers.
func TestContentJournalStatus(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	path, data := contentURLPath(t, h, 8001)
	tests := []struct {
		name   string
		header http.Header
		want   int
	}{
		{"whole", nil, 200},
		{"range", http.Header{"Range": {"bytes=0-9"}}, 206},
		{"unsatisfiable range", http.Header{"Range": {fmt.Sprintf("bytes=%d-", len(data)+1)}}, 416},
		{"If-Range that does not match", http.Header{"Range": {"bytes=0-9"}, "If-Range": {"Mon, 01 Jan 2001 00:00:00 GMT"}}, 200},
		{"not modified", http.Header{"If-Modified-Since": {"Mon, 01 Jan 2035 00:00:00 GMT"}}, 304},
	}
	for _, tt := range tests {
		rec := h.serve(http.MethodGet, path, tt.header, nil)
		entries := h.srv.Journal().Entries()
		last := entries[len(entries)-1]
		if rec.Code != tt.want || last.Status != tt.want {
			t.Errorf("%s: HTTP %d, journal %d; want %d for both", tt.name, rec.Code, last.Status, tt.want)
		}
	}
	rec := h.serve(http.MethodGet, "/selfupdate/wuident.cab", http.Header{"Range": {"bytes=0-3"}}, nil)
	entries := h.srv.Journal().Entries()
	if last := entries[len(entries)-1]; rec.Code != 206 || last.Status != 206 || rec.Body.String() != "MSCF" {
		t.Errorf("self-update range: HTTP %d %q, journal %d; want 206 MSCF", rec.Code, rec.Body, last.Status)
	}
}
