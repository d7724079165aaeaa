// Command mockwsus runs the WSUS 3.0 SP1 mock server.
//
//	mockwsus --addr 127.0.0.1:0 --admin-addr 127.0.0.1:0 [--admin-token T | --admin-token-file F] --behaviour kb954960=buggy \
//	    [--scenario FILE] [--seed N] [--deterministic-cookies] [--log-dir DIR] [--tls [--tls-min-version 1.0|1.1|1.2|1.3]]
//	    [--record DIR | --replay DIR] [--drain D] [--read-header-timeout D] [--read-timeout D] [--idle-timeout D]
//	    [--write-timeout D] [--max-body SIZE] [--max-header-bytes SIZE] [--max-elements N] [--page-size N]
//	    [--max-installed-prerequisites N] [--max-cached-updates N] [--max-extended-updates N] [--cookie-lifetime D]
//	    [--server-log-limit SIZE]
//	mockwsus proxy --upstream URL --record DIR [--addr ADDR] [--redact-hosts ...]
//
// It prints "listening on URL" and "admin on URL" once both listeners accept
// requests, and on SIGTERM or SIGINT stops accepting, waits up to --drain for
// the requests in flight (each is journaled before its answer is sent),
// finishes the recordings (each exchange folder is written then renamed),
// and syncs and closes SoftwareDistribution.log and journal.jsonl.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/wsusmock/wsusmock/adminclient"
	"github.com/wsusmock/wsusmock/capture"
	"github.com/wsusmock/wsusmock/internal/cli"
	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
)

const prog = "mockwsus"

func main() {
	os.Exit(cli.Report(prog, run(context.Background(), os.Args[1:], os.Stdout, os.Stderr), os.Stderr))
}

// serveExit is the exit statuses of serving (and of proxy).
const serveExit = "0 stopped by SIGTERM or SIGINT after draining, nothing lost; 2 usage or environment error " +
	"(a bad flag or version, an address in use, a log directory that cannot be written, " +
	"or data the server failed to keep while it ran: a log record, a journal line, a recording)"

// subcommands are mockwsus's commands besides serving.
var subcommands = []struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}{
	{"proxy", "record the traffic of a real WSUS as a reverse proxy in front of it", runProxy},
	{"har", "import a HAR log as a capture directory, or export one as a HAR log", runHAR},
	{"version", "print the module version, commit and Go version", func(ctx context.Context, args []string, stdout, _ io.Writer) error {
		return cli.RunVersion(ctx, prog, args, stdout)
	}},
}

// behaviourFlags collects repeated --behaviour name=mode flags.
type behaviourFlags map[string]behaviour.Mode

func (b behaviourFlags) String() string { return fmt.Sprint(map[string]behaviour.Mode(b)) }

func (b behaviourFlags) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		name, mode, err := behaviour.ParseAssignment(strings.TrimSpace(part))
		if err != nil {
			return err
		}
		b[name] = mode
	}
	return nil
}

type options struct {
	addr, adminAddr, adminToken string
	adminTokenFile              string
	behaviours                  behaviourFlags
	scenario                    string
	seed                        uint64
	deterministicCookies        bool
	logDir                      string
	tls                         bool
	certFile, keyFile           string
	version                     string
	versionSet                  bool
	record, replay              string
	catalogName                 string
	journalLimit                int
	redact                      redactFlags
	drain                       time.Duration
	tlsMin                      string
	readHeaderTimeout           time.Duration
	readTimeout                 time.Duration
	idleTimeout                 time.Duration
	limits                      limitFlags
}

// tlsVersions are the --tls-min-version values.
var tlsVersions = map[string]uint16{"1.0": tls.VersionTLS10, "1.1": tls.VersionTLS11, "1.2": tls.VersionTLS12, "1.3": tls.VersionTLS13}

