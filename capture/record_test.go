package capture

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
)

func TestRecordAroundMock(t *testing.T) {
	w, dir := recordTo(t, WriterOptions{})
	_, hs := newMock(t, mockwsus.Config{}, func(h http.Handler) http.Handler { return Record(h, w) })
	cleanFlow(t, hs.URL)
	w.Wait()
	if err := w.Err(); err != nil {
		t.Fatal(err)
	}
	exs := mustRead(t, dir)
	if len(exs) < 7 || exs[0].Name != "000001" {
		t.Fatalf("recorded %d exchanges: %s", len(exs), ops(exs))
	}
	want, _ := soap.EncodeRequest(soap.SOAP11, &clientws.GetConfig{ProtocolVersion: "1.20"})
	first := exs[0]
	if !bytes.Equal(first.Request.Body, want) {
		t.Errorf("recorded GetConfig request = %s", first.Request.Body)
	}
	if first.Request.Header.Get("Host") != strings.TrimPrefix(hs.URL, "http://") || first.Request.Header.Values("SOAPAction")[0] != `"`+clientws.ActionGetConfig+`"` {
		t.Errorf("request headers = %v", first.Request.Header)
	}
	for _, ex := range exs {
		if ex.Response.StatusCode != 200 || ex.Meta.Error != "" || ex.Meta.Time.IsZero() {
			t.Errorf("%s: status %d, meta %+v", ex.Name, ex.Response.StatusCode, ex.Meta)
		}
		if cl := ex.Response.Header.Get("Content-Length"); cl != strconv.Itoa(len(ex.Response.Body)) {
			t.Errorf("%s: Content-Length %s for %d bytes", ex.Name, cl, len(ex.Response.Body))
		}
		if ex.Response.Header.Get("Server") != "Microsoft-IIS/6.0" || ex.Response.Header.Get("X-AspNet-Version") != "2.0.50727" {
			t.Errorf("%s: response headers %v", ex.Name, ex.Response.Header)
		}
		if _, err := parseEnvelope(ex.Response.Body); err != nil {
			t.Errorf("%s: response body: %v", ex.Name, err)
		}
	}
}

// Bodies beyond the cap stream through whole; the recording keeps the
// first MaxBody bytes and says so.
func TestRecordCapsBodies(t *testing.T) {
	w, dir := recordTo(t, WriterOptions{MaxBody: 100})
	payload := bytes.Repeat([]byte("0123456789"), 1000)
	h := Record(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		in, _ := io.ReadAll(r.Body)
		rw.Header().Set("Content-Type", "application/octet-stream")
		for i := 0; i < len(payload); i += 1000 {
			rw.Write(payload[i : i+1000])
			http.NewResponseController(rw).Flush()
		}
		_ = in
	}), w)
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	res, err := hs.Client().Post(hs.URL+"/upload", "application/octet-stream", bytes.NewReader(payload[:5000]))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("the client got %d bytes (%v), want %d", len(got), err, len(payload))
	}
	w.Wait()
	ex := mustRead(t, dir)[0]
	m := ex.Meta
	if len(ex.Request.Body) != 100 || !m.RequestBodyTruncated || m.RequestBodySize != 5000 {
		t.Errorf("request body: %d bytes kept, meta %+v", len(ex.Request.Body), m)
	}
	if len(ex.Response.Body) != 100 || !m.ResponseBodyTruncated || m.ResponseBodySize != int64(len(payload)) || !bytes.Equal(ex.Response.Body, payload[:100]) {
		t.Errorf("response body: %d bytes kept, meta %+v", len(ex.Response.Body), m)
	}
}

// A recording that cannot be written changes nothing for the client and
// leaves nothing behind; Err reports it.
func TestRecordWriteFailure(t *testing.T) {
	w, dir := recordTo(t, WriterOptions{})
	w.beforeFile = func(file string) error {
		if file == FileResponseHeaders {
			return errors.New("disk full")
		}
		return nil
	}
	_, hs := newMock(t, mockwsus.Config{}, func(h http.Handler) http.Handler { return Record(h, w) })
	var cfg clientws.GetConfigResponse
	if err := newAgent(t, hs.URL).call(clientServicePath, clientws.ActionGetConfig, &clientws.GetConfig{}, &cfg); err != nil || cfg.GetConfigResult == nil {
		t.Fatalf("GetConfig through a failing recorder: %v", err)
	}
	w.Wait()
	if err := w.Err(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Err = %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("the failed recording left %d entries", len(entries))
	}
}

