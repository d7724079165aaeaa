// Package bench is the load generator behind `wsusrepro bench`: N simulated
// computers each run a first, full sync and then delta syncs with their
// cached cookie and updates, against an in-process mockwsus, a mockwsus
// binary it starts (so the server's CPU and memory are measured alone), or
// any running server. It reports sessions per second for first and delta
// syncs, requests per second, latency percentiles per operation, server CPU
// seconds and peak RSS, allocations per request, heap per registered
// computer, and failed searches by HRESULT.
//
// Figures are measurements, never assertions: no test checks a wall time.
package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wsusmock/wsusmock/adminclient"
	clientsim "github.com/wsusmock/wsusmock/client-sim"
	"github.com/wsusmock/wsusmock/client-sim/profile"
	"github.com/wsusmock/wsusmock/internal/h1client"
	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
)

// Config describes a load run.
type Config struct {
	// ServerURL runs against a server already running; AdminURL is its
	// admin API (for memory figures) and ServerPID its process (for CPU and
	// RSS from /proc), both optional.
	ServerURL string
	AdminURL  string
	ServerPID int
	// AdminToken is the token of AdminURL ("" sends none).
	AdminToken string
	// SpawnServer is the path of a mockwsus binary to start on loopback for
	// the run; "" with no ServerURL serves in process.
	SpawnServer string
	// Catalog is the built-in catalog of an in-process or spawned server
	// (default, many-detectoids, synthetic-N).
	Catalog string
	// Version is the WSUS version of an in-process or spawned server; ""
	// means 3.1.6001.66 (fixed: a load run must not fail).
	Version string
	// Clients, Concurrency and DeltaSyncs: computers, how many sync at
	// once, and how many delta syncs each runs after its first sync.
	Clients     int
	Concurrency int
	DeltaSyncs  int
	// Mix assigns profiles, e.g. xp-sp3-office2003=30,xp-sp3=70.
	Mix  string
	Seed uint64
	// CallTimeout bounds each request (0: the agent's default).
	CallTimeout time.Duration
	// Soak, when positive, keeps running delta-sync passes after the
	// others until it has passed, sampling the server's memory (its heap
	// after a GC, from /debug/memory) every SoakSample (0: 30 s).
	Soak       time.Duration
	SoakSample time.Duration
	// Progress receives a line per phase; nil discards.
	Progress io.Writer
}

// OpStats are the latencies of one operation, in milliseconds.
type OpStats struct {
	Operation string  `json:"operation"`
	Calls     int     `json:"calls"`
	P50       float64 `json:"p50Ms"`
	P99       float64 `json:"p99Ms"`
	Max       float64 `json:"maxMs"`
}

// Phase is one pass of syncs over all computers.
type Phase struct {
	Name           string  `json:"name"`
	Sessions       int     `json:"sessions"`
	Failed         int     `json:"failed"`
	Seconds        float64 `json:"seconds"`
	SessionsPerSec float64 `json:"sessionsPerSec"`
	Requests       int64   `json:"requests"`
	RequestsPerSec float64 `json:"requestsPerSec"`
}

// Report is a load run's figures.
type Report struct {
	Server      string         `json:"server"`
	Mode        string         `json:"mode"` // in-process, spawned, remote
	Catalog     string         `json:"catalog,omitempty"`
	Updates     int            `json:"catalogUpdates,omitempty"`
	Clients     int            `json:"clients"`
	Concurrency int            `json:"concurrency"`
	Phases      []Phase        `json:"phases"`
	Ops         []OpStats      `json:"operations"`
	Errors      map[string]int `json:"errorsByHResult"`
	// ServerCPUSeconds and PeakRSSBytes are the server's alone when it was
	// spawned, and the whole process's (server and load) in process.
	ServerCPUSeconds float64 `json:"serverCpuSeconds"`
	PeakRSSBytes     uint64  `json:"peakRssBytes"`
	CPUIsolated      bool    `json:"cpuIsolated"`
	// LoadCPUSeconds is the CPU of this process over the same span: the
	// simulated computers (client-sim), and the server too when in
	// process. With a spawned server the two figures compare the load
	// generator's cost with the server's.
	LoadCPUSeconds float64 `json:"loadCpuSeconds"`
	// AllocsPerRequest are the server's heap allocations per request
	// (spawned or remote with an admin API; in process they include the
	// load's).
	AllocsPerRequest float64 `json:"allocsPerRequest"`
	// HeapPerComputer is the live heap the server holds per registered
	// computer after the first syncs, beyond the catalog (after a GC).
	HeapPerComputer float64 `json:"heapPerComputerBytes"`
	GoVersion       string  `json:"goVersion"`
	CPUs            int     `json:"cpus"`
	// Soak is the soak run's memory samples (Config.Soak).
	Soak *SoakReport `json:"soak,omitempty"`
}

