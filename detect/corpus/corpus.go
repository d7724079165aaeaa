// Package corpus makes a labelled corpus of WSUS logs for scoring detectors,
// from real runs of the scenario harness: the simulated agents and the mock
// server write every log, nothing is written by hand.
//
// Positives are Office 2003 computers on a buggy WSUS 3.0 SP1; negatives are
// the same computers after the hotfix or the workaround, computers without
// Office, and every look-alike behaviour. Variants: classic and wua10 client
// logs; tabs and white space collapsed as pasted in forums; several sync
// cycles over days in one file; noise from other components; excerpts cut
// short after the first warning; the client log alone, the server log
// alone, both.
//
// One case is left out on purpose: the client log alone of the sql-timeout
// look-alike. By construction it is byte for byte KB954960's client
// signature (0x8024400E, InternalServerError from SyncUpdates); only the
// server log tells them apart, as the advisory says. The sql-timeout cases
// carry the server log.
package corpus

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/wsusmock/wsusmock/detect"
	"github.com/wsusmock/wsusmock/internal/atomicfile"
	"github.com/wsusmock/wsusmock/internal/shared"
	"github.com/wsusmock/wsusmock/scenarios"
)

// Case is one corpus entry before it is written.
type Case struct {
	Name  string
	Label detect.Label
	// Files maps a file name in the case directory to its content.
	Files map[string]string
}

// Options configures Generate.
type Options struct {
	// Seed varies GUIDs, fault IDs and computer identities.
	Seed uint64
	// SeedDir holds the stored Security Advisory 954960, whose two log
	// excerpts are rendered in every published form (see seedCases);
	// empty means shared.SeedDir() (../shared/seed beside the module).
	SeedDir string
	// NoAdvisory leaves the advisory's variants out: the corpus is made
	// from runs alone.
	NoAdvisory bool
}

