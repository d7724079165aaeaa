package mockwsus

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"expvar"
	"fmt"
	"io"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
)

// AdminOptions configures AdminHandler.
type AdminOptions struct {
	// Token, when set, must be sent as "Authorization: Bearer <token>" with
	// every request but GET /healthz: changes, reads and /debug alike.
	// cmd/mockwsus requires one when the admin listener is not on a
	// loopback address. No answer ever carries it.
	Token string
}

// AdminEndpoint is one route of the admin API.
type AdminEndpoint struct {
	Method string // GET, PUT, POST, DELETE
	Path   string // a net/http pattern path, e.g. /behaviours/{name}
	// Summary says in a line what it answers or does.
	Summary string
	// Public endpoints answer without the token (only GET /healthz).
	Public bool
}

// adminRoute is an endpoint with its handler.
type adminRoute struct {
	AdminEndpoint
	handle func(s *Server, w http.ResponseWriter, r *http.Request)
}

// adminRoutes is the admin API, one registration per route: AdminHandler
// serves exactly these, AdminEndpoints lists them, and the README's admin
// table describes them. Add a route here (a handler of its own file is
// welcome) and nowhere else.
var adminRoutes = []adminRoute{
	{AdminEndpoint{"GET", "/healthz", "\"ok\", or 503 naming the data lost (health.go)", true}, (*Server).serveHealthz},
	{AdminEndpoint{"GET", "/version", "server, ClientWebService DLL and protocol versions", false}, serveVersion},
	{AdminEndpoint{"PUT", "/version", `install a version {"version":"3.1.6001.66"}; behaviours follow its defaults`, false}, serveSetVersion},
	{AdminEndpoint{"GET", "/behaviours", "every behaviour with its documentation and modes, whole server and per group", false}, serveBehaviours},
	{AdminEndpoint{"GET", "/behaviours/{name}", "one behaviour with its modes", false}, serveBehaviour},
	{AdminEndpoint{"PUT", "/behaviours/{name}", `switch {"mode":"fixed","group":"Workstations"} (group optional)`, false}, serveSetMode},
	{AdminEndpoint{"DELETE", "/behaviours/{name}", "drop the whole-server mode: the version's default applies again", false}, serveRemoveMode},
	{AdminEndpoint{"GET", "/groups", "target groups with their computers, each behaviour's mode for them and their own overrides", false}, serveGroups},
	{AdminEndpoint{"DELETE", "/groups/{group}/behaviours/{name}", "drop a group's override: its computers follow the whole-server mode again", false}, serveRemoveGroupMode},
	{AdminEndpoint{"GET", "/approvals", "approval rows, each with consistent (false for the two rows of revision 8862)", false}, serveApprovals},
	{AdminEndpoint{"POST", "/approvals", `approve {"update":"KB842532","group":"All Computers","action":"Install"}, replacing that group's rows`, false}, serveApprove},
	{AdminEndpoint{"POST", "/declines", `decline {"update":"KB842532"} for every group`, false}, serveDecline},
	{AdminEndpoint{"GET", "/computers", "computers with their last contact, operation, outcome, fault and reported HRESULT", false}, serveComputers},
	{AdminEndpoint{"GET", "/journal", "exchanges and admin actions as JSON lines; ?from=&to=&computer=&operation=&outcome=&kind=&faultId=&limit=", false}, serveJournal},
	{AdminEndpoint{"GET", "/events", "acknowledged reporting events", false}, serveEvents},
	{AdminEndpoint{"GET", "/logs/SoftwareDistribution.log", "the server log, whole or ?offset=N (bytes since the server started)", false}, serveServerLog},
	{AdminEndpoint{"POST", "/reset", "back to the starting state, or with a body to a setup (a scenario's server section)", false}, serveReset},
	{AdminEndpoint{"GET", "/metrics", "Prometheus metrics: requests by service, operation, status and ErrorCode; sessions; faults by behaviour; registered computers; journal size; Go runtime", false}, serveMetrics},
	{AdminEndpoint{"GET", "/openapi.json", "the OpenAPI 3 document of this API", false}, serveOpenAPIRoute},
	{AdminEndpoint{"GET", "/debug/vars", "expvar: memstats and the command line, the token redacted", false}, serveExpvar},
	{AdminEndpoint{"GET", "/debug/memory", "heap after a GC, computers, journal size", false}, serveMemory},
	{AdminEndpoint{"GET", "/debug/pprof/", "Go profiles of the server (index and named profiles)", false}, wrapStd(pprof.Index)},
	{AdminEndpoint{"GET", "/debug/pprof/profile", "CPU profile (?seconds=N)", false}, wrapStd(pprof.Profile)},
	{AdminEndpoint{"GET", "/debug/pprof/trace", "execution trace (?seconds=N)", false}, wrapStd(pprof.Trace)},
}

