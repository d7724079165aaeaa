// Package scenarios is the declarative side of the harness: a YAML format that
// describes a WSUS server (version, behaviours, catalog, groups, approvals),
// the simulated computers that talk to it, ordered steps (sync, switch a
// behaviour, install the fix, approve, decline, wait on the virtual clock)
// and what must be observed after each step; a built-in library of the
// KB954960 proofs; and the runner that carries a scenario out end to end and
// writes its artifacts and verdict.
//
// Files are decoded strictly: an unknown field, a bad value, a name that does
// not exist (behaviour, profile, update, group, client) or an expectation that
// cannot be checked is refused before anything runs, with file:line:column.
package scenarios

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/wsusmock/wsusmock/client-sim/profile"
	"github.com/wsusmock/wsusmock/client-sim/wulog"
	"github.com/wsusmock/wsusmock/internal/yamlguard"
	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
)

// Scenario is one reproduction.
type Scenario struct {
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	Server      Server   `yaml:"server"`
	Clients     []Client `yaml:"clients"`
	Steps       []Step   `yaml:"steps"`

	// File is where the scenario was read from ("builtin:<name>" for the
	// library).
	File string `yaml:"-"`
	src  *source
}

// Server describes the WSUS server.
type Server struct {
	// Version is the WSUS version, e.g. 3.1.6001.65 (WSUS 3.0 SP1).
	Version string `yaml:"version"`
	// Behaviours sets modes (buggy|fixed) by behaviour name.
	Behaviours map[string]string `yaml:"behaviours"`
	// Catalog names a built-in catalog; "default" (or empty) is the WSUS 3.0
	// SP1 catalog of June 2008 with the Office 2003 SP1 double approval;
	// "many-detectoids" adds 420 detectoids installed on every XP computer;
	// "synthetic-N" adds N software updates (for measurements).
	Catalog string `yaml:"catalog"`
	// Seed fixes GUIDs, cookie keys and fault IDs (default 1).
	Seed uint64 `yaml:"seed"`
	// Groups adds target groups.
	Groups []string `yaml:"groups"`
	// Approvals are approved (as the console does) before the first step.
	Approvals []Approval `yaml:"approvals"`
	// Declines are declined before the first step.
	Declines []string `yaml:"declines"`
}

// Approval approves an update for a group.
type Approval struct {
	Update string `yaml:"update"`
	Group  string `yaml:"group"`
	Action string `yaml:"action"`
}

// Client is one simulated computer, or Count of them.
type Client struct {
	// Name identifies the client in steps and expectations.
	Name string `yaml:"name"`
	// Profile is a built-in profile name or a profile file (relative to the
	// scenario file).
	Profile string `yaml:"profile"`
	// Count makes several computers of this kind (default 1).
	Count int `yaml:"count"`
	// Group is the target group the computer asks for (client-side
	// targeting).
	Group string `yaml:"group"`
	// LogFormat is classic (WUA 7, default) or wua10.
	LogFormat string `yaml:"logFormat"`
}

// Step is one action and what must hold after it. Exactly one action field
// is set.
type Step struct {
	Name string `yaml:"name"`
	// Sync makes the named clients ("all" or a list) search for updates.
	Sync *Targets `yaml:"sync"`
	// Switch sets a behaviour's mode at run time.
	Switch *Switch `yaml:"switch"`
	// Version installs a server version at run time (e.g. the 3.1.6001.66
	// fix).
	Version string `yaml:"version"`
	// Approve and Decline are the console's actions.
	Approve *Approval `yaml:"approve"`
	Decline string    `yaml:"decline"`
	// Wait advances the virtual clock, e.g. 2h.
	Wait string `yaml:"wait"`

	// Expect maps a client name (or a profile name, for all its clients) to
	// what its last sync must show.
	Expect map[string]Expect `yaml:"expect"`
	// ServerLog holds for the server's SoftwareDistribution.log.
	ServerLog *LogExpect `yaml:"serverLog"`
}

