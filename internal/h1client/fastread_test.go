package h1client

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// mockAnswer is the shape of mockwsus's answers (and IIS's).
const mockAnswer = "HTTP/1.1 200 OK\r\nCache-Control: private\r\nContent-Length: 5\r\nContent-Type: text/xml; charset=utf-8\r\n" +
	"Server: Microsoft-IIS/6.0\r\nX-Aspnet-Version: 2.0.50727\r\nX-Powered-By: ASP.NET\r\nDate: Tue, 08 Dec 2026 01:57:02 GMT\r\n\r\nhello"

// FuzzReadFast: on any bytes, readFast either declines without consuming
// anything or gives what http.ReadResponse gives: the same fields, headers,
// body bytes, body error and bytes left after the body.
func FuzzReadFast(f *testing.F) {
	for _, s := range []string{
		mockAnswer,
		"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
		"HTTP/1.1 200 OK\r\ncontent-length:  007 \r\nx-a: 1\r\nX-A: 2\r\nx-b-C: \t v \t\r\n\r\n1234567",
		"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Pad: \t padded \t\r\nx-pad:  \r\n\r\nok",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
		"HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\nx",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nX: a\x01b\r\n\r\nx",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nX: caf\xc3\xa9\r\n\r\nx",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n folded\r\n\r\nx",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nX_Y: 1\r\n\r\nx",
		"HTTP/1.1 200 OK\nContent-Length: 1\n\nx",
		"HTTP/1.1 204 No Content\r\nContent-Length: 1\r\n\r\nx",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
		"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx",
		"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nPragma: no-cache\r\nContent-Length: 1\r\n\r\nx",
		"HTTP/1.1 200 OK\r\n\r\nclose-delimited",
		"HTTP/1.1 2x0 OK\r\nContent-Length: 1\r\n\r\nx",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nNoColon\r\n\r\nx",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n: empty key\r\n\r\nx",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nX : space\r\n\r\nx",
	} {
		f.Add([]byte(s), false)
	}
	f.Add([]byte(mockAnswer), true)
	f.Fuzz(func(t *testing.T, data []byte, head bool) {
		method := http.MethodPost
		if head {
			method = http.MethodHead
		}
		req, _ := http.NewRequest(method, "http://127.0.0.1/", nil)
		r1 := bufio.NewReaderSize(bytes.NewReader(data), 64<<10)
		want, wantErr := http.ReadResponse(r1, req)

		// The connection has read an answer of mockwsus's before, so
		// that its names by place (lastKeys) and interned strings are
		// in play.
		c := &conn{br: bufio.NewReader(strings.NewReader(mockAnswer))}
		c.br.Peek(1)
		post, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/", nil)
		if prev := c.readFast(post); prev == nil {
			t.Fatal("mockwsus's answer declined")
		}
		c.br = bufio.NewReaderSize(bytes.NewReader(data), 64<<10)
		if _, err := c.br.Peek(1); err != nil {
			return
		}
		before := c.br.Buffered()
		got := c.readFast(req)
		if got == nil {
			if c.br.Buffered() != before {
				t.Fatalf("declined after consuming %d bytes", before-c.br.Buffered())
			}
			return
		}
		if wantErr != nil {
			t.Fatalf("readFast accepted what ReadResponse refuses (%v)", wantErr)
		}
		fields := func(r *http.Response) []any {
			return []any{r.Status, r.StatusCode, r.Proto, r.ProtoMajor, r.ProtoMinor, r.Header, r.ContentLength,
				r.TransferEncoding, r.Close, r.Uncompressed, r.Trailer, r.Request, r.TLS, r.Body == http.NoBody}
		}
		if g, w := fields(got), fields(want); !reflect.DeepEqual(g, w) {
			t.Fatalf("readFast %#v\nReadResponse %#v", g, w)
		}
		gb, gerr := io.ReadAll(got.Body)
		wb, werr := io.ReadAll(want.Body)
		if !bytes.Equal(gb, wb) || (gerr == nil) != (werr == nil) || !errors.Is(gerr, io.ErrUnexpectedEOF) != !errors.Is(werr, io.ErrUnexpectedEOF) {
			t.Fatalf("body %q, %v; ReadResponse's %q, %v", gb, gerr, wb, werr)
		}
		gr, _ := io.ReadAll(c.br)
		wr, _ := io.ReadAll(r1)
		if !bytes.Equal(gr, wr) {
			t.Fatalf("left after the body %q; ReadResponse left %q", gr, wr)
		}
	})
}

// TestReadFastTaken: the answers of mockwsus take the fast path (else it
// would be dead code, and FuzzReadFast would prove nothing), and a second
// answer on the connection shares the first's header names.
func TestReadFastTaken(t *testing.T) {
	req, _ := http.NewRequest("POST", "http://127.0.0.1/", nil)
	c := &conn{br: bufio.NewReader(strings.NewReader(mockAnswer + mockAnswer))}
	var keys []string
	for i := range 2 {
		c.br.Peek(1)
		resp := c.readFast(req)
		if resp == nil {
			t.Fatalf("answer %d declined", i+1)
		}
		if b, err := io.ReadAll(resp.Body); err != nil || string(b) != "hello" {
			t.Fatalf("answer %d: body %q, %v", i+1, b, err)
		}
		if i == 0 {
			for k := range resp.Header {
				keys = append(keys, k)
			}
			continue
		}
		for _, k := range keys {
			if _, ok := resp.Header[k]; !ok {
				t.Errorf("answer 2 lacks %s", k)
			}
		}
		if len(c.strs) != len(keys)+1 {
			t.Errorf("%d interned strings, want the %d names and the status", len(c.strs), len(keys))
		}
	}
}
