package clientsim

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsusmock/wsusmock/client-sim/profile"
	"github.com/wsusmock/wsusmock/client-sim/wulog"
	"github.com/wsusmock/wsusmock/clock"
	"github.com/wsusmock/wsusmock/internal/ids"

	"github.com/wsusmock/wsusmock/internal/jsonout"
)

// MixEntry is one profile's share of a fleet, in percent.
type MixEntry struct {
	Profile string `json:"profile"`
	Percent int    `json:"percent"`
}

// DefaultMix is the fleet of a FleetConfig without Mix.
var DefaultMix = []MixEntry{{Profile: "xp-sp3", Percent: 100}}

// ParseMix parses "xp-sp3-office2003=30,xp-sp3=70": profile names (or
// profile files) with whole percentages that add up to 100.
func ParseMix(s string) ([]MixEntry, error) {
	var mix []MixEntry
	total := 0
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, pct, ok := strings.Cut(part, "=")
		name = strings.TrimSpace(name)
		n, err := strconv.Atoi(strings.TrimSpace(pct))
		if !ok || name == "" || err != nil || n < 0 {
			return nil, fmt.Errorf("clientsim: mix entry %q: want PROFILE=PERCENT, e.g. xp-sp3-office2003=30", part)
		}
		for _, m := range mix {
			if m.Profile == name {
				return nil, fmt.Errorf("clientsim: mix names profile %q twice", name)
			}
		}
		mix = append(mix, MixEntry{Profile: name, Percent: n})
		total += n
	}
	if len(mix) == 0 {
		return nil, errors.New("clientsim: empty mix: give PROFILE=PERCENT pairs, e.g. xp-sp3-office2003=30,xp-sp3=70")
	}
	if total != 100 {
		return nil, fmt.Errorf("clientsim: mix %q adds up to %d%%, not 100%%", s, total)
	}
	return mix, nil
}

// FleetConfig describes a fleet run: Clients computers, each one Agent doing
// one search, at most Concurrency at a time.
type FleetConfig struct {
	ServerURL string
	// Clients is the number of computers; Concurrency how many search at
	// once (0 means min(Clients, 16)).
	Clients     int
	Concurrency int
	// Mix assigns profiles by percentage; nil means DefaultMix. Which
	// computer gets which profile depends only on Seed.
	Mix []MixEntry
	// Profiles resolves a mix name; nil means profile.Resolve (built-in
	// name or YAML file).
	Profiles func(name string) (*profile.Profile, error)
	// Seed fixes the computers' identities and the profile assignment.
	Seed uint64
	// LogDir, if set, receives one WindowsUpdate.log per computer, named
	// after it (XPSP3-OFF-0001.log). LogFormat is their flavour.
	LogDir    string
	LogFormat wulog.Flavour
	// Clock returns computer index's clock; nil gives each computer a
	// clock.Virtual from clock.DefaultStart with a 1 ms step.
	Clock func(index int) clock.Clock
	// Stopwatch measures latencies and rates; nil means the real clock.
	Stopwatch clock.Clock
	// HTTPClient, CallTimeout, SkipSelfUpdate, SkipReporting: as in Config.
	HTTPClient     *http.Client
	CallTimeout    time.Duration
	SkipSelfUpdate bool
	SkipReporting  bool
	// Progress, if set, receives progress while the fleet runs: a
	// carriage-return bar when ProgressTerminal, else a plain line every
	// ProgressInterval (0 means 1 s for a terminal, 5 s otherwise), and a
	// last line at the end.
	Progress         io.Writer
	ProgressTerminal bool
	ProgressInterval time.Duration
	// KeepResults puts every computer's Result in the summary.
	KeepResults bool
}

// FleetSummary is what a fleet run found.
type FleetSummary struct {
	Server      string `json:"server"`
	Clients     int    `json:"clients"`
	Concurrency int    `json:"concurrency"`
	Seed        uint64 `json:"seed"`
	Succeeded   int    `json:"succeeded"`
	Failed      int    `json:"failed"`
	// Outcomes counts searches by HRESULT, most frequent first.
	Outcomes []Outcome `json:"outcomes"`
	// Profiles breaks the outcomes down by profile, in mix order.
	Profiles []ProfileOutcome `json:"profiles"`
	// Operations are latency percentiles per operation, by name.
	Operations []OpLatency `json:"operations"`
	// Requests counts HTTP exchanges; the rates are per second of the run.
	Requests          int     `json:"requests"`
	DurationMS        float64 `json:"durationMs"`
	RequestsPerSecond float64 `json:"requestsPerSecond"`
	SessionsPerSecond float64 `json:"sessionsPerSecond"`
	// Results are the computers' Results, by index (KeepResults only).
	Results []*Result `json:"results,omitempty"`
}

