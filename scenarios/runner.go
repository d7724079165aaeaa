package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/wsusmock/wsusmock/adminclient"
	clientsim "github.com/wsusmock/wsusmock/client-sim"
	"github.com/wsusmock/wsusmock/client-sim/wulog"
	"github.com/wsusmock/wsusmock/clock"
	"github.com/wsusmock/wsusmock/internal/atomicfile"
	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
)

// Options says where a scenario runs and where its artifacts go.
type Options struct {
	// OutDir receives one directory per scenario; "" writes nothing.
	OutDir string
	// ServerURL runs the clients against a server already running; ""
	// starts mockwsus in process on a loopback port.
	ServerURL string
	// AdminURL is the admin API of ServerURL (a mockwsus): before the
	// scenario the server is reset into its server section, steps that
	// change the server go through it, and SoftwareDistribution.log and the
	// journal are read from it. Without it only scenarios with an empty
	// server section and no such step can run (against any WSUS).
	AdminURL string
	// AdminToken is the admin API's token ("" sends none).
	AdminToken string
	// CallTimeout bounds every call of the simulated agents (0: the
	// agent's default).
	CallTimeout time.Duration
}

// Check is one expectation of one step, as the verdict table shows it.
type Check struct {
	Step     int    `json:"step"`
	StepName string `json:"stepName"`
	Client   string `json:"client"`
	What     string `json:"what"`
	Expected string `json:"expected"`
	Observed string `json:"observed"`
	Pass     bool   `json:"pass"`
	// Duration is this check's share of its step's wall time (the step's
	// time divided among its checks, so that a JUnit report's test case
	// times add up to its steps'); not in result.json, which is byte-stable.
	Duration time.Duration `json:"-"`
}

// StepResult is what one sync step observed for one computer.
type StepResult struct {
	Step   int               `json:"step"`
	Client string            `json:"client"`
	Result *clientsim.Result `json:"result"`
	// LogStart and LogEnd delimit this sync in the computer's
	// WindowsUpdate.log (Report.ClientLogs).
	LogStart int `json:"-"`
	LogEnd   int `json:"-"`
	// ServerLogStart and ServerLogEnd delimit the step in Report.ServerLog.
	ServerLogStart int `json:"-"`
	ServerLogEnd   int `json:"-"`
}

// Report is a scenario's outcome.
type Report struct {
	Scenario string       `json:"scenario"`
	File     string       `json:"file"`
	Passed   bool         `json:"passed"`
	Checks   []Check      `json:"checks"`
	Results  []StepResult `json:"results"`
	// Dir is where the artifacts were written ("" when none).
	Dir string `json:"dir,omitempty"`
	// Error is why the scenario could not run to its end (a server that
	// does not answer, artifacts not writable); its checks are then
	// incomplete and Passed is false. Run returns it as an error; a
	// command that goes on with other scenarios records it here.
	Error string `json:"error,omitempty"`
	// Started and Duration are wall time, kept out of result.json so that
	// artifacts are byte-stable for a seed.
	Started  time.Time     `json:"-"`
	Duration time.Duration `json:"-"`
	// ClientLogs holds each computer's whole WindowsUpdate.log, by instance
	// name; ServerLog the server's SoftwareDistribution.log of the run (""
	// for a remote server without an admin API). They are written as
	// artifacts, not into result.json.
	ClientLogs map[string]string `json:"-"`
	ServerLog  string            `json:"-"`
}

// instance is one simulated computer of a scenario client.
type instance struct {
	client *Client
	name   string // client name, or name#n when Count > 1
	agent  agent
	log    *bytes.Buffer
}

// target is the server the scenario drives: in process or remote.
type target interface {
	url() string
	// httpClient is the client agents use (nil: their default).
	httpClient() *http.Client
	setMode(ctx context.Context, name string, m behaviour.Mode, group string) error
	setVersion(ctx context.Context, v string) error
	approve(ctx context.Context, update, group, action string) error
	decline(ctx context.Context, update string) error
	// serverLog returns SoftwareDistribution.log since the scenario
	// began, and false when the server has no admin API to read it from.
	serverLog(ctx context.Context) (string, bool, error)
	// journal returns the server's journal since the scenario began.
	journal(ctx context.Context) ([]mockwsus.Entry, bool, error)
	close()
}

