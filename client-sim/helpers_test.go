package clientsim_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	clientsim "github.com/wsusmock/wsusmock/client-sim"
	"github.com/wsusmock/wsusmock/client-sim/profile"
	"github.com/wsusmock/wsusmock/internal/clock"
	"github.com/wsusmock/wsusmock/mockwsus"
)

// serverName is the WUServer URL the agents use in tests. Requests to it
// are dialled to the in-process server, so logs do not carry the random
// port of httptest and golden files stay stable.
const serverName = "http://wsus01.lab.local:8530"

// lockedBuffer is a bytes.Buffer safe for the server's concurrent writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// mock is an in-process WSUS mock reachable as serverName.
type mock struct {
	srv    *mockwsus.Server
	sdl    *lockedBuffer // SoftwareDistribution.log
	client *http.Client
}

// newMock starts mockwsus with cfg (Seed, Clock and the log filled in when
// unset) behind httptest on 127.0.0.1:0.
func newMock(t *testing.T, cfg mockwsus.Config) *mock {
	t.Helper()
	return newMockWith(t, cfg, nil)
}

// newMockWith is newMock with the server's handler wrapped by wrap (nil
// for none), e.g. to record what reaches the server.
func newMockWith(t *testing.T, cfg mockwsus.Config, wrap func(http.Handler) http.Handler) *mock {
	t.Helper()
	m := &mock{sdl: &lockedBuffer{}}
	if cfg.Seed == 0 {
		cfg.Seed = 42
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.NewVirtual(clock.DefaultStart, time.Millisecond)
	}
	if cfg.SoftwareDistributionLog == nil {
		cfg.SoftwareDistributionLog = m.sdl
	}
	if cfg.Logf == nil {
		cfg.Logf = t.Logf
	}
	srv, err := mockwsus.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m.srv = srv
	var h http.Handler = srv
	if wrap != nil {
		h = wrap(srv)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	m.client = dialTo(t, ts.Listener.Addr().String())
	return m
}

// dialTo returns a client whose every connection goes to addr, whatever
// the URL's host.
func dialTo(t *testing.T, addr string) *http.Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConnsPerHost: 64,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// builtin returns a built-in profile or fails the test.
func builtin(t *testing.T, name string) *profile.Profile {
	t.Helper()
	p, err := profile.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// agentConfig is the Config of a seeded agent on a virtual clock against m.
func (m *mock) agentConfig(t *testing.T, profileName string) clientsim.Config {
	return clientsim.Config{
		ServerURL:   serverName,
		Profile:     builtin(t, profileName),
		Seed:        1,
		Clock:       clock.NewVirtual(clock.DefaultStart, time.Millisecond),
		HTTPClient:  m.client,
		CallTimeout: 10 * time.Second,
	}
}

// sync runs one search with cfg, failing the test on an error.
func sync1(t *testing.T, cfg clientsim.Config) *clientsim.Result {
	t.Helper()
	res, err := clientsim.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}