// AdminEndpoints lists the routes of the admin API, in the order of the
// README's table.
func AdminEndpoints() []AdminEndpoint {
	out := make([]AdminEndpoint, len(adminRoutes))
	for i, rt := range adminRoutes {
		out[i] = rt.AdminEndpoint
	}
	return out
}

func wrapStd(h http.HandlerFunc) func(*Server, http.ResponseWriter, *http.Request) {
	return func(_ *Server, w http.ResponseWriter, r *http.Request) { h(w, r) }
}

// AdminHandler returns the admin API (adminRoutes), served on its own
// listener. With a token, every request but GET /healthz must carry it,
// whatever its path: an unknown path without the token is a 401 too, so the
// API tells nothing to who lacks it. Errors are JSON {"error": "...",
// "status": N}.
func (s *Server) AdminHandler(opts AdminOptions) http.Handler {
	mux := http.NewServeMux()
	public := map[string]bool{}
	for _, rt := range adminRoutes {
		pattern := rt.Method + " " + rt.Path
		public[pattern] = rt.Public
		h := rt.handle
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) { h(s, w, r) })
	}
	s.registerConsole(mux, opts, public) // the HTML console at / (console.go), which checks the token itself
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { serveNoRoute(mux, w, r) })
	var want [sha256.Size]byte
	if opts.Token != "" {
		want = sha256.Sum256([]byte(opts.Token))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if opts.Token != "" {
			if _, pattern := mux.Handler(r); !public[pattern] && !bearerMatches(r, want) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="mockwsus admin"`)
				adminError(w, http.StatusUnauthorized, errors.New("mockwsus: this admin API needs its token: send \"Authorization: Bearer <token>\" (the token mockwsus was started with: --admin-token, --admin-token-file or MOCKWSUS_ADMIN_TOKEN)"))
				return
			}
		}
		ctx := context.WithValue(r.Context(), adminTokenKey{}, opts.Token)
		mux.ServeHTTP(w, r.WithContext(ctx))
	})
}

// adminTokenKey carries the token to the handlers that must keep it out of
// their answers (/debug/vars).
type adminTokenKey struct{}

// bearerMatches reports whether r carries the token whose digest is want.
// Digests are compared, in constant time, so neither the token nor its
// length leaks through timing.
func bearerMatches(r *http.Request, want [sha256.Size]byte) bool {
	scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
	return subtle.ConstantTimeCompare(sum[:], want[:]) == 1
}

// serveNoRoute answers a request no route takes: 405 with Allow when the
// path exists with other methods, else 404.
func serveNoRoute(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		adminError(w, http.StatusMethodNotAllowed, fmt.Errorf("mockwsus: %s %s: this admin endpoint takes %s", r.Method, r.URL.Path, strings.Join(allow, ", ")))
		return
	}
	var paths []string
	for _, rt := range adminRoutes {
		if len(paths) == 0 || paths[len(paths)-1] != rt.Path {
			paths = append(paths, rt.Path)
		}
	}
	adminError(w, http.StatusNotFound, fmt.Errorf("mockwsus: no admin endpoint %s %s (endpoints: %s)", r.Method, r.URL.Path, strings.Join(paths, ", ")))
}

func serveVersion(s *Server, w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.versionInfo())
}

func serveSetVersion(s *Server, w http.ResponseWriter, r *http.Request) {
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
}

func serveBehaviours(s *Server, w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Behaviours())
}

func serveBehaviour(s *Server, w http.ResponseWriter, r *http.Request) {
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
}

func serveSetMode(s *Server, w http.ResponseWriter, r *http.Request) {
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
	if err := s.SetMode(r.PathValue("name"), m, body.Group); err != nil {
		adminError(w, modeStatus(err), err)
		return
	}
	writeJSON(w, http.StatusOK, s.Behaviours())
}

func serveRemoveMode(s *Server, w http.ResponseWriter, r *http.Request) {
	if err := s.RemoveMode(r.PathValue("name"), ""); err != nil {
		adminError(w, modeStatus(err), err)
		return
	}
	writeJSON(w, http.StatusOK, s.Behaviours())
}

func serveGroups(s *Server, w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Groups())
}

func serveRemoveGroupMode(s *Server, w http.ResponseWriter, r *http.Request) {
	if err := s.RemoveMode(r.PathValue("name"), r.PathValue("group")); err != nil {
		adminError(w, modeStatus(err), err)
		return
	}
	writeJSON(w, http.StatusOK, s.Groups())
}

// modeStatus is the HTTP status of a failed mode change: 404 for what does
// not exist (a behaviour, a group, a mode to remove), else 400.
func modeStatus(err error) int {
	if errors.Is(err, behaviour.ErrUnknown) || errors.Is(err, catalog.ErrUnknownGroup) || errors.Is(err, ErrNotSet) {
		return http.StatusNotFound
	}
	return http.StatusBadRequest
}

func serveApprovals(s *Server, w http.ResponseWriter, _ *http.Request) {
	rows := s.Catalog().Approvals()
	if rows == nil {
		rows = []catalog.Approval{}
	}
	writeJSON(w, http.StatusOK, rows)
}

func serveApprove(s *Server, w http.ResponseWriter, r *http.Request) {
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
}

// DeclineResult is what POST /declines answers.
type DeclineResult struct {
	Update           string `json:"update"`
	RemovedApprovals int    `json:"removedApprovals"`
}

func serveDecline(s *Server, w http.ResponseWriter, r *http.Request) {
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
	writeJSON(w, http.StatusOK, DeclineResult{Update: body.Update, RemovedApprovals: n})
}

func serveComputers(s *Server, w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Computers())
}

func serveEvents(s *Server, w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.journal.Events())
}

// Headers of GET /journal and GET /logs/SoftwareDistribution.log.
const (
	// HeaderJournalNext is the from of the next page, when limit cut the
	// answer short.
	HeaderJournalNext = "X-Journal-Next"
	// HeaderJournalFirst and HeaderJournalLast are the oldest sequence
	// number in memory and the newest written.
	HeaderJournalFirst = "X-Journal-First"
	HeaderJournalLast  = "X-Journal-Last"
	// HeaderLogOffset is the offset of the first byte answered, and
	// HeaderLogSize the log's size (the offset to ask from next time).
	HeaderLogOffset = "X-Log-Offset"
	HeaderLogSize   = "X-Log-Size"
)

// serveJournal answers the entries a query selects, as JSON lines (the
// format of --log-dir's journal.jsonl).
func serveJournal(s *Server, w http.ResponseWriter, r *http.Request) {
	q, err := s.parseJournalQuery(r.URL.Query())
	if err != nil {
		adminError(w, http.StatusBadRequest, err)
		return
	}
	page := s.journal.Query(q)
	h := w.Header()
	h.Set("Content-Type", "application/x-ndjson")
	h.Set(HeaderJournalFirst, strconv.FormatUint(page.FirstSeq, 10))
	h.Set(HeaderJournalLast, strconv.FormatUint(page.LastSeq, 10))
	if page.Next != 0 {
		h.Set(HeaderJournalNext, strconv.FormatUint(page.Next, 10))
	}
	enc := json.NewEncoder(w)
	for _, e := range page.Entries {
		if err := enc.Encode(e); err != nil {
			return // the client went away
		}
	}
}

// parseJournalQuery reads GET /journal's parameters, refusing unknown ones
// (a misspelt filter would otherwise select everything).
func (s *Server) parseJournalQuery(v url.Values) (JournalQuery, error) {
	var q JournalQuery
	num := func(name string) (uint64, error) {
		if v.Get(name) == "" {
			return 0, nil
		}
		n, err := strconv.ParseUint(v.Get(name), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("mockwsus: journal query: %s=%q is not a whole number", name, v.Get(name))
		}
		return n, nil
	}
	for name := range v {
		switch name {
		case "from", "to", "computer", "operation", "outcome", "kind", "faultId", "limit":
		default:
			return q, fmt.Errorf("mockwsus: journal query: unknown parameter %q (from, to, computer, operation, outcome, kind, faultId, limit)", name)
		}
	}
	var err error
	if q.From, err = num("from"); err != nil {
		return q, err
	}
	if q.To, err = num("to"); err != nil {
		return q, err
	}
	limit, err := num("limit")
	if err != nil {
		return q, err
	}
	q.Limit = int(min(limit, 1<<30))
	q.Operation, q.Outcome, q.Kind, q.FaultID = v.Get("operation"), v.Get("outcome"), v.Get("kind"), v.Get("faultId")
	if q.Kind != "" && q.Kind != "exchange" && q.Kind != KindAdmin {
		return q, fmt.Errorf("mockwsus: journal query: kind=%q: want exchange or admin", q.Kind)
	}
	if c := v.Get("computer"); c != "" {
		// A computer by ID, or by DNS name as the console shows it.
		q.Computers = []string{c}
		for _, comp := range s.Computers() {
			if strings.EqualFold(comp.DNSName, c) && comp.ID != c {
				q.Computers = append(q.Computers, comp.ID)
			}
		}
	}
	return q, nil
}

// serveServerLog answers SoftwareDistribution.log from ?offset= (0 by
// default) as the server wrote it.
func serveServerLog(s *Server, w http.ResponseWriter, r *http.Request) {
	var offset int64
	for name := range r.URL.Query() {
		if name != "offset" {
			adminError(w, http.StatusBadRequest, fmt.Errorf("mockwsus: server log: unknown parameter %q (offset)", name))
			return
		}
	}
	if o := r.URL.Query().Get("offset"); o != "" {
		n, err := strconv.ParseInt(o, 10, 64)
		if err != nil || n < 0 {
			adminError(w, http.StatusBadRequest, fmt.Errorf("mockwsus: server log: offset=%q is not a byte offset (0 or more)", o))
			return
		}
		offset = n
	}
	data, start, size, ok := s.ServerLog(offset)
	if !ok {
		w.Header().Set(HeaderLogSize, strconv.FormatInt(size, 10))
		adminError(w, http.StatusRequestedRangeNotSatisfiable, fmt.Errorf("mockwsus: server log: offset %d is past the log's %d bytes (was the server restarted?)", offset, size))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set(HeaderLogOffset, strconv.FormatInt(start, 10))
	h.Set(HeaderLogSize, strconv.FormatInt(size, 10))
	w.Write(data)
}

// ResetResult is what POST /reset answers: where the new state begins in
// the journal (the reset's own entry) and in SoftwareDistribution.log, so a
// caller can read exactly what follows.
type ResetResult struct {
	Status          string `json:"status"`
	JournalFrom     uint64 `json:"journalFrom"`
	ServerLogOffset int64  `json:"serverLogOffset"`
}

func serveReset(s *Server, w http.ResponseWriter, r *http.Request) {
	var err error
	var seq uint64
	body, rerr := io.ReadAll(io.LimitReader(r.Body, maxAdminBody))
	switch {
	case rerr != nil:
		adminError(w, http.StatusBadRequest, fmt.Errorf("mockwsus: reading the reset's body: %w", rerr))
		return
	case len(bytes.TrimSpace(body)) == 0:
		seq, err = s.resetTo(s.start, "back to the starting state")
	default:
		var st Setup
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if derr := dec.Decode(&st); derr != nil {
			adminError(w, http.StatusBadRequest, fmt.Errorf("mockwsus: reset setup: %w (send a JSON object with version, behaviours, catalog, seed, groups, approvals, declines)", derr))
			return
		}
		seq, err = s.resetToSetup(st)
	}
	if err != nil {
		adminError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, http.StatusOK, ResetResult{Status: "reset", JournalFrom: seq, ServerLogOffset: s.serverLog.size()})
}

func serveMemory(s *Server, w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.MemoryStats())
}

// serveExpvar is expvar's handler with the command line's secrets redacted:
// a token given as --admin-token would otherwise be served to anyone who can
// read /debug/vars.
func serveExpvar(_ *Server, w http.ResponseWriter, r *http.Request) {
	token, _ := r.Context().Value(adminTokenKey{}).(string)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	io.WriteString(w, "{\n")
	first := true
	expvar.Do(func(kv expvar.KeyValue) {
		if !first {
			io.WriteString(w, ",\n")
		}
		first = false
		val := kv.Value.String()
		if kv.Key == "cmdline" {
			args, _ := json.Marshal(RedactArgs(os.Args, token))
			val = string(args)
		}
		fmt.Fprintf(w, "%q: %s", kv.Key, val)
	})
	io.WriteString(w, "\n}\n")
}

// Redacted replaces secrets in what the server shows of its command line.
const Redacted = "[redacted]"

// RedactArgs returns args with the value of every --admin-token flag (both
// spellings, with or without "=") and every occurrence of token replaced by
// Redacted.
func RedactArgs(args []string, token string) []string {
	out := make([]string, len(args))
	redactNext := false
	for i, a := range args {
		switch {
		case redactNext:
			a, redactNext = Redacted, false
		case a == "-admin-token" || a == "--admin-token":
			redactNext = true
		case strings.HasPrefix(a, "-admin-token=") || strings.HasPrefix(a, "--admin-token="):
			a = a[:strings.Index(a, "=")+1] + Redacted
		}
		if token != "" {
			a = strings.ReplaceAll(a, token, Redacted)
		}
		out[i] = a
	}
	return out
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
	s.journalAdmin("approve", group, fmt.Sprintf("%s (revision %d) %s", updateName(u.KB, u.Title), d.RevisionID, a), false)
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
	s.journalAdmin("decline", "", fmt.Sprintf("%s (revision %d): %d approval rows removed", updateName(u.KB, u.Title), u.RevisionID, n), false)
	return n, nil
}

// updateName is how admin entries name an update: its KB, else its title.
func updateName(kb, title string) string {
	if kb != "" {
		return "KB" + strings.TrimPrefix(strings.ToUpper(kb), "KB")
	}
	return title
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
