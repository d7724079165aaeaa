package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/wsusmock/wsusmock/detect"
	"github.com/wsusmock/wsusmock/detect/corpus"
	"github.com/wsusmock/wsusmock/internal/atomicfile"
)

// detectLogs is `wsusrepro detect [--json] PATH...`: exit 0 when KB954960 is
// found, 1 when not, 2 on error.
func detectLogs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wsusrepro detect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON (for tools)")
	paths, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "usage: wsusrepro detect [--json] PATH... (WindowsUpdate.log, SoftwareDistribution.log, or directories)")
		return exitError(detect.ExitError)
	}
	var s detect.Scanner
	rep, err := s.Scan(ctx, paths)
	if err != nil {
		fmt.Fprintln(stderr, "wsusrepro:", err)
		return exitError(detect.ExitError)
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
		return exitError(code)
	}
	return nil
}

// makeCorpus is `wsusrepro corpus --out DIR [--seed N]`.
func makeCorpus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wsusrepro corpus", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "wsusrepro-corpus", "directory to create the corpus in (must be new or empty)")
	seed := fs.Uint64("seed", 1, "seed of the runs")
	if _, err := parseInterleaved(fs, args); err != nil {
		return err
	}
	cases, err := corpus.Generate(ctx, *out, corpus.Options{Seed: *seed})
	if err != nil {
		return err
	}
	pos := 0
	for _, c := range cases {
		if c.Label.Positive {
			pos++
		}
	}
	fmt.Fprintf(stdout, "wrote %d cases (%d positive, %d negative) and %s to %s\n", len(cases), pos, len(cases)-pos, detect.LabelsFile, *out)
	return nil
}

// scoreDetector is `wsusrepro score --detector 'COMMAND {case}' [--corpus DIR]
// [--junit FILE]`.
func scoreDetector(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wsusrepro score", flag.ContinueOnError)
	fs.SetOutput(stderr)
	command := fs.String("detector", "", `detector command; {case} is replaced by the case directory (e.g. 'wsusrepro detect --json {case}')`)
	dir := fs.String("corpus", "wsusrepro-corpus", "corpus directory made by `wsusrepro corpus`")
	junit := fs.String("junit", "", "write a JUnit report (one test case per corpus case)")
	asJSON := fs.Bool("json", false, "print the score as JSON")
	timeout := fs.Duration("timeout", detect.DefaultCaseTimeout, "per-case timeout; a detector that runs longer is stopped and counted as an error")
	parallel := fs.Int("parallel", 2, "cases scored at once")
	if _, err := parseInterleaved(fs, args); err != nil {
		return err
	}
	if *command == "" {
		fmt.Fprintln(stderr, "wsusrepro score: --detector is required, e.g. --detector 'wsusrepro detect --json {case}'")
		return exitError(2)
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
		return exitError(1)
	}
	return nil
}
