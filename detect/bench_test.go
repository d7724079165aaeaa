package detect_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/client-sim/wulog"
	"github.com/wsusmock/wsusmock/detect"
	"github.com/wsusmock/wsusmock/internal/clock"
)

// largeLog writes a classic WindowsUpdate.log of about size bytes: healthy
// detection cycles from our writer, with one KB954960 fault in the middle,
// as a machine that has been failing since one day of a long log.
func largeLog(b *testing.B, size int) string {
	b.Helper()
	var cycle, faultBlock bytes.Buffer
	clk := clock.NewVirtual(clock.DefaultStart, time.Millisecond)
	w := wulog.New(&cycle, wulog.Classic, clk, 0x3d8, 0xb7c)
	w.SearchStart(caller)
	w.SyncBanner("server updates", wulog.WSUSServiceID, wsusURL)
	w.CachedCookieExpired()
	w.SimpleTargetingCookie(clientID, "", dnsName, authURL)
	w.SyncBanner("extended update info", wulog.WSUSServiceID, wsusURL)
	w.AddedUpdate("{a5f5c4b0-3d3b-4f2e-9e1a-8c6d2f0b7e11}", 103)
	w.SearchSucceeded(caller, 1, 57, 611, 1102)
	w.ReportEvent(wulog.DetectionSucceeded("0f3b6a2c-1e4d-4c8a-b7e9-5a2d3c4b1f60", 1))
	fw := wulog.New(&faultBlock, wulog.Classic, clk, 0x3d8, 0xb7c)
	fault("SyncUpdates", "soap:Server", "InternalServerError", "", syncMethod, faultID)(fw)

	var out bytes.Buffer
	out.Grow(size + faultBlock.Len() + cycle.Len())
	for out.Len() < size/2 {
		out.Write(cycle.Bytes())
	}
	out.Write(faultBlock.Bytes())
	for out.Len() < size {
		out.Write(cycle.Bytes())
	}
	path := filepath.Join(b.TempDir(), "WindowsUpdate.log")
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkScanLargeLog scans a ~50 MB classic log; the MB/s column is the
// detector's throughput.
func BenchmarkScanLargeLog(b *testing.B) {
	path := largeLog(b, 50<<20)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ResetTimer()
	for b.Loop() {
		r, err := detect.Scan([]string{path})
		if err != nil {
			b.Fatal(err)
		}
		if !r.Detected || len(r.Findings) != 1 || r.Findings[0].Verdict != detect.VerdictProbable {
			b.Fatalf("fault not found: %+v", r.Findings)
		}
	}
}
