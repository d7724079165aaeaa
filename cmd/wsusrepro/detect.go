package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/wsusmock/wsusmock/detect"
	"github.com/wsusmock/wsusmock/detect/corpus"
	"github.com/wsusmock/wsusmock/internal/atomicfile"
	"github.com/wsusmock/wsusmock/internal/cli"
)

// detectDoc is the body of `wsusrepro detect --help`: what is read and the
// verdicts; the exit statuses, which CI jobs gate on, follow it.
const detectDoc = `Every published form is read: real time stamps, placeholders ("Date Time") or none; any
decimal separator; tabs, runs of spaces, indentation; blank lines; CRLF, UTF-16 with or without
a byte order mark, UTF-8 with one; wrapped or run-together lines; HTML-escaped quotes;
"<lines removed>" markers in any language; WUA 7, Get-WindowsUpdateLog and CMTrace layouts.

Verdicts:
  confirmed  the server's exception (ArgumentException 'Item has already been
             added' from ClientImplementation.GetSyncInfo), or client and
             server logs with one fault ID
  probable   the client's SyncUpdates failure 0x8024400E with ErrorCode
             InternalServerError: a SqlException in SyncUpdates logs the same
             client lines, so the server log settles it
  possible   the first line alone, fragments, an excerpt cut short
  none       nothing of the signature

--json prints the verdict, the evidence lines (file, line, text), what would
settle it, and every incident and finding (camelCase keys).`

// detectLogs is `wsusrepro detect [--json] PATH...`: exit 0 when KB954960 is
// confirmed or probable, 3 when only possible, 1 when not found, 2 when
// nothing could be read or on error.
func detectLogs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := cli.NewCommand(prog, "detect", "PATH...",
		"find Microsoft Security Advisory 954960 (KB954960) in WindowsUpdate.log, SoftwareDistribution.log,\n"+
			"ConfigMgr WUAHandler.log, or any text holding a pasted excerpt, in files or folders (searched recursively)",
		// grep's convention, which `wsusrepro score` reads from any detector.
		`
  0  confirmed or probable
  3  only possible
  1  none
  2  nothing could be read (no such file, an empty folder, only binary files),
     a usage error or another error`)
	c.Doc = detectDoc
	asJSON := c.Flags.Bool("json", false, "print the report as JSON (for tools)")
	paths, err := c.Parse(args, stdout)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return c.Usagef("give at least one PATH (WindowsUpdate.log, SoftwareDistribution.log, or a folder)")
	}
	var s detect.Scanner
	rep, err := s.Scan(ctx, paths)
	if err != nil {
		return &cli.ExitError{Code: detect.ExitError, Err: err}
	}
	if *asJSON {
		err = rep.WriteJSON(stdout)
	} else {
		err = rep.WriteText(stdout)
	}
	if err != nil {
		return err
	}
	if rep.Read == 0 {
		fmt.Fprintf(stderr, "wsusrepro detect: nothing could be read in %s (no text file)\n", strings.Join(paths, ", "))
	}
	if code := rep.ExitCode(); code != 0 {
		return cli.Exit(code)
	}
	return nil
}

// makeCorpus is `wsusrepro corpus --out DIR [--seed N] [--seed-dir DIR |
// --no-advisory]`.
func makeCorpus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := cli.NewCommand(prog, "corpus", "", "run the scenarios and write a labelled corpus of logs for detector authors", "0; 2 usage or environment error")
	fs := c.Flags
	out := fs.String("out", "wsusrepro-corpus", "directory to create the corpus in (must be new or empty)")
	seed := fs.Uint64("seed", 1, "seed of the runs")
	seedDir := fs.String("seed-dir", "", "folder holding the stored Security Advisory 954960, whose excerpts are rendered in every published form (default: $WSUSMOCK_SEED_DIR, else ../shared/seed beside the repository)")
	noAdvisory := fs.Bool("no-advisory", false, "leave out the variants of the advisory's excerpts (when no copy of it is at hand)")
	pos, err := c.Parse(args, stdout)
	if err != nil {
		return err
	}
	if err := c.NoArgs(pos); err != nil {
		return err
	}
	cases, err := corpus.Generate(ctx, *out, corpus.Options{Seed: *seed, SeedDir: *seedDir, NoAdvisory: *noAdvisory})
	if err != nil {
		return err
	}
	positive, possible := 0, 0
	for _, c := range cases {
		if c.Label.Positive {
			positive++
		}
		if c.Label.Verdict == detect.VerdictPossible {
			possible++
		}
	}
	fmt.Fprintf(stdout, "wrote %d cases (%d positive, %d of them labelled possible; %d negative) and %s to %s\n",
		len(cases), positive, possible, len(cases)-positive, detect.LabelsFile, *out)
	return nil
}

// scoreDetector is `wsusrepro score --detector 'COMMAND {case}' [--corpus DIR]
// [--junit FILE]`.
func scoreDetector(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := cli.NewCommand(prog, "score", "", "run a detector command once per corpus case and score it",
		"0 every case right; 1 a case wrong (false positive, false negative, or an error of the detector); 2 usage or environment error")
	fs := c.Flags
	command := fs.String("detector", "", `detector command; {case} is replaced by the case directory (e.g. 'wsusrepro detect --json {case}'); it prints {"verdict": ...} or {"detected": ...}, or exits 0 (found), 1 (not found) or 3 (possible)`)
	dir := fs.String("corpus", "wsusrepro-corpus", "corpus directory made by `wsusrepro corpus`")
	junit := fs.String("junit", "", "write a JUnit report (one test case per corpus case)")
	asJSON := fs.Bool("json", false, "print the score as JSON")
	timeout := fs.Duration("timeout", detect.DefaultCaseTimeout, "per-case timeout; a detector that runs longer is stopped and counted as an error")
	parallel := fs.Int("parallel", 2, "cases scored at once")
	pos, err := c.Parse(args, stdout)
	if err != nil {
		return err
	}
	if err := c.NoArgs(pos); err != nil {
		return err
	}
	if *command == "" {
		return c.Usagef("--detector is required, e.g. --detector 'wsusrepro detect --json {case}'")
	}
	if _, err := os.Stat(*dir); err != nil {
		return fmt.Errorf("corpus %s: %w (make one with `wsusrepro corpus --out %s`)", *dir, err, *dir)
	}
	res, err := detect.Score(ctx, detect.ScoreConfig{Corpus: *dir, Command: *command, Timeout: *timeout, Parallelism: *parallel})
	if err != nil {
		return err
	}
	if *asJSON {
		err = res.WriteJSON(stdout)
	} else {
		err = res.WriteText(stdout)
	}
	if err != nil {
		return err
	}
	if *junit != "" {
		// Written then renamed: an interrupted run leaves no half report.
		if err := atomicfile.Write(*junit, 0o644, res.WriteJUnit); err != nil {
			return err
		}
	}
	if len(res.Wrong) > 0 {
		return cli.Exit(cli.ExitFound)
	}
	return nil
}
