package mockwsus_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wsusmock/wsusmock/internal/clock"
	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
)

// Benchmarks of SyncUpdates at the size of the real captures' requests:
//
//	go test -run='^$' -bench=. -benchmem ./mockwsus/

// realisticSyncBody is a SyncUpdates request with the captures' ID counts
// and a cookie of the size a server issues.
func realisticSyncBody(b *testing.B, cookie *clientws.Cookie) []byte {
	installed, cached := mockwsus.RealisticSyncIDs()
	body, err := soap.EncodeRequest(soap.SOAP11, &clientws.SyncUpdates{Cookie: cookie, Parameters: &clientws.SyncUpdateParameters{
		InstalledNonLeafUpdateIDs: &clientws.ArrayOfInt{Int: installed},
		OtherCachedUpdateIDs:      &clientws.ArrayOfInt{Int: cached},
	}})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

func BenchmarkSyncUpdatesDecode(b *testing.B) {
	body := realisticSyncBody(b, &clientws.Cookie{EncryptedData: bytes.Repeat([]byte{7}, 250)})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "http://"+wireHost+clientPath, bytes.NewReader(body))
		soap.SetRequestHeaders(r.Header, soap.SOAP11, clientws.ActionSyncUpdates)
		req, err := soap.ReadRequest(r, 0)
		if err != nil {
			b.Fatal(err)
		}
		var su clientws.SyncUpdates
		if err := req.Decode(&su); err != nil {
			b.Fatal(err)
		}
		if len(su.Parameters.OtherCachedUpdateIDs.Int) != 1300 {
			b.Fatalf("decoded %d cached IDs", len(su.Parameters.OtherCachedUpdateIDs.Int))
		}
	}
}

// BenchmarkSyncUpdatesEncode writes a page of 30 updates, with the
// generated types and with the server's own answer types.
func BenchmarkSyncUpdatesEncode(b *testing.B) {
	cat, err := catalog.Default(1)
	if err != nil {
		b.Fatal(err)
	}
	dep := &clientws.Deployment{ID: 8001, Action: "Install", IsAssigned: true, LastChangeTime: "2008-06-10", AutoSelect: "0", AutoDownload: "0", SupersedenceBehavior: "0"}
	cookie := &clientws.Cookie{Expiration: clientws.NewDateTime(clock.DefaultStart), EncryptedData: bytes.Repeat([]byte{7}, 250)}
	var infos []*clientws.UpdateInfo
	for _, u := range cat.Updates() {
		if len(infos) == 30 {
			break
		}
		infos = append(infos, &clientws.UpdateInfo{ID: u.RevisionID, IsLeaf: u.IsLeaf(), Xml: u.Core(), Deployment: dep})
	}
	if len(infos) != 30 {
		b.Fatalf("the default catalog has %d updates, want at least 30", len(infos))
	}
	for _, bb := range []struct {
		name string
		resp any
	}{
		// The generated types: every fragment escaped on every answer (how
		// the server wrote answers before wire.go), by the generated
		// AppendXML since soap/xmlstream (encoding/xml before).
		{"clientws-types", &clientws.SyncUpdatesResponse{SyncUpdatesResult: &clientws.SyncInfo{
			NewUpdates:            &clientws.ArrayOfUpdateInfo{UpdateInfo: infos},
			OutOfScopeRevisionIDs: &clientws.ArrayOfInt{},
			ChangedUpdates:        &clientws.ArrayOfUpdateInfo{},
			Truncated:             true,
			NewCookie:             cookie,
		}}},
		// The server's answer types: fragments escaped once per catalog.
		{"server-types", mockwsus.SyncUpdatesAnswer(cat, 30, dep, cookie)},
	} {
		b.Run(bb.name, func(b *testing.B) {
			var buf []byte
			var err error
			b.ReportAllocs()
			for b.Loop() {
				buf, err = soap.AppendEnvelope(buf[:0], soap.SOAP11, "soap", bb.resp)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(buf)))
		})
	}
	// The server's answer types written byte by byte (wirewrite.go), as
	// the server writes them since.
	b.Run("server-bytes", func(b *testing.B) {
		resp := mockwsus.SyncUpdatesAnswer(cat, 30, dep, cookie)
		var buf []byte
		b.ReportAllocs()
		for b.Loop() {
			var ok bool
			if buf, ok = mockwsus.AppendAnswer(buf[:0], resp); !ok {
				b.Fatal("the answer is not written byte by byte")
			}
		}
		b.SetBytes(int64(len(buf)))
	})
}

// BenchmarkSyncUpdatesRoundTrip serves the realistic request through
// ServeHTTP: decode, cookie, leaf stage, encode, journal.
func BenchmarkSyncUpdatesRoundTrip(b *testing.B) {
	h := newHarness(b, mockwsus.Config{
		Clock: clock.NewVirtual(clock.DefaultStart, 0), JournalLimit: 1024,
		Behaviours: map[string]behaviour.Mode{behaviour.KB954960Name: behaviour.Fixed},
	})
	s := h.register("bench", "bench.lab.local", "")
	body := realisticSyncBody(b, s.cookie)
	header := http.Header{}
	soap.SetRequestHeaders(header, soap.SOAP11, clientws.ActionSyncUpdates)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		rec := h.serve(http.MethodPost, clientPath, header, body)
		if rec.Code != http.StatusOK {
			b.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
		}
	}
}