// Outcome counts the searches that ended with one HRESULT.
type Outcome struct {
	HResult string `json:"hresult"`
	Code    uint32 `json:"hresultCode"`
	Count   int    `json:"count"`
	// Example is the first computer (by index) with this outcome, and
	// Reason its explanation.
	Example string `json:"example"`
	Reason  string `json:"reason,omitempty"`
}

// ProfileOutcome is one profile's share of the outcomes.
type ProfileOutcome struct {
	Profile   string `json:"profile"`
	Clients   int    `json:"clients"`
	Succeeded int    `json:"succeeded"`
	Failed    int    `json:"failed"`
}

// OpLatency are the latency percentiles of one operation (nearest rank).
type OpLatency struct {
	Operation string  `json:"operation"`
	Calls     int     `json:"calls"`
	P50MS     float64 `json:"p50Ms"`
	P90MS     float64 `json:"p90Ms"`
	P99MS     float64 `json:"p99Ms"`
	MaxMS     float64 `json:"maxMs"`
}

// AssignProfiles returns the profile name of each of n computers: counts
// by largest remainder of the percentages, then shuffled with the seed, so
// the same seed always gives the same fleet.
func AssignProfiles(mix []MixEntry, n int, seed uint64) []string {
	counts := make([]int, len(mix))
	total := 0
	for i, m := range mix {
		counts[i] = n * m.Percent / 100
		total += counts[i]
	}
	order := make([]int, len(mix))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return n*mix[order[a]].Percent%100 > n*mix[order[b]].Percent%100
	})
	for k := 0; total < n && len(order) > 0; k++ {
		counts[order[k%len(order)]]++
		total++
	}
	out := make([]string, 0, n)
	for i, m := range mix {
		for range counts[i] {
			out = append(out, m.Profile)
		}
	}
	src := ids.Derive(seed, "fleet/mix")
	for i := len(out) - 1; i > 0; i-- {
		j := src.IntN(i + 1)
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// RunFleet runs cfg's computers against the server and summarises them.
// Failed searches are outcomes, not errors; the error is for a fleet that
// could not run (bad mix or profile, log directory not writable) or was
// cancelled, in which case the summary covers the computers that finished.
func RunFleet(ctx context.Context, cfg FleetConfig) (FleetSummary, error) {
	sum := FleetSummary{Server: cfg.ServerURL, Clients: cfg.Clients, Seed: cfg.Seed}
	if cfg.Clients <= 0 {
		return sum, fmt.Errorf("clientsim: fleet of %d clients: give at least one", cfg.Clients)
	}
	if _, err := parseServerURL(cfg.ServerURL); err != nil {
		return sum, err
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = min(cfg.Clients, 16)
	}
	sum.Concurrency = cfg.Concurrency
	if cfg.Mix == nil {
		cfg.Mix = DefaultMix
	}
	if cfg.Profiles == nil {
		cfg.Profiles = profile.Resolve
	}
	if cfg.Stopwatch == nil {
		cfg.Stopwatch = clock.Real{}
	}
	if cfg.Clock == nil {
		cfg.Clock = func(int) clock.Clock { return clock.NewVirtual(clock.DefaultStart, time.Millisecond) }
	}
	profiles := map[string]*profile.Profile{}
	for _, m := range cfg.Mix {
		p, err := cfg.Profiles(m.Profile)
		if err != nil {
			return sum, fmt.Errorf("clientsim: fleet mix: %w", err)
		}
		profiles[m.Profile] = p
	}
	if cfg.LogDir != "" {
		if err := os.MkdirAll(cfg.LogDir, 0o755); err != nil {
			return sum, fmt.Errorf("clientsim: log directory: %w", err)
		}
	}
	assigned := AssignProfiles(cfg.Mix, cfg.Clients, cfg.Seed)
	results := make([]*Result, cfg.Clients)

	var done, failed atomic.Int64
	start := cfg.Stopwatch.Now()
	stopProgress := startProgress(cfg, start, &done, &failed)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	var wg sync.WaitGroup
	var errOnce sync.Once
	var runErr error
	for range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				res, err := runComputer(ctx, cfg, i, profiles[assigned[i]])
				if err != nil && ctx.Err() == nil {
					errOnce.Do(func() { runErr = err; cancel() })
				}
				if res != nil {
					results[i] = res
					if !res.Success {
						failed.Add(1)
					}
				}
				done.Add(1)
			}
		}()
	}
