package capture

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/internal/shared"
)

// sampleExchanges covers the shapes a capture holds: a SOAP exchange with
// fields of the real captures' meta.json, a binary GET, a content GET
// without bodies, and an exchange that got no response.
func sampleExchanges() []Exchange {
	soapBody := []byte(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetConfig xmlns="http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService"><protocolVersion>1.20</protocolVersion></GetConfig></s:Body></s:Envelope>`)
	return []Exchange{
		{
			Request: Request{Method: "POST", Target: "/ClientWebService/client.asmx", Proto: "HTTP/1.1", Header: Header{
				{"Cache-Control", "no-cache"}, {"Content-Type", "text/xml; charset=utf-8"},
				{"SOAPAction", `"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/GetConfig"`},
				{"Content-Length", fmt.Sprint(len(soapBody))}, {"Host", "192.0.2.1:8530"},
			}, Body: soapBody},
			Response: Response{Proto: "HTTP/1.1", StatusCode: 200, Reason: "OK", Header: Header{
				{"Content-Type", "text/xml; charset=utf-8"}, {"X-AspNet-Version", "4.0.30319"}, {"Content-Length", "5"},
			}, Body: []byte("<a/>\n")},
			Meta: Meta{
				Time: time.Date(2026, 10, 4, 15, 20, 45, 123456789, time.UTC), Duration: 1234567 * time.Nanosecond, Scheme: "http",
				Extra: map[string]json.RawMessage{"frame_request": json.RawMessage(`7`), "wire_response_content_encoding": json.RawMessage(`"Content-Encoding: xpress"`)},
			},
		},
		{
			Request:  Request{Method: "GET", Target: "/selfupdate/wuident.cab?0812031213", Proto: "HTTP/1.1", Header: Header{{"Host", "wsus"}}},
			Response: Response{Proto: "HTTP/1.1", StatusCode: 200, Reason: "OK", Header: Header{{"Content-Type", "application/vnd.ms-cab-compressed"}}, Body: []byte{'M', 'S', 'C', 'F', 0, 0xff, 0xfe, 0x80}},
		},
		{
			Request: Request{Method: "GET", Target: "/Content/AB/2F88DF42DA48AA980FB748D13BAA2DE49CD154AB.exe", Proto: "HTTP/1.1", Header: Header{{"Range", "bytes=0-1048575"}, {"Host", "192.0.2.1:8530"}}},
			Response: Response{Proto: "HTTP/1.1", StatusCode: 206, Reason: "Partial Content", Header: Header{
				{"Content-Length", "1048576"}, {"Content-Range", "bytes 0-1048575/204745168"},
			}},
			Meta: Meta{Bodies: "not retained (request body empty; 206 response body omitted)"},
		},
		{
			Request: Request{Method: "POST", Target: "/ReportingWebService/ReportingWebService.asmx", Proto: "HTTP/1.1", Header: Header{{"Host", "wsus"}}, Body: []byte("<x/>")},
			Meta:    Meta{Error: "upstream: dial tcp: connection refused"},
		},
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	w, dir := recordTo(t, WriterOptions{})
	var written []Exchange
	for _, ex := range sampleExchanges() {
		got, err := w.Write(ex)
		if err != nil {
			t.Fatal(err)
		}
		written = append(written, got)
	}
	back := mustRead(t, dir)
	if !reflect.DeepEqual(back, written) {
		for i := range back {
			if !reflect.DeepEqual(back[i], written[i]) {
				t.Errorf("exchange %d read back as\n%#v\nwritten as\n%#v", i, back[i], written[i])
			}
		}
		t.FailNow()
	}
	if back[0].Meta.SOAPAction != `"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/GetConfig"` || back[0].Meta.Path != "/ClientWebService/client.asmx" || back[0].Meta.Status != 200 {
		t.Errorf("derived meta = %+v", back[0].Meta)
	}
	if back[0].Meta.RequestBodySHA256 != sha256Hex(written[0].Request.Body) {
		t.Error("request body hash not recorded")
	}
	head, _ := os.ReadFile(filepath.Join(dir, "000001", FileRequestHeaders))
	if !strings.HasPrefix(string(head), "POST /ClientWebService/client.asmx HTTP/1.1\r\nCache-Control: no-cache\r\n") || !strings.HasSuffix(string(head), "Host: 192.0.2.1:8530\r\n\r\n") {
		t.Errorf("request.headers =\n%q", head)
	}
	for _, f := range []string{FileRequestBody, FileResponseBody} {
		if _, err := os.Stat(filepath.Join(dir, "000003", f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("000003/%s exists for an exchange whose bodies were not retained", f)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "000004", FileResponseHeaders)); !errors.Is(err, os.ErrNotExist) {
		t.Error("000004 has response.headers although it got no response")
	}
}

func TestWriterNumbersConcurrentWritesUniquely(t *testing.T) {
	w, dir := recordTo(t, WriterOptions{})
	const n = 40
	ex := sampleExchanges()[1]
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := w.Write(ex); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	back := mustRead(t, dir)
	if len(back) != n {
		t.Fatalf("%d exchanges read, want %d", len(back), n)
	}
	for i, ex := range back {
		if want := fmt.Sprintf("%06d", i+1); ex.Name != want {
			t.Fatalf("exchange %d is %s, want %s", i, ex.Name, want)
		}
	}
	// A new Writer on the same directory continues the numbering.
	w2, err := NewWriter(dir, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := w2.Write(ex)
	if err != nil || got.Name != fmt.Sprintf("%06d", n+1) {
		t.Fatalf("appended exchange = %q, %v", got.Name, err)
	}
}

// A failure in the middle of an exchange (here while writing the response
// body) leaves neither the exchange nor its temporary folder.
func TestWriterErrorMidExchangeLeavesNoFolder(t *testing.T) {
	w, dir := recordTo(t, WriterOptions{})
	w.beforeFile = func(file string) error {
		if file == FileResponseBody {
			return errors.New("disk full")
		}
		return nil
	}
	_, err := w.Write(sampleExchanges()[0])
	if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.HasPrefix(err.Error(), "capture: ") {
		t.Fatalf("Write = %v, want the disk error", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("the failed exchange left %v", names)
	}
	w.beforeFile = nil
	if _, err := w.Write(sampleExchanges()[0]); err != nil {
		t.Fatal(err)
	}
	if back := mustRead(t, dir); len(back) != 1 {
		t.Fatalf("%d exchanges after the retry", len(back))
	}
}

func TestReadErrorsNameFolderAndFile(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		damage func(path string) error
		want   string
	}{
		{"missing meta", FileMeta, os.Remove, "missing"},
		{"malformed meta", FileMeta, func(p string) error { return os.WriteFile(p, []byte(`{"status": "two hundred"}`), 0o644) }, "malformed"},
		{"meta not an object", FileMeta, func(p string) error { return os.WriteFile(p, []byte(`[1]`), 0o644) }, "malformed"},
		{"missing request headers", FileRequestHeaders, os.Remove, "missing"},
		{"malformed request line", FileRequestHeaders, func(p string) error { return os.WriteFile(p, []byte("POST\r\n\r\n"), 0o644) }, "line 1"},
		{"malformed header line", FileRequestHeaders, func(p string) error {
			return os.WriteFile(p, []byte("POST / HTTP/1.1\r\nHost example\r\n\r\n"), 0o644)
		}, "line 2"},
		{"malformed status line", FileResponseHeaders, func(p string) error { return os.WriteFile(p, []byte("HTTP/1.1 OK\r\n\r\n"), 0o644) }, "not a status line"},
		{"missing response headers", FileResponseHeaders, os.Remove, "missing"},
		{"missing response body", FileResponseBody, os.Remove, "missing"},
		{"tampered body", FileRequestBody, func(p string) error { return os.WriteFile(p, []byte("<tampered/>"), 0o644) }, "sha256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, dir := recordTo(t, WriterOptions{})
			for _, ex := range sampleExchanges()[:2] {
				if _, err := w.Write(ex); err != nil {
					t.Fatal(err)
				}
			}
			if err := tt.damage(filepath.Join(dir, "000001", tt.file)); err != nil {
				t.Fatal(err)
			}
			_, err := Read(dir)
			if err == nil {
				t.Fatal("Read accepted a damaged exchange")
			}
			msg := err.Error()
			for _, want := range []string{"capture: ", filepath.Join("000001", tt.file), tt.want} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
		})
	}
	t.Run("not an exchange folder", func(t *testing.T) {
		dir := t.TempDir()
		os.Mkdir(filepath.Join(dir, "notes"), 0o755)
		_, err := Read(dir)
		if err == nil || !strings.Contains(err.Error(), filepath.Join("notes", FileMeta)) {
			t.Errorf("Read = %v", err)
		}
	})
}

// realDir is the real captures' directory sub ("flow", "content-headers").
func realDir(t *testing.T, sub string) string {
	t.Helper()
	return shared.Captures(t, sub)
}

// The real captures are first-class input: they read as they are, and
// written again (through a HAR and back) every file comes out byte for
// byte, except that a meta.json whose keys are not sorted (content-headers
// gained "bodies" at the end) comes back sorted.
func TestRealCapturesReadAndRewriteUnchanged(t *testing.T) {
	for _, sub := range []string{"flow", "content-headers"} {
		t.Run(sub, func(t *testing.T) {
			src := realDir(t, sub)
			exs := mustRead(t, src)
			switch sub {
			case "flow":
				var names []string
				for _, e := range exs {
					names = append(names, e.Name)
				}
				if got := strings.Join(names, " "); got != "000001 000003 000012 000013 000014 000015 000016 000017 000018" {
					t.Fatalf("exchanges = %s", got)
				}
				if got := ops(exs); got != "SyncUpdates,SyncUpdates,SyncUpdates,SyncUpdates,SyncUpdates,GetExtendedUpdateInfo,ReportEventBatch,ReportEventBatch,ReportEventBatch" {
					t.Fatalf("operations = %s", got)
				}
			case "content-headers":
				if len(exs) != 4 || exs[0].Name != "whole-file-single-range" || exs[3].Name != "final-range" {
					t.Fatalf("exchanges = %v", exs)
				}
				for _, e := range exs {
					if e.Request.Body != nil || e.Response.Body != nil || e.Response.StatusCode != 206 {
						t.Errorf("%s: a content-headers exchange with a body or status %d", e.Name, e.Response.StatusCode)
					}
				}
			}
			var har strings.Builder
			if err := WriteHAR(&har, exs); err != nil {
				t.Fatal(err)
			}
			dst := t.TempDir()
			if _, err := ImportHAR(strings.NewReader(har.String()), dst); err != nil {
				t.Fatal(err)
			}
			for _, e := range exs {
				files, _ := os.ReadDir(filepath.Join(src, e.Name))
				var names []string
				for _, f := range files {
					names = append(names, f.Name())
					want, _ := os.ReadFile(filepath.Join(src, e.Name, f.Name()))
					got, err := os.ReadFile(filepath.Join(dst, e.Name, f.Name()))
					if err != nil {
						t.Errorf("%s/%s: %v", e.Name, f.Name(), err)
						continue
					}
					if string(got) != string(want) && !(f.Name() == FileMeta && sameJSON(got, want)) {
						t.Errorf("%s/%s differs after the round trip:\n got %q\nwant %q", e.Name, f.Name(), clip(string(got), 400), clip(string(want), 400))
					}
				}
				rewritten, _ := os.ReadDir(filepath.Join(dst, e.Name))
				if len(rewritten) != len(files) {
					var got []string
					for _, f := range rewritten {
						got = append(got, f.Name())
					}
					sort.Strings(got)
					t.Errorf("%s: files %v, want %v", e.Name, got, names)
				}
			}
		})
	}
}

func sameJSON(a, b []byte) bool {
	var va, vb any
	return json.Unmarshal(a, &va) == nil && json.Unmarshal(b, &vb) == nil && reflect.DeepEqual(va, vb)
}