// Targets is "all" or a list of client names.
type Targets struct {
	All   bool
	Names []string
}

// UnmarshalYAML accepts "all", one name, or a list.
func (t *Targets) UnmarshalYAML(b []byte) error {
	var s string
	if err := yaml.Unmarshal(b, &s); err == nil {
		if s == "all" {
			t.All = true
		} else {
			t.Names = []string{s}
		}
		return nil
	}
	return yaml.Unmarshal(b, &t.Names)
}

// Switch sets a behaviour mode.
type Switch struct {
	Behaviour string `yaml:"behaviour"`
	Mode      string `yaml:"mode"`
	// Group limits the switch to one target group.
	Group string `yaml:"group"`
}

// Expect is what a client's sync must show.
type Expect struct {
	// HResult is the search's result: "0x8024400E", or "S_OK"/"0" for
	// success.
	HResult string `yaml:"hresult"`
	// Found constrains the updates found.
	Found *FoundExpect `yaml:"found"`
	// ClientLog holds for the client's WindowsUpdate.log of this step.
	ClientLog *LogExpect `yaml:"clientLog"`
	// FaultIDMatchesServer requires the fault ID in the client's log to
	// appear in the server's SoftwareDistribution.log.
	FaultIDMatchesServer bool `yaml:"faultIdMatchesServer"`
}

// FoundExpect constrains the updates a search found.
type FoundExpect struct {
	Min *int `yaml:"min"`
	Max *int `yaml:"max"`
	// Includes and Excludes name updates by KB ("KB842532"), title or GUID.
	Includes []string `yaml:"includes"`
	Excludes []string `yaml:"excludes"`
	// Security requires at least this many security updates.
	Security *int `yaml:"security"`
}

// LogExpect constrains a log. Lines are compared with white space runs
// collapsed, so expectations can be written as the advisory prints them.
type LogExpect struct {
	// Contains must appear, in this order.
	Contains []string `yaml:"contains"`
	// NotContains must not appear.
	NotContains []string `yaml:"notContains"`
	// Matches are regular expressions that must each match a line.
	Matches []string `yaml:"matches"`
}

// Hint-carrying errors of scenario files.
var ErrInvalid = errors.New("scenarios: invalid scenario")

// source keeps the YAML text for positions in validation errors.
type source struct {
	file string
	ast  *ast.File
}

// position returns file:line:column of a YAML path ($.steps[1].sync), or the
// file alone.
func (s *source) position(path string) string {
	if s == nil || s.ast == nil {
		return s.name()
	}
	p, err := yaml.PathString(path)
	if err != nil {
		return s.name()
	}
	n, err := p.FilterFile(s.ast)
	if err != nil || n == nil || n.GetToken() == nil {
		return s.name()
	}
	pos := n.GetToken().Position
	return fmt.Sprintf("%s:%d:%d", s.name(), pos.Line, pos.Column)
}

func (s *source) name() string {
	if s == nil {
		return "<scenario>"
	}
	return s.file
}

// Parse decodes and validates a scenario. file names it in errors and is
// the base for relative profile paths.
func Parse(data []byte, file string) (*Scenario, error) {
	var sc Scenario
	if err := yamlguard.Call(func() error { return yaml.UnmarshalWithOptions(data, &sc, yaml.Strict(), yaml.DisallowUnknownField()) }); err != nil {
		return nil, fmt.Errorf("%w: %s: %s", ErrInvalid, file, strings.TrimSpace(yaml.FormatError(err, false, true)))
	}
	var f *ast.File
	err := yamlguard.Call(func() (err error) {
		f, err = parser.ParseBytes(data, 0)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalid, file, err)
	}
	sc.File = file
	sc.src = &source{file: file, ast: f}
	if err := sc.validate(); err != nil {
		return nil, err
	}
	return &sc, nil
}

