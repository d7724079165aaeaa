package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/wsusmock/wsusmock/detect"
	"github.com/wsusmock/wsusmock/detect/corpus"
	"github.com/wsusmock/wsusmock/internal/atomicfile"
	"github.com/wsusmock/wsusmock/internal/cli"
)

// detectLogs is `wsusrepro detect [--json] PATH...`: exit 0 when KB954960 is
// found, 1 when not, 2 on error.
func detectLogs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := cli.NewCommand(prog, "detect", "PATH...", "find KB954960 in WindowsUpdate.log / SoftwareDistribution.log files or directories",
		"0 KB954960 found; 1 not found (grep's convention, which `wsusrepro score` reads from any detector); 2 usage or read error")
	asJSON := c.Flags.Bool("json", false, "print the report as JSON (for tools)")
	paths, err := c.Parse(args, stdout)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return c.Usagef("no log file or directory given")
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
	if code := rep.ExitCode(); code != 0 {
		return cli.Exit(code)
	}
	return nil
}

// makeCorpus is `wsusrepro corpus --out DIR [--seed N]`.
func makeCorpus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := cli.NewCommand(prog, "corpus", "", "run the scenarios and write a labelled corpus of logs for detector authors", "0; 2 usage or environment error")
	fs := c.Flags
	out := fs.String("out", "wsusrepro-corpus", "directory to create the corpus in (must be new or empty)")
	seed := fs.Uint64("seed", 1, "seed of the runs")
	pos, err := c.Parse(args, stdout)
	if err != nil {
		return err
	}
	if err := c.NoArgs(pos); err != nil {
		return err
	}
	cases, err := corpus.Generate(ctx, *out, corpus.Options{Seed: *seed})
	if err != nil {
		return err
	}
	positive := 0
	for _, c := range cases {
		if c.Label.Positive {
			positive++
		}
	}
	fmt.Fprintf(stdout, "wrote %d cases (%d positive, %d negative) and %s to %s\n", len(cases), positive, len(cases)-positive, detect.LabelsFile, *out)
	return nil
}

// scoreDetector is `wsusrepro score --detector 'COMMAND {case}' [--corpus DIR]
// [--junit FILE]`.
func scoreDetector(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := cli.NewCommand(prog, "score", "", "run a detector command once per corpus case and score it",
		"0 no false positive, false negative or error; 1 any of them; 2 usage or environment error")
	fs := c.Flags
	command := fs.String("detector", "", `detector command; {case} is replaced by the case directory (e.g. 'wsusrepro detect --json {case}')`)
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
	if res.FP+res.FN+res.Errors > 0 {
		return cli.Exit(cli.ExitFound)
	}
	return nil
}
