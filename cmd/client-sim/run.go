package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	clientsim "github.com/wsusmock/wsusmock/client-sim"
	"github.com/wsusmock/wsusmock/client-sim/profile"
	"github.com/wsusmock/wsusmock/client-sim/wulog"
	"github.com/wsusmock/wsusmock/clock"
	"github.com/wsusmock/wsusmock/internal/cli"

	"github.com/wsusmock/wsusmock/internal/jsonout"
)

// env is what run needs from the process, so that tests can run it.
type env struct {
	stdout, stderr io.Writer
	// stderrTerminal selects the carriage-return progress bar.
	stderrTerminal bool
}

// searchFailedError is a sync whose search failed: exit status 1.
type searchFailedError struct{ res *clientsim.Result }

func (e *searchFailedError) Error() string {
	r := e.res
	return fmt.Sprintf("search of %s failed with %s in %s: %s", r.Computer, r.HResult, r.FailedOperation, r.Reason)
}

func (e *searchFailedError) ExitCode() int { return cli.ExitFound }

// commands lists the subcommands.
var commands = []struct {
	name, summary string
	run           func(ctx context.Context, args []string, e env) error
}{
	{"sync", "run one computer's search and print its result", runSync},
	{"fleet", "run many computers and summarise outcomes and latencies", runFleet},
	{"profiles", "list the built-in machine profiles", runProfiles},
	{"replay", "re-send a recorded capture to a server and diff the answers", runReplay},
	{"version", "print the module version, commit and Go version", func(ctx context.Context, args []string, e env) error {
		return cli.RunVersion(ctx, prog, args, e.stdout)
	}},
}

func usage() string {
	var b strings.Builder
	b.WriteString("usage: client-sim COMMAND [flags]\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-9s %s\n", c.name, c.summary)
	}
	b.WriteString("\n'client-sim help COMMAND' or 'client-sim COMMAND --help' prints a command's flags and exit statuses.\n" +
		"Exit status: 0 ok; 1 the search failed or the answers differ; 2 usage or environment error.\n")
	return b.String()
}

// run runs the command line args (without the program name).
func run(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage())
		return cli.Exit(cli.ExitUsage)
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "-help", "--help", "help":
		if len(rest) == 0 || name != "help" {
			fmt.Fprint(e.stdout, usage())
			return nil
		}
		// help CMD is CMD --help.
		name, rest = rest[0], []string{"--help"}
	}
	for _, c := range commands {
		if c.name == name {
			return c.run(ctx, rest, e)
		}
	}
	return &cli.UsageError{Cmd: prog, Msg: fmt.Sprintf("unknown command %q", name)}
}

// parseFlags parses a command's flags; it takes no positional arguments.
func parseFlags(c *cli.Command, args []string, e env) error {
	pos, err := c.Parse(args, e.stdout)
	if err != nil {
		return err
	}
	return c.NoArgs(pos)
}

// common are the flags sync and fleet share.
type common struct {
	server      string
	logFormat   string
	json        bool
	seed        uint64
	seedGiven   bool
	clockMode   string
	timeout     time.Duration
	noSelfUpd   bool
	noReport    bool
	caFile      string
	insecure    bool
	httpClient  *http.Client
	flavour     wulog.Flavour
	virtualTime bool
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.server, "server", "", "WSUS server URL, the WUServer policy value (e.g. http://wsus01:8530); required")
	fs.StringVar(&c.logFormat, "log-format", "", "WindowsUpdate.log flavour: classic (WUA 7) or wua10 (Get-WindowsUpdateLog; also reports every SOAP fault as 0x80244007, as WUA 10 does); default: the profile's agent (wua10 for win10 and win11, classic for the others)")
	fs.BoolVar(&c.json, "json", false, "print the result as JSON")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the computers' identities; giving it also selects the virtual clock")
	fs.StringVar(&c.clockMode, "clock", "auto", "auto (virtual with --seed, else real), virtual or real")
	fs.DurationVar(&c.timeout, "timeout", clientsim.DefaultCallTimeout, "deadline of each call to the server")
	fs.BoolVar(&c.noSelfUpd, "no-self-update", false, "skip the self-update check (GET /selfupdate/wuident.cab)")
	fs.BoolVar(&c.noReport, "no-report", false, "skip ReportEventBatch")
	fs.StringVar(&c.caFile, "ca-file", "", "PEM certificates to trust for an https server (e.g. mockwsus's self-signed one), as a WUA trusts the machine's root store")
	fs.BoolVar(&c.insecure, "insecure", false, "accept any server certificate (lab use only)")
}

