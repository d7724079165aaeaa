package clientsim

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/wsusmock/wsusmock/client-sim/profile"
	"github.com/wsusmock/wsusmock/client-sim/wulog"
	"github.com/wsusmock/wsusmock/clock"
	"github.com/wsusmock/wsusmock/internal/ids"
)

// Defaults of Config.
const (
	// DefaultCallTimeout bounds every exchange (connect, send, answer): the
	// agent never waits longer for one call.
	DefaultCallTimeout = 30 * time.Second
	// DefaultMaxRoundTrips is how many exchanges one search may make before
	// it fails with WU_E_PT_EXCEEDED_MAX_SERVER_TRIPS (0x80244010). It is
	// the bound that ends an endless Truncated loop.
	DefaultMaxRoundTrips = 200
	// DefaultMaxRedirects is how many HTTP redirects a call follows, as
	// WinHTTP's default WINHTTP_OPTION_MAX_HTTP_AUTOMATIC_REDIRECTS (10).
	DefaultMaxRedirects = 10
	// DefaultMaxResponseBytes bounds a response body read into memory.
	DefaultMaxResponseBytes = 64 << 20
	// DefaultDomain is appended to derived computer names.
	DefaultDomain = "lab.local"
	// CallerID is the COM API client that searches on WUA 7: Automatic
	// Updates.
	CallerID = "AutomaticUpdates"
	// CallerIDWUA10 is the one that searches on Windows 10 and 11: the
	// Update Orchestrator (usoclient StartScan), which replaced Automatic
	// Updates.
	CallerIDWUA10 = "UpdateOrchestrator"
	// ProtocolVersion is what the agent sends as protocolVersion in
	// GetConfig and GetCookie: "1.0", as in the MS-WUSP example exchange.
	// The value a WUA 7.x really sent is not known (protocol notes, open
	// question 10); the mock does not check it.
	ProtocolVersion = "1.0"
)

// DefaultLocales are the locales GetExtendedUpdateInfo asks for, as the
// real agent does (captures: en-US then en).
var DefaultLocales = []string{"en-US", "en"}

// Config describes one simulated computer and how it talks to the server.
// Only ServerURL and Profile are required.
type Config struct {
	// ServerURL is the WUServer policy value, e.g. http://wsus01:8530. The
	// services are under it: /ClientWebService/client.asmx,
	// /ReportingWebService/ReportingWebService.asmx, /selfupdate/; the
	// SimpleAuth URL comes from GetConfig.
	ServerURL string
	// Profile is the machine the agent runs on; its rules are evaluated
	// against it.
	Profile *profile.Profile

	// Seed and Index fix the computer's identity: client ID, computer
	// name, process and thread IDs in the log, event GUIDs. Index numbers
	// computers of one fleet (from 0); a single computer is index 0.
	Seed  uint64
	Index int
	// ComputerName is the DNS name; "" derives one from the profile and
	// Index, e.g. XPSP3-OFF-0001.lab.local.
	ComputerName string
	// ClientID is the SusClientId; "" derives a GUID from Seed and Index.
	ClientID string
	// TargetGroup is the client-side targeting group sent to SimpleAuth;
	// "" for none.
	TargetGroup string

	// Clock stamps the log, the reporting events and the cookie requests;
	// nil means the real clock. Use a clock.Virtual for byte-stable output.
	Clock clock.Clock
	// Stopwatch measures the per-operation Timings of the Result; nil
	// means the real clock. It never reaches the log.
	Stopwatch clock.Clock

	// Log receives WindowsUpdate.log lines; nil discards them.
	Log io.Writer
	// LogFormat is the WindowsUpdate.log flavour. It also decides the
	// HRESULT of a SOAP fault: WUA 7 reports 0x8024400E/0x8024400D by fault
	// code, WUA 10 0x80244007 for every fault, and the Result reports what
	// the log says.
	LogFormat wulog.Flavour
	// LogLocation is the time zone of the log and of the REPORT EVENT
	// lines; nil means the clock's (UTC for clock.DefaultStart).
	LogLocation *time.Location

	// HTTPClient sends the requests; nil means the computer's own
	// connections (h1client's transport, or net/http's when the
	// environment names a proxy for the server). A Transport that is an
	// *http.Transport is cloned per computer; any other RoundTripper is
	// shared as given. The agent wraps it with its own redirect limit and
	// never uses its Timeout (CallTimeout applies instead).
	HTTPClient *http.Client
	// CallTimeout bounds each exchange; 0 means DefaultCallTimeout.
	CallTimeout time.Duration
	// MaxRoundTrips bounds the exchanges of one search; 0 means
	// DefaultMaxRoundTrips.
	MaxRoundTrips int
	// MaxRedirects bounds the redirects one call follows; 0 means
	// DefaultMaxRedirects.
	MaxRedirects int
	// MaxResponseBytes bounds a response body; 0 means
	// DefaultMaxResponseBytes.
	MaxResponseBytes int64

	// SkipSelfUpdate leaves out the GET of /selfupdate/wuident.cab that
	// starts a real search.
	SkipSelfUpdate bool
	// SkipReporting leaves out ReportEventBatch.
	SkipReporting bool
	// Locales are asked for in GetExtendedUpdateInfo; nil means
	// DefaultLocales.
	Locales []string
	// Categories, when set, make the search one limited to these update
	// categories (GUIDs), as a WUA 10 caller may ask: the agent calls
	// StartCategoryScan first and filters SyncUpdates by the categories the
	// server prefers, when GetConfig's ProtocolVersion is 3.2 or later; an
	// older server MUST NOT be asked (MS-WUSP 3.1.5.6), so the search is
	// then a full one. Only WUA 10 profiles search by category.
	Categories []string
}

