// Package mockwsustest starts the WSUS mock in process for the tests of
// other modules, as net/http/httptest starts an HTTP server: one call gives a
// running mock on a loopback port that the test's cleanup stops.
//
//	func TestAgainstWSUS(t *testing.T) {
//		m := mockwsustest.New(t, mockwsustest.WithVersion("3.1.6001.65"))
//		res, err := m.Sync(t.Context(), "xp-sp3-office2003")
//		...
//	}
//
// Besides the server (Mock.Server, Mock.URL, Mock.AdminURL) it runs
// simulated Windows Update Agents against it (Mock.Sync) and waits for what
// the server journaled (Mock.AwaitEntry, Mock.AwaitEvent), always with a
// deadline. With WithVirtualClock and a seed, what the server and the agents
// write (logs, results, journal) is the same bytes on every run.
package mockwsustest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/adminclient"
	clientsim "github.com/wsusmock/wsusmock/client-sim"
	"github.com/wsusmock/wsusmock/client-sim/profile"
	"github.com/wsusmock/wsusmock/client-sim/wulog"
	"github.com/wsusmock/wsusmock/clock"
	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
)

// Mock is a running mock WSUS: the web services at URL, the admin API at
// AdminURL, both on 127.0.0.1.
type Mock struct {
	// URL is the WUServer URL of the mock, e.g. http://127.0.0.1:41234.
	URL string
	// AdminURL is the base URL of its admin API.
	AdminURL string
	// Server is the mock itself: switch behaviours, read the journal,
	// change the catalog.
	Server *mockwsus.Server

	clk      clock.Clock
	seed     uint64
	token    string
	listener *mockwsus.Listener

	mu      sync.Mutex
	indexes map[string]int // profile name -> computer index
	closed  bool
}

// Option configures New and Start.
type Option func(*settings)

type settings struct {
	cfg        mockwsus.Config
	adminToken string
}

// WithSeed fixes the server's GUIDs, cookie keys and fault IDs and the
// simulated computers' identities (default 1).
func WithSeed(seed uint64) Option { return func(s *settings) { s.cfg.Seed = seed } }

// WithClock gives the server, and the computers Sync runs, this clock
// (default the wall clock).
func WithClock(c clock.Clock) Option { return func(s *settings) { s.cfg.Clock = c } }

// WithVirtualClock is WithClock of a virtual clock that starts on the day of
// the advisory's log excerpt and advances 1 ms per reading: with a seed,
// every log and result is byte-stable.
func WithVirtualClock() Option {
	return WithClock(clock.NewVirtual(clock.DefaultStart, time.Millisecond))
}

// WithVersion sets the WSUS version the server reports, which decides the
// default mode of every behaviour (3.1.6001.65 is buggy for kb954960,
// 3.1.6001.66 fixed; default mockwsus.DefaultVersion).
func WithVersion(v string) Option { return func(s *settings) { s.cfg.Version = v } }

// WithBehaviour sets a behaviour's mode for the whole server; an unknown
// name or mode makes New fail the test (Start return an error).
func WithBehaviour(name string, mode behaviour.Mode) Option {
	return func(s *settings) {
		if s.cfg.Behaviours == nil {
			s.cfg.Behaviours = map[string]behaviour.Mode{}
		}
		s.cfg.Behaviours[name] = mode
	}
}

// WithAdminToken makes the admin API require "Authorization: Bearer token"
// for changes.
func WithAdminToken(token string) Option { return func(s *settings) { s.adminToken = token } }

// WithSoftwareDistributionLog sends the server's SoftwareDistribution.log
// lines to w.
func WithSoftwareDistributionLog(w io.Writer) Option {
	return func(s *settings) { s.cfg.SoftwareDistributionLog = w }
}

// WithConfig changes any other field of the server's configuration (the
// catalog, limits, ...), after the other options.
func WithConfig(f func(*mockwsus.Config)) Option { return func(s *settings) { f(&s.cfg) } }

