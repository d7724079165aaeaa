package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/wsusmock/wsusmock/adminclient"
	"github.com/wsusmock/wsusmock/internal/atomicfile"
	"github.com/wsusmock/wsusmock/scenarios"
)

func runScenarios(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wsusrepro run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "wsusrepro-out", "directory for artifacts (one subdirectory per scenario)")
	server := fs.String("server", "", "run against this running WSUS server instead of an in-process mockwsus")
	admin := fs.String("admin", "", "admin API of --server (a mockwsus): the server is reset into each scenario's server section, its logs read from there")
	adminToken := fs.String("admin-token", "", "token of the --admin API (default: --admin-token-file, else $"+adminclient.TokenEnv+")")
	adminTokenFile := fs.String("admin-token-file", "", "file whose first line is the token of the --admin API")
	junit := fs.String("junit", "", "also write a JUnit report of all scenarios to this file")
	timeout := fs.Duration("call-timeout", 0, "deadline of each agent call (default: the agent's 30s)")
	names, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		names = scenarios.DefaultRun
	}
	token, err := adminclient.Token(*adminToken, *adminTokenFile, nil)
	if err != nil {
		return err
	}
	if *admin != "" && *server == "" {
		return errors.New("--admin needs --server: the admin API drives a server running elsewhere")
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
	var reps []*scenarios.Report
	allPassed := true
	for _, sc := range list {
		rep, err := scenarios.Run(ctx, sc, scenarios.Options{OutDir: *out, ServerURL: *server, AdminURL: *admin, AdminToken: token, CallTimeout: *timeout})
		if err != nil {
			return err
		}
		scenarios.WriteTable(stdout, rep)
		fmt.Fprintln(stdout)
		reps = append(reps, rep)
		allPassed = allPassed && rep.Passed
	}
	fmt.Fprintln(stdout, "summary:")
	for i, rep := range reps {
		v := "PASS"
		what := proof(rep.Scenario)
		if what == "" {
			what = firstSentence(list[i].Description)
		}
		if !rep.Passed {
			// The scenario's sentence says what it proves when it passes:
			// beside FAIL it would claim what did not hold.
			v, what = "FAIL", failedSummary(rep)
		}
		fmt.Fprintln(stdout, strings.TrimRight(fmt.Sprintf("  %s  %-22s %s", v, rep.Scenario, what), " "))
	}
	if *out != "" {
		abs, _ := filepath.Abs(*out)
		fmt.Fprintf(stdout, "artifacts in %s\n", abs)
	}
	if *junit != "" {
		// Written then renamed: an interrupted run leaves no half report.
		if err := atomicfile.Write(*junit, 0o644, func(w io.Writer) error { return scenarios.WriteJUnit(w, reps) }); err != nil {
			return err
		}
	}
	if !allPassed {
		return exitError(1)
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

func listScenarios(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "wsusrepro list takes no arguments")
		return exitError(2)
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

func checkScenarios(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: wsusrepro check FILE...")
		return exitError(2)
	}
	bad := 0
	for _, a := range args {
		sc, err := scenarios.Load(a)
		if err != nil {
			fmt.Fprintln(stderr, err)
			bad++
			continue
		}
		fmt.Fprintf(stdout, "ok %s (%s: %d clients, %d steps)\n", a, sc.Name, len(sc.Clients), len(sc.Steps))
	}
	if bad > 0 {
		return exitError(1)
	}
	return nil
}
