// Package mockwsus is a WSUS 3.0 SP1 server for tests: the ClientWebService,
// SimpleAuth and Reporting web services, update content and self-update
// files, served by an http.Handler that works in process (httptest) and
// behind cmd/mockwsus. It keeps an update catalog with approvals, registers
// computers, seals cookies, writes SoftwareDistribution.log as WSUS did,
// journals every exchange, and runs named behaviours (package behaviour)
// that switch between the buggy and the fixed build at run time, for the
// whole server or per target group. An admin API (AdminHandler) drives it.
// A version from 10.0 up makes it a modern WSUS, as Windows Server 2016 to
// 2025 run it (modern.go); every version compresses its answers with Xpress
// when the request asks (compress.go).
//
// The default catalog carries the database state of Security Advisory
// 954960, so a buggy server fails SyncUpdates for exactly the computers whose
// Office 2003 detectoid is installed, as the real one did.
package mockwsus

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsusmock/wsusmock/clock"
	"github.com/wsusmock/wsusmock/internal/ids"
	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
	"github.com/wsusmock/wsusmock/mockwsus/sdlog"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/soap/reporting"
	"github.com/wsusmock/wsusmock/soap/simpleauth"
	"github.com/wsusmock/wsusmock/soap/xmlstream"
)

// Server versions the mock knows, by what they are.
const (
	VersionWSUS30    = "3.0.6000.273"
	VersionWSUS30SP1 = "3.1.6001.65"
	VersionFixed     = "3.1.6001.66"
	DefaultVersion   = VersionWSUS30SP1
	// VersionWSUS2025 is a WSUS on Windows Server 2025, the captures'
	// server (build 10.0.26100; the revision is not known, 1 stands in).
	// Any version from 10.0 up answers as a modern WSUS (modern.go).
	VersionWSUS2025 = "10.0.26100.1"
)

// Defaults of Config.
const (
	// DefaultPageSize is how many updates one SyncUpdates response carries
	// before it is Truncated (a real WSUS on Windows Server 2025 sent 30).
	DefaultPageSize = 30
	// DefaultMaxInstalledPrerequisites is the ClientWebService web.config
	// maxInstalledPrerequisites: more InstalledNonLeafUpdateIDs get
	// InvalidParameters.
	DefaultMaxInstalledPrerequisites = 400
	// DefaultMaxCachedUpdates bounds OtherCachedUpdateIDs (maxCachedUpdate).
	DefaultMaxCachedUpdates = 22000
	// DefaultMaxExtendedUpdatesPerRequest is GetConfig's
	// MaxExtendedUpdatesPerRequest (the spec example's 50).
	DefaultMaxExtendedUpdatesPerRequest = 50
	// DefaultCookieLifetime is how long a cookie lives (a real WSUS issued
	// one hour).
	DefaultCookieLifetime = time.Hour
	// DefaultMaxElements bounds the elements of one SOAP request (counted
	// as its '<' not followed by '/', before decoding): a real agent's largest
	// request, a SyncUpdates with maxCachedUpdate cached IDs, has about
	// 22,000. Decoding costs about 240 bytes per element, so a 4 MiB body of
	// 350,000 tiny elements would cost 85 MiB; the cap keeps any request
	// under 25 MiB.
	DefaultMaxElements = 100_000
	// DefaultMaxDiscard is how large a request body over MaxBody may be
	// and still be read (and thrown away) before the 413 answer: IIS's
	// default maxAllowedContentLength (requestFiltering), up to which IIS
	// reads a request before ASP.NET refuses it. A client that sends its
	// whole body before it reads (WinHTTP, Python's urllib) then gets the
	// answer instead of a reset.
	DefaultMaxDiscard = 30_000_000
)

// Config configures a Server. The zero value is a WSUS 3.0 SP1 server with
// the default catalog, seed 1 and the real clock.
type Config struct {
	// Version is the WSUS version the server reports; it decides the
	// default mode of every behaviour. "" means DefaultVersion.
	Version string
	// Behaviours overrides modes for the whole server.
	Behaviours map[string]behaviour.Mode
	// Catalog builds the catalog; nil means catalog.Default. It is called
	// again by Reset.
	Catalog func(seed uint64) (*catalog.Catalog, error)
	// Seed fixes fault IDs and catalog GUIDs, and cookie keys unless
	// RandomCookieKeys. 0 means 1.
	Seed uint64
	// RandomCookieKeys seals cookies with keys from crypto/rand, new at
	// start and at every Reset: no one can seal a cookie the server
	// accepts, and another process refuses this one's cookies
	// (InvalidCookie). cmd/mockwsus sets it unless --deterministic-cookies.
	// False derives the keys from Seed, which keeps in-process runs
	// byte-stable for a seed (wsusrepro run, golden tests) but lets anyone
	// who knows the seed seal cookies for any computer: keep such a server
	// on loopback.
	RandomCookieKeys bool
	// Clock is the server's time; nil means the real clock.
	Clock clock.Clock
	// PageSize, MaxInstalledPrerequisites, MaxCachedUpdates,
	// MaxExtendedUpdatesPerRequest, CookieLifetime and MaxBody: 0 means the
	// Default... constant of the same name (MaxBody: soap.DefaultMaxBody).
	PageSize                     int
	MaxInstalledPrerequisites    int
	MaxCachedUpdates             int
	MaxExtendedUpdatesPerRequest int
	CookieLifetime               time.Duration
	MaxBody                      int64
	// MaxElements bounds the elements of one SOAP request; more get 413
	// before decoding. 0 means DefaultMaxElements, or twice
	// MaxCachedUpdates+MaxInstalledPrerequisites when that is more.
	MaxElements int
	// MaxDiscard bounds the request body (its Content-Length, or what a
	// chunked one turns out to be) that is read and thrown away before a
	// 413 answer; a larger one is answered at once and its connection
	// closed unread. 0 means DefaultMaxDiscard; negative reads nothing
	// past MaxBody.
	MaxDiscard int64
	// RegistrationNotRequired makes GetConfig say IsRegistrationRequired
	// false (WSUS says true).
	RegistrationNotRequired bool
	// SoftwareDistributionLog receives SoftwareDistribution.log lines; nil
	// discards them.
	SoftwareDistributionLog io.Writer
	// JournalLimit is how many exchanges the journal keeps in memory; 0
	// means DefaultJournalLimit.
	JournalLimit int
	// ServerLogLimit is how many bytes of SoftwareDistribution.log the
	// server keeps in memory for the admin API; 0 means
	// DefaultServerLogLimit.
	ServerLogLimit int
	// Logf logs operational messages; nil means the log package.
	Logf func(format string, args ...any)
}