// Run carries out the load run.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Clients <= 0 {
		return nil, errors.New("bench: --clients must be positive")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 64
	}
	if cfg.Version == "" {
		cfg.Version = mockwsus.VersionFixed
	}
	if cfg.Catalog == "" {
		cfg.Catalog = "default"
	}
	if cfg.Mix == "" {
		cfg.Mix = "xp-sp3-office2003=30,xp-sp3=70"
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	progress := cfg.Progress
	if progress == nil {
		progress = io.Discard
	}
	rep := &Report{Clients: cfg.Clients, Concurrency: cfg.Concurrency, Errors: map[string]int{}, GoVersion: runtime.Version(), CPUs: runtime.NumCPU()}
	tgt, err := startTarget(ctx, cfg, rep)
	if err != nil {
		return nil, err
	}
	defer tgt.stop()
	if tgt.inProc == nil {
		// The load generator is not what is measured when the server runs in
		// its own process: trade its memory for fewer collections, so more
		// of the shared cores go to the server.
		defer clientsim.LoadGC()()
	}

	mix, err := clientsim.ParseMix(cfg.Mix)
	if err != nil {
		return nil, fmt.Errorf("bench: --mix: %w", err)
	}
	names := clientsim.AssignProfiles(mix, cfg.Clients, cfg.Seed)
	profiles := map[string]*profile.Profile{}
	rec := newRecorder()
	// The load's transport is h1client's, not net/http's: each request is
	// written and its answer read in the agent's own goroutine, without
	// net/http's two goroutines per connection and their channel handoffs,
	// which were the largest item of the load's CPU profile (issue 17: the
	// load must cost less CPU than the server it loads). The agents'
	// requests and the server's view of them are the same.
	//
	// Buffers of 64 KiB rather than 4 KiB: a request goes out in one write
	// (its headers and body together) and an answer of tens of KB comes in
	// with one or two reads, where 4 KiB buffers cost the load an extra
	// system call or more per request. Each connection keeps its read
	// buffer; write buffers are pooled. The idle timeout stays below
	// mockwsus's (DefaultIdleTimeout, 2 minutes) and IIS's, so the load
	// closes first.
	transport := &h1client.Transport{MaxIdlePerHost: cfg.Concurrency * 2, IdleTimeout: time.Minute,
		WriteBufferSize: 64 << 10, ReadBufferSize: 64 << 10}
	hc := &http.Client{Transport: &timingTransport{next: transport, rec: rec}}
	defer transport.CloseIdleConnections()
	agents := make([]*clientsim.Agent, cfg.Clients)
	for i := range agents {
		p := profiles[names[i]]
		if p == nil {
			if p, err = profile.Resolve(names[i]); err != nil {
				return nil, err
			}
			profiles[names[i]] = p
		}
		agents[i], err = clientsim.New(clientsim.Config{ServerURL: tgt.url, Profile: p, Seed: cfg.Seed, Index: i + 1,
			HTTPClient: hc, CallTimeout: cfg.CallTimeout, Log: io.Discard, SkipSelfUpdate: true})
		if err != nil {
			return nil, err
		}
	}

	base, _ := tgt.memory()
	cpu0, load0 := tgt.cpuSeconds(), selfCPUSeconds()
	var errMu sync.Mutex
	runPhase := func(name string) (Phase, error) {
		var next, failed atomic.Int64
		before := rec.total()
		start := time.Now()
		var wg sync.WaitGroup
		var firstErr error
		for w := 0; w < cfg.Concurrency; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= len(agents) || ctx.Err() != nil {
						return
					}
					res, err := agents[i].Sync(ctx)
					errMu.Lock()
					if err != nil && firstErr == nil {
						firstErr = err
					}
					if res != nil && !res.Success {
						failed.Add(1)
						rep.Errors[res.HResult.String()]++
					}
					errMu.Unlock()
				}
			}()
		}
		wg.Wait()
		secs := time.Since(start).Seconds()
		reqs := rec.total() - before
		ph := Phase{Name: name, Sessions: len(agents), Failed: int(failed.Load()), Seconds: secs,
			SessionsPerSec: float64(len(agents)) / secs, Requests: reqs, RequestsPerSec: float64(reqs) / secs}
		fmt.Fprintf(progress, "bench: %s: %d sessions in %.2fs (%.0f/s), %d requests (%.0f/s), %d failed\n",
			name, ph.Sessions, secs, ph.SessionsPerSec, reqs, ph.RequestsPerSec, ph.Failed)
		return ph, firstErr
	}
	ph, err := runPhase("first sync")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	rep.Phases = append(rep.Phases, ph)
	if after, ok := tgt.memory(); ok && base.Computers >= 0 {
		rep.HeapPerComputer = (float64(after.HeapInuseBytes) - float64(base.HeapInuseBytes)) / float64(cfg.Clients)
	}
	for d := 0; d < cfg.DeltaSyncs; d++ {
		ph, err := runPhase(fmt.Sprintf("delta sync %d", d+1))
		if err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		rep.Phases = append(rep.Phases, ph)
	}
	if cfg.Soak > 0 {
		if rep.Soak, err = soak(ctx, cfg.Soak, cfg.SoakSample, tgt, runPhase, progress); err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
	}
	rep.ServerCPUSeconds = tgt.cpuSeconds() - cpu0
	rep.LoadCPUSeconds = selfCPUSeconds() - load0
	rep.PeakRSSBytes = tgt.peakRSS()
	if end, ok := tgt.memory(); ok {
		if n := rec.total(); n > 0 {
			rep.AllocsPerRequest = float64(end.Mallocs-base.Mallocs) / float64(n)
		}
	}
	rep.Ops = rec.stats()
	return rep, nil
}