// Run carries the scenario out and checks every expectation. An error means
// the scenario could not run (server unreachable, artifacts not writable);
// failed expectations are in the report.
func Run(ctx context.Context, sc *Scenario, opts Options) (*Report, error) {
	started := time.Now()
	clk := clock.NewVirtual(clock.DefaultStart, time.Millisecond)
	var tgt target
	if opts.ServerURL == "" {
		local, err := startLocal(sc, clk)
		if err != nil {
			return nil, err
		}
		tgt = local
	} else {
		remote, err := dialRemote(ctx, sc, opts)
		if err != nil {
			return nil, err
		}
		tgt = remote
	}
	defer tgt.close()

	var insts []*instance
	byClient := map[string][]*instance{}
	index := 0
	for i := range sc.Clients {
		c := &sc.Clients[i]
		n := c.Count
		if n == 0 {
			n = 1
		}
		prof, err := sc.resolveProfile(c.Profile)
		if err != nil {
			return nil, fmt.Errorf("scenarios: %s: client %s: %w", sc.Name, c.Name, err)
		}
		// Default: the profile's agent decides (classic for the WUA 7
		// profiles, wua10 for win10 and win11).
		flavour := wulog.Default
		if c.LogFormat != "" {
			if flavour, err = wulog.ParseFlavour(c.LogFormat); err != nil {
				return nil, err
			}
		}
		for k := 0; k < n; k++ {
			index++
			name := c.Name
			if n > 1 {
				name = fmt.Sprintf("%s#%d", c.Name, k+1)
			}
			buf := &bytes.Buffer{}
			a, err := newAgent(clientsim.Config{
				ServerURL: tgt.url(), Profile: prof.Clone(), Seed: sc.seed(), Index: index,
				TargetGroup: c.Group, Clock: clk, Log: buf, LogFormat: flavour, CallTimeout: opts.CallTimeout,
				HTTPClient: tgt.httpClient(),
			})
			if err != nil {
				return nil, fmt.Errorf("scenarios: %s: client %s: %w", sc.Name, name, err)
			}
			inst := &instance{client: c, name: name, agent: a, log: buf}
			insts = append(insts, inst)
			byClient[c.Name] = append(byClient[c.Name], inst)
		}
	}

	rep := &Report{Scenario: sc.Name, File: sc.File, Started: started}
	last := map[*instance]*clientsim.Result{}
	logStart := map[*instance]int{}
	for i := range sc.Steps {
		st := &sc.Steps[i]
		stepNo := i + 1
		stepName := st.Name
		if stepName == "" {
			stepName = describeStep(st)
		}
		serverBefore, _, err := tgt.serverLog(ctx)
		if err != nil {
			return nil, fmt.Errorf("scenarios: %s: step %d: %w", sc.Name, stepNo, err)
		}
		stepStarted, firstCheck := time.Now(), len(rep.Checks)
		switch {
		case st.Sync != nil:
			for _, inst := range insts {
				if !st.Sync.All && !contains(st.Sync.Names, inst.client.Name) {
					continue
				}
				logStart[inst] = inst.log.Len()
				srvStart, _, serr := tgt.serverLog(ctx)
				var res *clientsim.Result
				if serr == nil {
					res, serr = inst.agent.Sync(ctx)
				}
				var srvEnd string
				if serr == nil {
					srvEnd, _, serr = tgt.serverLog(ctx)
				}
				if serr != nil {
					return nil, fmt.Errorf("scenarios: %s: step %d: client %s: %w", sc.Name, stepNo, inst.name, serr)
				}
				last[inst] = res
				rep.Results = append(rep.Results, StepResult{Step: stepNo, Client: inst.name, Result: res.WithoutTimings(),
					LogStart: logStart[inst], LogEnd: inst.log.Len(), ServerLogStart: len(srvStart), ServerLogEnd: len(srvEnd)})
			}
		case st.Switch != nil:
			m, _ := behaviour.ParseMode(st.Switch.Mode)
			err = tgt.setMode(ctx, st.Switch.Behaviour, m, st.Switch.Group)
		case st.Version != "":
			err = tgt.setVersion(ctx, st.Version)
		case st.Approve != nil:
			group := st.Approve.Group
			if group == "" {
				group = "All Computers"
			}
			action := st.Approve.Action
			if action == "" {
				action = "Install"
			}
			err = tgt.approve(ctx, st.Approve.Update, group, action)
		case st.Decline != "":
			err = tgt.decline(ctx, st.Decline)
		case st.Wait != "":
			d, _ := time.ParseDuration(st.Wait)
			clk.Advance(d)
		}
		if err != nil {
			return nil, fmt.Errorf("scenarios: %s: step %d (%s): %w", sc.Name, stepNo, stepName, err)
		}
		serverAfter, haveServerLog, err := tgt.serverLog(ctx)
		if err != nil {
			return nil, fmt.Errorf("scenarios: %s: step %d: %w", sc.Name, stepNo, err)
		}
		serverStep := ""
		if haveServerLog && len(serverAfter) >= len(serverBefore) {
			serverStep = serverAfter[len(serverBefore):]
		}
		// Expectations, in a stable order: clients as declared.
		for _, inst := range insts {
			for _, key := range []string{inst.client.Name, inst.client.Profile} {
				e, ok := st.Expect[key]
				if !ok {
					continue
				}
				res := last[inst]
				clientLog := inst.log.String()[logStart[inst]:]
				checks, err := checkClient(ctx, stepNo, stepName, inst.name, e, res, clientLog, serverAfter, haveServerLog, tgt)
				if err != nil {
					return nil, fmt.Errorf("scenarios: %s: step %d: %w", sc.Name, stepNo, err)
				}
				rep.Checks = append(rep.Checks, checks...)
			}
		}
		if st.ServerLog != nil {
			if !haveServerLog {
				rep.Checks = append(rep.Checks, Check{Step: stepNo, StepName: stepName, Client: "(server)", What: "serverLog", Expected: "readable SoftwareDistribution.log", Observed: "remote server without --admin: log not available", Pass: false})
			} else {
				rep.Checks = append(rep.Checks, checkLog(stepNo, stepName, "(server)", "serverLog", st.ServerLog, serverStep)...)
			}
		}
		if n := len(rep.Checks) - firstCheck; n > 0 {
			share := time.Since(stepStarted) / time.Duration(n)
			for j := firstCheck; j < len(rep.Checks); j++ {
				rep.Checks[j].Duration = share
			}
		}
	}
	rep.Passed = true
	for _, c := range rep.Checks {
		rep.Passed = rep.Passed && c.Pass
	}
	rep.Duration = time.Since(started)
	rep.ClientLogs = map[string]string{}
	for _, inst := range insts {
		rep.ClientLogs[inst.name] = inst.log.String()
	}
	var err error
	if rep.ServerLog, _, err = tgt.serverLog(ctx); err != nil {
		return nil, fmt.Errorf("scenarios: %s: %w", sc.Name, err)
	}
	if opts.OutDir != "" {
		dir := filepath.Join(opts.OutDir, sc.Name)
		if err := writeArtifacts(ctx, dir, rep, insts, tgt); err != nil {
			return rep, err
		}
		rep.Dir = dir
	}
	return rep, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func describeStep(st *Step) string {
	switch {
	case st.Sync != nil:
		if st.Sync.All {
			return "sync all"
		}
		return "sync " + strings.Join(st.Sync.Names, ",")
	case st.Switch != nil:
		s := fmt.Sprintf("switch %s=%s", st.Switch.Behaviour, st.Switch.Mode)
		if st.Switch.Group != "" {
			s += " for " + st.Switch.Group
		}
		return s
	case st.Version != "":
		return "version " + st.Version
	case st.Approve != nil:
		return "approve " + st.Approve.Update
	case st.Decline != "":
		return "decline " + st.Decline
	case st.Wait != "":
		return "wait " + st.Wait
	}
	return "?"
}

// collapse turns every run of white space into one space, so expectations
// written as the advisory prints its logs match tab-separated files.
var spaces = regexp.MustCompile(`[ \t\r]+`)

func collapse(s string) string { return spaces.ReplaceAllString(s, " ") }

func checkClient(ctx context.Context, step int, stepName, client string, e Expect, res *clientsim.Result, clientLog, serverLog string, haveServerLog bool, tgt target) ([]Check, error) {
	var out []Check
	add := func(what, expected, observed string, pass bool) {
		out = append(out, Check{Step: step, StepName: stepName, Client: client, What: what, Expected: expected, Observed: observed, Pass: pass})
	}
	if res == nil {
		add("sync", "a sync before this step", "none", false)
		return out, nil
	}
	if e.HResult != "" {
		want, _ := parseHResult(e.HResult)
		observed := res.HResult.String()
		if res.Fault != nil && res.Fault.ErrorCode != "" {
			observed += " (" + res.Fault.ErrorCode + ")"
		}
		add("hresult", fmt.Sprintf("0x%08X", want), observed, res.HResultCode == want)
	}
	if f := e.Found; f != nil {
		n := len(res.Updates)
		if f.Min != nil {
			add("found", fmt.Sprintf(">= %d updates", *f.Min), fmt.Sprintf("%d updates", n), n >= *f.Min)
		}
		if f.Max != nil {
			add("found", fmt.Sprintf("<= %d updates", *f.Max), fmt.Sprintf("%d updates", n), n <= *f.Max)
		}
		for _, ref := range f.Includes {
			add("found", "includes "+ref, foundList(res), hasUpdate(res, ref))
		}
		for _, ref := range f.Excludes {
			add("found", "excludes "+ref, foundList(res), !hasUpdate(res, ref))
		}
		if f.Security != nil {
			s := 0
			for _, u := range res.Updates {
				if isSecurity(u) {
					s++
				}
			}
			add("found", fmt.Sprintf(">= %d security updates", *f.Security), fmt.Sprintf("%d security updates", s), s >= *f.Security)
		}
	}
	if e.ClientLog != nil {
		out = append(out, checkLog(step, stepName, client, "clientLog", e.ClientLog, clientLog)...)
	}
	if e.FaultIDMatchesServer {
		id := ""
		if res.Fault != nil {
			id = res.Fault.ID
		}
		inClient := id != "" && strings.Contains(clientLog, id)
		inServer, where := false, ""
		if haveServerLog {
			inServer, where = id != "" && strings.Contains(serverLog, "ID="+id), "SoftwareDistribution.log"
		} else if j, ok, err := tgt.journal(ctx); err != nil {
			return nil, err
		} else if ok {
			where = "server journal"
			for _, en := range j {
				inServer = inServer || (id != "" && en.FaultID == id)
			}
		}
		observed := "no fault ID"
		if id != "" {
			observed = fmt.Sprintf("%s in WindowsUpdate.log=%t, in %s=%t", id, inClient, where, inServer)
		}
		add("faultId", "same fault ID in client and server logs", observed, inClient && inServer)
	}
	return out, nil
}

func isSecurity(u clientsim.FoundUpdate) bool {
	return u.Classification == "Security Updates" || strings.Contains(u.Title, "Security Update")
}

func hasUpdate(res *clientsim.Result, ref string) bool {
	for _, u := range res.Updates {
		if strings.EqualFold(ref, u.UpdateID) || strings.EqualFold(ref, u.Title) || (u.KB != "" && (strings.EqualFold(ref, "KB"+strings.TrimPrefix(strings.ToUpper(u.KB), "KB")) || ref == u.KB)) {
			return true
		}
	}
	return false
}

func foundList(res *clientsim.Result) string {
	var kbs []string
	for _, u := range res.Updates {
		if u.KB != "" {
			kbs = append(kbs, "KB"+strings.TrimPrefix(strings.ToUpper(u.KB), "KB"))
		} else {
			kbs = append(kbs, fmt.Sprint(u.RevisionID))
		}
	}
	if len(kbs) == 0 {
		return "none found"
	}
	return strings.Join(kbs, ",")
}

// checkLog checks a log excerpt; lines in Contains must appear in order.
func checkLog(step int, stepName, client, what string, l *LogExpect, text string) []Check {
	var out []Check
	flat := collapse(text)
	pos := 0
	for _, want := range l.Contains {
		w := collapse(want)
		i := strings.Index(flat[pos:], w)
		ok := i >= 0
		observed := "present"
		if ok {
			pos += i + len(w)
		} else if strings.Contains(flat, w) {
			observed = "present, out of order"
		} else {
			observed = "absent"
		}
		out = append(out, Check{Step: step, StepName: stepName, Client: client, What: what, Expected: "contains " + want, Observed: observed, Pass: ok})
	}
	for _, bad := range l.NotContains {
		ok := !strings.Contains(flat, collapse(bad))
		observed := "absent"
		if !ok {
			observed = "present"
		}
		out = append(out, Check{Step: step, StepName: stepName, Client: client, What: what, Expected: "lacks " + bad, Observed: observed, Pass: ok})
	}
	for _, m := range l.Matches {
		re := regexp.MustCompile(m) // validated when the scenario was parsed
		ok := re.MatchString(text)
		observed := "no match"
		if ok {
			observed = re.FindString(text)
		}
		out = append(out, Check{Step: step, StepName: stepName, Client: client, What: what, Expected: "matches " + m, Observed: observed, Pass: ok})
	}
	return out
}

// localServerHost is the name the agents of an in-process run use for the
// server. Its dialer maps it to the loopback listener, so logs and journals
// carry the same URL on every run instead of an ephemeral port.
const localServerHost = "wsus01.lab.local:8530"

// localTarget is mockwsus in process on a loopback port.
type localTarget struct {
	srv   *mockwsus.Server
	l     *mockwsus.Listener
	sdlog *lockedBuffer
	hc    *http.Client
}

// lockedBuffer is a bytes.Buffer safe for the server's concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startLocal(sc *Scenario, clk clock.Clock) (*localTarget, error) {
	cfg, err := sc.ServerConfig()
	if err != nil {
		return nil, err
	}
	t := &localTarget{sdlog: &lockedBuffer{}}
	cfg.Clock = clk
	cfg.SoftwareDistributionLog = t.sdlog
	cfg.Logf = func(string, ...any) {}
	srv, err := mockwsus.New(cfg)
	if err != nil {
		return nil, err
	}
	l, err := srv.Listen(mockwsus.ListenOptions{Addr: "127.0.0.1:0"})
	if err != nil {
		return nil, err
	}
	t.srv, t.l = srv, l
	real := strings.TrimPrefix(l.URL, "http://")
	var d net.Dialer
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if addr == localServerHost {
				addr = real
			}
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConnsPerHost: 16,
	}
	t.hc = &http.Client{Transport: tr}
	return t, nil
}

