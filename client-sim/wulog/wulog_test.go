package wulog_test

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/client-sim/wulog"
	"github.com/wsusmock/wsusmock/internal/clock"
	"github.com/wsusmock/wsusmock/internal/golden"
)

const (
	serverURL  = "http://wsusebc/ClientWebService/client.asmx"
	authURL    = "http://wsusebc/SimpleAuthWebService/SimpleAuth.asmx"
	syncMethod = `"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/SyncUpdates"`
	faultID    = "c0a7445f-b989-43fa-ac20-11f8ca65fa8c"
	clientID   = "5b7b4c2e-3f1d-4a7e-9c55-0d6f2b8a1e34"
	caller     = "AutomaticUpdates"
)

// newWriter returns a Writer on a 1 ms-step virtual clock with the
// advisory's PID/TID (0x788/0xee4, printed in decimal by wua10).
func newWriter(f wulog.Flavour) (*wulog.Writer, *bytes.Buffer) {
	var buf bytes.Buffer
	clk := clock.NewVirtual(clock.DefaultStart, time.Millisecond)
	return wulog.New(&buf, f, clk, 0x788, 0xee4), &buf
}

func build(f wulog.Flavour) string {
	if f == wulog.WUA10 {
		return "10.0.19041.1865"
	}
	return "7.0.6000.381"
}

// cleanSearch is a first detection against WSUS that finds one update.
func cleanSearch(w *wulog.Writer) {
	w.LoggingInitialized(build(w.Flavour()), "-0700")
	w.SearchStart(caller)
	w.SyncBanner("server updates", wulog.WSUSServiceID, serverURL)
	w.CachedCookieExpired()
	w.SimpleTargetingCookie(clientID, "", "xp-office.contoso.local", authURL)
	w.SyncBanner("extended update info", wulog.WSUSServiceID, serverURL)
	w.AddedUpdate("{a5f5c4b0-3d3b-4f2e-9e1a-8c6d2f0b7e11}", 103)
	w.SearchSucceeded(caller, 1, 12, 40, 120)
	w.ReportEvent(wulog.DetectionSucceeded("0f3b6a2c-1e4d-4c8a-b7e9-5a2d3c4b1f60", 1))
}

// kb954960Search is the failed detection of Security Advisory 954960: the
// server answers SyncUpdates with an InternalServerError fault.
func kb954960Search(w *wulog.Writer) {
	f := w.Flavour()
	fault := wulog.NewFaultInfo(f, "soap:Server", "Fault occurred", "InternalServerError", "", syncMethod, faultID)
	w.LoggingInitialized(build(f), "-0700")
	w.SearchStart(caller)
	w.SyncBanner("server updates", wulog.WSUSServiceID, serverURL)
	w.CachedCookieExpired()
	w.SimpleTargetingCookie(clientID, "", "xp-office.contoso.local", authURL)
	w.SOAPFault("SyncUpdates", fault, 200)
	w.PTError(fault.HResult)
	w.SyncFailed(fault.HResult)
	w.SearchFailed(caller, fault.HResult)
	w.ReportEvent(wulog.DetectionFailed("7c1e9d2a-6b3f-4e8d-a1c5-2f9b0e4d7a83", fault.HResult))
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name    string
		flavour wulog.Flavour
		run     func(*wulog.Writer)
	}{
		{"clean_classic", wulog.Classic, cleanSearch},
		{"clean_wua10", wulog.WUA10, cleanSearch},
		{"kb954960_classic", wulog.Classic, kb954960Search},
		{"kb954960_wua10", wulog.WUA10, kb954960Search},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, buf := newWriter(tt.flavour)
			tt.run(w)
			if err := w.Err(); err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("testdata", tt.name+".golden"), buf.Bytes())
		})
	}
}

