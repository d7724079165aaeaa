package capture

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Header files and meta.json come from disk, written by this package, by the
// Python tool of the real captures, or by hand; Read must refuse what it
// cannot use with an error naming the file, never panic, and what it accepts
// must survive a write and a second read unchanged (a capture read and
// written again is the same capture). Seeds from the real captures' layout;
// further seeds in testdata/fuzz/<target> run as ordinary tests.

const (
	seedRequestHead  = "GET /Content/AB/2F88DF42DA48AA980FB748D13BAA2DE49CD154AB.exe HTTP/1.1\r\nConnection: Keep-Alive\r\nRange: bytes=102760448-103809023\r\nMS-CV: e8u3dmxOhkGW0Ilt.2.0\r\nHost: 192.0.2.1:8530\r\n\r\n"
	seedResponseHead = "HTTP/1.1 206 Partial Content\r\nContent-Type: application/octet-stream\r\nETag: \"809ce85db53add1:0\"\r\nContent-Length: 1048576\r\n\r\n"
	seedMeta         = `{"frame_request": 3619, "method": "GET", "path": "/Content/AB/x.exe", "sanitized": true, "status": 206, "bodies": "not retained", "duration_ms": 12.5, "time": "2026-10-04T15:55:43.123Z", "nested": {"a": [1, 2]}}`
)

// FuzzParseHeads parses the input both as a request.headers and as a
// response.headers file.
func FuzzParseHeads(f *testing.F) {
	f.Add([]byte(seedRequestHead))
	f.Add([]byte(seedResponseHead))
	f.Add([]byte("POST /ClientWebService/client.asmx HTTP/1.1\nSOAPAction: \"x\"\n folded\n\n"))
	f.Add([]byte("GET / HTTP/1.0\r\n\r\n\r\nextra"))
	f.Add([]byte("HTTP/1.1 500\r\nContent-Type: text/xml\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 99 x\r\n\r\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		if r, err := parseRequestHead(data); err == nil {
			again, err := parseRequestHead(formatRequestHead(&r))
			if err != nil {
				t.Fatalf("a parsed request head does not parse once formatted: %v\n%q", err, formatRequestHead(&r))
			}
			if !reflect.DeepEqual(r, again) {
				t.Fatalf("round trip changed the request head:\n%#v\n%#v", r, again)
			}
			_ = r.Path()
			_ = r.SOAPAction()
		}
		if r, err := parseResponseHead(data); err == nil {
			if r.StatusCode < 100 || r.StatusCode > 999 {
				t.Fatalf("status %d accepted", r.StatusCode)
			}
			again, err := parseResponseHead(formatResponseHead(&r))
			if err != nil {
				t.Fatalf("a parsed response head does not parse once formatted: %v\n%q", err, formatResponseHead(&r))
			}
			if !reflect.DeepEqual(r, again) {
				t.Fatalf("round trip changed the response head:\n%#v\n%#v", r, again)
			}
		}
	})
}