// New starts a mock for the test t and stops it in t's cleanup. It fails t
// (t.Fatal) when the mock cannot start.
func New(t testing.TB, opts ...Option) *Mock {
	t.Helper()
	m, err := Start(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	})
	return m
}

// Start starts a mock outside a test (a main, an example, a TestMain);
// the caller stops it with Close.
func Start(opts ...Option) (*Mock, error) {
	var s settings
	for _, o := range opts {
		o(&s)
	}
	srv, err := mockwsus.New(s.cfg)
	if err != nil {
		return nil, fmt.Errorf("mockwsustest: %w", err)
	}
	l, err := srv.Listen(mockwsus.ListenOptions{Addr: "127.0.0.1:0", AdminAddr: "127.0.0.1:0", AdminToken: s.adminToken})
	if err != nil {
		return nil, fmt.Errorf("mockwsustest: %w", err)
	}
	seed := s.cfg.Seed
	if seed == 0 {
		seed = 1
	}
	return &Mock{URL: l.URL, AdminURL: l.AdminURL, Server: srv, clk: s.cfg.Clock, seed: seed, token: s.adminToken, listener: l, indexes: map[string]int{}}, nil
}

// CloseTimeout bounds how long Close waits for requests in flight.
const CloseTimeout = 10 * time.Second

// Close stops the mock, waiting up to CloseTimeout for requests in flight.
// Closing twice is harmless.
func (m *Mock) Close() error {
	m.mu.Lock()
	closed := m.closed
	m.closed = true
	m.mu.Unlock()
	if closed {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), CloseTimeout)
	defer cancel()
	if err := m.listener.Shutdown(ctx); err != nil {
		return fmt.Errorf("mockwsustest: stopping the mock: %w", err)
	}
	return nil
}

// Admin returns a client of the mock's admin API (with its token, if any):
// the same calls a test in another language makes over HTTP.
func (m *Mock) Admin() *adminclient.Client {
	c, err := adminclient.New(m.AdminURL, adminclient.WithToken(m.token))
	if err != nil {
		// AdminURL is the listener's own http://127.0.0.1:port URL.
		panic("mockwsustest: " + err.Error())
	}
	return c
}

// ClientOption changes the configuration of a computer Sync runs; any
// func(*clientsim.Config) is one.
type ClientOption func(*clientsim.Config)

// WithLog sends the computer's WindowsUpdate.log to w.
func WithLog(w io.Writer) ClientOption { return func(c *clientsim.Config) { c.Log = w } }

// WithLogFormat selects the WindowsUpdate.log flavour (classic WUA 7 by
// default, or wulog.WUA10, which also reports every fault as 0x80244007).
func WithLogFormat(f wulog.Flavour) ClientOption {
	return func(c *clientsim.Config) { c.LogFormat = f }
}

// WithTargetGroup makes the computer ask for a client-side targeting group.
func WithTargetGroup(group string) ClientOption {
	return func(c *clientsim.Config) { c.TargetGroup = group }
}

// WithIndex picks the computer's number, which with the seed derives its
// name and client ID. By default each profile gets one computer, numbered
// in the order the profiles were first synced, so syncing a profile again
// is the same computer searching again.
func WithIndex(i int) ClientOption { return func(c *clientsim.Config) { c.Index = i } }

// ClientConfig returns the configuration Sync would use for a computer of
// the named built-in profile (or profile YAML file), for callers that drive
// a clientsim.Agent themselves.
func (m *Mock) ClientConfig(profileName string, opts ...ClientOption) (clientsim.Config, error) {
	p, err := profile.Resolve(profileName)
	if err != nil {
		return clientsim.Config{}, fmt.Errorf("mockwsustest: %w", err)
	}
	m.mu.Lock()
	idx, ok := m.indexes[p.Name]
	if !ok {
		idx = len(m.indexes)
		m.indexes[p.Name] = idx
	}
	m.mu.Unlock()
	cfg := clientsim.Config{ServerURL: m.URL, Profile: p, Seed: m.seed, Index: idx, Clock: m.clk}
	for _, o := range opts {
		o(&cfg)
	}
	return cfg, nil
}