// Load reads a scenario file, or a built-in scenario by name.
func Load(nameOrPath string) (*Scenario, error) {
	if sc, err := Builtin(nameOrPath); err == nil {
		return sc, nil
	}
	data, err := os.ReadFile(nameOrPath)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && !strings.ContainsAny(nameOrPath, "/.") {
			return nil, fmt.Errorf("scenarios: %q is neither a built-in scenario (%s) nor a file", nameOrPath, strings.Join(BuiltinNames(), ", "))
		}
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	return Parse(data, nameOrPath)
}

// fail builds a validation error at a YAML path with a hint.
func (sc *Scenario) fail(path, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalid, sc.src.position(path), fmt.Sprintf(format, args...))
}

// catalogFor returns the builder of a named built-in catalog.
func catalogFor(name string) (func(uint64) (*catalog.Catalog, error), error) {
	return catalog.ByName(name)
}

var hresultPattern = regexp.MustCompile(`^(?i)(0x[0-9a-f]{1,8}|s_ok|0)$`)

// parseHResult reads an expectation's HRESULT.
func parseHResult(s string) (uint32, error) {
	s = strings.TrimSpace(s)
	if !hresultPattern.MatchString(s) {
		return 0, fmt.Errorf("hresult %q is not 0x followed by hex digits, or S_OK", s)
	}
	if strings.EqualFold(s, "s_ok") || s == "0" {
		return 0, nil
	}
	v, err := strconv.ParseUint(s[2:], 16, 32)
	return uint32(v), err
}