func (t *localTarget) url() string              { return "http://" + localServerHost }
func (t *localTarget) httpClient() *http.Client { return t.hc }
func (t *localTarget) setMode(_ context.Context, name string, m behaviour.Mode, group string) error {
	return t.srv.SetMode(name, m, group)
}
func (t *localTarget) setVersion(_ context.Context, v string) error { return t.srv.SetVersion(v) }
func (t *localTarget) approve(_ context.Context, update, group, action string) error {
	_, err := t.srv.Approve(update, group, action)
	return err
}
func (t *localTarget) decline(_ context.Context, update string) error {
	_, err := t.srv.Decline(update)
	return err
}
func (t *localTarget) serverLog(context.Context) (string, bool, error) {
	return t.sdlog.String(), true, nil
}
func (t *localTarget) journal(context.Context) ([]mockwsus.Entry, bool, error) {
	return t.srv.Journal().Entries(), true, nil
}
func (t *localTarget) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	t.hc.CloseIdleConnections()
	t.l.Shutdown(ctx)
}

// remoteTarget is a server started elsewhere, driven through its admin API
// (adminclient) when there is one.
type remoteTarget struct {
	base  string
	admin *adminclient.Client // nil without --admin
	// journalFrom and logOffset are where the scenario begins in the
	// server's journal and SoftwareDistribution.log (from its reset).
	journalFrom uint64
	logOffset   int64
}