// serveCommand is mockwsus itself: the server's flags.
func serveCommand(o *options) *cli.Command {
	c := cli.NewCommand(prog, "", "", "serve the WSUS 3.0 SP1 mock: the web services and, on its own listener, the admin API", serveExit)
	var b strings.Builder
	b.WriteString("It prints \"listening on URL\" and \"admin on URL\" once both accept requests.\n\ncommands:\n")
	for _, sc := range subcommands {
		fmt.Fprintf(&b, "  mockwsus %-8s %s\n", sc.name, sc.summary)
	}
	b.WriteString("'mockwsus help COMMAND' or 'mockwsus COMMAND --help' prints a command's flags.")
	c.Doc = b.String()
	fs := c.Flags
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8530", "address of the web services (host:port; port 0 picks a free one)")
	fs.StringVar(&o.adminAddr, "admin-addr", "127.0.0.1:8539", `address of the admin API ("" disables it)`)
	fs.StringVar(&o.adminToken, "admin-token", "", "bearer token the admin API requires for every request but GET /healthz (needed off loopback; default: --admin-token-file, else $"+adminclient.TokenEnv+")")
	fs.StringVar(&o.adminTokenFile, "admin-token-file", "", "file whose first line is the admin token (keeps it out of the command line)")
	fs.Var(o.behaviours, "behaviour", "behaviour mode as name=buggy|fixed; repeatable (known: "+strings.Join(behaviour.Names(), ", ")+")")
	fs.StringVar(&o.scenario, "scenario", "", "scenario file or built-in name whose server section configures the server")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of GUIDs and fault IDs (and of cookie keys with --deterministic-cookies)")
	fs.BoolVar(&o.deterministicCookies, "deterministic-cookies", false, "derive the cookie keys from --seed, for byte-stable runs, instead of crypto/rand (anyone who knows the seed can then seal cookies: keep such a server on loopback)")
	fs.StringVar(&o.logDir, "log-dir", "", "directory for SoftwareDistribution.log and journal.jsonl")
	fs.BoolVar(&o.tls, "tls", false, "serve HTTPS (self-signed certificate unless --tls-cert/--tls-key)")
	fs.StringVar(&o.certFile, "tls-cert", "", "PEM certificate for --tls")
	fs.StringVar(&o.keyFile, "tls-key", "", "PEM key for --tls")
	fs.StringVar(&o.tlsMin, "tls-min-version", "1.0", "lowest TLS version --tls accepts: 1.0, 1.1, 1.2 or 1.3 (1.0 because WUA 7 on Windows XP speaks nothing newer)")
	fs.DurationVar(&o.readHeaderTimeout, "read-header-timeout", mockwsus.DefaultReadHeaderTimeout, "how long a connection may take to send a request's headers (slowloris)")
	fs.DurationVar(&o.readTimeout, "read-timeout", mockwsus.DefaultReadTimeout, "how long a whole request may take to arrive, body included (408 past it)")
	fs.DurationVar(&o.idleTimeout, "idle-timeout", mockwsus.DefaultIdleTimeout, "how long a kept-alive connection may wait for its next request")
	fs.StringVar(&o.version, "wsus-version", mockwsus.DefaultVersion, "WSUS version to report (3.1.6001.65 is buggy for kb954960, 3.1.6001.66 fixed; 10.0 and later, e.g. 10.0.26100.1, answer as a modern WSUS)")
	fs.StringVar(&o.version, "version", mockwsus.DefaultVersion, "the same as --wsus-version (kept for existing command lines; `mockwsus version` prints the build's version)")
	fs.DurationVar(&o.drain, "drain", 10*time.Second, "how long shutdown waits for requests in flight")
	fs.StringVar(&o.catalogName, "catalog", "", "built-in catalog: default, many-detectoids or synthetic-N (the default plus N updates)")
	fs.IntVar(&o.journalLimit, "journal-limit", mockwsus.DefaultJournalLimit, "exchanges the journal keeps in memory (older ones stay in --log-dir's journal.jsonl)")
	fs.StringVar(&o.record, "record", "", "record every exchange served into this directory (one folder per exchange)")
	fs.StringVar(&o.replay, "replay", "", "answer from this capture: a directory as --record writes, or a .har file (operations the capture lacks fall back to the mock)")
	o.redact.register(fs)
	o.limits.register(fs)
	return c
}

func parse(args []string, stdout io.Writer) (*options, error) {
	o := &options{behaviours: behaviourFlags{}}
	c := serveCommand(o)
	pos, err := c.Parse(args, stdout)
	if err != nil {
		return nil, err
	}
	if len(pos) > 0 {
		return nil, c.Usagef("unexpected argument %q (mockwsus takes flags, or a command: proxy, version, help)", pos[0])
	}
	versions := 0
	c.Flags.Visit(func(f *flag.Flag) {
		if f.Name == "version" || f.Name == "wsus-version" {
			versions++
		}
	})
	o.versionSet = versions > 0
	if versions > 1 {
		return nil, c.Usagef("give --wsus-version or --version, not both")
	}
	// The check PUT /version makes: a bad version is refused at start.
	if err := mockwsus.CheckVersion(o.version); err != nil {
		return nil, c.Usagef("--wsus-version: %s", cli.Clean(err.Error()))
	}
	if _, ok := tlsVersions[o.tlsMin]; !ok {
		return nil, c.Usagef("--tls-min-version %q: want 1.0, 1.1, 1.2 or 1.3", o.tlsMin)
	}
	if err := o.limits.check(); err != nil {
		return nil, c.Usagef("%v", err)
	}
	tok, err := adminclient.Token(o.adminToken, o.adminTokenFile, nil)
	if err != nil {
		return nil, err
	}
	o.adminToken = tok
	return o, nil
}