// target is the server under load.
type target struct {
	url    string
	admin  string
	token  string
	pid    int
	inProc *mockwsus.Server
	stopFn func()
}

func (t *target) stop() {
	if t.stopFn != nil {
		t.stopFn()
	}
}

func startTarget(ctx context.Context, cfg Config, rep *Report) (*target, error) {
	switch {
	case cfg.ServerURL != "":
		rep.Mode, rep.Server = "remote", cfg.ServerURL
		return &target{url: strings.TrimRight(cfg.ServerURL, "/"), admin: strings.TrimRight(cfg.AdminURL, "/"), token: cfg.AdminToken, pid: cfg.ServerPID}, nil
	case cfg.SpawnServer != "":
		rep.Mode, rep.Catalog = "spawned", cfg.Catalog
		cmd := exec.CommandContext(ctx, cfg.SpawnServer, "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0",
			"--catalog", cfg.Catalog, "--version", cfg.Version, "--seed", strconv.FormatUint(cfg.Seed, 10), "--journal-limit", "1000")
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("bench: starting %s: %w", cfg.SpawnServer, err)
		}
		t := &target{pid: cmd.Process.Pid}
		sc := bufio.NewScanner(out)
		for sc.Scan() && (t.url == "" || t.admin == "") {
			line := sc.Text()
			if u, ok := strings.CutPrefix(line, "listening on "); ok {
				t.url = u
			}
			if u, ok := strings.CutPrefix(line, "admin on "); ok {
				t.admin = u
			}
		}
		go io.Copy(io.Discard, out)
		if t.url == "" {
			cmd.Process.Kill()
			cmd.Wait()
			return nil, fmt.Errorf("bench: %s did not print its address", cfg.SpawnServer)
		}
		t.stopFn = func() {
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
		}
		rep.Server, rep.CPUIsolated = t.url, true
		return t, nil
	default:
		rep.Mode, rep.Catalog = "in-process", cfg.Catalog
		build, err := catalog.ByName(cfg.Catalog)
		if err != nil {
			return nil, err
		}
		srv, err := mockwsus.New(mockwsus.Config{Version: cfg.Version, Seed: cfg.Seed, Catalog: build, JournalLimit: 1000, Logf: func(string, ...any) {}})
		if err != nil {
			return nil, err
		}
		rep.Updates = len(srv.Catalog().Updates())
		l, err := srv.Listen(mockwsus.ListenOptions{Addr: "127.0.0.1:0"})
		if err != nil {
			return nil, err
		}
		rep.Server = l.URL
		return &target{url: l.URL, inProc: srv, stopFn: func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			l.Shutdown(sctx)
		}}, nil
	}
}

