package mockwsus

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// contentPath is /Content/<last two hex digits>/<SHA-1 hex>.<ext>, the layout
// of a WSUS content directory. Files are looked up by digest in the catalog,
// never by path, so no request can reach outside it.
var contentPath = regexp.MustCompile(`(?i)^/content/([0-9a-f]{2})/([0-9a-f]{40})(\.[a-z0-9]{1,8})?$`)

// serveContent serves update payloads, with Range requests (BITS downloads
// in pieces).
func (s *Server) serveContent(w http.ResponseWriter, r *http.Request) {
	entry := Entry{Time: s.clk.Now(), Path: r.URL.Path, Operation: "Content " + r.Method, Outcome: "http"}
	defer func() { s.record(r, entry) }()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		entry.Status = http.StatusMethodNotAllowed
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "mockwsus: content is served to GET and HEAD only", http.StatusMethodNotAllowed)
		return
	}
	m := contentPath.FindStringSubmatch(r.URL.Path)
	if m == nil || !strings.EqualFold(m[1], m[2][38:]) {
		entry.Status = http.StatusNotFound
		http.Error(w, "mockwsus: not a content path (want /Content/XX/<40 hex digits>.ext)", http.StatusNotFound)
		return
	}
	f, ok := s.Catalog().File(m[2])
	if !ok {
		entry.Status = http.StatusNotFound
		http.Error(w, "mockwsus: no update file has digest "+m[2], http.StatusNotFound)
		return
	}
	entry.Detail = f.Name
	w.Header().Set("Content-Type", "application/octet-stream")
	sw := &statusWriter{ResponseWriter: w}
	http.ServeContent(sw, r, f.Name, f.Modified, bytes.NewReader(f.Data))
	entry.Status = sw.Status()
}

// statusWriter remembers the status http.ServeContent chose (200, 206, 304,
// 412, 416), or an injected fault answered with (0 when it answered
// nothing), so the journal records what was sent rather than a guess.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (Flush and
// Hijack, which the transport fault injections use).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Status is the status sent, 200 if none was written yet.
func (w *statusWriter) Status() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// selfUpdateFiles are the files a WSUS 3.0 self-update tree offers; the
// agent fetches wuident.cab to decide whether it must update itself.
var selfUpdateFiles = []string{"wuident.cab", "iuident.cab"}

func (s *Server) serveSelfUpdate(w http.ResponseWriter, r *http.Request) {
	entry := Entry{Time: s.clk.Now(), Path: r.URL.Path, Operation: "SelfUpdate " + r.Method, Outcome: "http"}
	defer func() { s.record(r, entry) }()
	name := strings.ToLower(strings.TrimPrefix(strings.ToLower(r.URL.Path), "/selfupdate/"))
	for _, f := range selfUpdateFiles {
		if name == f {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				entry.Status = http.StatusMethodNotAllowed
				w.Header().Set("Allow", "GET, HEAD")
				http.Error(w, "mockwsus: GET or HEAD only", http.StatusMethodNotAllowed)
				return
			}
			// A signed cabinet whose wuident.txt tells the agent to skip
			// self-update (SelfUpdateCabinet).
			data, err := SelfUpdateCabinet(s.cfg.Seed, f)
			if err != nil {
				entry.Status = http.StatusInternalServerError
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "application/vnd.ms-cab-compressed")
			sw := &statusWriter{ResponseWriter: w}
			http.ServeContent(sw, r, f, time.Date(2008, 4, 1, 0, 0, 0, 0, time.UTC), bytes.NewReader(data))
			entry.Status = sw.Status()
			return
		}
	}
	entry.Status = http.StatusNotFound
	http.Error(w, "mockwsus: no self-update file "+name, http.StatusNotFound)
}