// validate checks every name and expectation before anything runs.
func (sc *Scenario) validate() error {
	if strings.TrimSpace(sc.Name) == "" {
		return sc.fail("$", "the scenario has no name (add name: ...)")
	}
	build, err := catalogFor(sc.Server.Catalog)
	if err != nil {
		return sc.fail("$.server.catalog", "%v", err)
	}
	if sc.Server.Version != "" && (strings.Count(sc.Server.Version, ".") != 3 || behaviour.CompareVersions(sc.Server.Version, "2.0") < 0) {
		return sc.fail("$.server.version", "version %q is not a WSUS version such as %s", sc.Server.Version, mockwsus.VersionWSUS30SP1)
	}
	for name, mode := range sc.Server.Behaviours {
		if _, err := behaviour.Lookup(name); err != nil {
			return sc.fail("$.server.behaviours."+name, "%v", err)
		}
		if _, err := behaviour.ParseMode(mode); err != nil {
			return sc.fail("$.server.behaviours."+name, "%v", err)
		}
	}
	cat, err := build(sc.seed())
	if err != nil {
		return sc.fail("$.server.catalog", "%v", err)
	}
	groups := map[string]bool{}
	for _, g := range cat.Groups() {
		groups[strings.ToLower(g.Name)] = true
	}
	for i, g := range sc.Server.Groups {
		if groups[strings.ToLower(g)] {
			return sc.fail(fmt.Sprintf("$.server.groups[%d]", i), "group %q already exists", g)
		}
		groups[strings.ToLower(g)] = true
	}
	checkGroup := func(path, g string) error {
		if g != "" && !groups[strings.ToLower(g)] {
			return sc.fail(path, "unknown target group %q (define it under server.groups)", g)
		}
		return nil
	}
	checkUpdate := func(path, ref string) error {
		if _, err := cat.Lookup(ref); err != nil {
			return sc.fail(path, "%v", err)
		}
		return nil
	}
	checkApproval := func(path string, a *Approval) error {
		if err := checkUpdate(path+".update", a.Update); err != nil {
			return err
		}
		if err := checkGroup(path+".group", a.Group); err != nil {
			return err
		}
		if a.Action != "" {
			if _, err := catalog.ParseAction(a.Action); err != nil {
				return sc.fail(path+".action", "%v", err)
			}
		}
		return nil
	}
	for i := range sc.Server.Approvals {
		if err := checkApproval(fmt.Sprintf("$.server.approvals[%d]", i), &sc.Server.Approvals[i]); err != nil {
			return err
		}
	}
	for i, d := range sc.Server.Declines {
		if err := checkUpdate(fmt.Sprintf("$.server.declines[%d]", i), d); err != nil {
			return err
		}
	}
	if len(sc.Clients) == 0 {
		return sc.fail("$", "the scenario has no clients (add clients: with a name and a profile)")
	}
	clients := map[string]*Client{}
	profiles := map[string]bool{}
	for i := range sc.Clients {
		c := &sc.Clients[i]
		path := fmt.Sprintf("$.clients[%d]", i)
		if c.Name == "" {
			return sc.fail(path, "client without a name")
		}
		if clients[c.Name] != nil || c.Name == "all" {
			return sc.fail(path+".name", "client name %q is used twice or reserved", c.Name)
		}
		clients[c.Name] = c
		if _, err := sc.resolveProfile(c.Profile); err != nil {
			return sc.fail(path+".profile", "%v", err)
		}
		profiles[c.Profile] = true
		if c.Count < 0 || c.Count > 100000 {
			return sc.fail(path+".count", "count %d is out of range (1 to 100000)", c.Count)
		}
		if err := checkGroup(path+".group", c.Group); err != nil {
			return err
		}
		if c.LogFormat != "" {
			if _, err := wulog.ParseFlavour(c.LogFormat); err != nil {
				return sc.fail(path+".logFormat", "%v", err)
			}
		}
	}
	if len(sc.Steps) == 0 {
		return sc.fail("$", "the scenario has no steps (add steps: with at least one sync)")
	}
	synced := map[string]bool{}
	for i := range sc.Steps {
		st := &sc.Steps[i]
		path := fmt.Sprintf("$.steps[%d]", i)
		actions := 0
		for _, set := range []bool{st.Sync != nil, st.Switch != nil, st.Version != "", st.Approve != nil, st.Decline != "", st.Wait != ""} {
			if set {
				actions++
			}
		}
		if actions != 1 {
			return sc.fail(path, "a step has exactly one action (sync, switch, version, approve, decline or wait); this one has %d", actions)
		}
		stepSynced := map[string]bool{}
		switch {
		case st.Sync != nil:
			if st.Sync.All {
				for n := range clients {
					stepSynced[n] = true
				}
			}
			for _, n := range st.Sync.Names {
				if clients[n] == nil {
					return sc.fail(path+".sync", "unknown client %q (clients: %s)", n, strings.Join(clientNames(sc.Clients), ", "))
				}
				stepSynced[n] = true
			}
			for n := range stepSynced {
				synced[n] = true
			}
		case st.Switch != nil:
			if _, err := behaviour.Lookup(st.Switch.Behaviour); err != nil {
				return sc.fail(path+".switch.behaviour", "%v", err)
			}
			if _, err := behaviour.ParseMode(st.Switch.Mode); err != nil {
				return sc.fail(path+".switch.mode", "%v", err)
			}
			if err := checkGroup(path+".switch.group", st.Switch.Group); err != nil {
				return err
			}
			if st.Switch.Group != "" && behaviour.IsInjector(st.Switch.Behaviour) {
				return sc.fail(path+".switch.group", "%s is a transport fault: it acts on connections, before any computer is known; switch it for the whole server (no group)", st.Switch.Behaviour)
			}
		case st.Version != "":
			if strings.Count(st.Version, ".") != 3 {
				return sc.fail(path+".version", "version %q is not a WSUS version such as %s", st.Version, mockwsus.VersionFixed)
			}
		case st.Approve != nil:
			if err := checkApproval(path+".approve", st.Approve); err != nil {
				return err
			}
		case st.Decline != "":
			if err := checkUpdate(path+".decline", st.Decline); err != nil {
				return err
			}
		case st.Wait != "":
			if d, err := time.ParseDuration(st.Wait); err != nil || d <= 0 {
				return sc.fail(path+".wait", "wait %q is not a positive duration such as 90m or 2h", st.Wait)
			}
		}
		for who, e := range st.Expect {
			epath := path + ".expect." + who
			var targets []string
			if clients[who] != nil {
				targets = []string{who}
			} else if profiles[who] {
				for _, c := range sc.Clients {
					if c.Profile == who {
						targets = append(targets, c.Name)
					}
				}
			} else {
				return sc.fail(epath, "expectation for %q, which is neither a client nor a profile of this scenario", who)
			}
			for _, t := range targets {
				if !synced[t] {
					return sc.fail(epath, "expectation for client %q, which has not synced by this step: it cannot be checked (add a sync step before it)", t)
				}
			}
			if e.HResult != "" {
				if _, err := parseHResult(e.HResult); err != nil {
					return sc.fail(epath+".hresult", "%v", err)
				}
			}
			if e.FaultIDMatchesServer {
				if e.HResult == "" {
					return sc.fail(epath+".faultIdMatchesServer", "faultIdMatchesServer needs an hresult expectation of a fault (e.g. 0x8024400E)")
				}
				if hr, _ := parseHResult(e.HResult); hr == 0 {
					return sc.fail(epath+".faultIdMatchesServer", "a successful sync has no fault ID to match")
				}
			}
			if e.Found != nil {
				for j, ref := range append(append([]string{}, e.Found.Includes...), e.Found.Excludes...) {
					if err := checkUpdate(fmt.Sprintf("%s.found", epath), ref); err != nil {
						return fmt.Errorf("%w (entry %d)", err, j)
					}
				}
			}
			if err := sc.checkLogExpect(epath+".clientLog", e.ClientLog); err != nil {
				return err
			}
		}
		if err := sc.checkLogExpect(path+".serverLog", st.ServerLog); err != nil {
			return err
		}
	}
	return nil
}

