package mockwsus

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"expvar"
	"fmt"
	"io"
	"net/http"
	"net/http/pprof"
	"runtime"
	"strings"

	"github.com/wsusmock/wsusmock/internal/jsonout"
	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
)

// AdminOptions configures AdminHandler.
type AdminOptions struct {
	// Token, when set, must be sent as "Authorization: Bearer <token>" with
	// every request that changes state. cmd/mockwsus requires one when the
	// admin listener is not on a loopback address.
	Token string
}

// AdminHandler returns the admin API, served on its own listener:
//
//	GET  /healthz                      "ok", or 503 naming the data lost (health.go)
//	GET  /version                      server, ClientWebService DLL and protocol versions
//	PUT  /version     {"version":"3.1.6001.66"}   switch version (behaviours follow)
//	GET  /behaviours                   every behaviour with its modes
//	GET  /behaviours/{name}            one behaviour with its modes
//	PUT  /behaviours/{name} {"mode":"fixed","group":"Workstations"}   group optional
//	GET  /approvals                    approval rows, with consistency
//	POST /approvals   {"update":"KB842532","group":"All Computers","action":"Install"}
//	POST /declines    {"update":"KB842532"}
//	GET  /computers                    registered computers
//	GET  /journal                      exchanges as JSON lines
//	GET  /events                       acknowledged reporting events (JSON)
//	POST /reset                        back to the starting state
//	GET  /metrics                      Prometheus metrics (metrics.go)
//	GET  /openapi.json                 OpenAPI 3 document of this API (openapi.go)
//	GET  /debug/vars                   expvar (memstats, cmdline)
//	GET  /debug/memory                 heap after a GC, computers, journal size
//	GET  /debug/pprof/...              Go profiles of the server
//
// Errors are JSON {"error": "...", "status": N}.
func (s *Server) AdminHandler(opts AdminOptions) http.Handler {
	mux := http.NewServeMux()
	mutate := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if opts.Token != "" {
				got, bearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
				if !bearer || subtle.ConstantTimeCompare([]byte(got), []byte(opts.Token)) != 1 {
					adminError(w, http.StatusUnauthorized, errors.New("mockwsus: this admin API needs \"Authorization: Bearer <token>\" to change state"))
					return
				}
			}
			h(w, r)
		}
	}
	mux.HandleFunc("GET /healthz", s.serveHealthz)
	mux.HandleFunc("GET /version", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.versionInfo())
	})
	setVersion := mutate(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Version string `json:"version"`
		}
		if err := decodeJSON(r, &body); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		if err := s.SetVersion(body.Version); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		writeJSON(w, http.StatusOK, s.versionInfo())
	})
	mux.HandleFunc("PUT /version", setVersion)
	mux.HandleFunc("POST /version", setVersion)
	mux.HandleFunc("GET /behaviours", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Behaviours())
	})
	mux.HandleFunc("GET /behaviours/{name}", func(w http.ResponseWriter, r *http.Request) {
		b, err := behaviour.Lookup(r.PathValue("name"))
		if err != nil {
			adminError(w, http.StatusNotFound, fmt.Errorf("mockwsus: %w", err))
			return
		}
		for _, st := range s.Behaviours() {
			if st.Name == b.Info().Name {
				writeJSON(w, http.StatusOK, st)
				return
			}
		}
		adminError(w, http.StatusNotFound, fmt.Errorf("mockwsus: behaviour %q is not registered", b.Info().Name))
	})
	setBehaviour := mutate(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Mode  string `json:"mode"`
			Group string `json:"group"`
		}
		if err := decodeJSON(r, &body); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		m, err := behaviour.ParseMode(body.Mode)
		if err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		name := r.PathValue("name")
		if err := s.SetMode(name, m, body.Group); err != nil {
			status := http.StatusBadRequest
			if strings.Contains(err.Error(), "unknown behaviour") || errors.Is(err, catalog.ErrUnknownGroup) {
				status = http.StatusNotFound
			}
			adminError(w, status, err)
			return
		}
		writeJSON(w, http.StatusOK, s.Behaviours())
	})
	mux.HandleFunc("PUT /behaviours/{name}", setBehaviour)
	mux.HandleFunc("POST /behaviours/{name}", setBehaviour)
	mux.HandleFunc("GET /approvals", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Catalog().Approvals())
	})
	mux.HandleFunc("POST /approvals", mutate(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Update string `json:"update"`
			Group  string `json:"group"`
			Action string `json:"action"`
		}
		if err := decodeJSON(r, &body); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		if body.Group == "" {
			body.Group = "All Computers"
		}
		if body.Action == "" {
			body.Action = string(catalog.ActionInstall)
		}
		d, err := s.Approve(body.Update, body.Group, body.Action)
		if err != nil {
			adminError(w, catalogStatus(err), err)
			return
		}
		writeJSON(w, http.StatusOK, d)
	}))
	mux.HandleFunc("POST /declines", mutate(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Update string `json:"update"`
		}
		if err := decodeJSON(r, &body); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		n, err := s.Decline(body.Update)
		if err != nil {
			adminError(w, catalogStatus(err), err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"update": body.Update, "removedApprovals": n})
	}))
	mux.HandleFunc("GET /computers", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Computers())
	})
	mux.HandleFunc("GET /journal", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		_ = s.journal.WriteJSONLines(w)
	})
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		evs := s.journal.Events()
		jsonout.EmptyNotNull(&evs) // [] before the first event, as documented
		writeJSON(w, http.StatusOK, evs)
	})
	mux.HandleFunc("POST /reset", mutate(func(w http.ResponseWriter, r *http.Request) {
		if err := s.Reset(); err != nil {
			adminError(w, http.StatusInternalServerError, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
	}))
	mux.Handle("GET /metrics", s.MetricsHandler())
	mux.HandleFunc("GET /openapi.json", serveOpenAPI)
	mux.Handle("GET /debug/vars", expvar.Handler())
	// pprof, so a load run can profile the server alone (the admin listener
	// is loopback-only unless a token is set).
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("GET /debug/memory", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.MemoryStats())
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		adminError(w, http.StatusNotFound, fmt.Errorf("mockwsus: no admin endpoint %s %s (see GET /healthz, /version, /behaviours, /approvals, /computers, /journal, /events)", r.Method, r.URL.Path))
	})
	return mux
}