// check validates the common flags after parsing.
func (c *common) check(cmd *cli.Command) error {
	fs := cmd.Flags
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "seed" {
			c.seedGiven = true
		}
	})
	if c.server == "" {
		return cmd.Usagef("--server is required (the WSUS URL, e.g. http://wsus01:8530)")
	}
	fl, err := wulog.Default, error(nil)
	if c.logFormat != "" {
		fl, err = wulog.ParseFlavour(c.logFormat)
	}
	if err != nil {
		return cmd.Usagef("--log-format: %v", err)
	}
	c.flavour = fl
	switch c.clockMode {
	case "auto":
		c.virtualTime = c.seedGiven
	case "virtual":
		c.virtualTime = true
	case "real":
		c.virtualTime = false
	default:
		return cmd.Usagef("--clock %q: want auto, virtual or real", c.clockMode)
	}
	if c.timeout <= 0 {
		return cmd.Usagef("--timeout must be positive")
	}
	if c.caFile != "" || c.insecure {
		cfg := &tls.Config{InsecureSkipVerify: c.insecure} //nolint:gosec // opt-in for lab servers
		if c.caFile != "" {
			pem, err := os.ReadFile(c.caFile)
			if err != nil {
				return cmd.Usagef("--ca-file: %v", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return cmd.Usagef("--ca-file %s holds no PEM certificate", c.caFile)
			}
			cfg.RootCAs = pool
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = cfg
		tr.MaxIdleConnsPerHost = 64
		c.httpClient = &http.Client{Transport: tr}
	}
	return nil
}

// newClock returns a computer's clock: a virtual one from the advisory's
// day, or the wall clock.
func (c *common) newClock() clock.Clock {
	if c.virtualTime {
		return clock.NewVirtual(clock.DefaultStart, time.Millisecond)
	}
	return clock.Real{}
}

func runSync(ctx context.Context, args []string, e env) error {
	cmd := cli.NewCommand(prog, "sync", "", "run one simulated computer's search against a WSUS server and print its result",
		"0 the search succeeded; 1 it failed (the result says with which HRESULT and why); 2 usage or environment error")
	fs := cmd.Flags
	var c common
	c.register(fs)
	profileName := fs.String("profile", "xp-sp3", "machine profile: a built-in name (see client-sim profiles) or a YAML file")
	logPath := fs.String("log", "", "write WindowsUpdate.log to this file (- for standard output)")
	index := fs.Int("index", 0, "computer number (from 0): part of the derived name and identity")
	computer := fs.String("computer", "", "DNS name of the computer (default derived, e.g. XPSP3-0001.lab.local)")
	clientID := fs.String("client-id", "", "SusClientId GUID (default derived from --seed and --index)")
	group := fs.String("target-group", "", "client-side targeting group")
	categories := fs.String("categories", "", "limit the search to these update categories (GUIDs, comma-separated; win10/win11): StartCategoryScan on servers of protocol 3.2 and later")
	maxTrips := fs.Int("max-round-trips", clientsim.DefaultMaxRoundTrips, "round trips one search may make")
	if err := parseFlags(cmd, args, e); err != nil {
		return err
	}
	if err := c.check(cmd); err != nil {
		return err
	}
	if *logPath == "-" && c.json {
		return cmd.Usagef("--log - and --json would both write to standard output; give --log a file")
	}
	p, err := profile.Resolve(*profileName)
	if err != nil {
		return fmt.Errorf("--profile: %w", err)
	}
	cfg := clientsim.Config{
		ServerURL: c.server, Profile: p, Seed: c.seed, Index: *index,
		ComputerName: *computer, ClientID: *clientID, TargetGroup: *group,
		Clock: c.newClock(), LogFormat: c.flavour, CallTimeout: c.timeout, MaxRoundTrips: *maxTrips, HTTPClient: c.httpClient,
		SkipSelfUpdate: c.noSelfUpd, SkipReporting: c.noReport,
	}
	for _, id := range strings.Split(*categories, ",") {
		if id = strings.TrimSpace(id); id != "" {
			cfg.Categories = append(cfg.Categories, id)
		}
	}
	var logFile *os.File
	switch *logPath {
	case "":
	case "-":
		cfg.Log = e.stdout
	default:
		logFile, err = os.Create(*logPath)
		if err != nil {
			return fmt.Errorf("--log: %w", err)
		}
		cfg.Log = logFile
	}
	res, err := clientsim.Run(ctx, cfg)
	if logFile != nil {
		if cerr := logFile.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("--log: %w", cerr)
		}
	}
	if res != nil {
		if c.json {
			if werr := res.WriteJSON(e.stdout); werr != nil && err == nil {
				err = werr
			}
		} else if *logPath != "-" {
			writeResultText(e.stdout, res)
		}
	}
	if err != nil {
		return err
	}
	if !res.Success {
		return &searchFailedError{res: res}
	}
	return nil
}