// Server is the WSUS mock. It implements http.Handler. Create it with New.
type Server struct {
	cfg     Config
	clk     clock.Clock
	sdl     *sdlog.Writer
	journal *Journal
	// serverLog keeps the newest SoftwareDistribution.log lines for the
	// admin API (GET /logs/SoftwareDistribution.log).
	serverLog *logTail
	// start is what Reset goes back to.
	start startState
	// resetMu makes resets one at a time (they count incarnations).
	resetMu sync.Mutex
	health  health

	mu         sync.RWMutex
	cat        *catalog.Catalog
	version    string
	modes      map[string]behaviour.Mode            // whole-server modes
	groupModes map[string]map[string]behaviour.Mode // group ID -> name -> mode
	computers  map[string]*computer
	cookies    *sealer
	// pastSealers are the keys of earlier incarnations (before Resets),
	// newest last, so that their cookies are ServerChanged.
	pastSealers []*sealer
	faultIDs    *ids.Source
	lastChange  time.Time // GetConfig's LastChange
	resets      int
	// injectBase is, per transport fault injection (behaviour.
	// ResponseInjector), the request count when it was last switched on:
	// its n counts from there.
	injectBase map[string]uint64

	thread atomic.Uint64
	// requests counts every HTTP request served; inFlight those being
	// served now.
	requests atomic.Uint64
	inFlight atomic.Int64
	// fragments caches the catalog's update fragments escaped for the
	// wire; replaced with the catalog by Reset (guarded by mu).
	fragments *fragmentCache
	// metrics are served by GET /metrics (metrics.go).
	metrics *serverMetrics
	// modern is whether the reported version is a modern WSUS (10.0 and
	// later), kept beside version for the per-request header choice.
	modern atomic.Bool
	// requestStrings shares the texts of SyncUpdates requests among them:
	// a driver scan sends hundreds of hardware IDs, driver classes and
	// providers, the same for every computer of a model. Bounded; once full
	// it only looks up.
	requestStrings *xmlstream.Interner
	// checkedSpecs remembers the driver scans' SystemSpecs that passed the
	// strict checks. The server never reads a SystemSpec (it matches no
	// drivers by hardware ID), and a computer sends the same one on every
	// scan, as do the computers of a model with the same drivers: one seen
	// before is passed over after a byte comparison (soap.DecodeOptions).
	// Bounded; once full it only looks up.
	checkedSpecs *xmlstream.Checked
	// revisionIDs lends the arrays of a SyncUpdates request's installed
	// and cached revision IDs (about 1,400 per request), given back once
	// GetSyncInfo has answered.
	revisionIDs xmlstream.IntPool
}

// maxRequestStrings bounds what requestStrings keeps: the distinct
// device strings of a few thousand hardware models.
const maxRequestStrings = 4 << 20

// maxCheckedSpecs bounds what checkedSpecs keeps: a few hundred distinct
// SystemSpecs of 20 to 60 KB.
const maxCheckedSpecs = 16 << 20

// computer is a registered client; kept small (issue: 2 KB per computer).
type computer struct {
	ID         string
	DNSName    string
	Group      string // group ID from client-side targeting, or Unassigned
	Registered bool
	OS         string
	LastSync   time.Time
	Syncs      int
	// status is what the fleet view shows of its last exchanges (fleet.go).
	status computerStatus
	// Protocol is the protocolVersion of the computer's last GetCookie.
	Protocol string
}