// MemoryStats is what GET /debug/memory answers: the heap after a garbage
// collection, and what the server holds, so load runs can tell memory per
// computer from garbage.
type MemoryStats struct {
	HeapAllocBytes uint64 `json:"heapAllocBytes"`
	HeapInuseBytes uint64 `json:"heapInuseBytes"`
	SysBytes       uint64 `json:"sysBytes"`
	Mallocs        uint64 `json:"mallocs"`
	Goroutines     int    `json:"goroutines"`
	Computers      int    `json:"computers"`
	JournalEntries int    `json:"journalEntries"`
	JournalSeq     uint64 `json:"journalSeq"`
	Events         int    `json:"events"`
	// Requests counts the HTTP requests served so far; InFlight those
	// being served now.
	Requests uint64 `json:"requests"`
	InFlight int64  `json:"inFlight"`
}

// MemoryStats collects garbage and reports the heap and the server's state.
func (s *Server) MemoryStats() MemoryStats {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	s.mu.RLock()
	n := len(s.computers)
	s.mu.RUnlock()
	s.journal.mu.Lock()
	entries, seq, events := len(s.journal.entries), s.journal.seq, len(s.journal.events)
	s.journal.mu.Unlock()
	return MemoryStats{HeapAllocBytes: m.HeapAlloc, HeapInuseBytes: m.HeapInuse, SysBytes: m.Sys, Mallocs: m.Mallocs,
		Goroutines: runtime.NumGoroutine(), Computers: n, JournalEntries: entries, JournalSeq: seq, Events: events,
		Requests: s.requests.Load(), InFlight: s.inFlight.Load()}
}

// VersionInfo is what GET /version answers.
type VersionInfo struct {
	ServerVersion              string `json:"serverVersion"`
	ClientWebServiceDLLVersion string `json:"clientWebServiceDllVersion"`
	ProtocolVersion            string `json:"protocolVersion"`
}

func (s *Server) versionInfo() VersionInfo {
	return VersionInfo{ServerVersion: s.Version(), ClientWebServiceDLLVersion: s.ClientWebServiceDLLVersion(), ProtocolVersion: s.protocolVersion()}
}

// Approve approves an update for a group, as an administrator does in the
// console, and logs it in SoftwareDistribution.log.
func (s *Server) Approve(update, group, action string) (catalog.Approval, error) {
	a, err := catalog.ParseAction(action)
	if err != nil {
		return catalog.Approval{}, err
	}
	d, err := s.Catalog().Approve(update, group, a, s.clk.Now())
	if err != nil {
		return catalog.Approval{}, err
	}
	u := s.Catalog().ByRevision(d.RevisionID)
	s.sdl.Info(1, "DBConnection.Approve", fmt.Sprintf("Approved revision %d (%s) for %s with action %s", d.RevisionID, u.Title, group, a))
	for _, ap := range s.Catalog().Approvals() {
		if ap.ID == d.ID {
			return ap, nil
		}
	}
	return catalog.Approval{Deployment: d, UpdateID: u.ID, Title: u.Title, KB: u.KB, GroupName: group, Consistent: true}, nil
}

// Decline declines an update for every group.
func (s *Server) Decline(update string) (int, error) {
	n, err := s.Catalog().Decline(update)
	if err != nil {
		return 0, err
	}
	u, _ := s.Catalog().Lookup(update)
	s.sdl.Info(1, "DBConnection.Decline", fmt.Sprintf("Declined revision %d (%s); %d approval rows removed", u.RevisionID, u.Title, n))
	return n, nil
}

func catalogStatus(err error) int {
	if errors.Is(err, catalog.ErrUnknownUpdate) || errors.Is(err, catalog.ErrUnknownGroup) {
		return http.StatusNotFound
	}
	return http.StatusBadRequest
}

// maxAdminBody bounds admin request bodies; they are tiny JSON objects.
const maxAdminBody = 64 << 10

func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxAdminBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("mockwsus: admin request body: %w (send a JSON object)", err)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func adminError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]any{"error": err.Error(), "status": status})
}
