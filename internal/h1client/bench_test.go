package h1client

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkRoundTrip sends a SyncUpdates-sized request (28 KB) and reads a
// 30 KB answer over loopback keep-alive connections, 32 in flight, with
// net/http's Transport (compression off, as client-sim's) and with this
// package's, against the same net/http server: the per-request cost of the
// client side that issue 17's load measures (the server's share is the
// same in both):
//
//	go test -run '^$' -bench RoundTrip -benchmem ./internal/h1client/
func BenchmarkRoundTrip(b *testing.B) {
	answer := bytes.Repeat([]byte("<UpdateInfo>x</UpdateInfo>"), 30<<10/26)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.Write(answer)
	}))
	defer srv.Close()
	body := bytes.Repeat([]byte("<int>123456</int>"), 28<<10/17)
	for _, tc := range []struct {
		name string
		rt   http.RoundTripper
	}{
		{"net-http", &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}},
		{"h1client", &Transport{MaxIdlePerHost: 64}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			client := &http.Client{Transport: tc.rt}
			b.SetParallelism(16)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, err := http.NewRequest(http.MethodPost, srv.URL+"/ClientWebService/client.asmx", bytes.NewReader(body))
					if err != nil {
						b.Error(err)
						return
					}
					req.Header.Set("Content-Type", "text/xml; charset=utf-8")
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					n, err := io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err != nil || n != int64(len(answer)) {
						b.Errorf("read %d bytes of %d: %v", n, len(answer), err)
						return
					}
				}
			})
			tc.rt.(interface{ CloseIdleConnections() }).CloseIdleConnections()
		})
	}
}
