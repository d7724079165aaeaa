package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/wsusmock/wsusmock/adminclient"
	"github.com/wsusmock/wsusmock/internal/atomicfile"
	"github.com/wsusmock/wsusmock/internal/cli"
	"github.com/wsusmock/wsusmock/scenarios"
)

const runExit = "0 every scenario ran and every expectation held; 1 an expectation failed; " +
	"2 usage or environment error (a bad scenario file, a server that does not answer, an output directory that cannot be written)"

func runScenarios(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := cli.NewCommand(prog, "run", "[SCENARIO|FILE...]", "run scenarios (default: kb954960, kb954960-hotfix, kb954960-workaround) and check their expectations", runExit)
	c.Doc = `Each scenario's artifacts go to OUT/<scenario>/ (logs, journal.jsonl, result.json, junit.xml,
verdict.txt); OUT/junit.xml has every scenario as a test suite and OUT/summary.json one line per
scenario. Scenario folders of an earlier run in OUT are removed first.`
	fs := c.Flags
	out := fs.String("out", "wsusrepro-out", `directory for artifacts ("" writes none)`)
	server := fs.String("server", "", "run against this running WSUS server instead of an in-process mockwsus")
	admin := fs.String("admin", "", "admin API of --server (a mockwsus): the server is reset into each scenario's server section, its logs read from there")
	adminToken := fs.String("admin-token", "", "token of the --admin API (default: --admin-token-file, else $"+adminclient.TokenEnv+")")
	adminTokenFile := fs.String("admin-token-file", "", "file whose first line is the token of the --admin API")
	junit := fs.String("junit", "", "also write the JUnit report of all scenarios to this file")
	asJSON := fs.Bool("json", false, "print the summary as JSON (as summary.json) instead of the verdict tables")
	timeout := fs.Duration("call-timeout", 0, "deadline of each agent call (default: the agent's 30s)")
	names, err := c.Parse(args, stdout)
	if err != nil {
		return err
	}
	if *admin != "" && *server == "" {
		return c.Usagef("--admin needs --server: the admin API drives a server running elsewhere")
	}
	if len(names) == 0 {
		names = scenarios.DefaultRun
	}
	token, err := adminclient.Token(*adminToken, *adminTokenFile, nil)
	if err != nil {
		return c.Usagef("%v", err)
	}
	// Refuse a bad scenario before anything runs.
	var list []*scenarios.Scenario
	for _, n := range names {
		sc, err := scenarios.Load(n)
		if err != nil {
			return err
		}
		list = append(list, sc)
	}
	if *out != "" {
		if err := scenarios.ClearOutDir(*out); err != nil {
			return err
		}
	}
	var reps []*scenarios.Report
	var runErr error
	for _, sc := range list {
		started := time.Now()
		rep, err := scenarios.Run(ctx, sc, scenarios.Options{OutDir: *out, ServerURL: *server, AdminURL: *admin, AdminToken: token, CallTimeout: *timeout})
		if err != nil {
			// The scenario is an error in the reports; the others still run
			// (unless the run was interrupted).
			rep = &scenarios.Report{Scenario: sc.Name, File: sc.File, Started: started, Duration: time.Since(started), Error: cli.Clean(err.Error())}
			if runErr == nil {
				runErr = err
			}
			if ctx.Err() != nil {
				reps = append(reps, rep)
				break
			}
		} else if !*asJSON {
			scenarios.WriteTable(stdout, rep)
			fmt.Fprintln(stdout)
		}
		reps = append(reps, rep)
	}
	proves := func(rep *scenarios.Report) string {
		if !rep.Passed && rep.Error == "" {
			// The scenario's sentence says what it proves when it passes:
			// beside FAIL it would claim what did not hold.
			return failedSummary(rep)
		}
		if p := proof(rep.Scenario); p != "" {
			return p
		}
		for _, sc := range list {
			if sc.Name == rep.Scenario {
				return firstSentence(sc.Description)
			}
		}
		return ""
	}
	sum := scenarios.Summarise(reps, proves)
	if *out != "" {
		sum.OutDir, _ = filepath.Abs(*out)
		sum.JUnit = filepath.Join(sum.OutDir, scenarios.JUnitFile)
		// Written then renamed: an interrupted run leaves no half report.
		if err := atomicfile.Write(sum.JUnit, 0o644, func(w io.Writer) error { return scenarios.WriteJUnit(w, reps) }); err != nil {
			return err
		}
		if err := atomicfile.Write(filepath.Join(sum.OutDir, scenarios.SummaryFile), 0o644, sum.WriteJSON); err != nil {
			return err
		}
	}
	if *junit != "" {
		if err := atomicfile.Write(*junit, 0o644, func(w io.Writer) error { return scenarios.WriteJUnit(w, reps) }); err != nil {
			return err
		}
	}
	if *asJSON {
		if err := sum.WriteJSON(stdout); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(stdout, "summary:")
		for _, s := range sum.Scenarios {
			v := "PASS"
			switch {
			case s.Error != "":
				v = "ERROR"
			case !s.Passed:
				v = "FAIL"
			}
			what := s.Proves
			if s.Error != "" {
				what = s.Error
			}
			fmt.Fprintln(stdout, strings.TrimRight(fmt.Sprintf("  %-5s %-22s %s", v, s.Name, what), " "))
		}
		if sum.OutDir != "" {
			fmt.Fprintf(stdout, "artifacts in %s\n", sum.OutDir)
		}
	}
	if runErr != nil {
		return runErr
	}
	if !sum.Passed {
		return cli.Exit(cli.ExitFound)
	}
	return nil
}