// Generate runs the scenarios and writes the corpus under dir (created; it
// must be empty or absent), with labels.json. It returns the cases written.
func Generate(ctx context.Context, dir string, opts Options) ([]Case, error) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("corpus: %s is not empty: give a new directory", dir)
	}
	cases, err := build(ctx, opts)
	if err != nil {
		return nil, err
	}
	labels := map[string]detect.Label{}
	for _, c := range cases {
		cdir := filepath.Join(dir, c.Name)
		if err := os.MkdirAll(cdir, 0o755); err != nil {
			return nil, fmt.Errorf("corpus: %w", err)
		}
		for name, content := range c.Files {
			if err := atomicfile.WriteFile(filepath.Join(cdir, name), []byte(content), 0o644); err != nil {
				return nil, fmt.Errorf("corpus: %w", err)
			}
		}
		labels[c.Name] = c.Label
	}
	data, err := json.MarshalIndent(labels, "", "  ")
	if err != nil {
		return nil, err
	}
	// labels.json last, and whole: its presence marks a complete corpus.
	if err := atomicfile.WriteFile(filepath.Join(dir, detect.LabelsFile), append(data, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	return cases, nil
}

// run is one scenario run the corpus slices.
type run struct {
	rep *scenarios.Report
}

func (r run) client(name string) string { return r.rep.ClientLogs[name] }

// step returns the client's log of one step, and the server's.
func (r run) step(client string, step int) (string, string) {
	for _, res := range r.rep.Results {
		if res.Client == client && res.Step == step {
			return r.rep.ClientLogs[client][res.LogStart:res.LogEnd], r.rep.ServerLog[res.ServerLogStart:res.ServerLogEnd]
		}
	}
	return "", ""
}

func runScenario(ctx context.Context, yaml string, seed uint64) (run, error) {
	sc, err := scenarios.Parse([]byte(fmt.Sprintf(yaml, seed)), "corpus")
	if err != nil {
		return run{}, fmt.Errorf("corpus: %w", err)
	}
	rep, err := scenarios.Run(ctx, sc, scenarios.Options{})
	if err != nil {
		return run{}, fmt.Errorf("corpus: %w", err)
	}
	if !rep.Passed {
		return run{}, fmt.Errorf("corpus: scenario %s did not behave as expected; the corpus would be mislabelled", sc.Name)
	}
	return run{rep}, nil
}

func runBuiltin(ctx context.Context, name string, seed uint64) (run, error) {
	src, err := scenarios.BuiltinSource(name)
	if err != nil {
		return run{}, err
	}
	text := strings.Replace(string(src), "server:\n", "server:\n  seed: %d\n", 1)
	return runScenario(ctx, text, seed)
}

// The fault, seen by every kind of client, over several days.
const faultScenario = `name: corpus-fault
server: {version: 3.1.6001.65, seed: %d}
clients:
  - {name: office, profile: xp-sp3-office2003}
  - {name: office-wua10, profile: xp-sp3-office2003, logFormat: wua10}
  - {name: plain, profile: xp-sp3}
  - {name: server2003, profile: server2003-sp2}
steps:
  - sync: all
    expect: {office: {hresult: "0x8024400E"}, office-wua10: {hresult: "0x80244007"}, plain: {hresult: S_OK}}
  - wait: 22h
  - sync: all
    expect: {office: {hresult: "0x8024400E"}, plain: {hresult: S_OK}}
  - wait: 22h
  - sync: all
    expect: {office: {hresult: "0x8024400E"}}
`

// A server fixed from the start, and one where the workaround was applied
// before the clients came.
const curedScenario = `name: corpus-cured
server: {version: 3.1.6001.66, seed: %d}
clients:
  - {name: office, profile: xp-sp3-office2003}
  - {name: office-wua10, profile: xp-sp3-office2003, logFormat: wua10}
steps:
  - sync: all
    expect: {office: {hresult: S_OK}, office-wua10: {hresult: S_OK}}
  - wait: 22h
  - sync: all
    expect: {office: {hresult: S_OK}}
`

const workaroundScenario = `name: corpus-workaround
server: {version: 3.1.6001.65, seed: %d, declines: [KB842532]}
clients:
  - {name: office, profile: xp-sp3-office2003}
  - {name: office-wua10, profile: xp-sp3-office2003, logFormat: wua10}
steps:
  - sync: all
    expect: {office: {hresult: S_OK}, office-wua10: {hresult: S_OK}}
`

// lookalikes are the built-in look-alike scenarios, each with clients
// "xp-office" (classic) and "xp-office-wua10", or "xp-plain" and
// "xp-plain-wua10" for max-installed-prerequisites.
var lookalikes = []string{
	"lookalike-app-pool-down",
	"lookalike-auth-internal-error",
	"lookalike-endless-truncation",
	"lookalike-max-installed-prerequisites",
	"lookalike-sql-timeout",
}

// build runs the scenarios and returns the cases, sorted by name.
func build(ctx context.Context, opts Options) ([]Case, error) {
	seed := opts.Seed
	if seed == 0 {
		seed = 1
	}
	var cases []Case
	add := func(name string, positive bool, variant, desc string, files map[string]string) {
		// A log a run left empty (SoftwareDistribution.log while IIS
		// answers 503 for a stopped pool) is not part of the case; a case
		// with no log left is not made.
		for f, content := range files {
			if strings.TrimSpace(content) == "" {
				delete(files, f)
			}
		}
		if len(files) == 0 {
			return
		}
		cases = append(cases, Case{Name: name, Label: detect.Label{Positive: positive, Variant: variant, Description: desc}, Files: files})
	}
	const wu, sd = "WindowsUpdate.log", "SoftwareDistribution.log"

	fault, err := runScenario(ctx, faultScenario, seed)
	if err != nil {
		return nil, err
	}
	office1, server1 := fault.step("office", 1)
	wua1, serverW := fault.step("office-wua10", 1)
	add("pos-client-classic", true, "classic, client alone", "Office 2003 computer on buggy WSUS 3.0 SP1, one detection", map[string]string{wu: office1})
	add("pos-client-classic-collapsed", true, "classic, white space collapsed", "the same log as pasted in a forum", map[string]string{wu: collapse(office1)})
	add("pos-client-wua10", true, "wua10, client alone", "a Windows 10-format log of the same fault", map[string]string{wu: wua1})
	add("pos-server-alone", true, "server alone", "SoftwareDistribution.log of the failing detection", map[string]string{sd: server1})
	add("pos-server-collapsed", true, "server alone, white space collapsed", "", map[string]string{sd: collapse(server1)})
	add("pos-both", true, "client and server", "client and server logs of one incident (same fault ID)", map[string]string{wu: office1, sd: server1})
	add("pos-both-wua10", true, "wua10 client and server", "", map[string]string{wu: wua1, sd: serverW})
	add("pos-days", true, "several cycles and days", "three detection cycles over two days, all failing", map[string]string{wu: fault.client("office")})
	add("pos-noise", true, "noise from other components", "the fault among AU, DnldMgr and Handler lines", map[string]string{wu: addNoise(fault.client("office"))})
	add("pos-cut-short", true, "excerpt cut short", "only up to the first SyncUpdates failure warning: a possible finding", map[string]string{wu: cutAfter(office1, "SyncUpdates failure")})
	cases[len(cases)-1].Label.Verdict = detect.VerdictPossible
	add("pos-server-full", true, "server, several days", "the whole SoftwareDistribution.log of two days", map[string]string{sd: fault.rep.ServerLog})
	plain := fault.client("plain")
	add("neg-no-office", false, "classic, client alone", "Windows XP without Office on the buggy server: never fails", map[string]string{wu: plain})
	add("neg-no-office-collapsed", false, "white space collapsed", "", map[string]string{wu: collapse(plain)})
	add("neg-server2003", false, "classic, client alone", "Windows Server 2003 without Office on the buggy server", map[string]string{wu: fault.client("server2003")})

	cured, err := runScenario(ctx, curedScenario, seed)
	if err != nil {
		return nil, err
	}
	add("neg-hotfix-client", false, "classic, several days", "Office 2003 computer on the fixed server (3.1.6001.66)", map[string]string{wu: cured.client("office")})
	add("neg-hotfix-wua10", false, "wua10", "", map[string]string{wu: cured.client("office-wua10")})
	add("neg-hotfix-both", false, "client and server", "", map[string]string{wu: cured.client("office"), sd: cured.rep.ServerLog})

	wa, err := runScenario(ctx, workaroundScenario, seed)
	if err != nil {
		return nil, err
	}
	add("neg-workaround-client", false, "classic", "Office 2003 computer after the workaround (Office 2003 SP1 declined)", map[string]string{wu: wa.client("office")})
	add("neg-workaround-both", false, "wua10 client and server", "", map[string]string{wu: wa.client("office-wua10"), sd: wa.rep.ServerLog})

	for _, name := range lookalikes {
		r, err := runBuiltin(ctx, name, seed)
		if err != nil {
			return nil, err
		}
		classic, modern := "xp-office", "xp-office-wua10"
		if name == "lookalike-max-installed-prerequisites" {
			classic, modern = "xp-plain", "xp-plain-wua10"
		}
		c1, s1 := r.step(classic, 1)
		w1, _ := r.step(modern, 1)
		short := strings.TrimPrefix(name, "lookalike-")
		desc := "look-alike: " + short
		if name != "lookalike-sql-timeout" {
			add("neg-"+short+"-client", false, "classic, client alone", desc, map[string]string{wu: c1})
			add("neg-"+short+"-client-collapsed", false, "white space collapsed", desc, map[string]string{wu: collapse(c1)})
			add("neg-"+short+"-wua10", false, "wua10", desc, map[string]string{wu: w1})
		}
		add("neg-"+short+"-both", false, "client and server", desc, map[string]string{wu: c1, sd: s1})
		add("neg-"+short+"-server", false, "server alone", desc, map[string]string{sd: s1})
		add("neg-"+short+"-days", false, "several cycles", desc+", then cured", map[string]string{wu: r.client(classic), sd: r.rep.ServerLog})
	}
	if !opts.NoAdvisory {
		dir := cmp.Or(opts.SeedDir, shared.SeedDir())
		a, err := loadAdvisory(dir)
		if err != nil {
			return nil, fmt.Errorf("%w (the advisory's excerpts are read at corpus time, never stored in the repository: give the folder holding it with --seed-dir, or leave its variants out with --no-advisory)", err)
		}
		sc, err := seedCases(a)
		if err != nil {
			return nil, err
		}
		cases = append(cases, sc...)
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].Name < cases[j].Name })
	return cases, nil
}

