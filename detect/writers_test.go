package detect_test

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/client-sim/wulog"
	"github.com/wsusmock/wsusmock/detect"
	"github.com/wsusmock/wsusmock/internal/clock"
	"github.com/wsusmock/wsusmock/mockwsus/sdlog"
)

const (
	wsusURL    = "http://wsusebc/ClientWebService/client.asmx"
	authURL    = "http://wsusebc/SimpleAuthWebService/SimpleAuth.asmx"
	syncMethod = `"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/SyncUpdates"`
	authMethod = `"http://www.microsoft.com/SoftwareDistribution/Server/SimpleAuthWebService/GetAuthorizationCookie"`
	faultID    = "c0a7445f-b989-43fa-ac20-11f8ca65fa8c"
	clientID   = "5b7b4c2e-3f1d-4a7e-9c55-0d6f2b8a1e34"
	dnsName    = "xp-office.contoso.local"
	caller     = "AutomaticUpdates"
)

// clientLog writes one detection with our WindowsUpdate.log writer: a
// healthy one first (real logs have many), then body, the event under test.
func clientLog(t *testing.T, f wulog.Flavour, body func(w *wulog.Writer)) string {
	t.Helper()
	var buf bytes.Buffer
	w := wulog.New(&buf, f, clock.NewVirtual(clock.DefaultStart, time.Millisecond), 0x788, 0xee4)
	w.LoggingInitialized("7.0.6000.381", "-0700")
	w.SearchStart(caller)
	w.SyncBanner("server updates", wulog.WSUSServiceID, wsusURL)
	w.SyncBanner("extended update info", wulog.WSUSServiceID, wsusURL)
	w.SearchSucceeded(caller, 0, 12, 40, 120)
	w.SearchStart(caller)
	w.SyncBanner("server updates", wulog.WSUSServiceID, wsusURL)
	w.CachedCookieExpired()
	w.SimpleTargetingCookie(clientID, "", dnsName, authURL)
	body(w)
	if err := w.Err(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// fault writes a SOAP fault of method and its unwinding.
func fault(method, faultCode, errorCode, message, detailMethod, id string) func(w *wulog.Writer) {
	return func(w *wulog.Writer) {
		fi := wulog.NewFaultInfo(w.Flavour(), faultCode, "Fault occurred", errorCode, message, detailMethod, id)
		w.SOAPFault(method, fi, 200)
		w.PTError(fi.HResult)
		w.SyncFailed(fi.HResult)
		w.SearchFailed(caller, fi.HResult)
		w.ReportEvent(wulog.DetectionFailed("7c1e9d2a-6b3f-4e8d-a1c5-2f9b0e4d7a83", fi.HResult))
	}
}

// transport writes a SyncUpdates transport failure with hr.
func transport(hr uint32, detail string) func(w *wulog.Writer) {
	return func(w *wulog.Writer) {
		w.TransportFailure("SyncUpdates", hr, detail)
		w.PTError(hr)
		w.SyncFailed(hr)
		w.SearchFailed(caller, hr)
	}
}

// serverLog writes SoftwareDistribution.log records with our writer.
func serverLog(t *testing.T, body func(w *sdlog.Writer)) string {
	t.Helper()
	var buf bytes.Buffer
	w := sdlog.New(&buf, clock.NewVirtual(time.Date(2008, 6, 14, 2, 59, 57, 642_000_000, time.UTC), time.Millisecond))
	w.Info(7, "ClientImplementation.GetConfig", "GetConfig from 10.0.0.17")
	body(w)
	if err := w.Err(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func kbServer(id string) func(w *sdlog.Writer) {
	return func(w *sdlog.Writer) {
		w.DuplicateKeyException(12, "8862")
		w.ThrowException(12, "http://wsusebc/ClientWebService/client.asmx", id, "InternalServerError", "", "")
	}
}

func sqlServer(id string) func(w *sdlog.Writer) {
	return func(w *sdlog.Writer) {
		w.Exception(9, sdlog.SourceSyncUpdates, "System.Data.SqlClient.SqlException", sdlog.SQLTimeoutMessage,
			sdlog.Stack(sdlog.SQLTimeoutFrames, sdlog.SyncUpdatesFrames[2:], sdlog.ASMXFrames))
		w.ThrowException(9, "http://wsusebc/ClientWebService/client.asmx", id, "InternalServerError", "", "")
	}
}

// TestOurWriters runs the detector on logs our own writers produce: the
// KB954960 blocks must be found, the look-alike blocks must not, in both
// client flavours and in every rendering.
func TestOurWriters(t *testing.T) {
	kb := fault("SyncUpdates", "soap:Server", "InternalServerError", "", syncMethod, faultID)
	probableClient := summary{verdict: "probable", incidents: 1, faultIDs: faultID, sides: "client"}
	none := summary{verdict: detect.VerdictNone}
	tests := []struct {
		name   string
		client func(w *wulog.Writer) // nil: no client log
		server func(w *sdlog.Writer) // nil: no server log
		want   summary
	}{
		{"KB954960 client", kb, nil, probableClient},
		{"KB954960 server", nil, kbServer(faultID),
			summary{verdict: "confirmed", incidents: 1, faultIDs: faultID, sides: "server"}},
		{"KB954960 client and server", kb, kbServer(faultID),
			summary{verdict: "confirmed", incidents: 1, faultIDs: faultID, sides: "client+server"}},
		{"KB954960 client and server, different faults", kb, kbServer("0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"),
			summary{verdict: "confirmed", incidents: 2, faultIDs: "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6," + faultID, sides: "server,client"}},
		{"SqlException server explains the client fault", kb, sqlServer(faultID),
			summary{verdict: detect.VerdictNone, dismissed: 1}},
		{"SqlException for another fault ID", kb, sqlServer("0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"), probableClient},
		{"server answered the fault ID with another ErrorCode", kb, func(w *sdlog.Writer) {
			w.ThrowException(5, wsusURL, faultID, "ServerBusy", "", "")
		}, summary{verdict: detect.VerdictNone, dismissed: 1}},
		// A ThrowException alone (the exception cut from the excerpt)
		// neither confirms nor refutes.
		{"server ThrowException without its exception", kb, func(w *sdlog.Writer) {
			w.ThrowException(5, wsusURL, faultID, "InternalServerError", "", "")
		}, probableClient},
		{"InvalidParameters", fault("SyncUpdates", "soap:Client", "InvalidParameters", "parameters.InstalledNonLeafUpdateIDs", syncMethod, faultID),
			func(w *sdlog.Writer) {
				w.ThrowException(4, wsusURL, faultID, "InvalidParameters", "parameters.InstalledNonLeafUpdateIDs", clientID)
			}, none},
		{"SimpleAuth InternalServerError", fault("GetAuthorizationCookie", "soap:Server", "InternalServerError", "", authMethod, faultID), nil, none},
		{"GetCookie InternalServerError", fault("GetCookie", "soap:Server", "InternalServerError", "",
			`"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/GetCookie"`, faultID), nil, none},
		{"SyncUpdates ServerBusy", fault("SyncUpdates", "soap:Server", "ServerBusy", "", syncMethod, faultID), nil, none},
		{"proxy 407", transport(wulog.HTTPStatusHResult(407), "SendRequest failed with hr = 8024401b."), nil, none},
		{"WsusPool 503", transport(wulog.HTTPStatusHResult(503), ""), nil, none},
		{"HTTP 500 without fault", transport(wulog.HTTPStatusHResult(500), ""), nil, none},
		{"cannot connect", transport(0x80072EFD, "Send failed with hr = 80072efd."), nil, none},
		{"healthy", func(w *wulog.Writer) { w.SearchSucceeded(caller, 1, 12, 40, 120) }, nil, none},
		{"ArgumentException elsewhere", nil, func(w *sdlog.Writer) {
			w.Exception(3, sdlog.SourceSyncUpdates, "System.ArgumentException", "Item has already been added. Key in dictionary: '7'  Key being added: '7'",
				sdlog.Stack(sdlog.HashtableAddFrames, sdlog.SyncUpdatesFrames[1:], sdlog.ASMXFrames))
			w.ThrowException(3, wsusURL, faultID, "InternalServerError", "", "")
		}, none},
	}
	for _, tt := range tests {
		for _, f := range []wulog.Flavour{wulog.Classic, wulog.WUA10} {
			if tt.client == nil && f == wulog.WUA10 {
				continue
			}
			text := map[string]string{}
			if tt.client != nil {
				text["WindowsUpdate.log"] = clientLog(t, f, tt.client)
			}
			if tt.server != nil {
				text["SoftwareDistribution.log"] = serverLog(t, tt.server)
			}
			for _, rendering := range []string{"as-written", "lf", "collapsed"} {
				t.Run(tt.name+"/"+f.String()+"/"+rendering, func(t *testing.T) {
					files := make(map[string]string)
					for name, s := range text {
						files[name] = renderings(s)[rendering]
					}
					r := scanFiles(t, files)
					checkDetected(t, r)
					if got := summarize(r); got != tt.want {
						t.Errorf("got %+v, want %+v", got, tt.want)
					}
				})
			}
		}
	}
}

// TestOurWritersFindingFields checks what a finding reports from our
// writers' logs: the computer from the SimpleAuth line, the server from
// the Server URL, the time of the first fault line.
func TestOurWritersFindingFields(t *testing.T) {
	for _, f := range []wulog.Flavour{wulog.Classic, wulog.WUA10} {
		t.Run(f.String(), func(t *testing.T) {
			text := clientLog(t, f, fault("SyncUpdates", "soap:Server", "InternalServerError", "", syncMethod, faultID))
			l, err := detect.ParseClientLog(bytes.NewReader([]byte(text)), "WindowsUpdate.log")
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Findings) != 1 {
				t.Fatalf("got %d findings", len(l.Findings))
			}
			got := l.Findings[0]
			wantTime := map[wulog.Flavour]string{wulog.Classic: "2008-06-13 19:59:53:392", wulog.WUA10: "2008/06/13 19:59:53.3920000"}[f]
			if got.Computer != dnsName || got.ClientID != clientID || got.Server != "wsusebc" || got.Time != wantTime ||
				got.Verdict != detect.VerdictProbable || got.FaultID != faultID {
				t.Errorf("finding %+v", got)
			}
			wantKind := map[wulog.Flavour]detect.Kind{wulog.Classic: detect.KindClassic, wulog.WUA10: detect.KindWUA10}[f]
			if l.Kind != wantKind || detect.Sniff([]byte(text)) != wantKind {
				t.Errorf("kind %s, sniffed %s, want %s", l.Kind, detect.Sniff([]byte(text)), wantKind)
			}
		})
	}
}

// TestWriterGoldenFiles scans the golden files of wulog and sdlog, the
// byte-exact output the writers are pinned to.
func TestWriterGoldenFiles(t *testing.T) {
	tests := []struct {
		path string
		want detect.Verdict
	}{
		{"../client-sim/wulog/testdata/kb954960_classic.golden", detect.VerdictProbable},
		{"../client-sim/wulog/testdata/kb954960_wua10.golden", detect.VerdictProbable},
		{"../client-sim/wulog/testdata/clean_classic.golden", detect.VerdictNone},
		{"../client-sim/wulog/testdata/clean_wua10.golden", detect.VerdictNone},
		{"../mockwsus/sdlog/testdata/kb954960.golden", detect.VerdictConfirmed},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			r, err := detect.Scan([]string{tt.path})
			if err != nil {
				t.Fatal(err)
			}
			if r.Verdict != tt.want {
				t.Errorf("verdict %s, want %s", r.Verdict, tt.want)
			}
		})
	}
	r, err := detect.Scan([]string{"../client-sim/wulog/testdata/kb954960_classic.golden", "../mockwsus/sdlog/testdata/kb954960.golden"})
	if err != nil {
		t.Fatal(err)
	}
	if got := summarize(r); got.sides != "client+server" || got.verdict != detect.VerdictConfirmed {
		t.Errorf("golden client and server did not correlate: %+v", got)
	}
}