// New returns a server for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Catalog == nil {
		cfg.Catalog = catalog.Default
	}
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	if err := CheckVersion(cfg.Version); err != nil {
		return nil, err
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = DefaultPageSize
	}
	if cfg.MaxInstalledPrerequisites <= 0 {
		cfg.MaxInstalledPrerequisites = DefaultMaxInstalledPrerequisites
	}
	if cfg.MaxCachedUpdates <= 0 {
		cfg.MaxCachedUpdates = DefaultMaxCachedUpdates
	}
	if cfg.MaxExtendedUpdatesPerRequest <= 0 {
		cfg.MaxExtendedUpdatesPerRequest = DefaultMaxExtendedUpdatesPerRequest
	}
	if cfg.CookieLifetime <= 0 {
		cfg.CookieLifetime = DefaultCookieLifetime
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = soap.DefaultMaxBody
	}
	if cfg.MaxElements <= 0 {
		cfg.MaxElements = max(DefaultMaxElements, 2*(cfg.MaxCachedUpdates+cfg.MaxInstalledPrerequisites))
	}
	if cfg.MaxDiscard == 0 {
		cfg.MaxDiscard = DefaultMaxDiscard
	}
	if cfg.Logf == nil {
		cfg.Logf = log.Printf
	}
	for name := range cfg.Behaviours {
		if _, err := behaviour.Lookup(name); err != nil {
			return nil, fmt.Errorf("mockwsus: %w", err)
		}
	}
	w := cfg.SoftwareDistributionLog
	if w == nil {
		w = io.Discard
	}
	s := &Server{cfg: cfg, clk: cfg.Clock, journal: newJournal(cfg.JournalLimit), serverLog: newLogTail(cfg.ServerLogLimit),
		requestStrings: &xmlstream.Interner{MinLen: 1, MaxBytes: maxRequestStrings},
		checkedSpecs:   &xmlstream.Checked{MaxBytes: maxCheckedSpecs}}
	s.sdl = sdlog.New(teeWriter{mem: s.serverLog, w: w}, cfg.Clock)
	s.metrics = newServerMetrics(s)
	s.sdl.OnError(func(err error, lost int) { s.fail(sourceSDLog, err, lost) })
	s.journal.onSinkError = func(err error, lost int) { s.fail(sourceJournal, err, lost) }
	s.start = startState{version: cfg.Version, behaviours: cfg.Behaviours, catalog: cfg.Catalog, seed: cfg.Seed}
	if err := s.reset(s.start, false); err != nil {
		return nil, err
	}
	s.journalAdmin("start", "", fmt.Sprintf("version %s, seed %d", cfg.Version, cfg.Seed), true)
	return s, nil
}

// startState is what a Reset goes back to: the configuration's version,
// modes, catalog and seed, or a Setup's (ResetTo).
type startState struct {
	version    string
	behaviours map[string]behaviour.Mode
	catalog    func(seed uint64) (*catalog.Catalog, error)
	seed       uint64
}

// reset (re)builds the state from st: catalog, modes, computers, cookie
// key; with clearJournal it empties the journal first (exchanges served
// meanwhile belong to the old state). Nothing changes when it fails.
func (s *Server) reset(st startState, clearJournal bool) error {
	s.resetMu.Lock()
	defer s.resetMu.Unlock()
	cat, err := st.catalog(st.seed)
	if err != nil {
		return fmt.Errorf("mockwsus: building the catalog: %w", err)
	}
	// A key and server ID per incarnation: a cookie from before a Reset
	// opens only under its own incarnation's key (ServerChanged), any
	// other foreign one under none (InvalidCookie); see foreignCookieLocked.
	var key []byte
	var serverID [8]byte
	if s.cfg.RandomCookieKeys {
		key = make([]byte, 64)
		rand.Read(key) // crypto/rand.Read never fails (it crashes the program rather)
		rand.Read(serverID[:])
	} else {
		keyLabel := "cookie-key"
		if s.resets > 0 {
			keyLabel = fmt.Sprintf("cookie-key-%d", s.resets)
		}
		key = ids.Derive(st.seed, keyLabel).Bytes(64)
		copy(serverID[:], ids.Derive(st.seed, fmt.Sprintf("server-id-%d", s.resets)).Bytes(8))
	}
	sealer, err := newSealer(key, serverID)
	if err != nil {
		return err
	}
	if clearJournal {
		s.journal.reset()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cat = cat
	s.fragments = &fragmentCache{}
	s.version = st.version
	s.modern.Store(isModern(s.version))
	s.modes = map[string]behaviour.Mode{}
	for name, m := range st.behaviours {
		s.modes[name] = m
	}
	s.groupModes = map[string]map[string]behaviour.Mode{}
	s.computers = map[string]*computer{}
	if s.cookies != nil {
		s.pastSealers = append(s.pastSealers, s.cookies)
		if n := len(s.pastSealers); n > maxPastSealers {
			s.pastSealers = append(s.pastSealers[:0], s.pastSealers[n-maxPastSealers:]...)
		}
	}
	s.cookies = sealer
	s.faultIDs = ids.Derive(st.seed, fmt.Sprintf("fault-ids-%d", s.resets))
	s.lastChange = time.Date(2008, 6, 10, 17, 0, 0, 0, time.UTC)
	s.resets++
	s.injectBase = map[string]uint64{}
	for _, name := range injectorNames() {
		s.injectBase[name] = s.requests.Load()
	}
	return nil
}

// Reset restores the state the server started with (catalog, approvals,
// behaviour modes, computers) and clears the journal. Cookies issued before
// are refused afterwards with ServerChanged, as after a WSUS reinstall. The
// journal keeps counting: its first entry afterwards is the reset's own.
func (s *Server) Reset() error {
	_, err := s.resetTo(s.start, "back to the starting state")
	return err
}

// ResetTo resets the server as Reset does, into the state st describes
// instead of the one it started with (later Resets still go back to that
// one). A setup that does not check out changes nothing.
func (s *Server) ResetTo(st Setup) error {
	_, err := s.resetToSetup(st)
	return err
}

func (s *Server) resetToSetup(st Setup) (uint64, error) {
	state, err := st.state()
	if err != nil {
		return 0, err
	}
	what := fmt.Sprintf("to a setup: version %s, seed %d", state.version, state.seed)
	if st.Catalog != "" {
		what += ", catalog " + st.Catalog
	}
	return s.resetTo(state, what)
}

// resetTo resets into st and returns the sequence number of the reset's
// journal entry.
func (s *Server) resetTo(st startState, what string) (uint64, error) {
	if err := s.reset(st, true); err != nil {
		return 0, err
	}
	return s.journalAdmin("reset", "", what, true).Seq, nil
}

// Catalog returns the live catalog.
func (s *Server) Catalog() *catalog.Catalog {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cat
}

// catalogAndFragments returns the live catalog and the cache of its
// escaped fragments, read together so that a Reset between them cannot pair
// one catalog with the other's cache.
func (s *Server) catalogAndFragments() (*catalog.Catalog, *fragmentCache) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cat, s.fragments
}

