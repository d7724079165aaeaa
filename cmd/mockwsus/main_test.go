package main

import (
	"bufio"
	"context"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientsim "github.com/wsusmock/wsusmock/client-sim"
	"github.com/wsusmock/wsusmock/client-sim/profile"
	"github.com/wsusmock/wsusmock/internal/clock"
	"github.com/wsusmock/wsusmock/internal/shared"
	"github.com/wsusmock/wsusmock/mockwsus"
)

// start runs the command in the background and returns its URL once it
// printed "listening on", and a stop function that returns run's error.
func start(t *testing.T, args ...string) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, pw, io.Discard)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	url := ""
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
			url = u
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if url == "" {
		cancel()
		t.Fatalf("mockwsus %v did not start: %v", args, <-done)
	}
	return url, func() error { cancel(); return <-done }
}

func syncOffice(t *testing.T, url string) *clientsim.Result {
	t.Helper()
	p, err := profile.Builtin("xp-sp3-office2003")
	if err != nil {
		t.Fatal(err)
	}
	res, err := clientsim.Run(context.Background(), clientsim.Config{ServerURL: url, Profile: p, Seed: 3, Clock: clock.NewVirtual(clock.DefaultStart, time.Millisecond), Log: io.Discard, CallTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--behaviour", "kb954961=buggy"},
		{"--behaviour", "kb954960=broken"},
		{"extra"},
		{"--addr", "127.0.0.1:0", "--admin-addr", "0.0.0.0:0"},
		{"--scenario", "no-such-scenario"},
		{"proxy", "--upstream", "ftp://x", "--record", t.TempDir()},
		{"--addr", "127.0.0.1:0", "--admin-addr", "", "--replay", filepath.Join(t.TempDir(), "missing")},
		{"--tls", "--tls-min-version", "1.4"},
		{"--tls", "--tls-min-version", "TLS1.2"},
	} {
		// A deadline, so a bad flag that stops being rejected starts a
		// server that this test stops, instead of hanging the package.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := run(ctx, args, io.Discard, io.Discard)
		cancel()
		if err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
}

func TestRecordThenReplay(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rec")
	logs := t.TempDir()
	url, stop := start(t, "--addr", "127.0.0.1:0", "--admin-addr", "", "--record", dir, "--log-dir", logs)
	res := syncOffice(t, url)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if res.HResult != clientsim.HRSoapServer {
		t.Fatalf("buggy server: %s", res.HResult)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) < 6 {
		t.Fatalf("recorded %d exchanges", len(entries))
	}
	sd, _ := os.ReadFile(filepath.Join(logs, "SoftwareDistribution.log"))
	if !strings.Contains(string(sd), "ID="+res.Fault.ID) {
		t.Errorf("SoftwareDistribution.log lacks the fault ID %s", res.Fault.ID)
	}
	url, stop = start(t, "--addr", "127.0.0.1:0", "--admin-addr", "", "--replay", dir)
	again := syncOffice(t, url)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if again.HResult != clientsim.HRSoapServer || again.Fault == nil || again.Fault.ID != res.Fault.ID {
		t.Errorf("replayed server answered %s %+v, want the recorded fault %s", again.HResult, again.Fault, res.Fault.ID)
	}
}

func TestProxyRecords(t *testing.T) {
	srv, err := mockwsus.New(mockwsus.Config{Version: mockwsus.VersionFixed, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	up := httptest.NewServer(srv)
	defer up.Close()
	dir := filepath.Join(t.TempDir(), "rec")
	url, stop := start(t, "proxy", "--upstream", up.URL, "--record", dir, "--addr", "127.0.0.1:0", "--redact-cookies")
	res := syncOffice(t, url)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !res.Success {
		t.Fatalf("sync through the proxy: %s %s", res.HResult, res.Reason)
	}
	if _, err := os.Stat(filepath.Join(dir, "redactions.json")); err != nil {
		t.Errorf("no redaction manifest: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) < 8 {
		t.Errorf("recorded %d entries", len(entries))
	}
}

// The simulator syncs against a replay of the real captures (a Windows 11
// agent and a WSUS on Windows Server 2025): the capture answers SyncUpdates,
// GetExtendedUpdateInfo and ReportEventBatch; the mock carries the handshake
// the capture lacks. Every answer is parsed.
func TestReplayRealCaptures(t *testing.T) {
	dir := shared.FlowDir(t)
	url, stop := start(t, "--addr", "127.0.0.1:0", "--admin-addr", "", "--replay", dir)
	defer stop()
	p, err := profile.Builtin("xp-sp3")
	if err != nil {
		t.Fatal(err)
	}
	res, err := clientsim.Run(context.Background(), clientsim.Config{ServerURL: url, Profile: p, Seed: 1, Clock: clock.NewVirtual(clock.DefaultStart, time.Millisecond), Log: io.Discard, CallTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Success {
		t.Fatalf("sync against the replay: %s %s", res.HResult, res.Reason)
	}
	syncs := 0
	for _, c := range res.Calls {
		if c.Status != 200 {
			t.Errorf("%s answered %d", c.Operation, c.Status)
		}
		if c.Operation == "SyncUpdates" {
			syncs++
		}
	}
	if syncs < 2 || len(res.UnknownRules) == 0 {
		t.Errorf("%d SyncUpdates, %d unknown rules: the real answers were not reached or not parsed", syncs, len(res.UnknownRules))
	}
}