// identity is the derived, per-computer part of a Config.
type identity struct {
	computer string
	clientID string
	pid, tid uint32
	events   *ids.Source
}

// computerPrefixes are the NetBIOS name stems of the built-in profiles.
var computerPrefixes = map[string]string{
	"xp-sp3":            "XPSP3",
	"xp-sp3-office2003": "XPSP3-OFF",
	"server2003-sp2":    "W2K3SP2",
	"vista-sp1":         "VISTASP1",
	"server2008":        "W2K8",
}

// ComputerName returns the DNS name a computer of profileName gets at
// index: a NetBIOS-style stem, a four-digit number from 1, and
// DefaultDomain, e.g. XPSP3-OFF-0001.lab.local.
func ComputerName(profileName string, index int) string {
	stem, ok := computerPrefixes[profileName]
	if !ok {
		var b strings.Builder
		for _, r := range strings.ToUpper(profileName) {
			if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
				b.WriteRune(r)
			}
		}
		stem = b.String()
		if stem == "" {
			stem = "PC"
		}
		// NetBIOS names have 15 characters: leave room for "-NNNN".
		if len(stem) > 10 {
			stem = stem[:10]
		}
	}
	return fmt.Sprintf("%s-%04d.%s", stem, index+1, DefaultDomain)
}

// computerLabel is the ids.Derive label prefix of computer index.
func computerLabel(index int) string { return fmt.Sprintf("computer/%d/", index) }

// ClientID returns the SusClientId a computer gets from seed and index.
func ClientID(seed uint64, index int) string {
	return ids.Derive(seed, computerLabel(index)+"client-id").GUID()
}

func (c *Config) identity() identity {
	id := identity{computer: c.ComputerName, clientID: c.ClientID}
	if id.computer == "" {
		id.computer = ComputerName(c.Profile.Name, c.Index)
	}
	if id.clientID == "" {
		id.clientID = ClientID(c.Seed, c.Index)
	}
	src := ids.Derive(c.Seed, computerLabel(c.Index)+"process")
	// svchost.exe PIDs and its worker TIDs of the time: multiples of four
	// in the ranges the public logs show (788/ee4, 992/58c, 1532/1f40).
	id.pid = uint32(0x300 + 4*src.IntN(0x200))
	id.tid = uint32(0x400 + 4*src.IntN(0x700))
	id.events = ids.Derive(c.Seed, computerLabel(c.Index)+"events")
	return id
}

// serverURLs are the endpoints under a WUServer URL.
type serverURLs struct {
	base      *url.URL
	client    string
	reporting string
	selfUpd   string
}

func parseServerURL(s string) (serverURLs, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return serverURLs{}, fmt.Errorf("clientsim: server URL %q: want http://host[:port] or https://..., the WUServer policy value (e.g. http://wsus01:8530)", s)
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/"
	u.RawQuery, u.Fragment = "", ""
	base := strings.TrimRight(u.String(), "/")
	return serverURLs{
		base:      u,
		client:    base + "/ClientWebService/client.asmx",
		reporting: base + "/ReportingWebService/ReportingWebService.asmx",
		selfUpd:   base + "/selfupdate/wuident.cab",
	}, nil
}

// resolve resolves a URL GetConfig gave (the SimpleAuth ServiceUrl is
// relative: "SimpleAuthWebService/SimpleAuth.asmx") against the server URL.
func (s serverURLs) resolve(ref string) (string, error) {
	r, err := url.Parse(strings.TrimSpace(ref))
	if err != nil || strings.TrimSpace(ref) == "" {
		return "", fmt.Errorf("clientsim: GetConfig names SimpleAuth ServiceUrl %q, which is not a URL", ref)
	}
	abs := s.base.ResolveReference(r)
	if abs.Scheme != "http" && abs.Scheme != "https" {
		return "", fmt.Errorf("clientsim: GetConfig names SimpleAuth ServiceUrl %q, which is not an http(s) URL", ref)
	}
	return abs.String(), nil
}