func writeResultText(w io.Writer, r *clientsim.Result) {
	if r.Success {
		fmt.Fprintf(w, "%s (%s): search succeeded, %d updates found, %d categories, %d round trips\n",
			r.Computer, r.Profile, len(r.Updates), r.Categories, r.RoundTrips)
	} else {
		fmt.Fprintf(w, "%s (%s): search failed with %s in %s: %s\n", r.Computer, r.Profile, r.HResult, r.FailedOperation, r.Reason)
	}
	for _, u := range r.Updates {
		kb := ""
		if u.KB != "" {
			kb = " KB" + u.KB
		}
		class := ""
		if u.Classification != "" {
			class = " [" + u.Classification + "]"
		}
		fmt.Fprintf(w, "  %d {%s}.%d%s %s%s\n", u.RevisionID, u.UpdateID, u.RevisionNumber, kb, u.Title, class)
	}
	for _, u := range r.UnknownRules {
		fmt.Fprintf(w, "  not evaluated: revision %d %s: %s\n", u.RevisionID, u.Rule, u.Error)
	}
}

func runFleet(ctx context.Context, args []string, e env) error {
	cmd := cli.NewCommand(prog, "fleet", "", "run many simulated computers at once and summarise outcomes by HRESULT and latencies",
		"0 the fleet ran, whatever its searches' outcomes (failed searches are a result to read, e.g. the Office 2003 share on a buggy server), "+
			"or with --strict only when every search succeeded; 1 with --strict, a search failed; 2 usage or environment error")
	fs := cmd.Flags
	var c common
	c.register(fs)
	clients := fs.Int("clients", 10, "number of computers")
	concurrency := fs.Int("concurrency", 0, "computers searching at once (default min(clients, 16))")
	mixFlag := fs.String("mix", "xp-sp3=100", "profiles by percentage, e.g. xp-sp3-office2003=30,xp-sp3=70")
	logDir := fs.String("log-dir", "", "write each computer's WindowsUpdate.log to DIR/<computer>.log")
	strict := fs.Bool("strict", false, "exit 1 when any computer's search failed (without it fleet exits 0 whatever the outcomes)")
	quiet := fs.Bool("quiet", false, "no progress on standard error")
	if err := parseFlags(cmd, args, e); err != nil {
		return err
	}
	if err := c.check(cmd); err != nil {
		return err
	}
	if *clients <= 0 {
		return cmd.Usagef("--clients must be at least 1")
	}
	if *concurrency < 0 {
		return cmd.Usagef("--concurrency must not be negative")
	}
	mix, err := clientsim.ParseMix(*mixFlag)
	if err != nil {
		return cmd.Usagef("--mix: %v", err)
	}
	cfg := clientsim.FleetConfig{
		ServerURL: c.server, Clients: *clients, Concurrency: *concurrency, Mix: mix, Seed: c.seed,
		LogDir: *logDir, LogFormat: c.flavour, CallTimeout: c.timeout, HTTPClient: c.httpClient,
		SkipSelfUpdate: c.noSelfUpd, SkipReporting: c.noReport,
		Clock: func(int) clock.Clock { return c.newClock() },
	}
	if !*quiet {
		cfg.Progress, cfg.ProgressTerminal = e.stderr, e.stderrTerminal
	}
	defer clientsim.LoadGC()()
	sum, err := clientsim.RunFleet(ctx, cfg)
	if sum.Clients > 0 && (sum.Succeeded+sum.Failed > 0 || err == nil) {
		var werr error
		if c.json {
			werr = sum.WriteJSON(e.stdout)
		} else {
			werr = sum.WriteText(e.stdout)
		}
		if err == nil {
			err = werr
		}
	}
	if err != nil {
		return err
	}
	if *strict && sum.Failed > 0 {
		return cli.Found(fmt.Errorf("fleet: %d of %d searches failed (--strict)", sum.Failed, sum.Clients))
	}
	return nil
}

func runProfiles(_ context.Context, args []string, e env) error {
	cmd := cli.NewCommand(prog, "profiles", "", "list the built-in machine profiles", "0, or 2 on a usage error")
	asJSON := cmd.Flags.Bool("json", false, "print the profiles as JSON")
	if err := parseFlags(cmd, args, e); err != nil {
		return err
	}
	type row struct {
		Name         string `json:"name"`
		OS           string `json:"os"`
		Architecture string `json:"architecture"`
		AgentVersion string `json:"agentVersion"`
		MSIProducts  int    `json:"msiProducts"`
		Office2003   bool   `json:"office2003"`
	}
	var rows []row
	for _, name := range profile.Names() {
		p, err := profile.Builtin(name)
		if err != nil {
			return err
		}
		rows = append(rows, row{
			Name: p.Name, OS: p.OS.Description, Architecture: p.ProcessorArchitecture.String(),
			AgentVersion: p.AgentVersion, MSIProducts: len(p.MSIProducts),
			Office2003: p.MSIProductInstalled(profile.Office2003ProductCode),
		})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	if *asJSON {
		return jsonout.Write(e.stdout, &rows)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tOS\tARCH\tAGENT\tOFFICE 2003")
	for _, r := range rows {
		office := "no"
		if r.Office2003 {
			office = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Name, r.OS, r.Architecture, r.AgentVersion, office)
	}
	return tw.Flush()
}
