// Package behaviour holds the named buggy/fixed behaviours of the WSUS mock.
// Each behaviour is one file whose doc comment says which real bug it
// reproduces, what triggers it, what the buggy and the fixed server do, and
// the source. The registry is the explicit list in Registry; an unknown name
// is an error everywhere (flags, scenarios, admin API).
//
// A behaviour never fails a request by looking at who asks: it changes how
// the server processes data (a Hashtable with add-only semantics, a page
// that never ends, a stopped application pool) and the failure follows from
// what the request and the catalog contain.
package behaviour

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/wsusmock/wsusmock/mockwsus/catalog"
)

// Mode is a behaviour's state: the buggy build or the fixed one.
type Mode string

// The two modes.
const (
	Buggy Mode = "buggy"
	Fixed Mode = "fixed"
)

// ParseMode parses "buggy" or "fixed" (also "on"/"off" for fault injections:
// on means the fault is active, i.e. buggy).
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "buggy", "on":
		return Buggy, nil
	case "fixed", "off":
		return Fixed, nil
	}
	return "", fmt.Errorf("behaviour: unknown mode %q (want buggy or fixed)", s)
}

// Info documents a behaviour.
type Info struct {
	Name    string `json:"name"`
	Bug     string `json:"bug"`
	Trigger string `json:"trigger"`
	Buggy   string `json:"buggy"`
	Fixed   string `json:"fixed"`
	Source  string `json:"source"`
}

// Behaviour is a named buggy/fixed switch of the server.
type Behaviour interface {
	Info() Info
	// DefaultMode is the mode of a server that reports the given WSUS
	// version (e.g. "3.1.6001.65").
	DefaultMode(serverVersion string) Mode
}

// DeploymentTable is the per-request table GetSyncInfo builds of the
// deployments of the revisions it reaches, keyed by revision ID.
type DeploymentTable interface {
	// Add records a deployment row of rev. An error is an exception of
	// the web service (see *Exception).
	Add(rev int32, d catalog.Deployment) error
	// Get returns the deployment GetSyncInfo will send for rev.
	Get(rev int32) (catalog.Deployment, bool)
}

// DeploymentTabler is a behaviour that decides how GetSyncInfo's deployment
// table treats a revision that has several deployment rows.
type DeploymentTabler interface {
	NewDeploymentTable(m Mode) DeploymentTable
}

// Exception is a .NET exception thrown inside the WSUS web service. The
// server logs it in SoftwareDistribution.log as WSUS did and answers with a
// SOAP fault carrying ErrorCode.
type Exception struct {
	// Type is the .NET type, e.g. System.ArgumentException.
	Type string
	// Message is the exception message.
	Message string
	// Stack is the .NET stack trace, innermost frame first, without "at ".
	Stack []string
	// ErrorCode is the WSUS ErrorCode of the fault (InternalServerError).
	ErrorCode string
	// FaultMessage is the fault detail's Message (empty for
	// InternalServerError, as WSUS sent it).
	FaultMessage string
	// Client says whether the fault code is Client rather than Server.
	Client bool
	// Behaviour names the behaviour that threw it, for the server's fault
	// counts (metrics); "" for the server's own exceptions.
	Behaviour string
}

// Error renders the exception as "behaviour: TYPE: MESSAGE".
func (e *Exception) Error() string {
	return fmt.Sprintf("behaviour: %s: %s", e.Type, e.Message)
}

// Registry lists every behaviour, by name. Keep it sorted by name.
var Registry = map[string]Behaviour{
	AppPoolDownName:               AppPoolDown{},
	AuthInternalErrorName:         AuthInternalError{},
	EndlessTruncationName:         EndlessTruncation{},
	Inject503WindowName:           Inject503Window{},
	InjectLatencyName:             InjectLatency{},
	InjectResetName:               InjectReset{},
	InjectSlowBodyName:            InjectSlowBody{},
	InjectTruncatedBodyName:       InjectTruncatedBody{},
	InjectWrongContentTypeName:    InjectWrongContentType{},
	KB954960Name:                  KB954960{},
	MaxInstalledPrerequisitesName: MaxInstalledPrerequisites{},
	SQLTimeoutName:                SQLTimeout{},
}

// ErrUnknown is the error of a name no behaviour has.
var ErrUnknown = errors.New("unknown behaviour")

