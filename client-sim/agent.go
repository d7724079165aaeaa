package clientsim

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wsusmock/wsusmock/client-sim/profile"
	"github.com/wsusmock/wsusmock/client-sim/wulog"
	"github.com/wsusmock/wsusmock/clock"
	"github.com/wsusmock/wsusmock/internal/ids"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/soap/simpleauth"
)

// The authorization plug-ins MS-WUSP defines (2.2.2.2.1 GetConfig,
// AuthPlugInInfo): SimpleTargeting, whose cookie comes from the SimpleAuth
// web service at its ServiceUrl, and Anonymous, which has no web service.
const (
	plugInSimpleTargeting = "SimpleTargeting"
	plugInAnonymous       = "Anonymous"
)

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
	transport idleCloser // the agent's own connections; nil when the caller's RoundTripper is used as is
	userAgent string
	// protocolVersion is sent in GetConfig and GetCookie and as the
	// User-Agent's Client-Protocol.
	protocolVersion string
	wua10           bool
	flavour         wulog.Flavour
	// cv is the base of the MS-CV correlation vector WUA 10 sends; cvSeq
	// numbers the requests of a search.
	cv      string
	cvSeq   int
	locales []string
	started bool

	// State kept between searches.
	config      *clientws.Config
	plugIn      authPlugIn
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
	if len(cfg.Categories) > 0 && cfg.Profile.Agent.Generation != profile.WUA10 {
		return nil, fmt.Errorf("clientsim: profile %s: a search limited to categories needs a Windows 10/11 agent (profile win10 or win11): WUA 7 has no StartCategoryScan", cfg.Profile.Name)
	}
	wua10 := cfg.Profile.Agent.Generation == profile.WUA10
	flavour := cfg.LogFormat
	switch flavour {
	case wulog.Default:
		flavour = wulog.Classic
		if wua10 {
			flavour = wulog.WUA10
		}
	case wulog.Classic, wulog.WUA10:
	default:
		return nil, fmt.Errorf("clientsim: unknown log format %v (want wulog.Default, wulog.Classic or wulog.WUA10)", cfg.LogFormat)
	}
	client, transport := newHTTPClient(cfg.HTTPClient, urls.base, cfg.MaxRedirects)
	a := &Agent{
		cfg:       cfg,
		id:        cfg.identity(),
		urls:      urls,
		clk:       cfg.Clock,
		stopwatch: cfg.Stopwatch,
		client:    client,
		transport: transport,
		wua10:     wua10,
		flavour:   flavour,
		locales:   cfg.Locales,
		cache:     newUpdateCache(),
	}
	out := cfg.Log
	if out == nil {
		out = io.Discard
	}
	a.log = wulog.New(out, flavour, cfg.Clock, a.id.pid, a.id.tid)
	if cfg.LogLocation != nil {
		a.log = a.log.WithLocation(cfg.LogLocation)
	}
	// The User-Agent of a WUA 7 is not known (protocol notes, open question
	// 10); this follows the shape of the captured WUA 10 one, which the
	// WUA 10 profiles send as captured.
	ag := cfg.Profile.Agent
	a.protocolVersion = ProtocolVersion
	if ag.ClientProtocol != "" {
		a.protocolVersion = ag.ClientProtocol
	}
	uaVersion := cfg.Profile.AgentVersion
	if ag.UserAgentVersion != "" {
		uaVersion = ag.UserAgentVersion
	}
	a.userAgent = fmt.Sprintf("Windows-Update-Agent/%s Client-Protocol/%s", uaVersion, a.protocolVersion)
	a.cv = base64.StdEncoding.EncodeToString(ids.Derive(cfg.Seed, computerLabel(cfg.Index)+"ms-cv").Bytes(12))
	return a, nil
}

// callerID is the COM API client whose search the agent runs.
func (a *Agent) callerID() string {
	if a.wua10 {
		return CallerIDWUA10
	}
	return CallerID
}