// failedSummary says in one line what did not hold in a failed scenario:
// how many checks failed and the first of them.
func failedSummary(rep *scenarios.Report) string {
	failed := 0
	var first *scenarios.Check
	for i := range rep.Checks {
		if !rep.Checks[i].Pass {
			failed++
			if first == nil {
				first = &rep.Checks[i]
			}
		}
	}
	if first == nil {
		return "not proven"
	}
	return fmt.Sprintf("not proven: %d of %d checks failed, first: step %d %s %s expected %s, observed %s",
		failed, len(rep.Checks), first.Step, first.Client, first.What, first.Expected, first.Observed)
}

// proof says in one line what a built-in scenario proves.
func proof(name string) string {
	switch name {
	case "kb954960":
		return "fault reproduced: Office 2003 client 0x8024400E, same fault ID in client and server logs"
	case "kb954960-hotfix":
		return "hotfix 3.1.6001.66 cures it: the same clients find their updates"
	case "kb954960-workaround":
		return "workaround (decline, approve, decline Office 2003 SP1) cures the buggy server"
	case "healthy":
		return "clean baseline: no fault anywhere"
	}
	return ""
}

func firstSentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	if len(s) > 100 {
		s = s[:97] + "..."
	}
	return s
}

func listScenarios(_ context.Context, args []string, stdout, _ io.Writer) error {
	c := cli.NewCommand(prog, "list", "", "list the built-in scenarios with their descriptions", "0, or 2 on a usage error")
	pos, err := c.Parse(args, stdout)
	if err != nil {
		return err
	}
	if err := c.NoArgs(pos); err != nil {
		return err
	}
	for _, n := range scenarios.BuiltinNames() {
		sc, err := scenarios.Builtin(n)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-24s %s\n", n, strings.Join(strings.Fields(sc.Description), " "))
	}
	return nil
}

func checkScenarios(_ context.Context, args []string, stdout, stderr io.Writer) error {
	c := cli.NewCommand(prog, "check", "FILE...", "validate scenario files (or built-in names) without running them",
		"0 every file is a valid scenario; 1 a file is not (each error printed with file:line:column); 2 usage error")
	files, err := c.Parse(args, stdout)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return c.Usagef("no scenario file given")
	}
	bad := 0
	for _, a := range files {
		sc, err := scenarios.Load(a)
		if err != nil {
			fmt.Fprintln(stderr, cli.Clean(err.Error()))
			bad++
			continue
		}
		fmt.Fprintf(stdout, "ok %s (%s: %d clients, %d steps)\n", a, sc.Name, len(sc.Clients), len(sc.Steps))
	}
	if bad > 0 {
		return cli.Exit(cli.ExitFound)
	}
	return nil
}