// run serves until ctx ends or a signal comes. Its error covers the whole
// life of the process: data the server failed to keep while it ran (a log
// record, a journal line, a recording the disk refused) and a log file that
// cannot be synced or closed at the end make it fail, so the process exits
// nonzero; each loss is also on stderr when it happens and on /healthz.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	// help [CMD] is CMD --help (the server's usage without CMD).
	if len(args) > 0 && args[0] == "help" {
		if len(args) > 1 {
			args = []string{args[1], "--help"}
		} else {
			args = []string{"--help"}
		}
	}
	if len(args) > 0 {
		for _, sc := range subcommands {
			if sc.name == args[0] {
				return sc.run(ctx, args[1:], stdout, stderr)
			}
		}
		if !strings.HasPrefix(args[0], "-") {
			return &cli.UsageError{Cmd: prog, Msg: fmt.Sprintf("unknown command %q (commands: proxy, har, version, help; the server takes flags only)", args[0])}
		}
	}
	o, err := parse(args, stdout)
	if err != nil {
		return err
	}
	logger := log.New(stderr, "", log.LstdFlags)
	cfg := mockwsus.Config{Version: o.version, Behaviours: o.behaviours, Seed: o.seed, JournalLimit: o.journalLimit,
		RandomCookieKeys: !o.deterministicCookies, Logf: logger.Printf}
	// The log files, synced and closed once the listeners have drained:
	// every request that finished is in them.
	var closers []*os.File
	var srv *mockwsus.Server
	defer func() {
		errs := []error{err}
		for _, f := range closers {
			if serr := f.Sync(); serr != nil {
				errs = append(errs, fmt.Errorf("log file: %w", serr))
			}
			if cerr := f.Close(); cerr != nil {
				errs = append(errs, fmt.Errorf("log file: %w", cerr))
			}
		}
		if srv != nil {
			errs = append(errs, srv.Health())
		}
		err = errors.Join(errs...)
	}()
	if o.logDir != "" {
		if err := os.MkdirAll(o.logDir, 0o755); err != nil {
			return fmt.Errorf("log directory: %w", err)
		}
		sd, err := os.OpenFile(o.logDir+"/SoftwareDistribution.log", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		closers = append(closers, sd)
		cfg.SoftwareDistributionLog = sd
	}
	if o.catalogName != "" {
		build, err := catalog.ByName(o.catalogName)
		if err != nil {
			return err
		}
		cfg.Catalog = build
	}
	if err := applyScenario(o.scenario, &cfg, o.versionSet); err != nil {
		return err
	}
	o.limits.apply(&cfg)
	srv, err = mockwsus.New(cfg)
	if err != nil {
		return err
	}
	if o.logDir != "" {
		j, err := os.OpenFile(o.logDir+"/journal.jsonl", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		closers = append(closers, j)
		srv.SetJournalSink(j)
	}
	lopts := mockwsus.ListenOptions{Addr: o.addr, AdminAddr: o.adminAddr, AdminToken: o.adminToken, TLS: o.tls, CertFile: o.certFile, KeyFile: o.keyFile,
		TLSMinVersion: tlsVersions[o.tlsMin], ReadHeaderTimeout: o.readHeaderTimeout, ReadTimeout: o.readTimeout, IdleTimeout: o.idleTimeout}
	o.limits.applyListen(&lopts)
	var recorder *capture.Writer
	// flush runs once the listeners have stopped: the handlers the drain
	// cut finish in the background (and journal what their clients got),
	// and the recordings are written; only then are the files closed.
	flush := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := srv.WaitIdle(ctx)
		if recorder != nil {
			recorder.Wait()
		}
		return err
	}
	if o.record != "" {
		w, err := capture.NewWriter(o.record, capture.WriterOptions{Redact: o.redact.redaction(),
			Logf: func(format string, args ...any) { srv.ReportFailure("recording", fmt.Errorf(format, args...)) }})
		if err != nil {
			return err
		}
		lopts.Wrap = func(h http.Handler) http.Handler { return capture.Record(h, w) }
		// A recording that fails is reported to the server as it happens
		// (stderr, /healthz) and again by Health at the end.
		recorder = w
	}
	var l *mockwsus.Listener
	if o.replay != "" {
		exchanges, cleanup, err := readCapture(o.replay)
		if err != nil {
			return err
		}
		defer cleanup()
		h := replayHandler(exchanges, srv)
		l, err = mockwsus.ListenHandler(h, srv.AdminHandler(mockwsus.AdminOptions{Token: o.adminToken}), lopts)
		if err != nil {
			return err
		}
	} else if l, err = srv.Listen(lopts); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "listening on %s\n", l.URL)
	if l.AdminURL != "" {
		fmt.Fprintf(stdout, "admin on %s\n", l.AdminURL)
		if o.adminToken != "" {
			fmt.Fprintln(stdout, "the admin API needs its token with every request but GET /healthz")
		}
	}
	if o.replay != "" {
		fmt.Fprintf(stdout, "answering from the capture in %s\n", o.replay)
	} else {
		fmt.Fprintf(stdout, "server version %s, behaviours %s\n", srv.Version(), describeModes(srv))
	}
	if o.record != "" {
		fmt.Fprintf(stdout, "recording in %s\n", o.record)
	}
	if o.deterministicCookies {
		fmt.Fprintf(stdout, "cookie keys derived from seed %d (--deterministic-cookies): anyone who knows the seed can seal cookies\n", o.seed)
	}
	return serveUntilSignal(ctx, l, o.drain, stdout, flush)
}

func describeModes(srv *mockwsus.Server) string {
	var parts []string
	for _, b := range srv.Behaviours() {
		parts = append(parts, b.Name+"="+string(b.Mode))
	}
	return strings.Join(parts, ",")
}
