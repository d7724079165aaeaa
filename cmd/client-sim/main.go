// Command client-sim simulates Windows Update Agent 7.x clients against a
// WSUS server (the mock of this repository or a real one):
//
//	client-sim sync --server URL --profile NAME|FILE [--log FILE] [--log-format classic|wua10 (default: the profile's)] [--json] [--seed N]
//	client-sim fleet --server URL --clients N --concurrency C --mix xp-sp3-office2003=30,xp-sp3=70 [--log-dir DIR] [--json] [--seed N]
//	client-sim profiles [--json]
//
// sync runs one computer's search and exits 1 when the search failed;
// fleet runs many and prints outcomes by HRESULT and latency percentiles
// and exits 0 whatever they are (a fleet's failed searches are a result to
// read), or with --strict 1 when any search failed. 2 is a usage or
// environment error everywhere. With --seed the
// computers' clocks are virtual (from 2008-06-13 19:59:53.383 UTC, 1 ms per
// reading), so one seed writes the same WindowsUpdate.log and JSON every
// time; without it the seed is 1 and the clock is the wall clock.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/wsusmock/wsusmock/internal/cli"
)

const prog = "client-sim"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], env{stdout: os.Stdout, stderr: os.Stderr, stderrTerminal: isTerminal(os.Stderr)})
	stop()
	os.Exit(cli.Report(prog, err, os.Stderr))
}

// isTerminal reports whether f is a character device (a terminal), where
// a carriage-return progress bar makes sense.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