// Lookup returns the named behaviour or an error listing the known names.
func Lookup(name string) (Behaviour, error) {
	b, ok := Registry[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return nil, fmt.Errorf("behaviour: %w %q (known: %s)", ErrUnknown, name, strings.Join(Names(), ", "))
	}
	return b, nil
}

// Names returns the registered names, sorted.
func Names() []string {
	out := make([]string, 0, len(Registry))
	for n := range Registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ParseAssignment parses "name=mode".
func ParseAssignment(s string) (string, Mode, error) {
	name, mode, ok := strings.Cut(s, "=")
	if !ok {
		return "", "", fmt.Errorf("behaviour: %q is not name=mode (e.g. kb954960=buggy)", s)
	}
	b, err := Lookup(name)
	if err != nil {
		return "", "", err
	}
	m, err := ParseMode(mode)
	if err != nil {
		return "", "", err
	}
	return b.Info().Name, m, nil
}

// CompareVersions compares dotted version strings numerically.
func CompareVersions(a, b string) int {
	for a != "" || b != "" {
		var as, bs string
		as, a, _ = strings.Cut(a, ".")
		bs, b, _ = strings.Cut(b, ".")
		if x, y := versionPart(as), versionPart(bs); x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// versionPart reads one component of a version as fmt.Sscanf's %d does
// (0 when it holds no number), without fmt for the usual plain digits: the
// server compares versions on every request.
func versionPart(s string) int {
	if s == "" || len(s) > 9 {
		return versionPartScanf(s)
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return versionPartScanf(s)
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func versionPartScanf(s string) int {
	var x int
	fmt.Sscanf(s, "%d", &x)
	return x
}

// RequestInterceptor is a behaviour that acts before an operation runs:
// a stopped application pool, an exception in one web method. It returns nil
// to let the request through, an *Exception for a failure inside WSUS code,
// or an *HTTPError for a failure in front of it (IIS, HTTP.sys).
type RequestInterceptor interface {
	Intercept(m Mode, service, op string) error
}

// HTTPError is an answer that is not SOAP at all, as IIS sends when the
// WSUS application pool is stopped.
type HTTPError struct {
	Status int
	Body   string
	// Behaviour names the behaviour that answered it ("" for the
	// server's own errors).
	Behaviour string
}

// Error renders the answer as "behaviour: HTTP STATUS".
func (e *HTTPError) Error() string {
	return fmt.Sprintf("behaviour: HTTP %d", e.Status)
}

// HTTPInterceptor is a behaviour that acts on every HTTP request before it is
// routed, as IIS does in front of a stopped application pool. It sees the
// whole-server mode (no computer is known yet).
type HTTPInterceptor interface {
	InterceptHTTP(m Mode, method, path string) error
}

// TruncationForcer is a behaviour that makes every SyncUpdates page say
// Truncated, whatever is left to send.
type TruncationForcer interface {
	ForceTruncated(m Mode) bool
}

// PrerequisiteLimiter is a behaviour that decides the server's
// maxInstalledPrerequisites, given the configured value.
type PrerequisiteLimiter interface {
	MaxInstalledPrerequisites(m Mode, configured int) int
}

// ResponseInjector is a transport fault injected where the server answers:
// a delay, a reset connection, a cut or trickled body, a 503, a wrong
// Content-Type. It sees the whole-server mode only (it acts on the
// connection, before any computer is known), and it is deterministic: the
// server counts every HTTP request it serves and hands the injector n, the
// number of the request since the injector was last switched on (from 1).
// The server notes the injection and n in the journal entry's Detail.
type ResponseInjector interface {
	// Injects reports whether request n is hit in mode m and, if it is,
	// says how in words for the journal.
	Injects(m Mode, n uint64) (note string, ok bool)
	// InjectResponse answers a request Injects hit. next serves the request
	// as the server would have, into the ResponseWriter it is given; an
	// injector that never calls it keeps the request from WSUS. Waits must
	// end when r's context does (client gone, server closed), so that no
	// injection holds up a shutdown past its drain deadline.
	InjectResponse(w http.ResponseWriter, r *http.Request, next func(http.ResponseWriter))
}

// IsInjector reports whether the named behaviour is a ResponseInjector (a
// transport fault, switched for the whole server only).
func IsInjector(name string) bool {
	b, err := Lookup(name)
	if err != nil {
		return false
	}
	_, ok := b.(ResponseInjector)
	return ok
}

// everyNth is the trigger of the "every Nth request" injections.
func everyNth(m Mode, n, every uint64) bool {
	return m == Buggy && n > 0 && n%every == 0
}
