// Command wsusrepro reproduces WSUS faults from scenarios and proves fixes.
//
//	wsusrepro run [SCENARIO|FILE...] [--out DIR] [--server URL --admin URL [--admin-token T | --admin-token-file F]]
//	wsusrepro list
//	wsusrepro check FILE...
//	wsusrepro detect [--json] PATH...
//	wsusrepro corpus --out DIR [--seed N] [--seed-dir DIR | --no-advisory]
//	wsusrepro score --detector 'COMMAND {case}' [--corpus DIR] [--junit FILE]
//
// With no scenario, run carries out kb954960, kb954960-hotfix and
// kb954960-workaround: the fault reproduced, then cured by the fix and by the
// workaround. It exits 0 only if every expectation held.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// exitError carries an exit status without an error message of its own
// (the command already printed why).
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	var code exitError
	switch {
	case err == nil:
	case errors.As(err, &code):
		os.Exit(int(code))
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "wsusrepro:", err)
		os.Exit(2)
	}
}

const usage = `usage:
  wsusrepro run [SCENARIO|FILE...] [--out DIR] [--server URL [--admin URL [--admin-token T | --admin-token-file F]]]
  wsusrepro list
  wsusrepro check FILE...
  wsusrepro detect [--json] PATH...     (exit 0 confirmed/probable, 3 possible, 1 none, 2 nothing read)
  wsusrepro corpus --out DIR [--seed N] [--seed-dir DIR | --no-advisory]
  wsusrepro score --detector 'COMMAND {case}' [--corpus DIR] [--junit FILE]
  wsusrepro bench --clients N [--concurrency C] [--delta N] [--catalog NAME] [--spawn PATH | --server URL [--admin URL [--admin-token T | --admin-token-file F]]] [--soak D [--soak-sample D]]
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError(2)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return runScenarios(ctx, rest, stdout, stderr)
	case "list":
		return listScenarios(rest, stdout, stderr)
	case "check":
		return checkScenarios(rest, stdout, stderr)
	case "detect":
		return detectLogs(ctx, rest, stdout, stderr)
	case "corpus":
		return makeCorpus(ctx, rest, stdout, stderr)
	case "score":
		return scoreDetector(ctx, rest, stdout, stderr)
	case "bench":
		return runBench(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "wsusrepro: unknown command %q\n%s", cmd, usage)
	return exitError(2)
}

// parseInterleaved parses flags that may come before, between or after
// positional arguments (flag stops at the first positional one).
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