// Journal returns the exchange journal.
func (s *Server) Journal() *Journal { return s.journal }

// SetJournalSink streams every later journal entry to w as a JSON line.
func (s *Server) SetJournalSink(w io.Writer) { s.journal.setSink(w) }

// Version returns the WSUS version the server reports.
func (s *Server) Version() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.version
}

// ClientWebServiceDLLVersion returns the version of
// Microsoft.UpdateServices.WebServices.Client.dll the server behaves as:
// what the advisory tells administrators to check (3.1.6001.66 is fixed).
func (s *Server) ClientWebServiceDLLVersion() string {
	v := s.Version()
	if s.Mode(behaviour.KB954960Name, "") == behaviour.Fixed && behaviour.CompareVersions(v, VersionFixed) < 0 {
		return VersionFixed
	}
	if s.Mode(behaviour.KB954960Name, "") == behaviour.Buggy && behaviour.CompareVersions(v, VersionFixed) >= 0 {
		return VersionWSUS30SP1
	}
	return v
}

// CheckVersion refuses what is not a WSUS version (four numbers, 2.0 or
// later): the one check of New, SetVersion (PUT /version) and mockwsus's
// --wsus-version.
func CheckVersion(v string) error {
	if err := checkVersion(v); err != nil {
		return fmt.Errorf("mockwsus: %w", err)
	}
	return nil
}

// SetVersion switches the reported WSUS version; behaviours without an
// explicit whole-server mode follow the new version's defaults (installing
// the 3.1.6001.66 update fixes kb954960).
func (s *Server) SetVersion(v string) error {
	if err := checkVersion(v); err != nil {
		return fmt.Errorf("mockwsus: %w", err)
	}
	s.mu.Lock()
	s.version = v
	s.modern.Store(isModern(v))
	// Installing an update replaces the DLL: explicit whole-server modes of
	// behaviours the version decides are dropped.
	s.modes = map[string]behaviour.Mode{}
	s.mu.Unlock()
	s.sdl.Info(1, "UpdateServicesDbConfig", "Server version changed to "+v)
	s.journalAdmin("setVersion", "", "version "+v, true)
	return nil
}

// SetMode sets a behaviour's mode for the whole server (group "") or for
// one target group (by name or ID).
func (s *Server) SetMode(name string, m behaviour.Mode, group string) error {
	b, err := behaviour.Lookup(name)
	if err != nil {
		return fmt.Errorf("mockwsus: %w", err)
	}
	if m != behaviour.Buggy && m != behaviour.Fixed {
		return fmt.Errorf("mockwsus: mode %q is neither buggy nor fixed", m)
	}
	name = b.Info().Name
	_, injector := b.(behaviour.ResponseInjector)
	if injector && group != "" {
		return fmt.Errorf("mockwsus: %s acts on connections, before any computer is known: switch it for the whole server, not for group %q", name, group)
	}
	if err := s.setMode(name, m, group, injector); err != nil {
		return err
	}
	s.journalAdmin("setMode", group, fmt.Sprintf("%s=%s", name, m), true)
	return nil
}

func (s *Server) setMode(name string, m behaviour.Mode, group string, injector bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if group == "" {
		if injector && m == behaviour.Buggy && s.modeLocked(name, "") != behaviour.Buggy {
			// Switched on: its requests count from now.
			s.injectBase[name] = s.requests.Load()
		}
		s.modes[name] = m
		return nil
	}
	g, err := s.cat.GroupByName(group)
	if err != nil {
		return fmt.Errorf("mockwsus: %w", err)
	}
	if s.groupModes[g.ID] == nil {
		s.groupModes[g.ID] = map[string]behaviour.Mode{}
	}
	s.groupModes[g.ID][name] = m
	return nil
}

// Mode returns a behaviour's mode for a computer in groupID ("" for the
// whole-server mode): the group's mode if set, else the server's, else the
// version's default.
func (s *Server) Mode(name, groupID string) behaviour.Mode {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.modeLocked(name, groupID)
}

func (s *Server) modeLocked(name, groupID string) behaviour.Mode {
	if gm, ok := s.groupModes[groupID]; ok {
		if m, ok := gm[name]; ok {
			return m
		}
	}
	if m, ok := s.modes[name]; ok {
		return m
	}
	b, err := behaviour.Lookup(name)
	if err != nil {
		return behaviour.Fixed
	}
	return b.DefaultMode(s.version)
}

// BehaviourState is a behaviour's modes, as the admin API shows them.
type BehaviourState struct {
	behaviour.Info
	Mode   behaviour.Mode            `json:"mode"`
	Groups map[string]behaviour.Mode `json:"groups,omitempty"`
}

