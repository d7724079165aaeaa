package mockwsus_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/internal/clock"
	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
)

// fullDisk is a writer that accepts limit bytes, then fails as a full disk
// does.
type fullDisk struct {
	mu    sync.Mutex
	limit int
	buf   bytes.Buffer
}

func (d *fullDisk) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.buf.Len()+len(p) > d.limit {
		return 0, errors.New("write /var/log/wsus/file: no space left on device")
	}
	return d.buf.Write(p)
}

// logRecorder collects what the server logs.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (l *logRecorder) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logRecorder) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// When SoftwareDistribution.log and the journal's sink fail (a full disk),
// the exchanges are still answered, but the loss is not silent: it is
// logged once per file, GET /healthz answers 503 naming both files and how
// much each lost (and never the admin token), and Health says the same.
func TestLostLogDataMakesTheServerUnhealthy(t *testing.T) {
	tests := []struct {
		name         string
		sdlog, sink  int // bytes each accepts
		wantUnhealty []string
	}{
		{"disks with room", 1 << 20, 1 << 20, nil},
		{"SoftwareDistribution.log full", 0, 1 << 20, []string{"SoftwareDistribution.log: sdlog: write: write /var/log/wsus/file: no space left on device"}},
		{"journal sink full after a few lines", 1 << 20, 2000, []string{"journal sink: journal: write: write /var/log/wsus/file: no space left on device"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs logRecorder
			sd, sink := &fullDisk{limit: tt.sdlog}, &fullDisk{limit: tt.sink}
			clk := clock.NewVirtual(clock.DefaultStart, time.Millisecond)
			srv, err := mockwsus.New(mockwsus.Config{SoftwareDistributionLog: sd, Logf: logs.logf, Clock: clk})
			if err != nil {
				t.Fatal(err)
			}
			srv.SetJournalSink(sink)
			h := &harness{t: t, srv: srv, http: httptest.NewServer(srv), clk: clk, sdlog: &sd.buf}
			t.Cleanup(h.http.Close)
			admin := httptest.NewServer(srv.AdminHandler(mockwsus.AdminOptions{Token: "secret-token-1234"}))
			t.Cleanup(admin.Close)

			// An Office 2003 computer's failing sync writes the log (the
			// exception) and journal lines.
			s := h.register("c1", "c1.lab.local", "")
			if _, err := s.sync(detXP, detOffice2003); err == nil {
				t.Fatal("the buggy server did not fail the Office 2003 sync")
			}

			resp, err := http.Get(admin.URL + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), "secret-token-1234") {
				t.Errorf("/healthz carries the admin token: %s", body)
			}
			if tt.wantUnhealty == nil {
				if resp.StatusCode != http.StatusOK || srv.Health() != nil || logs.text() != "" {
					t.Errorf("healthy server: /healthz %d %q, Health %v, logged %q", resp.StatusCode, body, srv.Health(), logs.text())
				}
				return
			}
			if resp.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("/healthz: HTTP %d, want 503", resp.StatusCode)
			}
			for _, want := range tt.wantUnhealty {
				if !strings.Contains(string(body), want) {
					t.Errorf("/healthz answer lacks %q:\n%s", want, body)
				}
				if err := srv.Health(); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "lost)") {
					t.Errorf("Health() = %v, want it to name %q and count what was lost", err, want)
				}
				if !strings.Contains(logs.text(), want) {
					t.Errorf("the loss was not logged: %q", logs.text())
				}
			}
			if n := strings.Count(logs.text(), "data is being lost"); n != len(tt.wantUnhealty) {
				t.Errorf("logged %d losses, want one per file:\n%s", n, logs.text())
			}
		})
	}
}

// ReportFailure, for data lost beside the server (a recording, an export),
// turns it unhealthy too, counting every loss.
func TestReportFailure(t *testing.T) {
	var logs logRecorder
	srv, err := mockwsus.New(mockwsus.Config{Logf: logs.logf})
	if err != nil {
		t.Fatal(err)
	}
	if srv.Health() != nil {
		t.Fatal("a new server is unhealthy")
	}
	srv.ReportFailure("recording", nil)
	if srv.Health() != nil {
		t.Fatal("a nil error made the server unhealthy")
	}
	for i := 0; i < 3; i++ {
		srv.ReportFailure("recording", errors.New("capture: exchange 000001: no space left on device"))
	}
	if err := srv.Health(); err == nil || !strings.Contains(err.Error(), "recording: capture: exchange 000001: no space left on device (3 lost)") {
		t.Errorf("Health() = %v", err)
	}
	if strings.Count(logs.text(), "data is being lost") != 1 {
		t.Errorf("logged %q, want the first loss once", logs.text())
	}
}

// The journal says what the client got: an answer an injected fault cuts
// in half is outcome "cut" with status 0, not 200, in memory and in the
// sink, where it is written once.
func TestCutAnswerIsJournaledAsCut(t *testing.T) {
	srv, l := listenFor(t, mockwsus.ListenOptions{Addr: "127.0.0.1:0"})
	var sink syncBuffer
	srv.SetJournalSink(&sink)
	if err := srv.SetMode(behaviour.InjectTruncatedBodyName, behaviour.Buggy, ""); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	for i := 1; i <= behaviour.InjectTruncatedBodyEvery; i++ {
		resp, err := client.Get(l.URL + "/selfupdate/wuident.cab")
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if cut := i == behaviour.InjectTruncatedBodyEvery; cut != (err != nil) {
			t.Fatalf("request %d: body read error %v, want a cut answer %t", i, err, cut)
		}
	}
	// The entry is finished when the handler ends, after the client saw
	// the close: wait for it, with a deadline.
	var cut *mockwsus.Entry
	for deadline := time.Now().Add(5 * time.Second); cut == nil; {
		for _, e := range srv.Journal().Entries() {
			if e.Outcome == "cut" {
				cut = &e
			}
		}
		if cut == nil && time.Now().After(deadline) {
			t.Fatalf("no cut entry in the journal: %+v", srv.Journal().Entries())
		}
		runtime.Gosched()
	}
	if cut.Status != 0 || !strings.Contains(cut.Detail, "inject-truncated-body: request 4") || !strings.Contains(cut.Detail, "answer cut: HTTP 200 sent with part of its body") {
		t.Errorf("cut entry %+v", *cut)
	}
	var lines []mockwsus.Entry
	for deadline := time.Now().Add(5 * time.Second); len(lines) < behaviour.InjectTruncatedBodyEvery && time.Now().Before(deadline); runtime.Gosched() {
		lines = lines[:0]
		for _, line := range strings.Split(strings.TrimSpace(sink.String()), "\n") {
			var e mockwsus.Entry
			if err := json.Unmarshal([]byte(line), &e); err == nil && e.Kind == "" { // exchanges, not admin entries
				lines = append(lines, e)
			}
		}
	}
	var sinkCut int
	for _, e := range lines {
		if e.Seq == cut.Seq {
			sinkCut++
			if e.Outcome != "cut" || e.Status != 0 {
				t.Errorf("sink line of the cut exchange: %+v", e)
			}
		}
	}
	if len(lines) != behaviour.InjectTruncatedBodyEvery || sinkCut != 1 {
		t.Errorf("sink has %d lines (%d for the cut exchange), want %d lines, the cut one once", len(lines), sinkCut, behaviour.InjectTruncatedBodyEvery)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
