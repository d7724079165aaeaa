package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/pprof"

	"github.com/wsusmock/wsusmock/adminclient"
	"github.com/wsusmock/wsusmock/bench"
	"github.com/wsusmock/wsusmock/internal/cli"
	"github.com/wsusmock/wsusmock/internal/jsonout"
)

// runBench is `wsusrepro bench`: the load command (see package bench).
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	c := cli.NewCommand(prog, "bench", "", "load a server with simulated computers: first and delta syncs, latency percentiles, CPU, RSS, allocations",
		"0 every session succeeded; 1 some sessions failed (the report says which HRESULTs); 2 usage or environment error")
	fs := c.Flags
	var cfg bench.Config
	fs.IntVar(&cfg.Clients, "clients", 1000, "simulated computers")
	fs.IntVar(&cfg.Concurrency, "concurrency", 64, "computers syncing at once")
	fs.IntVar(&cfg.DeltaSyncs, "delta", 1, "delta syncs per computer after its first sync")
	fs.StringVar(&cfg.Catalog, "catalog", "default", "catalog of an in-process or spawned server: default, many-detectoids, synthetic-N")
	fs.StringVar(&cfg.Mix, "mix", "xp-sp3-office2003=30,xp-sp3=70", "profiles by percentage")
	fs.StringVar(&cfg.SpawnServer, "spawn", "", "path of a mockwsus binary to start for the run (measures the server's CPU and RSS alone)")
	fs.StringVar(&cfg.ServerURL, "server", "", "load a running server instead")
	fs.StringVar(&cfg.AdminURL, "admin", "", "admin API of --server (memory figures)")
	adminToken := fs.String("admin-token", "", "token of the --admin API (default: --admin-token-file, else $"+adminclient.TokenEnv+")")
	adminTokenFile := fs.String("admin-token-file", "", "file whose first line is the token of the --admin API")
	fs.IntVar(&cfg.ServerPID, "server-pid", 0, "process ID of --server (CPU and RSS figures)")
	fs.StringVar(&cfg.Version, "version", "", "WSUS version of an in-process or spawned server (default 3.1.6001.66)")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed of the computers")
	fs.DurationVar(&cfg.CallTimeout, "call-timeout", 0, "deadline of each request")
	fs.DurationVar(&cfg.Soak, "soak", 0, "after the other phases, keep running delta-sync passes this long, sampling the server's memory (e.g. 10m)")
	fs.DurationVar(&cfg.SoakSample, "soak-sample", bench.DefaultSoakSample, "how often --soak samples the server's heap after GC (/debug/memory)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of this process (the simulated computers, and the server unless --spawn or --server) to this file, for go tool pprof")
	pos, err := c.Parse(args, stdout)
	if err != nil {
		return err
	}
	if err := c.NoArgs(pos); err != nil {
		return err
	}
	token, err := adminclient.Token(*adminToken, *adminTokenFile, nil)
	if err != nil {
		return err
	}
	cfg.AdminToken = token
	cfg.Progress = stderr
	if *cpuProfile != "" {
		stop, perr := startCPUProfile(*cpuProfile)
		if perr != nil {
			return perr
		}
		defer func() {
			// A profile that cannot be written to the end is the run's
			// error, not a silently unreadable file.
			if serr := stop(); serr != nil && err == nil {
				err = serr
			}
		}()
	}
	rep, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		err = jsonout.Write(stdout, rep)
	} else {
		rep.WriteText(stdout)
	}
	if err != nil {
		return err
	}
	failed, sessions := 0, 0
	for _, p := range rep.Phases {
		failed += p.Failed
		sessions += p.Sessions
	}
	if failed > 0 {
		return cli.Found(fmt.Errorf("bench: %d of %d sessions failed", failed, sessions))
	}
	return nil
}

// startCPUProfile profiles this process into path until the returned
// function is called. The file is complete only then, so a run that fails
// still leaves a readable profile of what it did.
func startCPUProfile(path string) (func() error, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		return nil
	}, nil
}