// Behaviours lists every registered behaviour with its modes.
func (s *Server) Behaviours() []BehaviourState {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []BehaviourState
	for _, name := range behaviour.Names() {
		b := behaviour.Registry[name]
		st := BehaviourState{Info: b.Info(), Mode: s.modeLocked(name, "")}
		for gid, gm := range s.groupModes {
			if m, ok := gm[name]; ok {
				if st.Groups == nil {
					st.Groups = map[string]behaviour.Mode{}
				}
				gname := gid
				if g, err := s.cat.GroupByName(gid); err == nil {
					gname = g.Name
				}
				st.Groups[gname] = m
			}
		}
		out = append(out, st)
	}
	return out
}

// service is one of the three web services.
type service struct {
	name      string
	namespace string
	ops       map[string]opFunc
	// modernOps are the operations only a modern WSUS has (modern.go).
	modernOps map[string]opFunc
}

// call is one SOAP exchange being served.
type call struct {
	req      *soap.Request
	httpReq  *http.Request
	op       string
	svc      *service
	thread   int
	computer string
	group    string
	// registered is whether the cookie's computer was registered when the
	// cookie was opened (read under the same lock, so that a Reset in
	// between cannot make a valid cookie's computer unknown).
	registered bool
	// sealer is the cookie key of the incarnation that opened the cookie.
	sealer *sealer
	// clientProtocol is the protocolVersion the cookie's computer sent in
	// GetCookie (some answers depend on it).
	clientProtocol string
	summary        map[string]any
	detail         string
}

type opFunc func(s *Server, c *call) (any, error)

var (
	clientService = &service{name: "ClientWebService", namespace: clientws.Namespace, ops: map[string]opFunc{
		"GetConfig":             (*Server).getConfig,
		"GetCookie":             (*Server).getCookie,
		"RegisterComputer":      (*Server).registerComputer,
		"SyncUpdates":           (*Server).syncUpdates,
		"GetExtendedUpdateInfo": (*Server).getExtendedUpdateInfo,
		"GetFileLocations":      (*Server).getFileLocations,
		"RefreshCache":          (*Server).refreshCache,
	}, modernOps: map[string]opFunc{
		"StartCategoryScan": (*Server).startCategoryScan,
	}}
	authService = &service{name: "SimpleAuthWebService", namespace: simpleauth.Namespace, ops: map[string]opFunc{
		"GetAuthorizationCookie": (*Server).getAuthorizationCookie,
	}}
	reportingService = &service{name: "ReportingWebService", namespace: reporting.Namespace, ops: map[string]opFunc{
		"ReportEventBatch": (*Server).reportEventBatch,
	}}
)

// ServeHTTP counts the request, applies the transport fault injections that
// hit it, and serves it. The exchange's journal entry is kept in memory
// before the answer goes out and corrected with what the client got once it
// is out (journalsink.go, delivery.go).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := s.requests.Add(1)
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	h := w.Header()
	if s.modern.Load() {
		// IIS 10 and ASP.NET 4, as the captures' server said.
		h.Set("Server", "Microsoft-IIS/10.0")
		h.Set("X-Powered-By", "ASP.NET")
		h.Set("X-AspNet-Version", "4.0.30319")
	} else {
		h.Set("Server", "Microsoft-IIS/6.0")
		h.Set("X-Powered-By", "ASP.NET")
		h.Set("X-AspNet-Version", "2.0.50727")
	}
	x := &exchange{w: deliveryWriter{ResponseWriter: w, declared: -1}}
	dw := &x.w
	r = r.WithContext(context.WithValue(r.Context(), exchangeKey{}, x))
	defer func() {
		// A handler that aborts (an injected reset or cut) panics with
		// http.ErrAbortHandler: journal it, then let net/http see it.
		p := recover()
		s.finishExchange(x, dw, r)
		if p != nil {
			panic(p)
		}
	}()
	if hits := s.injections(n); len(hits) > 0 {
		s.serveInjected(dw, r, x, hits)
		return
	}
	s.route(dw, r)
}

// openAngle is what bytes.Count counts for the element limit.
var openAngle = []byte{'<'}

// behaviourNames is behaviour.Names, computed once: the registry is fixed
// at build time, and the request hooks below walk it several times per
// request (sorting it each time was a per-request cost, issue 17).
var behaviourNames = sync.OnceValue(behaviour.Names)

// injectorNames lists the registered transport fault injections, sorted.
var injectorNames = sync.OnceValue(func() []string {
	var out []string
	for _, name := range behaviour.Names() {
		if _, ok := behaviour.Registry[name].(behaviour.ResponseInjector); ok {
			out = append(out, name)
		}
	}
	return out
})

// injection is a transport fault that hit a request.
type injection struct {
	name string
	hook behaviour.ResponseInjector
	note string
}

// injections returns the injections that hit request number n (counted
// over the server's life), in registry order.
func (s *Server) injections(n uint64) []injection {
	var hits []injection
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, name := range injectorNames() {
		m := s.modeLocked(name, "")
		if m != behaviour.Buggy {
			continue
		}
		base := s.injectBase[name]
		if n <= base {
			continue // counted before the fault was switched on
		}
		hook := behaviour.Registry[name].(behaviour.ResponseInjector)
		if note, ok := hook.Injects(m, n-base); ok {
			hits = append(hits, injection{name: name, hook: hook, note: note})
		}
	}
	return hits
}

