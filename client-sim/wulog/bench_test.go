package wulog

import (
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/internal/clock"
)

// countingWriter counts the bytes a writer produces, for MB/s figures.
type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// BenchmarkSearchWithFault writes one whole failed search, the KB954960
// block included, as the agent does per detection cycle.
func BenchmarkSearchWithFault(b *testing.B) {
	for _, f := range []Flavour{Classic, WUA10} {
		b.Run(f.String(), func(b *testing.B) {
			cw := &countingWriter{}
			w := New(cw, f, clock.NewVirtual(clock.DefaultStart, time.Millisecond), 0x314, 0xee4)
			fi := NewFaultInfo(f, "Server", "Fault occurred", "InternalServerError", "", `"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/SyncUpdates"`, "c0a7445f-b989-43fa-ac20-11f8ca65fa8c")
			b.ReportAllocs()
			for b.Loop() {
				w.SearchStart("AutomaticUpdates")
				w.SyncBanner("server updates", WSUSServiceID, "http://wsus01:8530/ClientWebService/client.asmx")
				w.SOAPFault("SyncUpdates", fi, 200)
				w.PTError(fi.HResult)
				w.SyncFailed(fi.HResult)
				w.SearchFailed("AutomaticUpdates", fi.HResult)
			}
			b.SetBytes(cw.n / int64(max(b.N, 1)))
		})
	}
}

// BenchmarkLine writes single lines.
func BenchmarkLine(b *testing.B) {
	w := New(&countingWriter{}, Classic, clock.NewVirtual(clock.DefaultStart, time.Millisecond), 0x314, 0xee4)
	b.ReportAllocs()
	for b.Loop() {
		w.Line("PT", "+++++++++++  PT: Synchronizing server updates  +++++++++++")
	}
}
