package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/wsusmock/wsusmock/capture"
	"github.com/wsusmock/wsusmock/internal/cli"
	"github.com/wsusmock/wsusmock/mockwsus"
)

// redactFlags are the redaction options of recordings.
type redactFlags struct {
	hosts, ips, cookies bool
}

func (r *redactFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&r.hosts, "redact-hosts", false, "replace host names in recordings (a manifest, redactions.json, lists what was replaced)")
	fs.BoolVar(&r.ips, "redact-ips", false, "replace IP addresses in recordings")
	fs.BoolVar(&r.cookies, "redact-cookies", false, "zero cookie data in recordings, as the real captures were sanitised")
}

func (r *redactFlags) redaction() capture.Redaction {
	return capture.Redaction{Hosts: r.hosts, IPs: r.ips, Cookies: r.cookies}
}

// runProxy is `mockwsus proxy --upstream URL --record DIR`: a reverse proxy
// in front of a real WSUS that records what passes, unchanged.
func runProxy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := cli.NewCommand(prog, "proxy", "", "a reverse proxy in front of a real WSUS that records every exchange passing through, unchanged", serveExit)
	fs := c.Flags
	upstream := fs.String("upstream", "", "the real WSUS, e.g. http://wsus01:8530 or https://wsus01:8531 (required)")
	record := fs.String("record", "", "directory to record exchanges in (required)")
	addr := fs.String("addr", "127.0.0.1:8530", "address to listen on")
	insecure := fs.Bool("insecure", false, "accept the upstream's self-signed certificate")
	maxBody := fs.Int64("max-record-body", capture.DefaultMaxBody, "bodies longer than this are recorded truncated (noted in meta.json)")
	drain := fs.Duration("drain", 10*time.Second, "how long shutdown waits for requests in flight")
	var red redactFlags
	red.register(fs)
	pos, err := c.Parse(args, stdout)
	if err != nil {
		return err
	}
	if err := c.NoArgs(pos); err != nil {
		return err
	}
	if *upstream == "" || *record == "" {
		return c.Usagef("--upstream URL and --record DIR are required")
	}
	u, err := url.Parse(*upstream)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c.Usagef("--upstream %q is not an http or https URL", *upstream)
	}
	logger := log.New(stderr, "", log.LstdFlags)
	w, err := capture.NewWriter(*record, capture.WriterOptions{MaxBody: *maxBody, Redact: red.redaction(), Logf: logger.Printf})
	if err != nil {
		return err
	}
	h := capture.NewProxy(u, w, capture.ProxyOptions{InsecureSkipVerify: *insecure})
	l, err := mockwsus.ListenHandler(h, nil, mockwsus.ListenOptions{Addr: *addr})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "listening on %s\n", l.URL)
	fmt.Fprintf(stdout, "proxying to %s, recording in %s\n", u, *record)
	return serveUntilSignal(ctx, l, *drain, stdout, func() error {
		w.Wait()
		return w.Err()
	})
}

// serveUntilSignal waits for SIGTERM or SIGINT, drains, then runs flush.
func serveUntilSignal(ctx context.Context, l *mockwsus.Listener, drain time.Duration, stdout io.Writer, flush func() error) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	<-ctx.Done()
	dctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	err := l.Shutdown(dctx)
	if flush != nil {
		if ferr := flush(); ferr != nil && err == nil {
			err = ferr
		}
	}
	fmt.Fprintln(stdout, "stopped")
	return err
}

// replayHandler serves a capture instead of the mock (--replay).
// Requests of an operation the capture holds (by SOAPAction, or method and
// path for other requests) are answered from it by capture's matching rule;
// requests of an operation it does not hold at all are answered by the mock.
// Real captures often start mid-session (SyncUpdates with a cached cookie):
// the mock then carries the agent's handshake (GetConfig, GetCookie, ...)
// and the capture answers the rest.
func replayHandler(exchanges []capture.Exchange, mock http.Handler) http.Handler {
	replay := capture.NewReplayServer(exchanges)
	held := map[string]bool{}
	for _, ex := range exchanges {
		held[replayKey(ex.Request.Method, ex.Request.Path(), ex.Request.SOAPAction())] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		action := ""
		for k, v := range r.Header {
			if strings.EqualFold(k, "SOAPAction") && len(v) > 0 {
				action = v[0]
			}
		}
		if held[replayKey(r.Method, r.URL.Path, action)] {
			replay.ServeHTTP(w, r)
			return
		}
		mock.ServeHTTP(w, r)
	})
}

func replayKey(method, path, action string) string {
	if a := strings.Trim(strings.TrimSpace(action), `"`); a != "" {
		return "soap " + a
	}
	return method + " " + strings.ToLower(path)
}
