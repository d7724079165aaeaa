package mockwsus

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// health collects what the server failed to keep: SoftwareDistribution.log
// records and journal lines its files refused (a full disk), and whatever
// its owner reports through ReportFailure (recordings, exports). Data lost
// is never silent: the first failure of each source is logged (Logf, stderr
// in cmd/mockwsus), GET /healthz answers 503 naming every source, and
// cmd/mockwsus exits nonzero at shutdown.
type health struct {
	mu      sync.Mutex
	order   []string
	sources map[string]*failure
}

// failure is one source's first error and how many things it lost.
type failure struct {
	err  error
	lost int
}

// Sources of the failures the server detects itself.
const (
	sourceSDLog   = "SoftwareDistribution.log"
	sourceJournal = "journal sink"
)

// fail records that source lost something (lost is the source's running
// count when it keeps one, 0 to count one more) and logs the source's
// first failure.
func (s *Server) fail(source string, err error, lost int) {
	s.health.mu.Lock()
	if s.health.sources == nil {
		s.health.sources = map[string]*failure{}
	}
	f := s.health.sources[source]
	first := f == nil
	if first {
		f = &failure{err: err}
		s.health.sources[source] = f
		s.health.order = append(s.health.order, source)
	}
	if lost > 0 {
		f.lost = lost
	} else {
		f.lost++
	}
	s.health.mu.Unlock()
	if first {
		s.cfg.Logf("mockwsus: %s: %v: data is being lost (GET /healthz reports it; the process will exit nonzero)", source, err)
	}
}

// ReportFailure records that something the server's owner runs beside it
// failed to keep data (a recording, an export): GET /healthz turns
// unhealthy and Health names it. The first failure of each source is
// logged with Logf.
func (s *Server) ReportFailure(source string, err error) {
	if err != nil {
		s.fail(source, err, 0)
	}
}

// Health returns nil while nothing was lost, or an error naming each source
// that lost data, its first error and how much it lost.
func (s *Server) Health() error {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	var errs []error
	for _, source := range s.health.order {
		f := s.health.sources[source]
		errs = append(errs, fmt.Errorf("%s: %w (%d lost)", source, f.err, f.lost))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("mockwsus: data lost: %w", errors.Join(errs...))
}

// serveHealthz is GET /healthz: 200 "ok" while nothing was lost, else 503
// with the reasons, one per line. The reasons are file and error texts,
// never a secret (the admin token is in none of them).
func (s *Server) serveHealthz(w http.ResponseWriter, _ *http.Request) {
	err := s.Health()
	if err == nil {
		io.WriteString(w, "ok\n")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusServiceUnavailable)
	io.WriteString(w, "unhealthy: "+strings.ReplaceAll(err.Error(), "\n", "\n  ")+"\n")
}