// exchange is what the journal needs of a request being served: the
// transport faults injected into it, whether one of them cuts the answer,
// and the entry the server journaled for it.
type exchange struct {
	notes     []string
	cuts      bool
	journaled bool
	entry     Entry
	// w watches the answer (one allocation with the exchange).
	w deliveryWriter
}

// deferSink: an exchange a transport fault was injected into goes to the
// journal's sink once it has ended (its answer is likely cut or late), any
// other at once (journalsink.go).
func (x *exchange) deferSink() bool { return len(x.notes) > 0 }

type exchangeKey struct{}

// serveInjected serves a request through the injections that hit it, the
// first outermost. The journal entry of the request carries the notes; when
// an injection kept the request from the server (a reset, a 503), an entry
// is written for it here.
func (s *Server) serveInjected(w http.ResponseWriter, r *http.Request, x *exchange, hits []injection) {
	reset := false
	for _, h := range hits {
		s.metrics.fault(h.name)
		x.notes = append(x.notes, h.note)
		_, isReset := h.hook.(behaviour.InjectReset)
		reset = reset || isReset
		if c, ok := h.hook.(behaviour.AnswerCutter); ok && c.CutsAnswer() {
			x.cuts = true
		}
	}
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		// Deferred: a reset ends with panic(http.ErrAbortHandler) when the
		// connection cannot be taken over.
		if !x.journaled {
			outcome := "http"
			// What the injection did decides, not the request's context: a
			// reset cancels that context too, sooner or later.
			switch {
			case sw.status != 0:
			case reset:
				outcome = "reset"
			default:
				outcome = "abandoned" // client gone or server closed during an injected wait
			}
			s.record(r, Entry{Time: s.clk.Now(), Path: r.URL.Path, Operation: r.Method, Outcome: outcome, Status: sw.status})
		}
	}()
	next := func(w http.ResponseWriter) { s.route(w, r) }
	for i := len(hits) - 1; i >= 0; i-- {
		hook, inner := hits[i].hook, next
		next = func(w http.ResponseWriter) { hook.InjectResponse(w, r, inner) }
	}
	next(sw)
}

// record journals the entry of r's exchange, with the notes of the faults
// injected into it. Served through ServeHTTP, the entry is kept in memory
// now and finished (corrected, streamed to the sink) when the answer is
// out.
func (s *Server) record(r *http.Request, e Entry) {
	s.metrics.observe(e)
	x, ok := r.Context().Value(exchangeKey{}).(*exchange)
	if !ok || x.journaled {
		s.journal.add(e)
		return
	}
	if len(x.notes) > 0 {
		notes := strings.Join(x.notes, "; ")
		if e.Detail == "" {
			e.Detail = notes
		} else {
			e.Detail += "; " + notes
		}
	}
	s.noteExchange(e)
	if x.cuts && e.Status != 0 {
		// Known before the answer goes out: journaled as cut from the
		// start, so that no reader sees it whole, however soon it looks.
		e = cutEntry(e, fmt.Sprintf("HTTP %d sent with part of its body, then the connection was closed (injected fault)", e.Status))
	}
	x.journaled = true
	x.entry = s.journal.begin(e, x.deferSink())
}

// route routes by path, case-insensitively as IIS does.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	if err := s.interceptHTTP(r); err != nil {
		httpErr := &behaviour.HTTPError{Status: http.StatusInternalServerError, Body: "mockwsus: " + err.Error()}
		errors.As(err, &httpErr)
		s.metrics.fault(httpErr.Behaviour)
		s.record(r, Entry{Time: s.clk.Now(), Path: r.URL.Path, Operation: r.Method, Outcome: "http", Status: httpErr.Status, Detail: err.Error()})
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(httpErr.Status)
		io.WriteString(w, httpErr.Body)
		return
	}
	path := strings.ToLower(r.URL.Path)
	switch path {
	case "/clientwebservice/client.asmx":
		s.serveSOAP(w, r, clientService)
	case "/simpleauthwebservice/simpleauth.asmx":
		s.serveSOAP(w, r, authService)
	case "/reportingwebservice/reportingwebservice.asmx", "/reportingwebservice/webservice.asmx":
		s.serveSOAP(w, r, reportingService)
	default:
		switch {
		case strings.HasPrefix(path, "/content/"):
			s.serveContent(w, r)
		case strings.HasPrefix(path, "/selfupdate/"):
			s.serveSelfUpdate(w, r)
		default:
			s.record(r, Entry{Time: s.clk.Now(), Path: r.URL.Path, Operation: r.Method, Outcome: "http", Status: http.StatusNotFound, Detail: "no such path"})
			http.Error(w, "mockwsus: no such path "+r.URL.Path+" (web services are under /ClientWebService/client.asmx, /SimpleAuthWebService/SimpleAuth.asmx and /ReportingWebService/ReportingWebService.asmx)", http.StatusNotFound)
		}
	}
}