// Close closes the agent's idle connections, as the agent closes its
// WinHTTP session. An Agent may Sync again after Close.
func (a *Agent) Close() {
	if a.transport != nil {
		a.transport.CloseIdleConnections()
	}
}

// ClientID returns the agent's SusClientId.
func (a *Agent) ClientID() string { return a.id.clientID }

// ComputerName returns the agent's DNS name.
func (a *Agent) ComputerName() string { return a.id.computer }

// Run is New followed by one Sync and Close.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	a, err := New(cfg)
	if err != nil {
		return nil, err
	}
	defer a.Close()
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
	// filter limits the software rounds to the categories StartCategoryScan
	// preferred; nil for a full search.
	filter *clientws.ArrayOfCategoryIdentifier
}

// Sync runs one search (Automatic Updates' detection) against the server
// and returns its Result. A failed search is a Result with Success false,
// not an error; the error is non-nil only when ctx was cancelled or the log
// could not be written.
func (a *Agent) Sync(ctx context.Context) (*Result, error) {
	a.cvSeq = 0
	s := &session{
		Agent:       a,
		flavour:     a.flavour,
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
	a.log.SearchStart(a.callerID())
	fail := s.search(ctx)
	s.finish(ctx, fail)
	// The protocol talker's WinHTTP session ends with the search: no
	// connection stays open until the next detection cycle.
	a.Close()
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
	// WUA 10 has no self-update check against WSUS: the captured native
	// Windows 11 flow has no /selfupdate request.
	if !s.cfg.SkipSelfUpdate && !s.wua10 {
		if e := s.selfUpdate(ctx); e != nil {
			return e
		}
	}
	s.log.SyncBanner("server updates", wulog.WSUSServiceID, s.urls.client)
	if e := s.ensureCookie(ctx); e != nil {
		return e
	}
	if e := s.categoryScan(ctx); e != nil {
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

// categoryScan starts a search limited to Config.Categories: MS-WUSP
// 3.1.5.6 has the client call StartCategoryScan before SyncUpdates, each
// requested category its own AND group, and MUST NOT call it when GetConfig's
// ProtocolVersion is below 3.2. GUIDs go out in lower case, as the captured
// agent writes them. The preferred categories the server returns
// become SyncUpdates' FilterCategoryIds; requested ones in error are logged
// [I: wording]. Against an older server (WSUS 3.0 SP1 says 3.1) the search
// is a full one.
func (s *session) categoryScan(ctx context.Context) *exchangeError {
	s.filter = nil
	if len(s.cfg.Categories) == 0 {
		return nil
	}
	if v := s.serverProtocolVersion(); !versionAtLeast(v, 3, 2) {
		s.log.Line(s.pt(), fmt.Sprintf("Server protocol version %q is below 3.2: no category scan, the search is not limited to categories", v))
		return nil
	}
	req := &clientws.StartCategoryScan{RequestedCategories: &clientws.ArrayOfCategoryRelationship{}}
	for i, c := range s.cfg.Categories {
		req.RequestedCategories.CategoryRelationship = append(req.RequestedCategories.CategoryRelationship,
			&clientws.CategoryRelationship{IndexOfAndGroup: int32(i), CategoryId: clientws.Guid(strings.ToLower(strings.Trim(c, "{}")))})
	}
	op := clientws.OpStartCategoryScan
	var resp clientws.StartCategoryScanResponse
	e := s.withRecovery(ctx, op, func() *exchangeError {
		resp = clientws.StartCategoryScanResponse{}
		return s.soapCall(ctx, op, s.urls.client, clientws.ActionStartCategoryScan, req, &resp)
	})
	if e != nil {
		return e
	}
	if bad := resp.RequestedCategoryIdsInError; bad != nil && len(bad.Guid) > 0 {
		ids := make([]string, len(bad.Guid))
		for i, g := range bad.Guid {
			ids[i] = string(g)
		}
		s.log.Line(s.pt(), "WARNING: Categories the server does not know: "+strings.Join(ids, ", "))
	}
	s.filter = &clientws.ArrayOfCategoryIdentifier{}
	if p := resp.PreferredCategoryIds; p != nil {
		for _, g := range p.Guid {
			s.filter.CategoryIdentifier = append(s.filter.CategoryIdentifier, &clientws.CategoryIdentifier{Id: g})
		}
	}
	return nil
}

// serverProtocolVersion is GetConfig's ProtocolVersion property ("" when the
// server gave none, as WSUS 2.0 did).
func (s *session) serverProtocolVersion() string {
	if s.config == nil || s.config.Properties == nil {
		return ""
	}
	for _, p := range s.config.Properties.ConfigurationProperty {
		if p != nil && p.Name == "ProtocolVersion" {
			return strings.TrimSpace(p.Value)
		}
	}
	return ""
}

// versionAtLeast compares a two-part version string with major.minor; a
// malformed one is older than any.
func versionAtLeast(v string, major, minor int) bool {
	a, b, ok := strings.Cut(v, ".")
	x, err1 := strconv.Atoi(a)
	y, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil {
		return false
	}
	return x > major || x == major && y >= minor
}

// selfUpdate is the agent's self-update check: it fetches wuident.cab
// from the server's self-update tree and checks what it got before it
// reads it: a cabinet (MSCF, a well-formed header), signed (an
// Authenticode PKCS#7 block the header's reserve points to) by Microsoft
// (a certificate issued to Microsoft Corporation; the simulator reads the
// certificates but does not verify the signature's digest or chain, having
// no Microsoft roots), then wuident.txt in it. The simulated agent never
// updates itself: a wuident.txt with the /SKIP directive says so, as the
// log then does; without one the check ends with no claim about it. A
// failure ends the search, as "Skipping scan, self-update check returned"
// shows in real logs.
//
// Log lines [S: a WUA 7.6 log (theorypc.ca 2016) for the success lines;
// jjameson's 2008 WSUS SP1 post and the support article on 0x8024402C for
// the download failure lines]; the signature lines of the success path are
// WUA 7.2's shorter form [I]; "WARNING: Digital Signatures on file F are
// not trusted: Error 0x%08x" for a file that fails the check [I: WUA 7's
// wording as remembered; no copy found], with the WinVerifyTrust error
// (winerror.h: TRUST_E_SUBJECT_FORM_UNKNOWN for a file that is not a
// cabinet, TRUST_E_NOSIGNATURE for an unsigned one, TRUST_E_SUBJECT_NOT_TRUSTED
// for one signed by someone else). A wuident.cab starts with a
// [SusClientUpdate] section (public vulnerability checks look for it in
// SoftwareDistribution\SelfUpdate\wuident.txt).
func (s *session) selfUpdate(ctx context.Context) *exchangeError {
	v := s.cfg.Profile.AgentVersion
	s.log.Line("Setup", "Checking for agent SelfUpdate")
	s.log.Line("Setup", fmt.Sprintf("Client version: Core: %s  Aux: %s", v, v))
	data, e := s.getFile(ctx, "SelfUpdate", s.urls.selfUpd)
	if e == nil {
		const cab = `C:\WINDOWS\SoftwareDistribution\SelfUpdate\wuident.cab`
		s.log.Line("Misc", "Validating signature for "+cab+":")
		skip, err := checkWuident(data)
		if err != nil {
			var ce *cabError
			errors.As(err, &ce)
			s.log.Line("Misc", fmt.Sprintf("WARNING: Digital Signatures on file %s are not trusted: Error 0x%08x", cab, uint32(ce.hr)))
			e = &exchangeError{op: "SelfUpdate", hr: ce.hr, status: http.StatusOK, reason: ce.reason, detail: ce.reason, protocol: true}
		} else {
			s.log.Line("Misc", " Microsoft signed: Yes")
			if skip {
				s.log.Line("Setup", "Skipping SelfUpdate check based on the /SKIP directive in wuident")
				s.log.Line("Setup", "SelfUpdate check completed.  SelfUpdate is NOT required.")
			}
			return nil
		}
	}
	low := e.hr
	switch {
	case e.protocol:
	case e.status != 0:
		// The downloader reports the HTTP status as BG_E_HTTP_ERROR_*.
		low = bitsHTTPError(e.status)
	default:
		s.log.Line("Misc", "WARNING: "+e.detail)
	}
	if !e.protocol {
		s.log.Line("Misc", fmt.Sprintf("WARNING: WinHttp: SendRequestToServerForFileInformation failed with 0x%08x", uint32(low)))
		s.log.Line("Misc", fmt.Sprintf("WARNING: WinHttp: ShouldFileBeDownloaded failed with 0x%08x", uint32(low)))
		s.log.Line("Misc", fmt.Sprintf("WARNING: DownloadFileInternal failed for %s: error 0x%08x", s.urls.selfUpd, uint32(low)))
	}
	s.log.Line("Setup", fmt.Sprintf("FATAL: IsUpdateRequired failed with error 0x%08x", uint32(e.hr)))
	s.log.Line("Setup", fmt.Sprintf("WARNING: SelfUpdate: Default Service: IsUpdateRequired failed: 0x%08x", uint32(e.hr)))
	s.log.Line("Setup", fmt.Sprintf("WARNING: SelfUpdate: Default Service: IsUpdateRequired failed, error = 0x%08X", uint32(e.hr)))
	e.reason = "self-update check failed: " + e.reason
	return e
}

// checkWuident checks a downloaded wuident.cab (see selfUpdate) and reports
// whether its wuident.txt has the /SKIP directive. The errors are
// *cabError.
func checkWuident(data []byte) (skip bool, err error) {
	cab, err := readCabinet(data)
	if err != nil {
		return false, err
	}
	orgs, err := cab.signers()
	if err != nil {
		return false, err
	}
	if !slices.Contains(orgs, microsoftSigned) {
		return false, &cabError{hr: HRTrustSubjectNotTrusted, reason: fmt.Sprintf("signed by %q, not by %s", orgs, microsoftSigned)}
	}
	txt, ok := cab.files["wuident.txt"]
	if !ok || !bytes.HasPrefix(bytes.TrimSpace(txt), []byte("[SusClientUpdate]")) {
		return false, &cabError{hr: HRTrustSubjectFormUnknown, reason: "the cabinet holds no wuident.txt starting with [SusClientUpdate]"}
	}
	return bytes.Contains(bytes.ToUpper(txt), []byte("/SKIP")), nil
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

// authPlugIn is one authorization plug-in GetConfig offered that the agent
// can use: its ID as the server spelled it and, for SimpleTargeting, the
// resolved SimpleAuth URL.
type authPlugIn struct {
	id  string
	url string
}

// authorize gets the authorization cookie of the plug-in the agent uses
// and exchanges it for a client web service cookie. MS-WUSP has the server
// offer exactly one plug-in, SimpleTargeting (2.2.2.2.1), and the client
// send exactly one AuthorizationCookie in GetCookie (2.2.2.2.2); servers
// written elsewhere offer Anonymous instead, which real agents accept. The
// agent uses the first plug-in it knows in the server's order:
// SimpleTargeting asks the SimpleAuth web service (GetAuthorizationCookie);
// Anonymous has no web service, so the agent makes its cookie itself and
// calls nothing (see anonymousCookie).
func (s *session) authorize(ctx context.Context) *exchangeError {
	var cookie *clientws.AuthorizationCookie
	switch p := s.plugIn; {
	case strings.EqualFold(p.id, plugInSimpleTargeting):
		var auth *simpleauth.AuthorizationCookie
		e := s.withRecovery(ctx, simpleauth.OpGetAuthorizationCookie, func() *exchangeError {
			var err *exchangeError
			auth, err = s.getAuthorizationCookie(ctx, p.url)
			return err
		})
		if e != nil {
			return e
		}
		if auth == nil {
			// A recovery inside GetAuthorizationCookie already got a cookie.
			return nil
		}
		cookie = &clientws.AuthorizationCookie{PlugInId: auth.PlugInId, CookieData: auth.CookieData}
	default:
		cookie = s.anonymousCookie(p.id)
	}
	return s.withRecovery(ctx, clientws.OpGetCookie, func() *exchangeError {
		return s.getCookie(ctx, []*clientws.AuthorizationCookie{cookie})
	})
}

// anonymousCookie is the authorization cookie of the Anonymous plug-in,
// which the agent makes itself. MS-WUSP does not describe the plug-in; its
// AuthorizationCookie (2.2.3.4) names the plug-in in PlugInId and wants
// CookieData present, one or more bytes that SHOULD carry the client ID, so
// the agent puts the SusClientId there, as the 16 bytes of the GUID in
// Windows' (mixed-endian) layout [I: the real bytes are not published; a
// server that offers Anonymous does not read them].
func (s *session) anonymousCookie(id string) *clientws.AuthorizationCookie {
	return &clientws.AuthorizationCookie{PlugInId: id, CookieData: guidBytes(s.id.clientID)}
}

func (s *session) getConfig(ctx context.Context) *exchangeError {
	var resp clientws.GetConfigResponse
	op := clientws.OpGetConfig
	if e := s.soapCall(ctx, op, s.urls.client, clientws.ActionGetConfig, &clientws.GetConfig{ProtocolVersion: s.protocolVersion}, &resp); e != nil {
		return e
	}
	cfg := resp.GetConfigResult
	if cfg == nil {
		return protocolError(op, HRSoapClientParse, "GetConfigResponse has no GetConfigResult")
	}
	plugIns, e := s.usablePlugIns(op, cfg)
	if e != nil {
		return e
	}
	s.config, s.plugIn, s.maxExtended = cfg, plugIns[0], defaultMaxExtendedUpdates
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

// usablePlugIns picks the plug-ins of GetConfig's AuthInfo the agent knows
// (SimpleTargeting, MS-WUSP 2.2.2.2.1; Anonymous), in the server's order.
// No plug-in at all is WU_E_PT_NO_AUTH_PLUGINS_REQUESTED; only plug-ins the
// agent does not know is WU_E_PT_NO_AUTH_COOKIES_CREATED (wuerror.h).
func (s *session) usablePlugIns(op string, cfg *clientws.Config) ([]authPlugIn, *exchangeError) {
	var offered, usable []authPlugIn
	if cfg.AuthInfo != nil {
		for _, p := range cfg.AuthInfo.AuthPlugInInfo {
			if p == nil {
				continue
			}
			id := strings.TrimSpace(p.PlugInID)
			offered = append(offered, authPlugIn{id: id})
			switch {
			case strings.EqualFold(id, plugInSimpleTargeting):
				u, err := s.urls.resolve(p.ServiceUrl)
				if err != nil {
					return nil, protocolError(op, HRInvalidConfigProp, err.Error())
				}
				usable = append(usable, authPlugIn{id: id, url: u})
			case strings.EqualFold(id, plugInAnonymous):
				usable = append(usable, authPlugIn{id: id})
			}
		}
	}
	switch {
	case len(offered) == 0:
		return nil, protocolError(op, HRNoAuthPlugins, "GetConfig names no authorization plug-in (AuthInfo is empty)")
	case len(usable) == 0:
		ids := make([]string, len(offered))
		for i, p := range offered {
			ids[i] = p.id
		}
		return nil, protocolError(op, HRNoAuthCookies, fmt.Sprintf("GetConfig names only authorization plug-ins the agent does not know (%s); it knows SimpleTargeting and Anonymous", strings.Join(ids, ", ")))
	}
	return usable, nil
}

// protocolError is an answer that parsed but lacks what the agent needs.
func protocolError(op string, hr HResult, reason string) *exchangeError {
	return &exchangeError{op: op, hr: hr, status: http.StatusOK, reason: reason, detail: reason, protocol: true}
}

func (s *session) getAuthorizationCookie(ctx context.Context, authURL string) (*simpleauth.AuthorizationCookie, *exchangeError) {
	op := simpleauth.OpGetAuthorizationCookie
	s.log.SimpleTargetingCookie(s.id.clientID, s.cfg.TargetGroup, s.id.computer, authURL)
	var resp simpleauth.GetAuthorizationCookieResponse
	req := &simpleauth.GetAuthorizationCookie{ClientId: s.id.clientID, TargetGroupName: s.cfg.TargetGroup, DnsName: s.id.computer}
	if e := s.soapCall(ctx, op, authURL, simpleauth.ActionGetAuthorizationCookie, req, &resp); e != nil {
		return nil, e
	}
	if resp.GetAuthorizationCookieResult == nil {
		return nil, protocolError(op, HRSoapClientParse, "GetAuthorizationCookieResponse has no GetAuthorizationCookieResult")
	}
	return resp.GetAuthorizationCookieResult, nil
}

func (s *session) getCookie(ctx context.Context, auth []*clientws.AuthorizationCookie) *exchangeError {
	op := clientws.OpGetCookie
	req := &clientws.GetCookie{
		AuthCookies:     &clientws.ArrayOfAuthorizationCookie{AuthorizationCookie: auth},
		OldCookie:       s.cookie,
		LastChange:      s.config.LastChange,
		CurrentTime:     clientws.NewDateTime(s.clk.Now()),
		ProtocolVersion: s.protocolVersion,
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
		return s.soapCall(ctx, op, s.urls.client, clientws.ActionSyncUpdates, s.syncUpdatesRequest(installed, other, drivers), &resp)
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
			return s.soapCall(ctx, op, s.urls.client, clientws.ActionGetExtendedUpdateInfo, s.extendedInfoRequest(batch), &resp)
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
// driver pass (SkipSoftwareSync with the machine's devices). The generated
// types marshal in WSDL order, which is the order of the captured native
// requests.
//
// WUA 7 sends the historical core parameters (ExpressQuery, the two ID
// lists, SystemSpec, SkipSoftwareSync) and no devices. WUA 10 sends what the
// captured Windows 11 requests carry (flow/000001-000013 software rounds,
// 000014 the driver pass): NeedTwoGroupOutOfScopeUpdates and
// AlsoPerformRegularSync true, ComputerSpec (empty in software rounds; the
// computer hardware IDs in the driver pass, with FeatureScoreMatchingKey),
// ProductsParameters (SyncCurrentVersionOnly false, DeviceAttributes,
// CallerAttributes, Products), and in the driver pass the devices and no
// OtherCachedUpdateIDs.
func (s *session) syncUpdatesRequest(installed, other []int32, drivers bool) *clientws.SyncUpdates {
	params := &clientws.SyncUpdateParameters{
		ExpressQuery:              false,
		InstalledNonLeafUpdateIDs: &clientws.ArrayOfInt{Int: installed},
		OtherCachedUpdateIDs:      &clientws.ArrayOfInt{Int: other},
		SkipSoftwareSync:          drivers,
	}
	if !drivers {
		params.FilterCategoryIds = s.filter
	}
	if !s.wua10 {
		if drivers {
			params.SystemSpec = &clientws.ArrayOfDevice{}
		}
		return &clientws.SyncUpdates{Cookie: s.cookie, Parameters: params}
	}
	ag := s.cfg.Profile.Agent
	params.NeedTwoGroupOutOfScopeUpdates = true
	params.AlsoPerformRegularSync = true
	params.ComputerSpec = &clientws.ComputerHardwareSpecification{}
	params.ProductsParameters = &clientws.SyncProductsParameters{
		DeviceAttributes: ag.DeviceAttributes,
		CallerAttributes: ag.CallerAttributes,
		Products:         ag.Products,
	}
	if drivers {
		params.OtherCachedUpdateIDs = nil
		params.SystemSpec = wireDevices(ag.Devices)
		ids := make([]clientws.Guid, len(ag.HardwareIDs))
		for i, id := range ag.HardwareIDs {
			ids[i] = clientws.Guid(id)
		}
		params.ComputerSpec.HardwareIDs = &clientws.ArrayOfGuid{Guid: ids}
		params.FeatureScoreMatchingKey = ag.FeatureScoreMatchingKey
	}
	return &clientws.SyncUpdates{Cookie: s.cookie, Parameters: params}
}

// wireDevices is the SystemSpec of the driver pass.
func wireDevices(devices []profile.Device) *clientws.ArrayOfDevice {
	out := &clientws.ArrayOfDevice{}
	for _, d := range devices {
		w := &clientws.Device{DeviceFlags: d.Flags}
		if len(d.HardwareIDs) > 0 {
			w.HardwareIDs = &clientws.ArrayOfString{String: d.HardwareIDs}
		}
		if len(d.CompatibleIDs) > 0 {
			w.CompatibleIDs = &clientws.ArrayOfString{String: d.CompatibleIDs}
		}
		if drv := d.Driver; drv != nil {
			w.InstalledDriver = &clientws.InstalledDriver{
				MatchingID: drv.MatchingID, DriverVerDate: clientws.NewDateTime(drv.Date), DriverVerVersion: drv.Version,
				Class: drv.Class, Manufacturer: drv.Manufacturer, Provider: drv.Provider, Model: drv.Model, DriverRank: drv.Rank,
				SkipProviderFiltering: drv.Generic, IsGeneric: drv.Generic,
			}
		}
		if len(d.Extensions) > 0 {
			w.ExtensionDrivers = &clientws.ArrayOfExtensionDriver{}
			for _, x := range d.Extensions {
				w.ExtensionDrivers.ExtensionDriver = append(w.ExtensionDrivers.ExtensionDriver, &clientws.ExtensionDriver{
					ExtensionId: x.ID, DriverVerDate: clientws.NewDateTime(x.Date), DriverVerVersion: x.Version, Class: x.Class, DriverRank: x.Rank,
				})
			}
		}
		out.Device = append(out.Device, w)
	}
	return out
}

// extendedInfoRequest builds a GetExtendedUpdateInfo request for the
// Extended and LocalizedProperties fragments of revs; WUA 10 adds
// deviceAttributes, GeoId and callerAttributes (captured flow/000015).
func (s *session) extendedInfoRequest(revs []int32) *clientws.GetExtendedUpdateInfo {
	req := &clientws.GetExtendedUpdateInfo{
		Cookie:      s.cookie,
		RevisionIDs: &clientws.ArrayOfInt{Int: revs},
		InfoTypes: &clientws.ArrayOfXmlUpdateFragmentType{XmlUpdateFragmentType: []clientws.XmlUpdateFragmentType{
			clientws.XmlUpdateFragmentTypeExtended, clientws.XmlUpdateFragmentTypeLocalizedProperties,
		}},
		Locales: &clientws.ArrayOfString{String: s.locales},
	}
	if s.wua10 {
		ag := s.cfg.Profile.Agent
		req.DeviceAttributes, req.GeoId, req.CallerAttributes = ag.DeviceAttributes, ag.GeoID, ag.CallerAttributes
	}
	return req
}

// guidBytes is the 16-byte Windows layout of a GUID string (Data1, Data2 and
// Data3 little-endian, Data4 as written); a malformed GUID gives its text.
func guidBytes(g string) []byte {
	h := strings.ReplaceAll(strings.Trim(g, "{}"), "-", "")
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != 16 {
		return []byte(g)
	}
	b[0], b[1], b[2], b[3] = b[3], b[2], b[1], b[0]
	b[4], b[5] = b[5], b[4]
	b[6], b[7] = b[7], b[6]
	return b
}