func FuzzMetaJSON(f *testing.F) {
	f.Add([]byte(seedMeta))
	f.Add([]byte(`{"status": "200"}`))
	f.Add([]byte(`{"duration_ms": 1e300, "time": "x"}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Meta
		if err := m.UnmarshalJSON(data); err != nil {
			return
		}
		out, err := m.MarshalJSON()
		if err != nil {
			// Only a value JSON cannot carry may fail, e.g. a duration
			// out of range; anything else is a bug.
			if !strings.Contains(err.Error(), "unsupported value") {
				t.Fatalf("accepted meta.json does not encode: %v", err)
			}
			return
		}
		var again Meta
		if err := again.UnmarshalJSON(out); err != nil {
			t.Fatalf("encoded meta.json does not decode: %v\n%s", err, out)
		}
		out2, err := again.MarshalJSON()
		if err != nil || string(out2) != string(out) {
			t.Fatalf("meta.json not stable after one round trip (%v):\n%s\n%s", err, out, out2)
		}
	})
}

// FuzzReadExchange writes the four files of an exchange folder and reads it:
// an error must name the folder, and an exchange read must be written and
// read back to the same messages.
func FuzzReadExchange(f *testing.F) {
	f.Add([]byte(seedMeta), []byte(seedRequestHead), []byte(seedResponseHead), []byte(nil))
	f.Add([]byte(`{"method":"POST","path":"/","status":200,"error":""}`), []byte("POST / HTTP/1.1\r\n\r\n"), []byte("HTTP/1.1 200 OK\r\n\r\n"), []byte("body"))
	f.Add([]byte(`{"error":"reset","status":0}`), []byte("GET / HTTP/1.1\r\n\r\n"), []byte(nil), []byte(nil))
	f.Fuzz(func(t *testing.T, meta, reqHead, respHead, body []byte) {
		dir := t.TempDir()
		folder := filepath.Join(dir, "000001")
		if err := os.Mkdir(folder, 0o755); err != nil {
			t.Fatal(err)
		}
		write := func(name string, data []byte) {
			if data == nil {
				return
			}
			if err := os.WriteFile(filepath.Join(folder, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write(FileMeta, meta)
		write(FileRequestHeaders, reqHead)
		write(FileResponseHeaders, respHead)
		write(FileRequestBody, body)
		ex, err := readExchange(folder)
		if err != nil {
			if !strings.Contains(err.Error(), folder) {
				t.Fatalf("error %q does not name the folder", err)
			}
			return
		}
		w, err := NewWriter(filepath.Join(dir, "again"), WriterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		written, err := w.Write(ex)
		if err != nil {
			return // e.g. a duration JSON cannot carry
		}
		back, err := readExchange(filepath.Join(dir, "again", written.Name))
		if err != nil {
			t.Fatalf("an exchange written from one read does not read back: %v", err)
		}
		if !reflect.DeepEqual(back.Request, written.Request) || !reflect.DeepEqual(back.Response, written.Response) {
			t.Fatalf("read back differs:\n%#v\n%#v", back, written)
		}
	})
}

// FuzzImportHAR imports a HAR file from anywhere (a browser, Fiddler, a
// colleague): it must be refused with an error or imported so that the
// folder reads back to exactly what ImportHAR returned, and nothing may be
// written outside the destination, whatever the entries' exchange names say.
func FuzzImportHAR(f *testing.F) {
	var har bytes.Buffer
	if err := WriteHAR(&har, sampleExchanges()); err != nil {
		f.Fatal(err)
	}
	f.Add(har.Bytes())
	f.Add([]byte(harHead + harGet + "]}}"))
	f.Add([]byte(`{"log":{"entries":[{"_exchange":"../up","request":{"method":"GET","url":"http://h/"},"response":{"status":200,"content":{"text":""}}}]}}`))
	f.Add([]byte(`{"log":{"entries":[{"request":{"method":"POST","url":"http://h/x","postData":{"text":"AA==","encoding":"base64"}},"response":{"status":0},"_meta":{"error":"reset"}}]}}`))
	f.Add([]byte(`{"log":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		dir := filepath.Join(root, "imported")
		out, err := ImportHAR(bytes.NewReader(data), dir)
		if entries, rerr := os.ReadDir(root); rerr != nil || len(entries) > 1 || (len(entries) == 1 && entries[0].Name() != "imported") {
			t.Fatalf("import wrote outside its folder: %v %v", entries, rerr)
		}
		if err != nil {
			return
		}
		back, err := Read(dir)
		if err != nil {
			t.Fatalf("an imported HAR does not read back: %v", err)
		}
		if len(back) != len(out) {
			t.Fatalf("imported %d exchanges, read back %d", len(out), len(back))
		}
		byName := map[string]Exchange{}
		for _, ex := range back {
			byName[ex.Name] = ex
		}
		for _, ex := range out {
			got, ok := byName[ex.Name]
			if !ok || !reflect.DeepEqual(got.Request, ex.Request) || !reflect.DeepEqual(got.Response, ex.Response) {
				t.Fatalf("exchange %s read back differs:\n%#v\n%#v", ex.Name, got, ex)
			}
		}
	})
}
