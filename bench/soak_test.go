package bench

import (
	"context"
	"net/http"
	"os"
	"runtime"
	"testing"
	"time"

	clientsim "github.com/wsusmock/wsusmock/client-sim"
	"github.com/wsusmock/wsusmock/mockwsus"
)

// TestFleetSoak runs a fleet against a real listener and checks what a load
// run must not lose: every search succeeds, every reporting event the
// server acknowledged is in its journal (as many as the computers say they
// sent), and once the server is shut down and the fleet's idle connections
// are closed, no goroutine is left behind. Run it under -race to check the
// server's and the agents' shared state.
//
// By default it runs 300 computers, a few seconds. WSUSMOCK_SOAK=1 runs
// 10,000 (the figures of docs/performance.md, "Soak and race", come from
//
//	WSUSMOCK_SOAK=1 go test -race -run TestFleetSoak -timeout 60m -v ./bench/
//
// ).
func TestFleetSoak(t *testing.T) {
	clients := 300
	if os.Getenv("WSUSMOCK_SOAK") == "1" {
		clients = 10_000
	} else if testing.Short() {
		clients = 50
	}
	baseline := runtime.NumGoroutine()
	srv, err := mockwsus.New(mockwsus.Config{Version: mockwsus.VersionFixed, JournalLimit: clients * 20, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	l, err := srv.Listen(mockwsus.ListenOptions{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}
	start := time.Now()
	var m0 runtime.MemStats
	runtime.ReadMemStats(&m0)
	sum, err := clientsim.RunFleet(context.Background(), clientsim.FleetConfig{
		ServerURL: l.URL, Clients: clients, Concurrency: 32, Seed: 7,
		HTTPClient: &http.Client{Transport: tr}, CallTimeout: 2 * time.Minute, KeepResults: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	if sum.Failed != 0 {
		t.Errorf("%d of %d searches failed: %+v", sum.Failed, clients, sum.Outcomes)
	}

	// Every event a computer says the server acknowledged is in the
	// journal, once, for that computer.
	sent := map[string]int{}
	total := 0
	for _, res := range sum.Results {
		sent[res.ClientID] += len(res.ReportedEvents)
		total += len(res.ReportedEvents)
	}
	events := srv.Journal().Events()
	if len(events) != total || total != clients {
		t.Errorf("the computers report %d acknowledged events (want %d, one each); the journal holds %d", total, clients, len(events))
	}
	seen := map[string]int{}
	for _, e := range events {
		seen[e.Computer]++
	}
	for id, n := range sent {
		if seen[id] != n {
			t.Errorf("computer %s sent %d events, the journal holds %d", id, n, seen[id])
			break
		}
	}
	reports := 0
	for _, e := range srv.Journal().Entries() {
		if e.Operation == "ReportEventBatch" && e.Outcome == "ok" {
			reports++
		}
	}
	if reports != total || srv.Journal().Dropped() != 0 {
		t.Errorf("%d ReportEventBatch exchanges journaled for %d events, %d entries dropped", reports, total, srv.Journal().Dropped())
	}
	var m1 runtime.MemStats
	runtime.ReadMemStats(&m1)
	t.Logf("%d computers, %d requests in %s (%.0f requests/s); %d events; allocated %.0f MiB; goroutines at the end of the run %d",
		clients, sum.Requests, elapsed.Round(time.Millisecond), float64(sum.Requests)/elapsed.Seconds(), len(events),
		float64(m1.TotalAlloc-m0.TotalAlloc)/(1<<20), runtime.NumGoroutine())

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The fleet's idle connections first: net/http's Shutdown waits up to
	// 5 s for a connection that never carried a request (a spare dial of
	// the client's pool) before it counts it as idle.
	stopped := time.Now()
	tr.CloseIdleConnections()
	if err := l.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for runtime.NumGoroutine() > baseline {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines after shutdown, %d before the server started:\n%s", runtime.NumGoroutine(), baseline, buf)
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronisation
	}
	t.Logf("server shut down and goroutines back to %d (from %d) in %s", runtime.NumGoroutine(), baseline, time.Since(stopped).Round(time.Millisecond))
}