func dialRemote(ctx context.Context, sc *Scenario, opts Options) (*remoteTarget, error) {
	t := &remoteTarget{base: strings.TrimRight(opts.ServerURL, "/")}
	hc := &http.Client{Timeout: 10 * time.Second}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.base+"/selfupdate/wuident.cab", nil)
	if err != nil {
		return nil, fmt.Errorf("scenarios: --server %q is not a URL: %w", opts.ServerURL, err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scenarios: the server %s does not answer (%w): start it or check --server", opts.ServerURL, err)
	}
	resp.Body.Close()
	if opts.AdminURL == "" {
		// Without the admin API nothing of the server can be set: refuse a
		// scenario that needs it rather than check it against a server in
		// an unknown state.
		if field := sc.serverField(); field != "" {
			return nil, fmt.Errorf("scenarios: %s: server.%s needs the server's admin API to apply it: give --admin URL (and its token), or run in process without --server", sc.Name, field)
		}
		for i, st := range sc.Steps {
			mutates := st.Switch != nil || st.Version != "" || st.Approve != nil || st.Decline != ""
			if mutates {
				return nil, fmt.Errorf("scenarios: %s: step %d changes the server, which needs its admin API: give --admin URL", sc.Name, i+1)
			}
		}
		return t, nil
	}
	if t.admin, err = adminclient.New(opts.AdminURL, adminclient.WithToken(opts.AdminToken)); err != nil {
		return nil, fmt.Errorf("scenarios: --admin: %w", err)
	}
	// The server is reset into the scenario's server section before the
	// first step, so each scenario starts as it would in process, whatever
	// the previous one left.
	res, err := t.admin.ResetTo(ctx, sc.Setup())
	switch {
	case adminclient.IsStatus(err, http.StatusBadRequest):
		return nil, fmt.Errorf("scenarios: %s: the server at %s cannot take the scenario's server section: %w", sc.Name, opts.AdminURL, err)
	case err != nil:
		return nil, fmt.Errorf("scenarios: %s: resetting the server: %w", sc.Name, err)
	}
	t.journalFrom, t.logOffset = res.JournalFrom, res.ServerLogOffset
	return t, nil
}