var (
	classicLine = regexp.MustCompile(`^\d{4}-\d\d-\d\d\t\d\d:\d\d:\d\d:\d{3}\t[ 0-9a-f]{4}\t[0-9a-f]+\t[A-Za-z]+\t.*\r$`)
	wua10Line   = regexp.MustCompile(`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d{7} [0-9 ]{5} [0-9 ]{5} [A-Za-z ]{15} .*\r$`)
)

func TestLineShape(t *testing.T) {
	for _, f := range []wulog.Flavour{wulog.Classic, wulog.WUA10} {
		w, buf := newWriter(f)
		kb954960Search(w)
		cleanSearch(w)
		re := classicLine
		if f == wulog.WUA10 {
			re = wua10Line
		}
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		for i, l := range lines {
			if !re.MatchString(l) {
				t.Errorf("%s line %d malformed: %q", f, i+1, l)
			}
		}
	}
}

func TestClassicFields(t *testing.T) {
	var buf bytes.Buffer
	clk := clock.NewVirtual(time.Date(2009, 3, 27, 11, 55, 29, 193_999_999, time.UTC), 0)
	w := wulog.New(&buf, wulog.Classic, clk, 0x3d8, 0x58c)
	w.PTError(0x8024400E)
	want := "2009-03-27\t11:55:29:193\t 3d8\t58c\tPT\tWARNING: PTError: 0x8024400e\r\n"
	if buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
}

func TestWUA10Fields(t *testing.T) {
	var buf bytes.Buffer
	clk := clock.NewVirtual(time.Date(2019, 6, 5, 11, 7, 40, 987_652_049, time.UTC), 0)
	w := wulog.New(&buf, wulog.WUA10, clk, 21136, 16428)
	w.SyncBanner("server updates", wulog.WSUSServiceID, "http://wsus.company.net:8530/ClientWebService/client.asmx")
	want := "2019/06/05 11:07:40.9876520 21136 16428 ProtocolTalker  ServiceId = {3DA21691-E39D-4DA6-8A4B-B43877BCB1B7}, Server URL = http://wsus.company.net:8530/ClientWebService/client.asmx\r\n"
	if buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
	buf.Reset()
	w = wulog.New(&buf, wulog.WUA10, clk, 4912, 11340)
	w.Line("Agent", "Search Scope = {Machine}")
	if got := buf.String(); !strings.Contains(got, " 4912  11340 Agent           Search Scope") {
		t.Errorf("padding: got %q", got)
	}
}

func TestWithLocationAndThread(t *testing.T) {
	var buf bytes.Buffer
	clk := clock.NewVirtual(time.Date(2008, 6, 14, 2, 59, 56, 617_000_000, time.UTC), 0)
	pdt := time.FixedZone("PDT", -7*3600)
	w := wulog.New(&buf, wulog.Classic, clk, 0x788, 0xee4).WithLocation(pdt)
	w.WithThread(0x1a0).ReportEvent(wulog.DetectionFailed("{7c1e9d2a-6b3f-4e8d-a1c5-2f9b0e4d7a83}", 0x8024400E))
	want := "2008-06-13\t19:59:56:617\t 788\t1a0\tReport\tREPORT EVENT: {7C1E9D2A-6B3F-4E8D-A1C5-2F9B0E4D7A83}\t" +
		"2008-06-13 19:59:56:617-0700\t1\t148\t101\t{00000000-0000-0000-0000-000000000000}\t0\t8024400e\t" +
		"AutomaticUpdates\tFailure\tSoftware Synchronization\tWindows Update Client failed to detect with error 0x8024400e.\r\n"
	if buf.String() != want {
		t.Errorf("got  %q\nwant %q", buf.String(), want)
	}
}