dispatch:
	for i := range cfg.Clients {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break dispatch
		}
	}
	close(jobs)
	wg.Wait()
	elapsed := cfg.Stopwatch.Now().Sub(start)
	stopProgress()

	summarise(&sum, cfg, assigned, results, elapsed)
	if cfg.KeepResults {
		sum.Results = results
	}
	if runErr != nil {
		return sum, runErr
	}
	if err := ctx.Err(); err != nil {
		return sum, fmt.Errorf("clientsim: fleet interrupted after %d of %d computers: %w", done.Load(), cfg.Clients, err)
	}
	return sum, nil
}

// runComputer runs computer i's search, writing its log to LogDir.
func runComputer(ctx context.Context, cfg FleetConfig, i int, p *profile.Profile) (*Result, error) {
	c := Config{
		ServerURL:      cfg.ServerURL,
		Profile:        p.Clone(),
		Seed:           cfg.Seed,
		Index:          i,
		Clock:          cfg.Clock(i),
		Stopwatch:      cfg.Stopwatch,
		LogFormat:      cfg.LogFormat,
		HTTPClient:     cfg.HTTPClient,
		CallTimeout:    cfg.CallTimeout,
		SkipSelfUpdate: cfg.SkipSelfUpdate,
		SkipReporting:  cfg.SkipReporting,
	}
	var f *os.File
	var bw *bufio.Writer
	if cfg.LogDir != "" {
		name := ComputerName(p.Name, i)
		short, _, _ := strings.Cut(name, ".")
		var err error
		f, err = os.Create(filepath.Join(cfg.LogDir, short+".log"))
		if err != nil {
			return nil, fmt.Errorf("clientsim: log of computer %d: %w", i, err)
		}
		bw = bufio.NewWriterSize(f, 16<<10)
		c.Log = bw
	}
	res, err := Run(ctx, c)
	if f != nil {
		ferr := bw.Flush()
		if cerr := f.Close(); ferr == nil {
			ferr = cerr
		}
		if ferr != nil && err == nil {
			err = fmt.Errorf("clientsim: writing %s: %w", f.Name(), ferr)
		}
	}
	if err != nil && ctx.Err() != nil {
		// An interrupted search is the fleet's cancellation, not an error
		// of its own.
		err = nil
	}
	return res, err
}