// serverField names the first field of the server section that is set, ""
// when it is empty.
func (sc *Scenario) serverField() string {
	s := sc.Server
	switch {
	case s.Version != "":
		return "version"
	case len(s.Behaviours) > 0:
		return "behaviours"
	case s.Catalog != "":
		return "catalog"
	case s.Seed != 0:
		return "seed"
	case len(s.Groups) > 0:
		return "groups"
	case len(s.Approvals) > 0:
		return "approvals"
	case len(s.Declines) > 0:
		return "declines"
	}
	return ""
}

func (t *remoteTarget) url() string              { return t.base }
func (t *remoteTarget) httpClient() *http.Client { return nil }

// errNoAdmin is the error of a change asked of a server without admin API
// (dialRemote refuses such scenarios first).
var errNoAdmin = errors.New("scenarios: this step needs the server's admin API (--admin)")

func (t *remoteTarget) setMode(ctx context.Context, name string, m behaviour.Mode, group string) error {
	if t.admin == nil {
		return errNoAdmin
	}
	return t.admin.SetMode(ctx, name, string(m), group)
}
func (t *remoteTarget) setVersion(ctx context.Context, v string) error {
	if t.admin == nil {
		return errNoAdmin
	}
	_, err := t.admin.SetVersion(ctx, v)
	return err
}
func (t *remoteTarget) approve(ctx context.Context, update, group, action string) error {
	if t.admin == nil {
		return errNoAdmin
	}
	_, err := t.admin.Approve(ctx, update, group, action)
	return err
}
func (t *remoteTarget) decline(ctx context.Context, update string) error {
	if t.admin == nil {
		return errNoAdmin
	}
	_, err := t.admin.Decline(ctx, update)
	return err
}

