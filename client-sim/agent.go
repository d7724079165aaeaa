package clientsim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wsusmock/wsusmock/client-sim/wulog"
	"github.com/wsusmock/wsusmock/clock"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/soap/simpleauth"
)

// plugInSimpleTargeting is the SimpleAuth plug-in WSUS names in GetConfig.
const plugInSimpleTargeting = "SimpleTargeting"

// defaultMaxExtendedUpdates applies when GetConfig has no usable
// MaxExtendedUpdatesPerRequest (the MS-WUSP example's 50).
const defaultMaxExtendedUpdates = 50

// Agent is one simulated Windows Update Agent 7.x on one computer. It keeps
// what the real agent keeps between searches (configuration, cookie,
// registration, received updates), so a second Sync reuses the cookie and
// sends the cached revision IDs. An Agent runs one Sync at a time.
type Agent struct {
	cfg       Config
	id        identity
	urls      serverURLs
	clk       clock.Clock
	stopwatch clock.Clock
	log       *wulog.Writer
	client    *http.Client
	userAgent string
	locales   []string
	started   bool

	// State kept between searches.
	config      *clientws.Config
	authURL     string
	maxExtended int
	cookie      *clientws.Cookie
	registered  bool
	cache       *updateCache
}

// New returns an agent for cfg.
func New(cfg Config) (*Agent, error) {
	if cfg.Profile == nil {
		return nil, errors.New("clientsim: no machine profile: set Config.Profile (e.g. profile.Builtin(\"xp-sp3\"))")
	}
	urls, err := parseServerURL(cfg.ServerURL)
	if err != nil {
		return nil, err
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Stopwatch == nil {
		cfg.Stopwatch = clock.Real{}
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	if cfg.MaxRoundTrips <= 0 {
		cfg.MaxRoundTrips = DefaultMaxRoundTrips
	}
	if cfg.MaxRedirects <= 0 {
		cfg.MaxRedirects = DefaultMaxRedirects
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if len(cfg.Locales) == 0 {
		cfg.Locales = DefaultLocales
	}
	if cfg.LogFormat != wulog.Classic && cfg.LogFormat != wulog.WUA10 {
		return nil, fmt.Errorf("clientsim: unknown log format %v (want wulog.Classic or wulog.WUA10)", cfg.LogFormat)
	}
	a := &Agent{
		cfg:       cfg,
		id:        cfg.identity(),
		urls:      urls,
		clk:       cfg.Clock,
		stopwatch: cfg.Stopwatch,
		client:    newHTTPClient(cfg.HTTPClient, cfg.MaxRedirects),
		locales:   cfg.Locales,
		cache:     newUpdateCache(),
	}
	out := cfg.Log
	if out == nil {
		out = io.Discard
	}
	a.log = wulog.New(out, cfg.LogFormat, cfg.Clock, a.id.pid, a.id.tid)
	if cfg.LogLocation != nil {
		a.log = a.log.WithLocation(cfg.LogLocation)
	}
	// The User-Agent of a WUA 7 is not known (protocol notes, open question
	// 10); this follows the shape of the captured WUA 10 one.
	a.userAgent = fmt.Sprintf("Windows-Update-Agent/%s Client-Protocol/%s", cfg.Profile.AgentVersion, ProtocolVersion)
	return a, nil
}

// ClientID returns the agent's SusClientId.
func (a *Agent) ClientID() string { return a.id.clientID }

// ComputerName returns the agent's DNS name.
func (a *Agent) ComputerName() string { return a.id.computer }

// Run is New followed by one Sync.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	a, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return a.Sync(ctx)
}

// session is the state of one search.
type session struct {
	*Agent
	res         *Result
	flavour     wulog.Flavour
	maxTrips    int
	maxBody     int64
	callTimeout time.Duration
	// recovering is set while the agent runs the calls an ErrorCode
	// prescribes; a fault inside a recovery is final, which bounds them.
	recovering bool
}

// Sync runs one search (Automatic Updates' detection) against the server
// and returns its Result. A failed search is a Result with Success false,
// not an error; the error is non-nil only when ctx was cancelled or the log
// could not be written.
func (a *Agent) Sync(ctx context.Context) (*Result, error) {
	s := &session{
		Agent:       a,
		flavour:     a.cfg.LogFormat,
		maxTrips:    a.cfg.MaxRoundTrips,
		maxBody:     a.cfg.MaxResponseBytes,
		callTimeout: a.cfg.CallTimeout,
		res: &Result{
			Computer: a.id.computer, ClientID: a.id.clientID, Profile: a.cfg.Profile.Name,
			Server: a.cfg.ServerURL, Updates: []FoundUpdate{}, UnknownRules: []UnknownRule{},
			Calls: []Call{}, ReportedEvents: []int{},
		},
	}
	if !a.started {
		a.started = true
		a.log.LoggingInitialized(a.cfg.Profile.AgentVersion, a.tzOffset())
	}
	a.log.SearchStart(CallerID)
	fail := s.search(ctx)
	s.finish(ctx, fail)
	s.res.Timings = summariseTimings(s.res.latencies)
	var err error
	if ctx.Err() != nil {
		err = fmt.Errorf("clientsim: search of %s interrupted: %w", a.id.computer, ctx.Err())
	}
	if lerr := a.log.Err(); lerr != nil && err == nil {
		err = fmt.Errorf("clientsim: writing WindowsUpdate.log of %s: %w", a.id.computer, lerr)
	}
	return s.res, err
}

// tzOffset is the "tz: -0700" of the logging banner: the offset of the log
// location at the agent's start.
func (a *Agent) tzOffset() string {
	if loc := a.cfg.LogLocation; loc != nil {
		return clock.DefaultStart.In(loc).Format("-0700")
	}
	if _, ok := a.clk.(clock.Real); ok {
		// The wall clock logs local time.
		return time.Now().Format("-0700")
	}
	// Reading a virtual clock would advance it; the virtual clocks of this
	// project run in UTC.
	return "+0000"
}

// search runs the search up to the result; it returns the failure that
// ended it, or nil.
func (s *session) search(ctx context.Context) *exchangeError {
	if !s.cfg.SkipSelfUpdate {
		if e := s.selfUpdate(ctx); e != nil {
			return e
		}
	}
	s.log.SyncBanner("server updates", wulog.WSUSServiceID, s.urls.client)
	if e := s.ensureCookie(ctx); e != nil {
		return e
	}
	if e := s.syncSoftware(ctx); e != nil {
		return e
	}
	if e := s.syncDrivers(ctx); e != nil {
		return e
	}
	return s.extendedInfo(ctx)
}

// selfUpdate is the agent's self-update check: it fetches wuident.cab from
// the server's self-update tree. The cab says whether a newer agent is
// offered; the simulated agent never updates itself, so only the fetch
// matters. A failure ends the search, as "Skipping scan, self-update check
// returned" shows in real logs.
//
// Log lines [S: a WUA 7.6 log (theorypc.ca 2016) for the success lines;
// jjameson's 2008 WSUS SP1 post and the support article on 0x8024402C for
// the failure lines]; the signature lines of the success path are WUA 7.2's
// shorter form [I].
func (s *session) selfUpdate(ctx context.Context) *exchangeError {
	v := s.cfg.Profile.AgentVersion
	s.log.Line("Setup", "Checking for agent SelfUpdate")
	s.log.Line("Setup", fmt.Sprintf("Client version: Core: %s  Aux: %s", v, v))
	e := s.getFile(ctx, "SelfUpdate", s.urls.selfUpd)
	if e == nil {
		cab := `C:\WINDOWS\SoftwareDistribution\SelfUpdate\wuident.cab`
		s.log.Line("Misc", "Validating signature for "+cab+":")
		s.log.Line("Misc", " Microsoft signed: Yes")
		s.log.Line("Setup", "Skipping SelfUpdate check based on the /SKIP directive in wuident")
		s.log.Line("Setup", "SelfUpdate check completed.  SelfUpdate is NOT required.")
		return nil
	}
	low := e.hr
	if e.status != 0 {
		// The downloader reports the HTTP status as BG_E_HTTP_ERROR_*.
		low = bitsHTTPError(e.status)
	} else {
		s.log.Line("Misc", "WARNING: "+e.detail)
	}
	s.log.Line("Misc", fmt.Sprintf("WARNING: WinHttp: SendRequestToServerForFileInformation failed with 0x%08x", uint32(low)))
	s.log.Line("Misc", fmt.Sprintf("WARNING: WinHttp: ShouldFileBeDownloaded failed with 0x%08x", uint32(low)))
	s.log.Line("Misc", fmt.Sprintf("WARNING: DownloadFileInternal failed for %s: error 0x%08x", s.urls.selfUpd, uint32(low)))
	s.log.Line("Setup", fmt.Sprintf("FATAL: IsUpdateRequired failed with error 0x%08x", uint32(e.hr)))
	s.log.Line("Setup", fmt.Sprintf("WARNING: SelfUpdate: Default Service: IsUpdateRequired failed: 0x%08x", uint32(e.hr)))
	s.log.Line("Setup", fmt.Sprintf("WARNING: SelfUpdate: Default Service: IsUpdateRequired failed, error = 0x%08X", uint32(e.hr)))
	e.reason = "self-update check failed: " + e.reason
	return e
}

// ensureCookie makes sure the agent holds a cookie that has not expired:
// GetConfig (once; it is cached), GetAuthorizationCookie, GetCookie, and
// RegisterComputer when the server asks for registration.
func (s *session) ensureCookie(ctx context.Context) *exchangeError {
	if s.cookie != nil && s.clk.Now().Before(s.cookie.Expiration.Time) {
		return nil
	}
	s.log.CachedCookieExpired()
	if s.config == nil {
		if e := s.withRecovery(ctx, clientws.OpGetConfig, func() *exchangeError { return s.getConfig(ctx) }); e != nil {
			return e
		}
	}
	if e := s.authorize(ctx); e != nil {
		return e
	}
	if s.config.IsRegistrationRequired && !s.registered {
		return s.withRecovery(ctx, clientws.OpRegisterComputer, func() *exchangeError { return s.registerComputer(ctx) })
	}
	return nil
}

// authorize gets an authorization cookie from SimpleAuth and exchanges it
// for a client web service cookie.
func (s *session) authorize(ctx context.Context) *exchangeError {
	var auth *simpleauth.AuthorizationCookie
	e := s.withRecovery(ctx, simpleauth.OpGetAuthorizationCookie, func() *exchangeError {
		var err *exchangeError
		auth, err = s.getAuthorizationCookie(ctx)
		return err
	})
	if e != nil {
		return e
	}
	if auth == nil {
		// A recovery inside GetAuthorizationCookie already got a cookie.
		return nil
	}
	return s.withRecovery(ctx, clientws.OpGetCookie, func() *exchangeError { return s.getCookie(ctx, auth) })
}

func (s *session) getConfig(ctx context.Context) *exchangeError {
	var resp clientws.GetConfigResponse
	op := clientws.OpGetConfig
	if e := s.soapCall(ctx, op, s.urls.client, clientws.ActionGetConfig, &clientws.GetConfig{ProtocolVersion: ProtocolVersion}, &resp); e != nil {
		return e
	}
	cfg := resp.GetConfigResult
	if cfg == nil {
		return protocolError(op, HRSoapClientParse, "GetConfigResponse has no GetConfigResult")
	}
	authURL := ""
	if cfg.AuthInfo != nil {
		for _, p := range cfg.AuthInfo.AuthPlugInInfo {
			if p != nil && strings.EqualFold(p.PlugInID, plugInSimpleTargeting) {
				u, err := s.urls.resolve(p.ServiceUrl)
				if err != nil {
					return protocolError(op, HRInvalidConfigProp, err.Error())
				}
				authURL = u
				break
			}
		}
	}
	if authURL == "" {
		return protocolError(op, HRNoAuthPlugins, "GetConfig names no SimpleTargeting authorization plug-in")
	}
	s.config, s.authURL, s.maxExtended = cfg, authURL, defaultMaxExtendedUpdates
	if cfg.Properties != nil {
		for _, p := range cfg.Properties.ConfigurationProperty {
			if p != nil && p.Name == "MaxExtendedUpdatesPerRequest" {
				if n, err := strconv.Atoi(strings.TrimSpace(p.Value)); err == nil && n > 0 {
					s.maxExtended = n
				}
			}
		}
	}
	return nil
}

// protocolError is an answer that parsed but lacks what the agent needs.
func protocolError(op string, hr HResult, reason string) *exchangeError {
	return &exchangeError{op: op, hr: hr, status: http.StatusOK, reason: reason, detail: reason, protocol: true}
}

func (s *session) getAuthorizationCookie(ctx context.Context) (*simpleauth.AuthorizationCookie, *exchangeError) {
	op := simpleauth.OpGetAuthorizationCookie
	s.log.SimpleTargetingCookie(s.id.clientID, s.cfg.TargetGroup, s.id.computer, s.authURL)
	var resp simpleauth.GetAuthorizationCookieResponse
	req := &simpleauth.GetAuthorizationCookie{ClientId: s.id.clientID, TargetGroupName: s.cfg.TargetGroup, DnsName: s.id.computer}
	if e := s.soapCall(ctx, op, s.authURL, simpleauth.ActionGetAuthorizationCookie, req, &resp); e != nil {
		return nil, e
	}
	if resp.GetAuthorizationCookieResult == nil {
		return nil, protocolError(op, HRSoapClientParse, "GetAuthorizationCookieResponse has no GetAuthorizationCookieResult")
	}
	return resp.GetAuthorizationCookieResult, nil
}

func (s *session) getCookie(ctx context.Context, auth *simpleauth.AuthorizationCookie) *exchangeError {
	op := clientws.OpGetCookie
	req := &clientws.GetCookie{
		AuthCookies: &clientws.ArrayOfAuthorizationCookie{AuthorizationCookie: []*clientws.AuthorizationCookie{
			{PlugInId: auth.PlugInId, CookieData: auth.CookieData},
		}},
		OldCookie:       s.cookie,
		LastChange:      s.config.LastChange,
		CurrentTime:     clientws.NewDateTime(s.clk.Now()),
		ProtocolVersion: ProtocolVersion,
	}
	var resp clientws.GetCookieResponse
	if e := s.soapCall(ctx, op, s.urls.client, clientws.ActionGetCookie, req, &resp); e != nil {
		return e
	}
	if resp.GetCookieResult == nil {
		return protocolError(op, HRSoapClientParse, "GetCookieResponse has no GetCookieResult")
	}
	s.cookie = resp.GetCookieResult
	return nil
}

func (s *session) registerComputer(ctx context.Context) *exchangeError {
	var resp clientws.RegisterComputerResponse
	req := &clientws.RegisterComputer{Cookie: s.cookie, ComputerInfo: s.computerInfo()}
	if e := s.soapCall(ctx, clientws.OpRegisterComputer, s.urls.client, clientws.ActionRegisterComputer, req, &resp); e != nil {
		return e
	}
	s.registered = true
	return nil
}

// computerInfo describes the machine for RegisterComputer.
func (s *session) computerInfo() *clientws.ComputerInfo {
	p := s.cfg.Profile
	ver := [4]int16{}
	for i, part := range strings.SplitN(p.AgentVersion, ".", 4) {
		n, _ := strconv.Atoi(part)
		ver[i] = int16(n)
	}
	return &clientws.ComputerInfo{
		DnsName:                  s.id.computer,
		OSMajorVersion:           int32(p.OS.Major),
		OSMinorVersion:           int32(p.OS.Minor),
		OSBuildNumber:            int32(p.OS.Build),
		OSServicePackMajorNumber: int16(p.OS.SPMajor),
		OSServicePackMinorNumber: int16(p.OS.SPMinor),
		OSLocale:                 p.Locale,
		ComputerManufacturer:     p.Manufacturer,
		ComputerModel:            p.Model,
		BiosVersion:              p.BIOSVersion,
		BiosName:                 p.BIOSName,
		BiosReleaseDate:          clientws.NewDateTime(p.BIOSReleaseDate),
		ProcessorArchitecture:    processorArchitecture(s.cfg.Profile.ProcessorArchitecture.String()),
		SuiteMask:                int16(p.OS.SuiteMask),
		OldProductType:           byte(p.OS.ProductType),
		ClientVersionMajorNumber: ver[0],
		ClientVersionMinorNumber: ver[1],
		ClientVersionBuildNumber: ver[2],
		ClientVersionQfeNumber:   ver[3],
	}
}

// processorArchitecture names an architecture as the Reporting service's
// ProcessorArchitecture enumeration does.
func processorArchitecture(short string) string {
	switch short {
	case "x86":
		return "X86Compatible"
	case "ia64":
		return "IA64Compatible"
	case "amd64":
		return "Amd64Compatible"
	}
	return "Unknown"
}

// syncSoftware runs the software SyncUpdates rounds: while an answer is
// Truncated or brought a non-leaf update (whose evaluation may open the
// scope of further updates) the agent asks again, with what it now knows in
// InstalledNonLeafUpdateIDs and OtherCachedUpdateIDs.
func (s *session) syncSoftware(ctx context.Context) *exchangeError {
	for {
		info, e := s.syncUpdates(ctx, false)
		if e != nil {
			return e
		}
		moreNonLeaf := s.applySyncInfo(info)
		if !info.Truncated && !moreNonLeaf {
			return nil
		}
	}
}

// syncDrivers is the driver pass: SkipSoftwareSync with the machine's
// devices (the simulated machines report none).
func (s *session) syncDrivers(ctx context.Context) *exchangeError {
	info, e := s.syncUpdates(ctx, true)
	if e != nil {
		return e
	}
	s.applySyncInfo(info)
	return nil
}

func (s *session) syncUpdates(ctx context.Context, drivers bool) (*clientws.SyncInfo, *exchangeError) {
	op := clientws.OpSyncUpdates
	var resp clientws.SyncUpdatesResponse
	e := s.withRecovery(ctx, op, func() *exchangeError {
		installed, other := s.cache.syncIDs()
		resp = clientws.SyncUpdatesResponse{}
		return s.soapCall(ctx, op, s.urls.client, clientws.ActionSyncUpdates, syncUpdatesRequest(s.cookie, installed, other, drivers), &resp)
	})
	if e != nil {
		return nil, e
	}
	if resp.SyncUpdatesResult == nil {
		return nil, protocolError(op, HRSoapClientParse, "SyncUpdatesResponse has no SyncUpdatesResult")
	}
	if c := resp.SyncUpdatesResult.NewCookie; c != nil {
		s.cookie = c
	}
	return resp.SyncUpdatesResult, nil
}

// applySyncInfo evaluates and caches the updates of a SyncUpdates answer
// and drops the revisions that left the scope. It reports whether a new
// non-leaf update arrived.
func (s *session) applySyncInfo(info *clientws.SyncInfo) bool {
	nonLeaf := false
	for _, list := range []*clientws.ArrayOfUpdateInfo{info.NewUpdates, info.ChangedUpdates} {
		if list == nil {
			continue
		}
		for _, ui := range list.UpdateInfo {
			if ui == nil {
				continue
			}
			u := evaluateUpdateInfo(ui, s.cfg.Profile)
			if _, known := s.cache.byRev[u.rev]; !known && !u.isLeaf {
				nonLeaf = true
			}
			s.cache.add(u)
			if p := u.problem; p != nil {
				s.logProblem(u)
			}
		}
	}
	if info.OutOfScopeRevisionIDs != nil {
		s.cache.remove(info.OutOfScopeRevisionIDs.Int)
	}
	return nonLeaf
}

// logProblem writes the line WUA writes when it cannot evaluate a rule and
// records the update in the Result.
//
// Agent "WARNING: Failed to evaluate Installed rule, updateId =
// {GUID}.rev, hr = 80070057" [S a WUA 7.6 log, theorypc.ca 2016]; the
// Installable variant likewise. A Core fragment that does not parse is
// logged with the same line and rule "Core" [I].
func (s *session) logProblem(u *cachedUpdate) {
	p := u.problem
	s.res.UnknownRules = append(s.res.UnknownRules, *p)
	rule := strings.TrimPrefix(p.Rule, "Is")
	id := strings.ToUpper(u.id.UpdateID)
	if id == "" {
		id = fmt.Sprintf("revision %d", u.rev)
	} else {
		id = fmt.Sprintf("{%s}.%d", id, u.id.RevisionNumber)
	}
	s.log.Line("Agent", fmt.Sprintf("WARNING: Failed to evaluate %s rule, updateId = %s, hr = %x", rule, id, uint32(u.problemHR)))
	s.log.Line("Agent", "WARNING: "+p.Error)
}

// extendedInfo asks GetExtendedUpdateInfo about the found updates and
// their categories, in batches of MaxExtendedUpdatesPerRequest, for the
// Extended and LocalizedProperties fragments.
func (s *session) extendedInfo(ctx context.Context) *exchangeError {
	revs := s.cache.extendedTargets(s.cache.found())
	if len(revs) == 0 {
		return nil
	}
	s.log.SyncBanner("extended update info", wulog.WSUSServiceID, s.urls.client)
	op := clientws.OpGetExtendedUpdateInfo
	for start := 0; start < len(revs); start += s.maxExtended {
		batch := revs[start:min(start+s.maxExtended, len(revs))]
		var resp clientws.GetExtendedUpdateInfoResponse
		e := s.withRecovery(ctx, op, func() *exchangeError {
			resp = clientws.GetExtendedUpdateInfoResponse{}
			return s.soapCall(ctx, op, s.urls.client, clientws.ActionGetExtendedUpdateInfo, extendedInfoRequest(s.cookie, batch, s.locales), &resp)
		})
		if e != nil {
			return e
		}
		if err := s.cache.applyExtended(resp.GetExtendedUpdateInfoResult, s.locales); err != nil {
			// A fragment the agent cannot read leaves that update without a
			// title; WUA would drop it, the simulator keeps it and says so.
			s.log.Line("Agent", "WARNING: "+err.Error())
		}
	}
	return nil
}

// getFileLocations asks where the known files are now (after
// FileLocationChanged); its NewCookie replaces the cookie.
func (s *session) getFileLocations(ctx context.Context) *exchangeError {
	op := clientws.OpGetFileLocations
	var resp clientws.GetFileLocationsResponse
	req := &clientws.GetFileLocations{Cookie: s.cookie, FileDigests: &clientws.ArrayOfBase64Binary{Base64Binary: s.cache.fileDigests()}}
	if e := s.soapCall(ctx, op, s.urls.client, clientws.ActionGetFileLocations, req, &resp); e != nil {
		return e
	}
	if r := resp.GetFileLocationsResult; r != nil && r.NewCookie != nil {
		s.cookie = r.NewCookie
	}
	return nil
}

// refreshCache re-maps the cached revisions after the server changed.
func (s *session) refreshCache(ctx context.Context) *exchangeError {
	op := clientws.OpRefreshCache
	var resp clientws.RefreshCacheResponse
	req := &clientws.RefreshCache{Cookie: s.cookie, GlobalIDs: &clientws.ArrayOfUpdateIdentity{UpdateIdentity: s.cache.identities()}}
	if e := s.soapCall(ctx, op, s.urls.client, clientws.ActionRefreshCache, req, &resp); e != nil {
		return e
	}
	var results []*clientws.RefreshCacheResult
	if resp.RefreshCacheResult != nil {
		results = resp.RefreshCacheResult.RefreshCacheResult
	}
	s.cache.remap(results)
	return nil
}

// syncUpdatesRequest builds a SyncUpdates request: a software round, or the
// driver pass (SkipSoftwareSync with the machine's devices, none for the
// simulated machines). The generated types marshal in WSDL order, which is
// the order of the captured native requests.
func syncUpdatesRequest(cookie *clientws.Cookie, installed, other []int32, drivers bool) *clientws.SyncUpdates {
	params := &clientws.SyncUpdateParameters{
		ExpressQuery:              false,
		InstalledNonLeafUpdateIDs: &clientws.ArrayOfInt{Int: installed},
		OtherCachedUpdateIDs:      &clientws.ArrayOfInt{Int: other},
		SkipSoftwareSync:          drivers,
	}
	if drivers {
		params.SystemSpec = &clientws.ArrayOfDevice{}
	}
	return &clientws.SyncUpdates{Cookie: cookie, Parameters: params}
}

// extendedInfoRequest builds a GetExtendedUpdateInfo request for the
// Extended and LocalizedProperties fragments of revs.
func extendedInfoRequest(cookie *clientws.Cookie, revs []int32, locales []string) *clientws.GetExtendedUpdateInfo {
	return &clientws.GetExtendedUpdateInfo{
		Cookie:      cookie,
		RevisionIDs: &clientws.ArrayOfInt{Int: revs},
		InfoTypes: &clientws.ArrayOfXmlUpdateFragmentType{XmlUpdateFragmentType: []clientws.XmlUpdateFragmentType{
			clientws.XmlUpdateFragmentTypeExtended, clientws.XmlUpdateFragmentTypeLocalizedProperties,
		}},
		Locales: &clientws.ArrayOfString{String: locales},
	}
}