// memory reads the server's heap after a GC.
func (t *target) memory() (mockwsus.MemoryStats, bool) {
	if t.inProc != nil {
		return t.inProc.MemoryStats(), true
	}
	if t.admin == "" {
		return mockwsus.MemoryStats{}, false
	}
	c, err := adminclient.New(t.admin, adminclient.WithToken(t.token))
	if err != nil {
		return mockwsus.MemoryStats{}, false
	}
	m, err := c.Memory(context.Background())
	return m, err == nil
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times on Linux.
const clockTicks = 100

// cpuSeconds is the server process's user+system CPU time (this process's
// when in process).
func (t *target) cpuSeconds() float64 {
	if t.pid == 0 {
		return selfCPUSeconds()
	}
	data, err := os.ReadFile(path.Join("/proc", strconv.Itoa(t.pid), "stat"))
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command name: state is field 3, utime
	// 14 and stime 15.
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / clockTicks
}

// peakRSS is the server's peak resident set (VmHWM), or this process's.
func (t *target) peakRSS() uint64 {
	if t.pid == 0 {
		return selfPeakRSS()
	}
	data, err := os.ReadFile(path.Join("/proc", strconv.Itoa(t.pid), "status"))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// recorder keeps every request's latency by operation.
type recorder struct {
	mu  sync.Mutex
	ops map[string][]time.Duration
	n   atomic.Int64
}

func newRecorder() *recorder { return &recorder{ops: map[string][]time.Duration{}} }

func (r *recorder) add(op string, d time.Duration) {
	r.n.Add(1)
	r.mu.Lock()
	r.ops[op] = append(r.ops[op], d)
	r.mu.Unlock()
}

func (r *recorder) total() int64 { return r.n.Load() }

func (r *recorder) stats() []OpStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []OpStats
	for op, ds := range r.ops {
		slices.Sort(ds)
		q := func(p float64) float64 { return float64(clientsim.Percentile(ds, p).Microseconds()) / 1000 }
		out = append(out, OpStats{Operation: op, Calls: len(ds), P50: q(0.50), P99: q(0.99), Max: q(1)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Operation < out[j].Operation })
	return out
}

// timingTransport times each request, named by its SOAP action.
type timingTransport struct {
	next http.RoundTripper
	rec  *recorder
}

func (t *timingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	op := req.Method + " " + req.URL.Path
	for k, v := range req.Header {
		if strings.EqualFold(k, "SOAPAction") && len(v) > 0 {
			a := strings.Trim(v[0], `"`)
			op = a[strings.LastIndexByte(a, '/')+1:]
		}
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		t.rec.add(op, time.Since(start))
		return resp, err
	}
	resp.Body = &timedBody{ReadCloser: resp.Body, done: func() { t.rec.add(op, time.Since(start)) }}
	return resp, nil
}

// timedBody records the latency when the body has been read and closed, so
// a latency covers the whole answer.
type timedBody struct {
	io.ReadCloser
	once sync.Once
	done func()
}

func (b *timedBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.done)
	return err
}

// WriteText prints the report for people.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "bench: %d computers, concurrency %d, %s server %s", r.Clients, r.Concurrency, r.Mode, r.Server)
	if r.Catalog != "" {
		fmt.Fprintf(w, ", catalog %s", r.Catalog)
	}
	fmt.Fprintf(w, " (%s, %d CPUs)\n", r.GoVersion, r.CPUs)
	for _, p := range r.Phases {
		fmt.Fprintf(w, "  %-13s %7d sessions %8.2fs %9.1f sessions/s %9.1f requests/s  failed %d\n", p.Name, p.Sessions, p.Seconds, p.SessionsPerSec, p.RequestsPerSec, p.Failed)
	}
	fmt.Fprintf(w, "  %-24s %8s %9s %9s %9s\n", "operation", "calls", "p50 ms", "p99 ms", "max ms")
	for _, o := range r.Ops {
		fmt.Fprintf(w, "  %-24s %8d %9.2f %9.2f %9.2f\n", o.Operation, o.Calls, o.P50, o.P99, o.Max)
	}
	scope := "server alone"
	if !r.CPUIsolated {
		scope = "server and load in one process"
	}
	fmt.Fprintf(w, "  CPU %.2fs, peak RSS %.1f MiB (%s)\n", r.ServerCPUSeconds, float64(r.PeakRSSBytes)/(1<<20), scope)
	if r.CPUIsolated {
		fmt.Fprintf(w, "  load CPU %.2fs (the simulated computers, this process): %.2f of the server's\n", r.LoadCPUSeconds, r.LoadCPUSeconds/max(r.ServerCPUSeconds, 1e-9))
	}
	fmt.Fprintf(w, "  allocations per request %.0f, server heap per computer %.0f bytes\n", r.AllocsPerRequest, r.HeapPerComputer)
	if r.Soak != nil {
		r.Soak.writeText(w)
	}
	if len(r.Errors) == 0 {
		fmt.Fprintln(w, "  errors: none")
	} else {
		var keys []string
		for k := range r.Errors {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "  errors: %s x %d\n", k, r.Errors[k])
		}
	}
}