// The proxy passes every byte unchanged: what the client got through it is
// what the upstream sent, and that is what is recorded.
func TestProxyRecordsUnchangedBytes(t *testing.T) {
	upstreamW, upstreamDir := recordTo(t, WriterOptions{})
	_, up := newMock(t, mockwsus.Config{}, func(h http.Handler) http.Handler { return Record(h, upstreamW) })
	u, _ := url.Parse(up.URL)
	w, dir := recordTo(t, WriterOptions{})
	proxy := httptest.NewServer(NewProxy(u, w, ProxyOptions{}))
	t.Cleanup(proxy.Close)

	cleanFlow(t, proxy.URL)
	w.Wait()
	upstreamW.Wait()
	atProxy, atUpstream := mustRead(t, dir), mustRead(t, upstreamDir)
	if len(atProxy) != len(atUpstream) || len(atProxy) < 7 {
		t.Fatalf("%d exchanges at the proxy, %d upstream", len(atProxy), len(atUpstream))
	}
	for i := range atProxy {
		p, o := atProxy[i], atUpstream[i]
		if !bytes.Equal(p.Request.Body, o.Request.Body) || !bytes.Equal(p.Response.Body, o.Response.Body) || p.Response.StatusCode != o.Response.StatusCode {
			t.Errorf("%s: the proxy recorded other bytes than the upstream saw", p.Name)
		}
		for _, f := range o.Response.Header {
			if got := p.Response.Header.Get(f.Name); got != f.Value {
				t.Errorf("%s: header %s = %q through the proxy, %q upstream", p.Name, f.Name, got, f.Value)
			}
		}
		if p.Request.Header.Get("SOAPAction") != o.Request.Header.Get("SOAPAction") || p.Meta.Error != "" {
			t.Errorf("%s: request headers %v, error %q", p.Name, p.Request.Header, p.Meta.Error)
		}
	}
}

func TestProxyHTTPSUpstream(t *testing.T) {
	srv, err := mockwsus.New(mockwsus.Config{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	up := httptest.NewTLSServer(srv)
	t.Cleanup(up.Close)
	u, _ := url.Parse(up.URL)
	for _, insecure := range []bool{true, false} {
		w, dir := recordTo(t, WriterOptions{})
		proxy := httptest.NewServer(NewProxy(u, w, ProxyOptions{InsecureSkipVerify: insecure}))
		var cfg clientws.GetConfigResponse
		err := newAgent(t, proxy.URL).call(clientServicePath, clientws.ActionGetConfig, &clientws.GetConfig{}, &cfg)
		proxy.Close()
		w.Wait()
		ex := mustRead(t, dir)[0]
		if insecure {
			if err != nil || ex.Response.StatusCode != 200 {
				t.Errorf("through the proxy to a self-signed upstream: %v, status %d", err, ex.Response.StatusCode)
			}
			continue
		}
		// Without InsecureSkipVerify the certificate is refused: 502,
		// and the exchange says why.
		if ex.Response.StatusCode != http.StatusBadGateway || !strings.Contains(ex.Meta.Error, "certificate") {
			t.Errorf("verified proxy to a self-signed upstream: status %d, error %q", ex.Response.StatusCode, ex.Meta.Error)
		}
	}
}

// An upstream that dies in the middle of a body: the client sees the
// failure, and the exchange is recorded whole, with what arrived and an
// error note.
func TestProxyUpstreamClosesMidBody(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Length", "100000")
		rw.Header().Set("Content-Type", "application/octet-stream")
		rw.WriteHeader(http.StatusOK)
		rw.Write(bytes.Repeat([]byte("x"), 5000))
		http.NewResponseController(rw).Flush()
		panic(http.ErrAbortHandler) // net/http drops the connection
	}))
	t.Cleanup(up.Close)
	u, _ := url.Parse(up.URL)
	w, dir := recordTo(t, WriterOptions{})
	proxy := httptest.NewServer(NewProxy(u, w, ProxyOptions{}))
	t.Cleanup(proxy.Close)

	res, err := proxy.Client().Get(proxy.URL + "/Content/AB/file.exe")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err == nil {
		t.Fatalf("the client read %d bytes without an error", len(got))
	}
	w.Wait()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("capture holds %d entries, want the one exchange", len(entries))
	}
	ex := mustRead(t, dir)[0]
	if ex.Response.StatusCode != 200 || len(ex.Response.Body) != 5000 || ex.Response.Header.Get("Content-Length") != "100000" {
		t.Errorf("recorded status %d, %d bytes, headers %v", ex.Response.StatusCode, len(ex.Response.Body), ex.Response.Header)
	}
	if !strings.Contains(ex.Meta.Error, "upstream: reading the response body") || !strings.Contains(ex.Meta.Error, "aborted") {
		t.Errorf("meta error = %q", ex.Meta.Error)
	}

	// An upstream that is not there: 502 to the client, recorded.
	up.Close()
	res, err = proxy.Client().Get(proxy.URL + "/ClientWebService/client.asmx")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	w.Wait()
	exs := mustRead(t, dir)
	if res.StatusCode != http.StatusBadGateway || len(exs) != 2 || exs[1].Response.StatusCode != 502 || !strings.Contains(exs[1].Meta.Error, "upstream: ") {
		t.Errorf("unreachable upstream: client %d, recorded %+v", res.StatusCode, exs[len(exs)-1].Meta)
	}
}

