package h1client

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"slices"
	"strings"
	"testing"
)

// FuzzWriteFast: for any request the transport accepts, writeFast either
// declines without writing or writes exactly Request.Write's bytes and
// calls the same hooks.
func FuzzWriteFast(f *testing.F) {
	f.Add("POST", "http://127.0.0.1:8530/ClientWebService/client.asmx", "", "Cache-Control: no-cache\nPragma: no-cache\nUser-Agent: Windows-Update-Agent/7.6 Client-Protocol/1.20\nContent-Type: text/xml; charset=utf-8\nSOAPAction: \"http://x/SyncUpdates\"", []byte("<s:Envelope/>"), uint8(0))
	f.Add("GET", "http://127.0.0.1/selfupdate/wuident.cab?x=1&y=%20", "", "User-Agent: WUA", []byte(nil), uint8(1))
	f.Add("GET", "http://[::1]:80/", "wsus.example", "X-A: 1\nx-a: 2\nX-A:  spaced\t", []byte(nil), uint8(1))
	f.Add("PUT", "http://h/p", "", "User-Agent:", []byte("body"), uint8(2))
	f.Add("POST", "http://h/p", "", "", []byte(nil), uint8(1))
	f.Add("DELETE", "http://h/p", "", "user-agent: lower\nHost: other", []byte("x"), uint8(3))
	f.Add("POST", "http://h/p", "", "Connection: close", []byte("x"), uint8(4))
	f.Add("POST", "http://h/p", "", "", []byte("streamed"), uint8(5))
	f.Add("POST", "http://h/p", "", "", []byte("short"), uint8(6))
	f.Add("POST", "http://h/p", "", "", []byte("long"), uint8(7))
	f.Fuzz(func(t *testing.T, method, rawURL, host, headers string, body []byte, kind uint8) {
		// The bodies are NewRequest's own (the fast path takes only bodies
		// known to be in memory, whose Close does nothing).
		mk := func() *http.Request {
			var rd io.Reader
			switch kind % 8 {
			case 0:
				rd = bytes.NewReader(body)
			case 1:
				rd = nil
			case 2:
				rd = strings.NewReader(string(body))
			case 3:
				rd = bytes.NewBuffer(bytes.Clone(body))
			case 4, 5:
				rd = io.MultiReader(bytes.NewReader(body)) // not known in memory
			case 6, 7:
				rd = bytes.NewReader(body)
			}
			req, err := http.NewRequest(method, rawURL, rd)
			if err != nil {
				return nil
			}
			switch kind % 8 {
			case 5: // of known length, but not in memory: its headers are flushed first
				req.ContentLength = int64(len(body))
			case 6: // shorter than its length
				req.ContentLength = int64(len(body)) + 1
			case 7: // longer than its length
				req.ContentLength = int64(len(body)) - 1
			}
			req.Host = host
			for line := range strings.SplitSeq(headers, "\n") {
				if k, v, ok := strings.Cut(line, ":"); ok {
					req.Header[k] = append(req.Header[k], v)
				}
			}
			return req
		}
		want := mk()
		if want == nil {
			return
		}
		if _, err := check(want); err != nil {
			return
		}
		got := mk()
		var wantCalls, gotCalls []string
		record := func(calls *[]string) *httptrace.ClientTrace {
			return &httptrace.ClientTrace{
				WroteHeaders: func() { *calls = append(*calls, "headers") },
				WroteRequest: func(i httptrace.WroteRequestInfo) { *calls = append(*calls, "request "+errString(i.Err)) },
			}
		}
		want = want.WithContext(httptrace.WithClientTrace(context.Background(), record(&wantCalls)))
		got = got.WithContext(httptrace.WithClientTrace(context.Background(), record(&gotCalls)))
		// The writes reaching the connection, not only their bytes: a
		// request whose headers Request.Write flushes first goes out in
		// two writes.
		var wb, gb writeLog
		ww, gw := bufio.NewWriter(&wb), bufio.NewWriter(&gb)
		werr := want.Write(ww)
		ww.Flush()
		ok, gerr := writeFast(gw, got, httptrace.ContextClientTrace(got.Context()))
		gw.Flush()
		if !ok {
			if gb.Len() != 0 || len(gotCalls) != 0 {
				t.Fatalf("declined after writing %q (hooks %v)", gb.Bytes(), gotCalls)
			}
			return
		}
		if !slices.Equal(gb.sizes, wb.sizes) {
			t.Fatalf("writes of %v bytes, Request.Write's %v", gb.sizes, wb.sizes)
		}
		if !bytes.Equal(gb.Bytes(), wb.Bytes()) || errString(gerr) != errString(werr) || strings.Join(gotCalls, ",") != strings.Join(wantCalls, ",") {
			t.Fatalf("writeFast %q, %v, hooks %v\nRequest.Write %q, %v, hooks %v", gb.Bytes(), gerr, gotCalls, wb.Bytes(), werr, wantCalls)
		}
	})
}

// writeLog keeps what is written and the size of each write (a plain
// io.Writer: no ReadFrom for bufio to go around it with).
type writeLog struct {
	buf   bytes.Buffer
	sizes []int
}

func (w *writeLog) Write(p []byte) (int, error) {
	w.sizes = append(w.sizes, len(p))
	return w.buf.Write(p)
}

func (w *writeLog) Bytes() []byte { return w.buf.Bytes() }
func (w *writeLog) Len() int      { return w.buf.Len() }

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestWriteFastTaken: client-sim's requests take the fast path (else it
// would be dead code, and FuzzWriteFast would prove nothing).
func TestWriteFastTaken(t *testing.T) {
	req, _ := http.NewRequest("POST", "http://127.0.0.1:8530/ClientWebService/client.asmx", bytes.NewReader([]byte("<s:Envelope/>")))
	req.Header.Set("SOAPAction", `"x"`)
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	if ok, err := writeFast(w, req, nil); !ok || err != nil {
		t.Fatalf("declined (%v, %v)", ok, err)
	}
}