var spaceRun = regexp.MustCompile(`[ \t]+`)

// collapse renders a log as it is often pasted: every run of tabs and
// spaces one space, LF line ends.
func collapse(s string) string {
	return spaceRun.ReplaceAllString(strings.ReplaceAll(s, "\r\n", "\n"), " ")
}

// cutAfter keeps the log up to and including the first line containing
// marker.
func cutAfter(s, marker string) string {
	i := strings.Index(s, marker)
	if i < 0 {
		return s
	}
	if j := strings.Index(s[i:], "\n"); j >= 0 {
		return s[:i+j+1]
	}
	return s
}

// addNoise interleaves lines of other components, as a real log has them,
// after every Agent line: Automatic Updates, the download manager and the
// handler. Their time stamps copy the line before.
func addNoise(s string) string {
	noise := []string{
		"AU\t#############",
		"AU\t## START ##  AU: Search for updates",
		"DnldMgr\tFound 0 downloads in queue",
		"Handler\tGenerating request for CBS update",
		"AU\tAU setting next detection timeout to 2008-06-14 20:00:00",
		"Service\t*********",
	}
	var b strings.Builder
	k := 0
	for _, line := range strings.SplitAfter(s, "\n") {
		b.WriteString(line)
		f := strings.Split(line, "\t")
		if len(f) >= 5 && f[4] == "Agent" {
			b.WriteString(strings.Join(f[:4], "\t") + "\t" + noise[k%len(noise)] + "\r\n")
			k++
		}
	}
	return b.String()
}