// Redaction removes host names, addresses and cookies from every file,
// writes what it did to redactions.json without the originals, and the
// redacted capture still reads and replays.
func TestRedactionManifest(t *testing.T) {
	w, dir := recordTo(t, WriterOptions{Redact: Redaction{Hosts: true, IPs: true, Cookies: true, ExtraHosts: []string{"xp-clean.lab.local"}}})
	_, hs := newMock(t, mockwsus.Config{}, func(h http.Handler) http.Handler { return Record(h, w) })
	cleanFlowAs(t, hs.URL, "wsus.lab.local:8530")
	cleanFlow(t, hs.URL) // Host 127.0.0.1:port
	w.Wait()
	if err := w.Err(); err != nil {
		t.Fatal(err)
	}
	secrets := []string{"wsus.lab.local", "127.0.0.1", "xp-clean.lab.local"}
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, _ := os.ReadFile(path)
		for _, s := range secrets {
			if bytes.Contains(bytes.ToLower(data), []byte(s)) {
				t.Errorf("%s still holds %q", path, s)
			}
		}
		for _, m := range cookieElement.FindAllSubmatch(data, -1) {
			if strings.Trim(string(m[2]), "A=") != "" {
				t.Errorf("%s: cookie %s not zeroed: %.20s", path, m[1], m[2])
			}
		}
		return nil
	})

	exs := mustRead(t, dir) // hashes and sizes agree with the redacted files
	var sawURL, sawResize bool
	for _, ex := range exs {
		sawResize = sawResize || ex.Meta.ResponseBodySize != ex.Meta.ResponseBodyBytes
		if cl := ex.Request.Header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(ex.Request.Body)) {
			t.Errorf("%s: request Content-Length %s for %d bytes", ex.Name, cl, len(ex.Request.Body))
		}
		if cl := ex.Response.Header.Get("Content-Length"); cl != strconv.Itoa(len(ex.Response.Body)) {
			t.Errorf("%s: response Content-Length %s for %d bytes", ex.Name, cl, len(ex.Response.Body))
		}
		if ex.Meta.ResponseBodySize != ex.Meta.ResponseBodyBytes && !bytes.Contains(ex.Response.Body, []byte("redacted-")) {
			t.Errorf("%s: body size changed (%d to %d) without a redacted name in it", ex.Name, ex.Meta.ResponseBodySize, ex.Meta.ResponseBodyBytes)
		}
		if !ex.Meta.Sanitized {
			t.Errorf("%s: not marked sanitized", ex.Name)
		}
		sawURL = sawURL || bytes.Contains(ex.Response.Body, []byte("http://redacted-"))
	}
	if !sawURL || !sawResize {
		t.Errorf("no content URL with a redacted host (%t) or no body whose size changed (%t): GetExtendedUpdateInfo's URLs were not reached", sawURL, sawResize)
	}
	if exs[0].Request.Header.Get("Host") != "redacted-2.invalid:8530" {
		t.Errorf("Host = %q", exs[0].Request.Header.Get("Host"))
	}

	raw, err := os.ReadFile(filepath.Join(dir, FileRedactions))
	if err != nil {
		t.Fatal(err)
	}
	var man RedactionManifest
	if err := json.Unmarshal(raw, &man); err != nil {
		t.Fatal(err)
	}
	if len(man.Exchanges) != len(exs) || man.Totals["host"] == 0 || man.Totals["ip"] == 0 || man.Totals["cookie"] == 0 {
		t.Fatalf("manifest = %s", raw)
	}
	kinds := map[string]RedactionEntry{}
	for _, ex := range man.Exchanges {
		for _, e := range ex.Redactions {
			kinds[e.Kind+" "+e.OriginalSHA256] = e
			if e.Count < 1 || e.File == "" || e.Replacement == "" || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(e.OriginalSHA256) {
				t.Errorf("entry %+v", e)
			}
		}
	}
	if e, ok := kinds["host "+sha256Hex([]byte("wsus.lab.local"))]; !ok || e.Replacement != "redacted-2.invalid" {
		t.Errorf("no host entry for wsus.lab.local: %s", raw)
	}
	if e, ok := kinds["ip "+sha256Hex([]byte("127.0.0.1"))]; !ok || e.Replacement != "192.0.2.1" {
		t.Errorf("no ip entry for 127.0.0.1: %s", raw)
	}
	for _, s := range secrets {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("the manifest names %q", s)
		}
	}

	// Redacted cookies are no obstacle to a replay: live ones replace them.
	rep := replayOn(t, exs, mockwsus.Config{})
	if rep.Errors != 0 || rep.Same != len(exs) {
		t.Errorf("replay of the redacted capture:\n%s", rep.Text())
	}
}
