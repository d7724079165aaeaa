package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/internal/shared"
	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/soap/simpleauth"
)

// BenchmarkCaptureSyncUpdates sends the real SyncUpdates requests of the
// captures (a Windows 11 agent's, re-threaded with a live cookie of the
// server) to mockwsus, and the same load to a handler that only writes
// mockwsus's answer to that request (same headers, same bytes, same
// listener): the ceiling of the HTTP stack on this machine. Both run in
// one invocation with the same client; compare their requests/s:
//
//	go test -run '^$' -bench CaptureSyncUpdates -count 3 ./bench/
//
// 32 requests in flight (SetParallelism(16) on 2 CPUs), as the issue's
// measurement.
func BenchmarkCaptureSyncUpdates(b *testing.B) {
	flow := shared.FlowDir(b)
	dirs, err := filepath.Glob(filepath.Join(flow, "*"))
	if err != nil {
		b.Fatal(err)
	}
	type capture struct {
		name string
		body []byte
	}
	var caps []capture
	for _, dir := range dirs {
		meta, err := os.ReadFile(filepath.Join(dir, "meta.json"))
		if err != nil || !bytes.Contains(meta, []byte("/ClientWebService/SyncUpdates")) {
			continue
		}
		body, err := os.ReadFile(filepath.Join(dir, "request.body"))
		if err != nil {
			b.Fatal(err)
		}
		caps = append(caps, capture{filepath.Base(dir), body})
	}
	if len(caps) == 0 {
		b.Fatalf("no SyncUpdates request in %s", flow)
	}
	srv, err := mockwsus.New(mockwsus.Config{Catalog: catalog.Default, JournalLimit: 1000, Logf: func(string, ...any) {}})
	if err != nil {
		b.Fatal(err)
	}
	live, err := srv.Listen(mockwsus.ListenOptions{Addr: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	defer shutdown(live)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}
	cookie := liveCookie(b, client, live.URL)
	for _, c := range caps {
		body := rethread(b, c.body, cookie)
		// The answer mockwsus gives to this request, served as it is.
		status, header, answer := post(b, client, live.URL, body)
		if status != http.StatusOK || !bytes.Contains(answer, []byte("<SyncUpdatesResult>")) {
			b.Fatalf("capture %s: HTTP %d:\n%.500s", c.name, status, answer)
		}
		static, err := mockwsus.ListenHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			for k, v := range header {
				w.Header()[k] = v
			}
			w.WriteHeader(http.StatusOK)
			w.Write(answer)
		}), nil, mockwsus.ListenOptions{Addr: "127.0.0.1:0"})
		if err != nil {
			b.Fatal(err)
		}
		for _, target := range []struct{ name, url string }{{"mockwsus", live.URL}, {"static", static.URL}} {
			b.Run(fmt.Sprintf("%s-%dB/%s", c.name, len(body), target.name), func(b *testing.B) {
				b.SetParallelism(16)
				b.SetBytes(int64(len(body) + len(answer)))
				b.ReportAllocs()
				start := time.Now()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if st, _, _ := post(b, client, target.url, body); st != http.StatusOK {
							b.Errorf("HTTP %d", st)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "requests/s")
			})
		}
		shutdown(static)
	}
}

func shutdown(l *mockwsus.Listener) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l.Shutdown(ctx)
}

func post(tb testing.TB, client *http.Client, base string, body []byte) (int, http.Header, []byte) {
	req, err := http.NewRequest(http.MethodPost, base+"/ClientWebService/client.asmx", bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	soap.SetRequestHeaders(req.Header, soap.SOAP11, clientws.ActionSyncUpdates)
	return do(tb, client, req)
}

func do(tb testing.TB, client *http.Client, req *http.Request) (int, http.Header, []byte) {
	resp, err := client.Do(req)
	if err != nil {
		tb.Error(err)
		return 0, nil, nil
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Error(err)
	}
	return resp.StatusCode, resp.Header, data
}

// call makes one SOAP call and decodes its answer into out.
func call(tb testing.TB, client *http.Client, url, action string, in, out any) {
	body, err := soap.EncodeRequest(soap.SOAP11, in)
	if err != nil {
		tb.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	soap.SetRequestHeaders(req.Header, soap.SOAP11, action)
	status, _, data := do(tb, client, req)
	if err := soap.ParseResponse(data, out); err != nil || status != http.StatusOK {
		tb.Fatalf("%s: HTTP %d: %v", action, status, err)
	}
}

// liveCookie registers a computer and returns its sync cookie.
func liveCookie(tb testing.TB, client *http.Client, base string) *clientws.Cookie {
	var auth simpleauth.GetAuthorizationCookieResponse
	call(tb, client, base+"/SimpleAuthWebService/SimpleAuth.asmx", simpleauth.ActionGetAuthorizationCookie,
		&simpleauth.GetAuthorizationCookie{ClientId: "5a8f0c2e-bench-capture", DnsName: "capture.lab.local"}, &auth)
	var ck clientws.GetCookieResponse
	call(tb, client, base+"/ClientWebService/client.asmx", clientws.ActionGetCookie, &clientws.GetCookie{
		AuthCookies: &clientws.ArrayOfAuthorizationCookie{AuthorizationCookie: []*clientws.AuthorizationCookie{{
			PlugInId: auth.GetAuthorizationCookieResult.PlugInId, CookieData: auth.GetAuthorizationCookieResult.CookieData,
		}}},
		ProtocolVersion: "2.0",
	}, &ck)
	var reg clientws.RegisterComputerResponse
	call(tb, client, base+"/ClientWebService/client.asmx", clientws.ActionRegisterComputer, &clientws.RegisterComputer{
		Cookie:       ck.GetCookieResult,
		ComputerInfo: &clientws.ComputerInfo{DnsName: "capture.lab.local", OSMajorVersion: 10, OSBuildNumber: 26100},
	}, &reg)
	return ck.GetCookieResult
}

var cookieElement = regexp.MustCompile(`(?s)<cookie>.*?</cookie>`)

// rethread puts the live cookie in place of the captured one.
func rethread(tb testing.TB, body []byte, c *clientws.Cookie) []byte {
	if !cookieElement.Match(body) {
		tb.Fatalf("captured request has no cookie element:\n%.300s", body)
	}
	data, err := c.EncryptedData.MarshalText()
	if err != nil {
		tb.Fatal(err)
	}
	exp, err := c.Expiration.MarshalText()
	if err != nil {
		tb.Fatal(err)
	}
	repl := "<cookie><Expiration>" + string(exp) + "</Expiration><EncryptedData>" + string(data) + "</EncryptedData></cookie>"
	return cookieElement.ReplaceAll(body, []byte(strings.ReplaceAll(repl, "$", "$$")))
}
