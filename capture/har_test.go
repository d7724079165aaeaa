package capture

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/mockwsus"
)

// folder -> HAR -> folder gives the same exchanges: the samples (binary
// body, no bodies, no response) and a recorded mockwsus flow.
func TestHARRoundTrip(t *testing.T) {
	w, dir := recordTo(t, WriterOptions{})
	for _, ex := range sampleExchanges() {
		if _, err := w.Write(ex); err != nil {
			t.Fatal(err)
		}
	}
	_, hs := newMock(t, mockwsus.Config{}, func(h http.Handler) http.Handler { return Record(h, w) })
	cleanFlow(t, hs.URL)
	w.Wait()
	src := mustRead(t, dir)

	var har bytes.Buffer
	if err := WriteHAR(&har, src); err != nil {
		t.Fatal(err)
	}
	// It is a HAR: the fields viewers need are there.
	var doc struct {
		Log struct {
			Version string
			Entries []struct {
				Request struct {
					URL     string
					Headers []struct{ Name, Value string }
				}
				Response struct {
					Status  int
					Content struct {
						Text     *string
						Encoding string
					}
				}
			}
		}
	}
	if err := json.Unmarshal(har.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Log.Version != "1.2" || len(doc.Log.Entries) != len(src) || doc.Log.Entries[0].Request.URL != "http://192.0.2.1:8530/ClientWebService/client.asmx" {
		t.Fatalf("HAR log = %+v", doc.Log)
	}
	if e := doc.Log.Entries[1]; e.Response.Content.Encoding != "base64" || e.Response.Content.Text == nil {
		t.Errorf("binary body not base64: %+v", e.Response.Content)
	}
	if e := doc.Log.Entries[2]; e.Response.Content.Text != nil {
		t.Errorf("a body that was not retained was exported: %+v", e.Response.Content)
	}

	out := t.TempDir()
	imported, err := ImportHAR(bytes.NewReader(har.Bytes()), out)
	if err != nil {
		t.Fatal(err)
	}
	back := mustRead(t, out)
	if !reflect.DeepEqual(back, src) || !reflect.DeepEqual(imported, src) {
		for i := range src {
			if i < len(back) && !reflect.DeepEqual(back[i], src[i]) {
				t.Errorf("exchange %s changed:\n got %#v\nwant %#v", src[i].Name, back[i], src[i])
			}
		}
		t.Fatalf("round trip: %d exchanges back, %d sent", len(back), len(src))
	}
}

const harHead = `{"log":{"version":"1.2","creator":{"name":"test","version":"1"},"entries":[`

const harGet = `{"startedDateTime":"2026-10-04T15:20:45Z","time":3,
 "request":{"method":"GET","url":"http://wsus:8530/Content/AB/2F88DF42DA48AA980FB748D13BAA2DE49CD154AB.exe","httpVersion":"HTTP/1.1","headers":[{"name":"Range","value":"bytes=0-9"}],"cookies":[],"queryString":[],"headersSize":-1,"bodySize":0},
 "response":{"status":206,"statusText":"Partial Content","httpVersion":"HTTP/1.1","headers":[{"name":"Content-Length","value":"10"}],"cookies":[],"content":{"size":10,"mimeType":"application/octet-stream"},"redirectURL":"","headersSize":-1,"bodySize":10},
 "cache":{},"timings":{"send":0,"wait":3,"receive":0}}`

const harPostNoBody = `{"startedDateTime":"2026-10-04T15:20:46Z","time":3,
 "request":{"method":"POST","url":"http://wsus:8530/ClientWebService/client.asmx","httpVersion":"HTTP/1.1","headers":[{"name":"SOAPAction","value":"\"x/SyncUpdates\""}],"cookies":[],"queryString":[],"headersSize":-1,"bodySize":2819},
 "response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","headers":[],"cookies":[],"content":{"size":406,"mimeType":"text/xml"},"redirectURL":"","headersSize":-1,"bodySize":406},
 "cache":{},"timings":{"send":0,"wait":3,"receive":0}}`

func TestImportHARWithoutBodies(t *testing.T) {
	_, err := ImportHAR(strings.NewReader(harHead+harGet+","+harPostNoBody+"]}}"), t.TempDir())
	if err == nil {
		t.Fatal("a HAR without the POST's bodies was imported")
	}
	for _, want := range []string{"capture: har entry 1", "POST", "request body is missing"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	// With a request body but no response body, the response is named.
	withReq := strings.Replace(harPostNoBody, `"bodySize":2819}`, `"bodySize":4,"postData":{"mimeType":"text/xml","text":"PHgvPg==","encoding":"base64"}}`, 1)
	_, err = ImportHAR(strings.NewReader(harHead+withReq+"]}}"), t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "har entry 0") || !strings.Contains(err.Error(), "response body is missing") {
		t.Errorf("error = %v", err)
	}

	// A GET without its response body is kept, as not retained.
	dir := t.TempDir()
	exs, err := ImportHAR(strings.NewReader(harHead+harGet+"]}}"), dir)
	if err != nil {
		t.Fatal(err)
	}
	back := mustRead(t, dir)
	if len(back) != 1 || back[0].Meta.Bodies == "" || back[0].Response.Body != nil || back[0].Request.Header.Get("Host") != "wsus:8530" || !reflect.DeepEqual(back, exs) {
		t.Fatalf("imported GET = %+v", back)
	}
}

// Base64 bodies are decoded; a decoded body loses its Content-Encoding,
// which meta.json keeps, as the real captures do.
func TestImportHARDecodesBodies(t *testing.T) {
	entry := strings.Replace(harPostNoBody, `"bodySize":2819}`, `"bodySize":4,"postData":{"mimeType":"text/xml","text":"PHgvPg==","encoding":"base64"}}`, 1)
	entry = strings.Replace(entry, `"headers":[],"cookies":[],"content":{"size":406,"mimeType":"text/xml"}`,
		`"headers":[{"name":"Content-Encoding","value":"gzip"},{"name":"Content-Length","value":"120"}],"cookies":[],"content":{"size":4,"mimeType":"text/xml","text":"<y/>"}`, 1)
	entry = strings.Replace(entry, `"bodySize":406}`, `"bodySize":120}`, 1)
	dir := t.TempDir()
	if _, err := ImportHAR(strings.NewReader(harHead+entry+"]}}"), dir); err != nil {
		t.Fatal(err)
	}
	ex := mustRead(t, dir)[0]
	if string(ex.Request.Body) != "<x/>" || string(ex.Response.Body) != "<y/>" {
		t.Errorf("bodies = %q, %q", ex.Request.Body, ex.Response.Body)
	}
	if ex.Response.Header.Has("Content-Encoding") || ex.Response.Header.Get("Content-Length") != "4" {
		t.Errorf("response headers = %v", ex.Response.Header)
	}
	if string(ex.Meta.Extra["wire_response_content_encoding"]) != `"Content-Encoding: gzip"` || string(ex.Meta.Extra["wire_response_content_length"]) != "120" {
		t.Errorf("meta extra = %s", ex.Meta.Extra)
	}
}

// A HAR whose lines a headers file cannot hold is refused with the entry
// named, not imported into a folder that then fails to read.
func TestImportHARRefusesUnstorableHeads(t *testing.T) {
	for _, tt := range []struct{ name, from, to, want string }{
		{"httpVersion", `"httpVersion":"HTTP/1.1","headers":[{"name":"Range"`, `"httpVersion":"HT\u00ff/1.1","headers":[{"name":"Range"`, "request line or headers"},
		{"header name", `{"name":"Range","value":"bytes=0-9"}`, `{"name":"Ran ge","value":"bytes=0-9"}`, "request line or headers"},
		{"header value", `{"name":"Range","value":"bytes=0-9"}`, `{"name":"Range","value":"bytes=0\r\nX: 9"}`, "request line or headers"},
		{"status text", `"statusText":"Partial Content"`, `"statusText":"Partial\nContent"`, "status line or headers"},
	} {
		har := strings.Replace(harHead+harGet+"]}}", tt.from, tt.to, 1)
		if har == harHead+harGet+"]}}" {
			t.Fatalf("%s: the sample HAR lacks %s", tt.name, tt.from)
		}
		dir := filepath.Join(t.TempDir(), "imported")
		_, err := ImportHAR(strings.NewReader(har), dir)
		if err == nil || !strings.Contains(err.Error(), "har entry 0") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error naming entry 0 and the %s", tt.name, err, tt.want)
		}
		if _, err := os.Stat(dir); err == nil {
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Errorf("%s: a refused HAR left %d folders", tt.name, len(entries))
			}
		}
	}
}
