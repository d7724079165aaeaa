// Command wsusrepro reproduces WSUS faults from scenarios and proves fixes.
//
//	wsusrepro run [SCENARIO|FILE...] [--out DIR] [--server URL --admin URL [--admin-token T | --admin-token-file F]] [--json]
//	wsusrepro list
//	wsusrepro check FILE...
//	wsusrepro detect [--json] PATH...
//	wsusrepro corpus --out DIR [--seed N] [--seed-dir DIR | --no-advisory]
//	wsusrepro score --detector 'COMMAND {case}' [--corpus DIR] [--junit FILE]
//	wsusrepro bench --clients N ...
//	wsusrepro version [--json]
//
// With no scenario, run carries out kb954960, kb954960-hotfix and
// kb954960-workaround: the fault reproduced, then cured by the fix and by the
// workaround. It exits 0 only if every expectation held. Every command
// follows internal/cli's convention: --help, one-line usage errors, exit
// status 0 ok, 1 found or failed its checks, 2 usage or environment error.
package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/wsusmock/wsusmock/internal/cli"
)

const prog = "wsusrepro"

func main() { cli.Main(prog, run) }

// commands are wsusrepro's commands, in the order the usage lists them.
var commands = []struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}{
	{"run", "run scenarios (default: the three KB954960 proofs) and check their expectations", runScenarios},
	{"list", "list the built-in scenarios", listScenarios},
	{"check", "validate scenario files without running them", checkScenarios},
	{"detect", "find KB954960 in WindowsUpdate.log / SoftwareDistribution.log files", detectLogs},
	{"corpus", "make a labelled corpus of logs from real runs", makeCorpus},
	{"score", "score a detector command on a corpus", scoreDetector},
	{"bench", "load a server: first and delta syncs, latencies, CPU, memory", runBench},
	{"version", "print the module version, commit and Go version", func(ctx context.Context, args []string, stdout, _ io.Writer) error {
		return cli.RunVersion(ctx, prog, args, stdout)
	}},
}

func usage() string {
	var b strings.Builder
	b.WriteString("usage: wsusrepro COMMAND [flags] [args]\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-8s %s\n", c.name, c.summary)
	}
	b.WriteString("\n'wsusrepro help COMMAND' or 'wsusrepro COMMAND --help' prints a command's flags and exit statuses.\n" +
		"Exit status: 0 ok; 1 the run found what it was asked to find or failed its checks; 2 usage or environment error.\n")
	return b.String()
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return cli.Exit(cli.ExitUsage)
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(rest) == 0 || name != "help" {
			fmt.Fprint(stdout, usage())
			return nil
		}
		// help CMD is CMD --help.
		name, rest = rest[0], []string{"--help"}
	}
	for _, c := range commands {
		if c.name == name {
			return c.run(ctx, rest, stdout, stderr)
		}
	}
	return &cli.UsageError{Cmd: prog, Msg: fmt.Sprintf("unknown command %q", name)}
}