// Sync runs one search of a computer of the named profile (a built-in, see
// `client-sim profiles`, or a profile YAML file) against the mock and
// returns its result. A search that failed is a Result with Success false
// and its HResult, not an error: the error is for a bad profile, a
// cancelled ctx or a log that could not be written. Each call of the agent
// has its own deadline (clientsim.DefaultCallTimeout).
func (m *Mock) Sync(ctx context.Context, profileName string, opts ...ClientOption) (*clientsim.Result, error) {
	cfg, err := m.ClientConfig(profileName, opts...)
	if err != nil {
		return nil, err
	}
	res, err := clientsim.Run(ctx, cfg)
	if err != nil {
		return res, fmt.Errorf("mockwsustest: sync of %s: %w", profileName, err)
	}
	return res, nil
}

// DefaultAwaitTimeout bounds an Await call whose context has no deadline.
const DefaultAwaitTimeout = 10 * time.Second

// awaitPoll is how often an Await call looks at the journal again. The
// journal has no subscription; a few milliseconds keep a waiting test
// responsive at no measurable cost.
const awaitPoll = 2 * time.Millisecond

// ErrAwaitTimeout is wrapped by the error of an Await call that ran out of
// time (its context's deadline, or DefaultAwaitTimeout).
var ErrAwaitTimeout = errors.New("mockwsustest: nothing matched before the deadline")

// AwaitEntry waits until the journal holds an exchange that match accepts
// and returns the first such one (in journal order). It returns an error if
// and only if ctx is done first; without a deadline on ctx it waits at most
// DefaultAwaitTimeout.
func (m *Mock) AwaitEntry(ctx context.Context, match func(mockwsus.Entry) bool) (mockwsus.Entry, error) {
	return await(ctx, func() (mockwsus.Entry, bool) {
		for _, e := range m.Server.Journal().Entries() {
			if match(e) {
				return e, true
			}
		}
		return mockwsus.Entry{}, false
	})
}

// AwaitEvent waits until the server has acknowledged a reporting event that
// match accepts (e.g. event 148, detection failed) and returns the first.
// Deadlines as for AwaitEntry.
func (m *Mock) AwaitEvent(ctx context.Context, match func(mockwsus.Event) bool) (mockwsus.Event, error) {
	return await(ctx, func() (mockwsus.Event, bool) {
		for _, e := range m.Server.Journal().Events() {
			if match(e) {
				return e, true
			}
		}
		return mockwsus.Event{}, false
	})
}

func await[T any](ctx context.Context, find func() (T, bool)) (T, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultAwaitTimeout)
		defer cancel()
	}
	tick := time.NewTicker(awaitPoll)
	defer tick.Stop()
	for {
		if v, ok := find(); ok {
			return v, nil
		}
		select {
		case <-ctx.Done():
			var zero T
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return zero, ErrAwaitTimeout
			}
			return zero, fmt.Errorf("mockwsustest: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// Operation matches the exchanges of one SOAP operation ("SyncUpdates",
// "GetCookie", ...).
func Operation(op string) func(mockwsus.Entry) bool {
	return func(e mockwsus.Entry) bool { return e.Operation == op }
}

// Fault matches the exchanges answered with a SOAP fault of this WSUS
// ErrorCode ("InternalServerError", "InvalidParameters", ...).
func Fault(errorCode string) func(mockwsus.Entry) bool {
	return func(e mockwsus.Entry) bool { return e.Outcome == "fault" && e.ErrorCode == errorCode }
}

// EventID matches the reporting events of one ID (147 detection
// succeeded, 148 detection failed).
func EventID(id int) func(mockwsus.Event) bool {
	return func(e mockwsus.Event) bool { return e.EventID == id }
}