func (s *Server) serveSOAP(w http.ResponseWriter, r *http.Request, svc *service) {
	start := s.clk.Now()
	c := &call{httpReq: r, svc: svc, thread: 12 + int(s.thread.Add(1)%8), summary: map[string]any{}}
	// The body's buffer goes back to its pool once the answer is written;
	// nothing kept (journal entries, state) refers to it.
	defer func() { c.req.Release() }()
	entry := Entry{Time: start, Path: r.URL.Path}
	version := soap.SOAP11
	resp, err := s.dispatch(c)
	if c.req != nil {
		version = c.req.Version
	} else if soap12ContentType(r.Header.Get("Content-Type")) {
		// The envelope could not be read: answer in the version the
		// client announced.
		version = soap.SOAP12
	}
	entry.Operation, entry.Computer, entry.Group = c.op, c.computer, c.group
	if len(c.summary) > 0 {
		entry.Request = c.summary
	}
	if err != nil {
		var httpErr *behaviour.HTTPError
		if errors.As(err, &httpErr) {
			entry.Outcome, entry.Status, entry.Detail = "http", httpErr.Status, httpErr.Error()
			s.record(r, entry)
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(httpErr.Status)
			io.WriteString(w, httpErr.Body)
			return
		}
		f := s.toFault(c, err)
		entry.Outcome, entry.Status = "fault", f.Status()
		if f.Detail != nil {
			entry.ErrorCode, entry.FaultID = f.Detail.ErrorCode, f.Detail.ID
		}
		entry.Detail = err.Error()
		if c.req == nil && errors.Is(err, soap.ErrTooLarge) {
			// Too large by its size (an envelope over its element count
			// has been read whole).
			entry.Detail += "; " + s.discardOversize(w, r)
		}
		s.record(r, entry)
		if f.Status() == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", http.MethodPost) // RFC 9110 15.5.6: a 405 lists the methods allowed
		}
		out, finish := s.compressor(w, r)
		werr := soap.WriteFault(out, version, f)
		if werr == nil {
			werr = finish()
		}
		if werr != nil {
			s.cfg.Logf("mockwsus: writing fault: %v", werr)
		}
		return
	}
	entry.Outcome, entry.Status, entry.Detail = "ok", http.StatusOK, c.detail
	s.record(r, entry)
	framing := soap.FramingASMX
	if svc == clientService && s.modern.Load() {
		framing = soap.FramingWCF
	}
	if svc == reportingService && s.modern.Load() {
		w = cacheControlWriter{ResponseWriter: w, value: "private, max-age=0"}
	}
	out, finish := s.compressor(w, r)
	werr := writeAnswer(out, version, framing, resp)
	if werr == nil {
		werr = finish()
	}
	if werr != nil {
		s.cfg.Logf("mockwsus: writing response: %v", werr)
	}
}

// soap12ContentType reports whether ct announces a SOAP 1.2 message.
func soap12ContentType(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/soap+xml")
}

// dispatch reads the envelope, resolves the operation and runs it.
func (s *Server) dispatch(c *call) (any, error) {
	req, err := soap.ReadRequest(c.httpReq, s.cfg.MaxBody)
	if err != nil {
		return nil, err
	}
	c.req = req
	// The openings are at most the '<' (counted by bytes.Count's vector
	// code): only a request with more '<' than the limit needs the exact
	// count, a real one never does (issue 17: 4% of a SyncUpdates' CPU).
	if bytes.Count(req.Raw, openAngle) > s.cfg.MaxElements {
		if n := countOpenings(req.Raw); n > s.cfg.MaxElements {
			// Start tags (and comments, declarations), counted before
			// decoding, which is what costs memory.
			return nil, fmt.Errorf("%w: %d elements, the limit is %d", soap.ErrTooLarge, n, s.cfg.MaxElements)
		}
	}
	op := req.Action[strings.LastIndex(req.Action, "/")+1:]
	fn, ok := c.svc.ops[op]
	if !ok && s.modern.Load() {
		fn, ok = c.svc.modernOps[op]
	}
	if !ok || req.Action != c.svc.namespace+"/"+op {
		return nil, &asmxError{status: http.StatusInternalServerError, msg: fmt.Sprintf("Server did not recognize the value of HTTP Header SOAPAction: %s.", req.Action)}
	}
	c.op = op
	if req.Operation.Local != op || req.Operation.Space != c.svc.namespace {
		return nil, &asmxError{status: http.StatusInternalServerError, msg: fmt.Sprintf("Server was unable to read request. ---> The body element {%s}%s does not match the action %s.", req.Operation.Space, req.Operation.Local, req.Action)}
	}
	if err := s.intercept(c); err != nil {
		return nil, err
	}
	return fn(s, c)
}

// interceptHTTP runs the hooks that stand in front of routing (IIS), with
// whole-server modes.
func (s *Server) interceptHTTP(r *http.Request) error {
	for _, name := range behaviourNames() {
		hook, ok := behaviour.Registry[name].(behaviour.HTTPInterceptor)
		if !ok {
			continue
		}
		if err := hook.InterceptHTTP(s.Mode(name, ""), r.Method, r.URL.Path); err != nil {
			return err
		}
	}
	return nil
}

// maxInstalledPrerequisites is the limit in force for a computer's group.
func (s *Server) maxInstalledPrerequisites(group string) int {
	limit := s.cfg.MaxInstalledPrerequisites
	for _, name := range behaviourNames() {
		if hook, ok := behaviour.Registry[name].(behaviour.PrerequisiteLimiter); ok {
			limit = hook.MaxInstalledPrerequisites(s.Mode(name, group), limit)
		}
	}
	return limit
}

// forceTruncated reports whether a behaviour makes every page Truncated.
func (s *Server) forceTruncated(group string) bool {
	for _, name := range behaviourNames() {
		if hook, ok := behaviour.Registry[name].(behaviour.TruncationForcer); ok && hook.ForceTruncated(s.Mode(name, group)) {
			return true
		}
	}
	return false
}

