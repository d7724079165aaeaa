package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
)

// startBoth runs the command like start, returning both URLs.
func startBoth(t *testing.T, args ...string) (url, admin string, stop func() error) {
	t.Helper()
	return startBothTo(t, io.Discard, args...)
}

// startBothTo is startBoth with the command's stderr written to stderr.
func startBothTo(t *testing.T, stderr io.Writer, args ...string) (url, admin string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, pw, stderr)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	for sc.Scan() && (url == "" || admin == "") {
		if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
			url = u
		}
		if u, ok := strings.CutPrefix(sc.Text(), "admin on "); ok {
			admin = u
		}
	}
	go io.Copy(io.Discard, pr)
	if url == "" || admin == "" {
		cancel()
		t.Fatalf("mockwsus %v did not start: %v", args, <-done)
	}
	return url, admin, func() error { cancel(); return <-done }
}

// waitInFlight polls the admin API until the server serves n requests.
func waitInFlight(t *testing.T, admin string, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(admin + "/debug/memory")
		if err != nil {
			t.Fatal(err)
		}
		var m mockwsus.MemoryStats
		err = json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if m.InFlight >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d requests in flight after 10 s, want %d", m.InFlight, n)
		}
		time.Sleep(5 * time.Millisecond) // polling interval, not synchronisation
	}
}

// getConfigAsync posts GetConfig and reports the status.
func getConfigAsync(url string) <-chan int {
	out := make(chan int, 1)
	go func() {
		body, _ := soap.EncodeRequest(soap.SOAP11, &clientws.GetConfig{ProtocolVersion: "1.0"})
		req, _ := http.NewRequest(http.MethodPost, url+"/ClientWebService/client.asmx", bytes.NewReader(body))
		soap.SetRequestHeaders(req.Header, soap.SOAP11, clientws.ActionGetConfig)
		resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
		if err != nil {
			out <- 0
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		out <- resp.StatusCode
	}()
	return out
}

// A request in flight when shutdown begins (SIGTERM; here the context
// run's signal handling derives from) is answered with 200 within --drain,
// and journal.jsonl, synced and closed afterwards, holds it.
func TestShutdownDrainsRequestsInFlight(t *testing.T) {
	logs := t.TempDir()
	url, admin, stop := startBoth(t, "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--version", "3.1.6001.66",
		"--behaviour", "inject-latency=on", "--log-dir", logs, "--drain", "10s")
	// inject-latency holds every 4th request: send three, then the held one.
	for i := 0; i < 3; i++ {
		resp, err := http.Get(url + "/selfupdate/wuident.cab")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	held := getConfigAsync(url)
	waitInFlight(t, admin, 1)
	start := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if status := <-held; status != http.StatusOK {
		t.Fatalf("request in flight at shutdown: HTTP %d, want 200", status)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown took %s", d)
	}
	data, err := os.ReadFile(filepath.Join(logs, "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var e mockwsus.Entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("journal.jsonl has a broken line %q: %v", line, err)
		}
		if e.Operation == "GetConfig" && e.Status == 200 && strings.Contains(e.Detail, "inject-latency: request 4") {
			found = true
		}
	}
	if !found {
		t.Errorf("journal.jsonl lacks the held GetConfig:\n%s", data)
	}
}

// holdTrickle makes two quick requests and then a third that
// inject-slow-body trickles for 45 s, and returns once the server has it in
// flight; the channel gets its status when its answer ends.
func holdTrickle(t *testing.T, url, admin string) <-chan int {
	t.Helper()
	for i := 0; i < 2; i++ {
		resp, err := http.Get(url + "/selfupdate/wuident.cab")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	held := getConfigAsync(url)
	waitInFlight(t, admin, 1)
	return held
}

// A request that outlasts --drain does not hold the shutdown: the injected
// trickle ends with the connection.
func TestShutdownPastTheDrainDeadline(t *testing.T) {
	url, admin, stop := startBoth(t, "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--version", "3.1.6001.66",
		"--behaviour", "inject-slow-body=on", "--drain", "200ms")
	held := holdTrickle(t, url, admin)
	start := time.Now()
	err := stop()
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("shutdown with a 200ms drain took %s", d)
	}
	if err == nil || !strings.Contains(err.Error(), "context deadline exceeded") {
		t.Errorf("shutdown past the drain deadline: %v, want it to say so", err)
	}
	<-held
}

// --tls-min-version reaches the listener: a client capped below it fails
// the handshake.
func TestTLSMinVersionFlag(t *testing.T) {
	url, stop := start(t, "--addr", "127.0.0.1:0", "--admin-addr", "", "--tls", "--tls-min-version", "1.3")
	defer stop()
	addr := strings.TrimPrefix(url, "https://")
	for _, tt := range []struct {
		max uint16
		ok  bool
	}{{tls.VersionTLS12, false}, {tls.VersionTLS13, true}} {
		conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, MaxVersion: tt.max})
		if (err == nil) != tt.ok {
			t.Errorf("client capped at %s: handshake error %v, want success %t", tls.VersionName(tt.max), err, tt.ok)
		}
		if err == nil {
			conn.Close()
		}
	}
}

// An answer the drain cuts is journaled as what the client got: outcome
// "cut", status 0, never 200 (the injected trickle is stopped by the
// drain's deadline half way).
func TestDrainCutIsJournaledAsCut(t *testing.T) {
	logs := t.TempDir()
	url, admin, stop := startBoth(t, "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--version", "3.1.6001.66",
		"--behaviour", "inject-slow-body=on", "--drain", "200ms", "--log-dir", logs)
	held := holdTrickle(t, url, admin)
	if err := stop(); err == nil || !strings.Contains(err.Error(), "context deadline exceeded") {
		t.Errorf("shutdown past the drain deadline: %v", err)
	}
	<-held
	data, err := os.ReadFile(filepath.Join(logs, "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var held3 []mockwsus.Entry
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var e mockwsus.Entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("journal.jsonl has a broken line %q: %v", line, err)
		}
		if e.Operation == "GetConfig" {
			held3 = append(held3, e)
		}
	}
	if len(held3) != 1 || held3[0].Outcome != "cut" || held3[0].Status != 0 ||
		!strings.Contains(held3[0].Detail, "inject-slow-body: request 3") || !strings.Contains(held3[0].Detail, "answer cut: HTTP 200 sent,") {
		t.Errorf("the trickled GetConfig cut by the drain is journaled as %+v, want one entry, outcome cut, status 0", held3)
	}
}