func (sc *Scenario) checkLogExpect(path string, l *LogExpect) error {
	if l == nil {
		return nil
	}
	for i, m := range l.Matches {
		if _, err := regexp.Compile(m); err != nil {
			return sc.fail(fmt.Sprintf("%s.matches[%d]", path, i), "not a regular expression: %v", err)
		}
	}
	return nil
}

func clientNames(cs []Client) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func (sc *Scenario) seed() uint64 {
	if sc.Server.Seed == 0 {
		return 1
	}
	return sc.Server.Seed
}

// resolveProfile finds a built-in profile or a file relative to the
// scenario.
func (sc *Scenario) resolveProfile(ref string) (*profile.Profile, error) {
	if ref == "" {
		return nil, errors.New("no profile (built-in: " + strings.Join(profile.Names(), ", ") + ")")
	}
	if p, err := profile.Builtin(ref); err == nil {
		return p, nil
	}
	path := ref
	if !filepath.IsAbs(path) && !strings.HasPrefix(sc.File, "builtin:") {
		path = filepath.Join(filepath.Dir(sc.File), ref)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("unknown profile %q (built-in: %s; or a profile file)", ref, strings.Join(profile.Names(), ", "))
	}
	return profile.Load(path)
}

// Setup returns the scenario's server section as a mockwsus.Setup: what an
// in-process server is configured with (ServerConfig) and what a remote one
// is reset into over its admin API.
func (sc *Scenario) Setup() mockwsus.Setup {
	srv := sc.Server
	st := mockwsus.Setup{Version: srv.Version, Catalog: srv.Catalog, Seed: sc.seed(),
		Groups: srv.Groups, Declines: srv.Declines}
	if len(srv.Behaviours) > 0 {
		st.Behaviours = map[string]string{}
		for name, m := range srv.Behaviours {
			st.Behaviours[name] = m
		}
	}
	for _, a := range srv.Approvals {
		st.Approvals = append(st.Approvals, mockwsus.SetupApproval{Update: a.Update, Group: a.Group, Action: a.Action})
	}
	return st
}

// ServerConfig returns the mockwsus configuration of the scenario's server
// section (without clock or logs, which the caller sets).
func (sc *Scenario) ServerConfig() (mockwsus.Config, error) {
	var cfg mockwsus.Config
	if err := sc.Setup().Apply(&cfg); err != nil {
		return mockwsus.Config{}, err
	}
	return cfg, nil
}