// intercept runs the request-level hooks of active behaviours.
func (s *Server) intercept(c *call) error {
	for _, name := range behaviourNames() {
		hook, ok := behaviour.Registry[name].(behaviour.RequestInterceptor)
		if !ok {
			continue
		}
		if err := hook.Intercept(s.Mode(name, c.group), c.svc.name, c.op); err != nil {
			return err
		}
	}
	return nil
}

// asmxError is a failure ASP.NET itself reports before WSUS code runs: its
// faults have no WSUS detail.
type asmxError struct {
	status int
	msg    string
}

func (e *asmxError) Error() string { return "mockwsus: " + e.msg }

// wsusError is a failure WSUS code reports with an ErrorCode.
type wsusError struct {
	code    string // ErrorCode
	message string // detail Message
	client  bool   // faultcode Client rather than Server
	cause   error
}

func (e *wsusError) Error() string {
	msg := "mockwsus: " + e.code
	if e.message != "" {
		msg += ": " + e.message
	}
	if e.cause != nil {
		msg += ": " + e.cause.Error()
	}
	return msg
}

func (e *wsusError) Unwrap() error { return e.cause }

func invalidParameters(param string, format string, args ...any) error {
	return &wsusError{code: "InvalidParameters", message: param, client: true, cause: fmt.Errorf(format, args...)}
}

// toFault is the one place that turns an error into a SOAP fault, writing
// SoftwareDistribution.log as WSUS did along the way.
func (s *Server) toFault(c *call, err error) *soap.Fault {
	method := ""
	if c.req != nil {
		method = c.req.QuotedAction
	}
	actor := "http://" + c.httpReq.Host + c.httpReq.URL.Path
	newFault := func(code string, errorCode, message string, client bool) *soap.Fault {
		id := s.nextFaultID()
		fc := soap.CodeServer
		if client {
			fc = soap.CodeClient
		}
		clientFlag := "?"
		s.sdl.ThrowException(c.thread, actor, id, errorCode, message, clientFlag)
		return &soap.Fault{Code: fc, Detail: &soap.FaultDetail{ErrorCode: errorCode, Message: message, ID: id, Method: method}, Cause: err}
	}
	var exc *behaviour.Exception
	var we *wsusError
	var ae *asmxError
	switch {
	case errors.As(err, &exc):
		s.metrics.fault(exc.Behaviour)
		s.sdl.Exception(c.thread, c.svc.logSource(c.op), exc.Type, exc.Message, exc.Stack)
		code := exc.ErrorCode
		if code == "" {
			code = "InternalServerError"
		}
		return newFault(code, code, exc.FaultMessage, exc.Client)
	case errors.As(err, &we):
		if we.code == "InternalServerError" {
			s.sdl.Error(c.thread, c.svc.logSource(c.op), err.Error())
		}
		return newFault(we.code, we.code, we.message, we.client)
	case errors.As(err, &ae):
		// ASP.NET refused the request before WSUS code ran: WSUS logged
		// nothing (its SoapUtilities.CreateException never saw it).
		return &soap.Fault{Code: soap.CodeClient, String: ae.msg, HTTPStatus: ae.status, Cause: err}
	case errors.Is(err, soap.ErrTooLarge):
		return &soap.Fault{Code: soap.CodeClient, String: "Maximum request length exceeded. (" + err.Error() + ")", HTTPStatus: http.StatusRequestEntityTooLarge, Cause: err}
	case errors.Is(err, soap.ErrTimeout):
		// IIS answers a request whose body does not come in time with 408
		// before ASP.NET sees it.
		return &soap.Fault{Code: soap.CodeClient, String: "Request timed out. (" + err.Error() + ")", HTTPStatus: http.StatusRequestTimeout, Cause: err}
	case errors.Is(err, soap.ErrMethod):
		return &soap.Fault{Code: soap.CodeClient, String: err.Error(), HTTPStatus: http.StatusMethodNotAllowed, Cause: err}
	case errors.Is(err, soap.ErrContentType):
		return &soap.Fault{Code: soap.CodeClient, String: err.Error(), HTTPStatus: http.StatusUnsupportedMediaType, Cause: err}
	case errors.Is(err, soap.ErrVersionMismatch):
		return &soap.Fault{Code: soap.CodeVersionMismatch, String: err.Error(), Cause: err}
	case errors.Is(err, soap.ErrNoAction), errors.Is(err, soap.ErrMalformed), errors.Is(err, soap.ErrEmptyBody):
		return &soap.Fault{Code: soap.CodeClient, String: "Server was unable to read request. ---> " + err.Error(), HTTPStatus: http.StatusBadRequest, Cause: err}
	default:
		// An error nobody classified is a bug of the mock; WSUS would have
		// answered InternalServerError, and so do we, loudly.
		s.cfg.Logf("mockwsus: unclassified error in %s: %v", c.op, err)
		s.sdl.Error(c.thread, c.svc.logSource(c.op), err.Error())
		return newFault("InternalServerError", "InternalServerError", "", false)
	}
}

func (svc *service) logSource(op string) string {
	switch svc {
	case authService:
		return "SimpleAuthImplementation." + op
	case reportingService:
		return "ReportingWebService." + op
	}
	return "ClientImplementation." + op
}

func (s *Server) nextFaultID() string {
	s.mu.RLock()
	src := s.faultIDs
	s.mu.RUnlock()
	return src.GUID()
}