func TestTransportFailure(t *testing.T) {
	tests := []struct {
		hr     uint32
		detail string
		want   string
	}{
		{0x80072EFD, "Send failed with hr = 80072efd.",
			"Misc\tWARNING: Send failed with hr = 80072efd.\r\n" +
				"PT\tWARNING: SyncUpdates failure, error = 0x80072EFD, soap client error = 5, soap error code = 0, HTTP status code = 200\r\n"},
		{wulog.HTTPStatusHResult(503), "",
			"PT\tWARNING: SyncUpdates failure, error = 0x80244022, soap client error = 10, soap error code = 0, HTTP status code = 503\r\n"},
		{0x80244009, "",
			"PT\tWARNING: SyncUpdates failure, error = 0x80244009, soap client error = 9, soap error code = 0, HTTP status code = 200\r\n"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		w := wulog.New(&buf, wulog.Classic, clock.NewVirtual(clock.DefaultStart, 0), 0x788, 0xee4)
		w.TransportFailure("SyncUpdates", tt.hr, tt.detail)
		got := strings.ReplaceAll(buf.String(), "2008-06-13\t19:59:53:383\t 788\tee4\t", "")
		if got != tt.want {
			t.Errorf("0x%08X: got %q, want %q", tt.hr, got, tt.want)
		}
	}
	var buf bytes.Buffer
	w := wulog.New(&buf, wulog.WUA10, clock.NewVirtual(clock.DefaultStart, 0), 1928, 3812)
	w.TransportFailure("SyncUpdates", wulog.HTTPStatusHResult(503), "")
	for _, s := range []string{
		"WS error: The server returned HTTP status code '503 (0x1F7)' with text 'Service Unavailable'.",
		"*FAILED* [80244022] Web service call",
	} {
		if !strings.Contains(buf.String(), s) {
			t.Errorf("wua10 output lacks %q:\n%s", s, buf.String())
		}
	}
}

func TestFaultInfo(t *testing.T) {
	tests := []struct {
		flavour   wulog.Flavour
		faultCode string
		errorCode string
		wantHR    uint32
		wantSEC   int
		wantN     int
	}{
		{wulog.Classic, "soap:Server", "InternalServerError", 0x8024400E, 400, 5},
		{wulog.Classic, "s:Client", "InvalidParameters", 0x8024400D, 300, 7},
		{wulog.Classic, "Client", "InvalidCookie", 0x8024400D, 300, 1},
		{wulog.WUA10, "soap:Server", "InternalServerError", 0x80244007, 400, 5},
		{wulog.Classic, "soap:Bogus", "NoSuchCode", 0x80244007, 0, 0},
	}
	for _, tt := range tests {
		f := wulog.NewFaultInfo(tt.flavour, tt.faultCode, "Fault occurred", tt.errorCode, "", syncMethod, faultID)
		if f.HResult != tt.wantHR || f.SoapErrorCode != tt.wantSEC || f.ErrorCodeNumber != tt.wantN || f.SoapClientError != 7 {
			t.Errorf("%s %s %s: got hr=0x%08X sec=%d n=%d sce=%d", tt.flavour, tt.faultCode, tt.errorCode,
				f.HResult, f.SoapErrorCode, f.ErrorCodeNumber, f.SoapClientError)
		}
	}
}

func TestParseFlavour(t *testing.T) {
	tests := []struct {
		in      string
		want    wulog.Flavour
		wantErr bool
	}{
		// oks
		{"classic", wulog.Classic, false},
		{"wua10", wulog.WUA10, false},
		{" WUA10 ", wulog.WUA10, false},
		// fails
		{"", 0, true},
		{"wua7", 0, true},
		{"win10", 0, true},
	}
	for _, tt := range tests {
		got, err := wulog.ParseFlavour(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseFlavour(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if err != nil {
			if !errors.Is(err, wulog.ErrUnknownFlavour) || !strings.HasPrefix(err.Error(), "wulog: ") {
				t.Errorf("ParseFlavour(%q) error %q: want wrapped ErrUnknownFlavour with prefix", tt.in, err)
			}
			continue
		}
		if got != tt.want || got.String() != strings.ToLower(strings.TrimSpace(tt.in)) {
			t.Errorf("ParseFlavour(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// countingWriter records each Write call so the test can check that every
// call carries exactly one whole line.
type countingWriter struct {
	mu     sync.Mutex
	writes []string
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes = append(c.writes, string(p))
	return len(p), nil
}

func TestConcurrentBlocksDoNotInterleave(t *testing.T) {
	var cw countingWriter
	clk := clock.NewVirtual(clock.DefaultStart, time.Millisecond)
	root := wulog.New(&cw, wulog.Classic, clk, 0x788, 0xee4)
	const workers, rounds = 8, 50
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := root.WithThread(uint32(0x100 + g))
			for range rounds {
				w.SOAPFault("SyncUpdates", wulog.NewFaultInfo(wulog.Classic, "soap:Server", "Fault occurred",
					"InternalServerError", "", syncMethod, faultID), 200)
			}
		}()
	}
	wg.Wait()
	if got, want := len(cw.writes), workers*rounds*7; got != want {
		t.Fatalf("got %d writes, want %d", got, want)
	}
	for i := 0; i < len(cw.writes); i += 7 {
		first := strings.SplitN(cw.writes[i], "\t", 5)
		for j, wr := range cw.writes[i : i+7] {
			if strings.Count(wr, "\r\n") != 1 || !strings.HasSuffix(wr, "\r\n") {
				t.Fatalf("write %d is not one line: %q", i+j, wr)
			}
			f := strings.SplitN(wr, "\t", 5)
			if f[1] != first[1] || f[3] != first[3] {
				t.Fatalf("block at write %d interleaved: %q vs %q", i, cw.writes[i], wr)
			}
		}
	}
}

type failingWriter struct{ n int }

func (f *failingWriter) Write(p []byte) (int, error) {
	f.n++
	return 0, errors.New("disk full")
}

func TestWriteErrorIsKeptAndStopsWriting(t *testing.T) {
	var fw failingWriter
	w := wulog.New(&fw, wulog.Classic, clock.NewVirtual(clock.DefaultStart, 0), 1, 1)
	w.SearchStart(caller)
	w.PTError(1)
	err := w.Err()
	if err == nil || !strings.HasPrefix(err.Error(), "wulog: write: ") {
		t.Fatalf("Err() = %v, want a wulog: write: error", err)
	}
	if fw.n != 1 {
		t.Errorf("writer called %d times after failing, want 1", fw.n)
	}
}

func ExampleWriter_SOAPFault() {
	var buf bytes.Buffer
	clk := clock.NewVirtual(time.Date(2008, 6, 13, 19, 59, 56, 617_000_000, time.UTC), 0)
	w := wulog.New(&buf, wulog.Classic, clk, 0x788, 0xee4)
	w.SOAPFault("SyncUpdates", wulog.NewFaultInfo(wulog.Classic, "soap:Server", "Fault occurred",
		"InternalServerError", "", syncMethod, faultID), 200)
	fmt.Print(strings.NewReplacer("\t", " ", "\r", "").Replace(buf.String()))
	// Output:
	// 2008-06-13 19:59:56:617  788 ee4 PT WARNING: SyncUpdates failure, error = 0x8024400E, soap client error = 7, soap error code = 400, HTTP status code = 200
	// 2008-06-13 19:59:56:617  788 ee4 PT WARNING: SOAP Fault: 0x000190
	// 2008-06-13 19:59:56:617  788 ee4 PT WARNING: faultstring:Fault occurred
	// 2008-06-13 19:59:56:617  788 ee4 PT WARNING: ErrorCode:InternalServerError(5)
	// 2008-06-13 19:59:56:617  788 ee4 PT WARNING: Message:(null)
	// 2008-06-13 19:59:56:617  788 ee4 PT WARNING: Method:"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/SyncUpdates"
	// 2008-06-13 19:59:56:617  788 ee4 PT WARNING: ID:c0a7445f-b989-43fa-ac20-11f8ca65fa8c
}