func (t *remoteTarget) serverLog(ctx context.Context) (string, bool, error) {
	if t.admin == nil {
		return "", false, nil
	}
	l, err := t.admin.ServerLog(ctx, t.logOffset)
	if err != nil {
		return "", false, fmt.Errorf("reading SoftwareDistribution.log: %w", err)
	}
	if l.Offset != t.logOffset {
		return "", false, fmt.Errorf("reading SoftwareDistribution.log: the server no longer holds bytes %d to %d of the run (raise its server log limit)", t.logOffset, l.Offset)
	}
	return l.Text, true, nil
}

func (t *remoteTarget) journal(ctx context.Context) ([]mockwsus.Entry, bool, error) {
	if t.admin == nil {
		return nil, false, nil
	}
	entries, err := t.admin.JournalAll(ctx, mockwsus.JournalQuery{From: t.journalFrom, Limit: 10000})
	if err != nil {
		return nil, false, fmt.Errorf("reading the journal: %w", err)
	}
	return entries, true, nil
}
func (t *remoteTarget) close() {}

// writeArtifacts writes the scenario's files: each computer's
// WindowsUpdate.log, SoftwareDistribution.log, journal.jsonl, result.json,
// junit.xml and the verdict table.
func writeArtifacts(ctx context.Context, dir string, rep *Report, insts []*instance, tgt target) error {
	if err := os.MkdirAll(filepath.Join(dir, "clients"), 0o755); err != nil {
		return fmt.Errorf("scenarios: artifacts: %w", err)
	}
	write := func(name string, data []byte) error {
		if err := writeFileAtomic(filepath.Join(dir, name), data); err != nil {
			return fmt.Errorf("scenarios: artifacts: %w", err)
		}
		return nil
	}
	for _, inst := range insts {
		name := strings.ReplaceAll(inst.name, "#", "-")
		if err := write(filepath.Join("clients", name, "WindowsUpdate.log"), inst.log.Bytes()); err != nil {
			return err
		}
	}
	if _, ok, err := tgt.serverLog(ctx); err != nil {
		return fmt.Errorf("scenarios: artifacts: %w", err)
	} else if ok {
		if err := write("SoftwareDistribution.log", []byte(rep.ServerLog)); err != nil {
			return err
		}
	}
	entries, ok, err := tgt.journal(ctx)
	if err != nil {
		return fmt.Errorf("scenarios: artifacts: %w", err)
	}
	if ok {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		for _, e := range entries {
			if err := enc.Encode(e); err != nil {
				return fmt.Errorf("scenarios: artifacts: journal.jsonl: %w", err)
			}
		}
		if err := write("journal.jsonl", b.Bytes()); err != nil {
			return err
		}
	}
	res, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := write("result.json", append(res, '\n')); err != nil {
		return err
	}
	var junit bytes.Buffer
	if err := WriteJUnit(&junit, []*Report{rep}); err != nil {
		return fmt.Errorf("scenarios: artifacts: junit.xml: %w", err)
	}
	if err := write("junit.xml", junit.Bytes()); err != nil {
		return err
	}
	var table bytes.Buffer
	WriteTable(&table, rep)
	return write("verdict.txt", table.Bytes())
}

// writeFileAtomic writes then renames, so no reader sees half a file.
func writeFileAtomic(path string, data []byte) error {
	return atomicfile.WriteFile(path, data, 0o644)
}