// summarise fills the counts, outcomes and latency percentiles.
func summarise(sum *FleetSummary, cfg FleetConfig, assigned []string, results []*Result, elapsed time.Duration) {
	byHR := map[uint32]*Outcome{}
	byProfile := map[string]*ProfileOutcome{}
	for _, m := range cfg.Mix {
		po := &ProfileOutcome{Profile: m.Profile}
		byProfile[m.Profile] = po
	}
	lat := map[string][]time.Duration{}
	for i, r := range results {
		if r == nil {
			continue
		}
		po := byProfile[assigned[i]]
		po.Clients++
		if r.Success {
			sum.Succeeded++
			po.Succeeded++
		} else {
			sum.Failed++
			po.Failed++
		}
		o := byHR[r.HResultCode]
		if o == nil {
			o = &Outcome{HResult: r.HResult.String(), Code: r.HResultCode, Example: r.Computer, Reason: r.Reason}
			byHR[r.HResultCode] = o
		}
		o.Count++
		sum.Requests += r.RoundTrips
		for _, l := range r.latencies {
			lat[l.op] = append(lat[l.op], l.d)
		}
	}
	for _, o := range byHR {
		sum.Outcomes = append(sum.Outcomes, *o)
	}
	sort.Slice(sum.Outcomes, func(i, j int) bool {
		a, b := sum.Outcomes[i], sum.Outcomes[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Code < b.Code
	})
	for _, m := range cfg.Mix {
		sum.Profiles = append(sum.Profiles, *byProfile[m.Profile])
	}
	ops := make([]string, 0, len(lat))
	for op := range lat {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		d := lat[op]
		slices.Sort(d)
		sum.Operations = append(sum.Operations, OpLatency{
			Operation: op, Calls: len(d),
			P50MS: ms(Percentile(d, 0.50)), P90MS: ms(Percentile(d, 0.90)),
			P99MS: ms(Percentile(d, 0.99)), MaxMS: ms(d[len(d)-1]),
		})
	}
	sum.DurationMS = ms(elapsed)
	if secs := elapsed.Seconds(); secs > 0 {
		sum.RequestsPerSecond = round1(float64(sum.Requests) / secs)
		sum.SessionsPerSecond = round1(float64(sum.Succeeded+sum.Failed) / secs)
	}
}

// Percentile is the nearest-rank percentile (q in 0..1) of sorted
// durations: the one definition behind every latency figure the fleet and
// the load command (package bench) report.
func Percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Microsecond)) / 1000 }

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// startProgress prints progress until the returned stop is called, which
// prints the last line.
func startProgress(cfg FleetConfig, start time.Time, done, failed *atomic.Int64) (stop func()) {
	if cfg.Progress == nil {
		return func() {}
	}
	interval := cfg.ProgressInterval
	if interval <= 0 {
		interval = 5 * time.Second
		if cfg.ProgressTerminal {
			interval = time.Second
		}
	}
	line := func() string {
		n, f := done.Load(), failed.Load()
		rate := 0.0
		if secs := cfg.Stopwatch.Now().Sub(start).Seconds(); secs > 0 {
			rate = float64(n) / secs
		}
		if cfg.ProgressTerminal {
			const width = 30
			filled := int(int64(width) * n / int64(cfg.Clients))
			return fmt.Sprintf("\rfleet [%s%s] %d/%d  failed %d  %.1f sessions/s", strings.Repeat("#", filled),
				strings.Repeat(".", width-filled), n, cfg.Clients, f, rate)
		}
		return fmt.Sprintf("fleet: %d/%d computers done, %d failed, %.1f sessions/s\n", n, cfg.Clients, f, rate)
	}
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				io.WriteString(cfg.Progress, line())
			case <-quit:
				last := line()
				if cfg.ProgressTerminal {
					last += "\n"
				}
				io.WriteString(cfg.Progress, last)
				return
			}
		}
	}()
	return func() {
		close(quit)
		<-finished
	}
}

// WriteJSON writes the summary as indented JSON.
func (s FleetSummary) WriteJSON(w io.Writer) error {
	jsonout.EmptyNotNull(&s)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

// WriteText writes the summary for people.
func (s FleetSummary) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "fleet: %d computers against %s, concurrency %d, seed %d\n", s.Clients, s.Server, s.Concurrency, s.Seed)
	fmt.Fprintf(&b, "  succeeded %d, failed %d, in %.0f ms: %.1f sessions/s, %d requests (%.1f/s)\n",
		s.Succeeded, s.Failed, s.DurationMS, s.SessionsPerSecond, s.Requests, s.RequestsPerSecond)
	b.WriteString("outcomes:\n")
	for _, o := range s.Outcomes {
		fmt.Fprintf(&b, "  %s  %6d  e.g. %s", o.HResult, o.Count, o.Example)
		if o.Reason != "" {
			fmt.Fprintf(&b, ": %s", o.Reason)
		}
		b.WriteByte('\n')
	}
	b.WriteString("profiles:\n")
	for _, p := range s.Profiles {
		fmt.Fprintf(&b, "  %-20s %6d computers, %6d succeeded, %6d failed\n", p.Profile, p.Clients, p.Succeeded, p.Failed)
	}
	b.WriteString("latency (ms):\n")
	fmt.Fprintf(&b, "  %-24s %7s %8s %8s %8s %8s\n", "operation", "calls", "p50", "p90", "p99", "max")
	for _, o := range s.Operations {
		fmt.Fprintf(&b, "  %-24s %7d %8.3f %8.3f %8.3f %8.3f\n", o.Operation, o.Calls, o.P50MS, o.P90MS, o.P99MS, o.MaxMS)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
