package h1client

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// testDeadline bounds every wait of these tests.
const testDeadline = 10 * time.Second

// rawServer is a loopback server that answers each request with bytes the
// test chooses, for the answers net/http's server does not write
// (close-delimited bodies, interim answers, resets).
type rawServer struct {
	url    string
	conns  atomic.Int32  // connections accepted
	closed chan struct{} // one value per connection the server has closed
}

// rawHandler answers req on c (its reader br); it returns whether to keep
// the connection open for another request.
type rawHandler func(t *testing.T, c net.Conn, br *bufio.Reader, req *http.Request) (keep bool)

func newRawServer(t *testing.T, h rawHandler) *rawServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{url: "http://" + l.Addr().String(), closed: make(chan struct{}, 1024)}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			mu.Lock()
			open = append(open, c)
			mu.Unlock()
			wg.Go(func() {
				defer func() {
					c.Close()
					s.closed <- struct{}{}
				}()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					io.Copy(io.Discard, req.Body)
					if !h(t, c, br, req) {
						return
					}
				}
			})
		}
	})
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range open {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return s
}

// waitClosed waits for n connections closed by the server.
func (s *rawServer) waitClosed(t *testing.T, n int) {
	t.Helper()
	timer := time.NewTimer(testDeadline)
	defer timer.Stop()
	for range n {
		select {
		case <-s.closed:
		case <-timer.C:
			t.Fatalf("the server did not close %d connections within %s", n, testDeadline)
		}
	}
}

// answer writes raw to c; the connection is kept unless close.
func answer(raw string, close bool) rawHandler {
	return func(t *testing.T, c net.Conn, br *bufio.Reader, req *http.Request) bool {
		if _, err := io.WriteString(c, raw); err != nil {
			t.Errorf("server write: %v", err)
		}
		return !close
	}
}

// traced is a request's trace record.
type traced struct {
	mu                               sync.Mutex
	gotConn, reused, wrote, answered bool
	writeErr                         error
	interim                          []int
	putIdle                          []error
	getConn                          string
	wroteHeaders, tlsStart, tlsDone  bool
	got100                           bool
	nHeaders, nWrote                 int // calls of WroteHeaders and WroteRequest
}

func (tr *traced) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn: func(hostPort string) { tr.mu.Lock(); tr.getConn = hostPort; tr.mu.Unlock() },
		GotConn: func(i httptrace.GotConnInfo) {
			tr.mu.Lock()
			tr.gotConn, tr.reused = true, i.Reused
			tr.mu.Unlock()
		},
		WroteHeaders: func() { tr.mu.Lock(); tr.wroteHeaders = true; tr.nHeaders++; tr.mu.Unlock() },
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			tr.mu.Lock()
			tr.wrote, tr.writeErr = true, i.Err
			tr.nWrote++
			tr.mu.Unlock()
		},
		GotFirstResponseByte: func() { tr.mu.Lock(); tr.answered = true; tr.mu.Unlock() },
		Got1xxResponse: func(code int, _ textproto.MIMEHeader) error {
			tr.mu.Lock()
			tr.interim = append(tr.interim, code)
			tr.mu.Unlock()
			return nil
		},
		Got100Continue:    func() { tr.mu.Lock(); tr.got100 = true; tr.mu.Unlock() },
		PutIdleConn:       func(err error) { tr.mu.Lock(); tr.putIdle = append(tr.putIdle, err); tr.mu.Unlock() },
		TLSHandshakeStart: func() { tr.mu.Lock(); tr.tlsStart = true; tr.mu.Unlock() },
		TLSHandshakeDone:  func(_ tls.ConnectionState, err error) { tr.mu.Lock(); tr.tlsDone = err == nil; tr.mu.Unlock() },
	}
}

// get sends a GET of u through rt with a fresh trace and a deadline, and
// reads the whole answer.
func get(t *testing.T, rt http.RoundTripper, u string) (*http.Response, string, *traced, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	tr := &traced{}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, tr.trace()), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return nil, "", tr, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(data), tr, err
}

// TestAnswerFraming reads each framing of an answer twice on one
// transport and checks the body and whether the second request reused the
// first's connection (GotConn.Reused and the server's connection count).
func TestAnswerFraming(t *testing.T) {
	tests := []struct {
		name      string
		raw       string
		serverEnd bool // the server closes after the answer
		wantBody  string
		wantReuse bool
		want1xx   []int
	}{
		{name: "content-length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", wantBody: "hello", wantReuse: true},
		{name: "chunked", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n", wantBody: "hello", wantReuse: true},
		{name: "chunked with trailer", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n5\r\nhello\r\n0\r\nX-Sum: 1\r\n\r\n", wantBody: "hello", wantReuse: true},
		{name: "empty, 204", raw: "HTTP/1.1 204 No Content\r\n\r\n", wantReuse: true},
		{name: "empty, content-length 0", raw: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", wantReuse: true},
		{name: "close-delimited", raw: "HTTP/1.1 200 OK\r\n\r\nhello", serverEnd: true, wantBody: "hello"},
		{name: "connection: close", raw: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello", serverEnd: true, wantBody: "hello"},
		{name: "connection: close, server keeps it open", raw: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello", wantBody: "hello"},
		{name: "HTTP/1.0 without keep-alive", raw: "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello", wantBody: "hello"},
		{name: "HTTP/1.0 with keep-alive", raw: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 5\r\n\r\nhello", wantBody: "hello", wantReuse: true},
		{name: "1xx skipped", raw: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
			wantBody: "hello", wantReuse: true, want1xx: []int{100, 103}},
		{name: "bytes after the answer", raw: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\n", wantBody: "hello"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRawServer(t, answer(tt.raw, tt.serverEnd))
			rt := &Transport{}
			defer rt.CloseIdleConnections()
			var last *traced
			for i := range 2 {
				_, body, tr, err := get(t, rt, srv.url+"/x")
				if err != nil {
					t.Fatalf("request %d: %v", i+1, err)
				}
				if body != tt.wantBody {
					t.Errorf("request %d: body %q, want %q", i+1, body, tt.wantBody)
				}
				if !tr.gotConn || !tr.wrote || tr.writeErr != nil || !tr.answered || !tr.wroteHeaders {
					t.Errorf("request %d: trace %+v: GotConn, WroteHeaders, WroteRequest or GotFirstResponseByte missing", i+1, tr)
				}
				if tr.nHeaders != 1 || tr.nWrote != 1 {
					t.Errorf("request %d: WroteHeaders called %d times, WroteRequest %d times; want once each, as net/http", i+1, tr.nHeaders, tr.nWrote)
				}
				if fmt.Sprint(tr.interim) != fmt.Sprint(tt.want1xx) {
					t.Errorf("request %d: interim answers %v, want %v", i+1, tr.interim, tt.want1xx)
				}
				if len(tr.putIdle) != 1 || (tr.putIdle[0] == nil) != tt.wantReuse {
					t.Errorf("request %d: PutIdleConn %v, want one call (nil error: %v)", i+1, tr.putIdle, tt.wantReuse)
				}
				last = tr
			}
			if last.reused != tt.wantReuse {
				t.Errorf("second request Reused %v, want %v", last.reused, tt.wantReuse)
			}
			wantConns := int32(2)
			if tt.wantReuse {
				wantConns = 1
			}
			if n := srv.conns.Load(); n != wantConns {
				t.Errorf("server saw %d connections, want %d", n, wantConns)
			}
		})
	}
}

// TestBadAnswers fails with an error (never a hang or a panic) on answers
// that cannot be used, and keeps the causes reachable.
func TestBadAnswers(t *testing.T) {
	reset := func(t *testing.T, c net.Conn, br *bufio.Reader, req *http.Request) bool {
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
		c.(*net.TCPConn).SetLinger(0) // close with RST
		return false
	}
	tests := []struct {
		name   string
		h      rawHandler
		rt     *Transport
		wantIs error  // errors.Is target, if any
		want   string // substring of the error, if any
	}{
		{name: "too many 1xx", h: answer(strings.Repeat("HTTP/1.1 103 Early Hints\r\n\r\n", 6)+"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false), want: "too many 1xx"},
		{name: "101", h: answer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", false), want: "switched protocols"},
		{name: "closed before an answer", h: answer("", true), wantIs: io.EOF},
		{name: "body shorter than its length", h: answer("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", true), wantIs: io.ErrUnexpectedEOF},
		{name: "reset during the body", h: reset, wantIs: syscall.ECONNRESET},
		{name: "headers too large", h: answer("HTTP/1.1 200 OK\r\nX-Big: "+strings.Repeat("a", 8<<10)+"\r\nContent-Length: 0\r\n\r\n", false),
			rt: &Transport{MaxResponseHeaderBytes: 4 << 10}, wantIs: errHeaderTooLarge},
		{name: "not HTTP", h: answer("SSH-2.0-OpenSSH_9.6\r\n\r\n", true), want: "malformed HTTP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRawServer(t, tt.h)
			rt := tt.rt
			if rt == nil {
				rt = &Transport{}
			}
			defer rt.CloseIdleConnections()
			_, _, _, err := get(t, rt, srv.url)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v (%T) does not wrap %v", err, err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "h1client: ") {
				t.Errorf("error %q, want the h1client prefix and %q", err, tt.want)
			}
		})
	}
}

// TestRefusedRequests refuses what the transport cannot send, closing the
// request's body, before any connection.
func TestRefusedRequests(t *testing.T) {
	srv := newRawServer(t, answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false))
	mk := func(method, u string, h http.Header) *http.Request {
		req, err := http.NewRequest(method, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range h {
			req.Header[k] = v
		}
		return req
	}
	tests := []struct {
		name string
		req  *http.Request
		want string
	}{
		{name: "ftp", req: mk("GET", "ftp://127.0.0.1/x", nil), want: `unsupported URL scheme "ftp"`},
		{name: "no host", req: &http.Request{Method: "GET", URL: &url.URL{Scheme: "http", Path: "/"}, Header: http.Header{}}, want: "has no host"},
		{name: "no URL", req: &http.Request{Method: "GET", Header: http.Header{}}, want: "has no URL"},
		{name: "nil header", req: &http.Request{Method: "GET", URL: &url.URL{Scheme: "http", Host: "127.0.0.1"}}, want: "nil Header"},
		{name: "bad header name", req: mk("GET", srv.url, http.Header{"X Bad": {"1"}}), want: "invalid header field name"},
		{name: "header injection", req: mk("GET", srv.url, http.Header{"X-A": {"1\r\nX-B: 2"}}), want: "invalid header field value"},
		{name: "expect", req: mk("POST", srv.url, http.Header{"Expect": {"100-continue"}}), want: "Expect headers"},
		{name: "upgrade", req: mk("GET", srv.url, http.Header{"Upgrade": {"websocket"}}), want: "protocol upgrades"},
		{name: "connect", req: mk("CONNECT", srv.url, nil), want: `unsupported method "CONNECT"`},
		{name: "bad method", req: mk("GET", srv.url, nil), want: "unsupported method"},
	}
	tests[len(tests)-1].req.Method = "GE T"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := &closeRecorder{Reader: strings.NewReader("x")}
			tt.req.Body = body
			resp, err := (&Transport{}).RoundTrip(tt.req)
			if err == nil {
				resp.Body.Close()
				t.Fatal("request accepted")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want %q", err, tt.want)
			}
			if !body.closed.Load() {
				t.Error("the request body was not closed")
			}
		})
	}
	if n := srv.conns.Load(); n != 0 {
		t.Errorf("%d connections for refused requests", n)
	}
}

type closeRecorder struct {
	io.Reader
	closed atomic.Bool
}

func (c *closeRecorder) Close() error { c.closed.Store(true); return nil }

// countingServer is an httptest server that counts new connections and
// signals closed ones.
func countingServer(t *testing.T, h http.HandlerFunc, tlsServer bool) (*httptest.Server, *atomic.Int32, chan struct{}) {
	t.Helper()
	var conns atomic.Int32
	closed := make(chan struct{}, 1024)
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake of TestHTTPS
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			conns.Add(1)
		case http.StateClosed, http.StateHijacked:
			closed <- struct{}{}
		}
	}
	if tlsServer {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv, &conns, closed
}

func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(testDeadline):
		t.Fatalf("%s did not happen within %s", what, testDeadline)
	}
}

// TestUnreadBodyClosesConnection: a body closed before its end is not
// drained; its connection is closed, and the next request opens another.
func TestUnreadBodyClosesConnection(t *testing.T) {
	big := strings.Repeat("x", 256<<10)
	srv, conns, closed := countingServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, big) }, false)
	rt := &Transport{}
	defer rt.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	tr := &traced{}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, tr.trace()), "GET", srv.URL, nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := resp.Body.Read(make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, err := resp.Body.Read(make([]byte, 10)); !errors.Is(err, errBodyClosed) {
		t.Errorf("read after Close: %v, want %v", err, errBodyClosed)
	}
	if len(tr.putIdle) != 1 || tr.putIdle[0] == nil {
		t.Errorf("PutIdleConn %v, want one error", tr.putIdle)
	}
	waitFor(t, closed, "the server's end of the connection closing")
	_, body, tr2, err := get(t, rt, srv.URL)
	if err != nil || body != big {
		t.Fatalf("second request: %v, %d bytes", err, len(body))
	}
	if tr2.reused || conns.Load() != 2 {
		t.Errorf("second request reused %v, server connections %d; want a new one", tr2.reused, conns.Load())
	}
}

// TestLargeBodyAndReuse: bodies far larger than the buffers, both ways,
// arrive whole, on one connection.
func TestLargeBodyAndReuse(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	srv, conns, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		got, err := io.ReadAll(r.Body)
		if err != nil || !bytes.Equal(got, big) {
			t.Errorf("server read %d bytes, %v", len(got), err)
		}
		w.Write(big)
	}, false)
	rt := &Transport{ReadBufferSize: 1 << 10, WriteBufferSize: 1 << 10}
	defer rt.CloseIdleConnections()
	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
		tr := &traced{}
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, tr.trace()), "POST", srv.URL, bytes.NewReader(big))
		resp, err := rt.RoundTrip(req)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		if err != nil || !bytes.Equal(got, big) {
			t.Fatalf("request %d: %d bytes, %v", i+1, len(got), err)
		}
		if tr.reused != (i > 0) {
			t.Errorf("request %d: Reused %v", i+1, tr.reused)
		}
	}
	if conns.Load() != 1 {
		t.Errorf("%d connections, want 1", conns.Load())
	}
}

// TestStaleConnection: a server that closes kept-alive connections while
// they are idle. The next request on the pooled connection fails the way a
// stale connection does (reused, no answer byte, EOF or EPIPE), as
// client-sim's send detects it, and client-sim's resend (close the idle
// connections, send again) succeeds on a new connection.
func TestStaleConnection(t *testing.T) {
	srv := newRawServer(t, answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true))
	rt := &Transport{}
	defer rt.CloseIdleConnections()
	if _, body, _, err := get(t, rt, srv.url); err != nil || body != "ok" {
		t.Fatalf("first request: %q, %v", body, err)
	}
	srv.waitClosed(t, 1) // the pooled connection is now closed at the server
	_, _, tr, err := get(t, rt, srv.url)
	if err == nil {
		t.Fatal("the request on the closed connection succeeded: the test proves nothing")
	}
	t.Logf("stale error: %v", err)
	// client-sim's closedByPeer: EOF or EPIPE, not a reset.
	peerClosed := !errors.Is(err, syscall.ECONNRESET) && (errors.Is(err, io.EOF) || errors.Is(err, syscall.EPIPE))
	stale := tr.reused && !tr.answered && (tr.wrote && tr.writeErr != nil || peerClosed)
	if !stale {
		t.Fatalf("error %v (reused %v, answered %v, wrote %v/%v) is not stale-detectable", err, tr.reused, tr.answered, tr.wrote, tr.writeErr)
	}
	rt.CloseIdleConnections()
	_, body, tr, err := get(t, rt, srv.url)
	if err != nil || body != "ok" || tr.reused {
		t.Fatalf("resend: %q, %v, reused %v; want an answer on a new connection", body, err, tr.reused)
	}
	if n := srv.conns.Load(); n != 2 {
		t.Errorf("server saw %d connections, want 2", n)
	}
}

// TestStaleDropsOlderIdle: when a kept-alive connection turns out closed by
// the server, the connections idle as long or longer are dropped with it,
// so that a resend on a shared transport does not meet another one.
func TestStaleDropsOlderIdle(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 3)
	srv := newRawServer(t, func(t *testing.T, c net.Conn, br *bufio.Reader, req *http.Request) bool {
		arrived <- struct{}{}
		<-release
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		return false // closed after its answer, as a server's idle timeout would
	})
	rt := &Transport{MaxIdlePerHost: 4}
	defer rt.CloseIdleConnections()
	// Three requests at once, so three connections get pooled.
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if _, body, _, err := get(t, rt, srv.url); err != nil || body != "ok" {
				t.Errorf("%q, %v", body, err)
			}
		})
	}
	for range 3 {
		waitFor(t, arrived, "a request's arrival")
	}
	close(release)
	wg.Wait()
	srv.waitClosed(t, 3)
	if _, _, tr, err := get(t, rt, srv.url); err == nil || !tr.reused {
		t.Fatalf("request on a closed pooled connection: %v, reused %v; want a stale failure", err, tr.reused)
	}
	// The resend, without CloseIdleConnections: a new connection.
	_, body, tr, err := get(t, rt, srv.url)
	if err != nil || body != "ok" || tr.reused {
		t.Fatalf("resend: %q, %v, reused %v; want an answer on a new connection", body, err, tr.reused)
	}
}

// TestDeadline: a server that never answers gives a timeout error that
// client-sim's transportError reads as one (context.DeadlineExceeded, and
// Timeout() through http.Client's *url.Error), before the answer and during
// the body.
func TestDeadline(t *testing.T) {
	tests := []struct {
		name string
		h    func(w http.ResponseWriter, r *http.Request, end <-chan struct{})
	}{
		{name: "no answer", h: func(w http.ResponseWriter, r *http.Request, end <-chan struct{}) { hold(r, end) }},
		{name: "body stalls", h: func(w http.ResponseWriter, r *http.Request, end <-chan struct{}) {
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, "part")
			w.(http.Flusher).Flush()
			hold(r, end)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			end := make(chan struct{})
			srv, _, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) { tt.h(w, r, end) }, false)
			t.Cleanup(func() { close(end) }) // before the server's Close
			hc := &http.Client{Transport: &Transport{}}
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
			done := make(chan error, 1)
			go func() {
				resp, err := hc.Do(req)
				if err == nil {
					_, err = io.ReadAll(resp.Body)
					resp.Body.Close()
				}
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(testDeadline):
				t.Fatal("the request outlived its deadline")
			}
			var ne net.Error
			if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
				t.Errorf("error %v (%T): want context.DeadlineExceeded and a net.Error with Timeout()", err, err)
			}
		})
	}
}

// hold keeps a handler until the client closes the connection or the test
// ends (end), whichever comes first, so that a failing test cannot block
// in the server's Close.
func hold(r *http.Request, end <-chan struct{}) {
	select {
	case <-r.Context().Done():
	case <-end:
	}
}

// TestCancel: cancelling the request's context while it waits for an
// answer ends it at once with the context's error, which is what
// client-sim's transportError checks first.
func TestCancel(t *testing.T) {
	arrived := make(chan struct{}, 1)
	end := make(chan struct{})
	srv, _, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		hold(r, end)
	}, false)
	t.Cleanup(func() { close(end) }) // before the server's Close
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	done := make(chan error, 1)
	go func() {
		resp, err := (&Transport{}).RoundTrip(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	waitFor(t, arrived, "the request's arrival")
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	case <-time.After(testDeadline):
		t.Fatal("the cancelled request did not return")
	}
	// A request whose context is already done does not dial.
	if _, err := (&Transport{}).RoundTrip(req); !errors.Is(err, context.Canceled) {
		t.Errorf("request with a cancelled context: %v", err)
	}
}

// TestIdleTimeout: an idle connection is closed after IdleTimeout without
// any further request (the transport's reaper), and one past it is never
// reused.
func TestIdleTimeout(t *testing.T) {
	srv, conns, closed := countingServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }, false)
	rt := &Transport{IdleTimeout: 20 * time.Millisecond}
	defer rt.CloseIdleConnections()
	if _, _, _, err := get(t, rt, srv.URL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, closed, "the idle connection's close")
	_, _, tr, err := get(t, rt, srv.URL)
	if err != nil || tr.reused || conns.Load() != 2 {
		t.Fatalf("after the idle timeout: %v, reused %v, %d connections", err, tr.reused, conns.Load())
	}
}

// TestMaxIdlePerHost: beyond MaxIdlePerHost the oldest idle connection is
// closed; a negative value keeps none.
func TestMaxIdlePerHost(t *testing.T) {
	for _, tt := range []struct {
		max, want int // idle connections kept after two concurrent requests
	}{{max: 1, want: 1}, {max: 2, want: 2}, {max: -1, want: 0}} {
		t.Run(fmt.Sprint(tt.max), func(t *testing.T) {
			arrived := make(chan struct{}, 2)
			release := make(chan struct{})
			srv, _, closed := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
				arrived <- struct{}{}
				<-release
				io.WriteString(w, "ok")
			}, false)
			rt := &Transport{MaxIdlePerHost: tt.max}
			var wg sync.WaitGroup
			for range 2 {
				wg.Go(func() {
					if _, _, _, err := get(t, rt, srv.URL); err != nil {
						t.Error(err)
					}
				})
			}
			waitFor(t, arrived, "the first request")
			waitFor(t, arrived, "the second request")
			close(release)
			wg.Wait()
			for range 2 - tt.want {
				waitFor(t, closed, "a surplus connection's close")
			}
			rt.mu.Lock()
			n := len(rt.idle[connKey{addr: strings.TrimPrefix(srv.URL, "http://")}])
			rt.mu.Unlock()
			if n != tt.want {
				t.Errorf("%d idle connections, want %d", n, tt.want)
			}
			rt.CloseIdleConnections()
			for range tt.want {
				waitFor(t, closed, "CloseIdleConnections closing a connection")
			}
		})
	}
}

// TestHTTPS: https through crypto/tls with the caller's configuration,
// kept alive, the answer's TLS state set, the handshake traced.
func TestHTTPS(t *testing.T) {
	srv, conns, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || r.ProtoMajor != 1 {
			t.Errorf("request over %s, TLS %v", r.Proto, r.TLS != nil)
		}
		io.WriteString(w, "secure")
	}, true)
	rt := &Transport{TLSClientConfig: srv.Client().Transport.(*http.Transport).TLSClientConfig}
	defer rt.CloseIdleConnections()
	for i := range 2 {
		resp, body, tr, err := get(t, rt, srv.URL)
		if err != nil || body != "secure" {
			t.Fatalf("request %d: %q, %v", i+1, body, err)
		}
		if resp.TLS == nil || resp.TLS.NegotiatedProtocol == "h2" {
			t.Errorf("request %d: TLS state %+v", i+1, resp.TLS)
		}
		if i == 0 && (!tr.tlsStart || !tr.tlsDone) {
			t.Errorf("handshake not traced: %+v", tr)
		}
		if tr.reused != (i > 0) {
			t.Errorf("request %d: Reused %v", i+1, tr.reused)
		}
	}
	if conns.Load() != 1 {
		t.Errorf("%d connections, want 1", conns.Load())
	}
	// Without the server's certificate: a certificate error, as client-sim
	// maps to 0x80072F8F.
	if _, _, _, err := get(t, &Transport{}, srv.URL); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted certificate: %v", err)
	}
}

// TestConcurrent: many goroutines on one transport (run with -race), every
// answer its own request's.
func TestConcurrent(t *testing.T) {
	srv, conns, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Write(bytes.Repeat(body, 100))
	}, false)
	rt := &Transport{MaxIdlePerHost: 32}
	defer rt.CloseIdleConnections()
	hc := &http.Client{Transport: rt}
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Go(func() {
			for i := range 25 {
				ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
				msg := fmt.Sprintf("g%d-r%d;", g, i)
				req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL, strings.NewReader(msg))
				resp, err := hc.Do(req)
				if err != nil {
					cancel()
					t.Error(err)
					return
				}
				got, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				cancel()
				if err != nil || string(got) != strings.Repeat(msg, 100) {
					t.Errorf("%s: %d bytes, %v", msg, len(got), err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := conns.Load(); n > 32 {
		t.Errorf("%d connections for 32 goroutines", n)
	}
}

// TestSameBytesAsNetHTTP: the server receives, byte for byte, what
// net/http's Transport (DisableCompression, as client-sim's) sends for the
// same request.
func TestSameBytesAsNetHTTP(t *testing.T) {
	type mkReq func(u string) *http.Request
	soapLike := func(u string) *http.Request {
		req, _ := http.NewRequest("POST", u+"/ClientWebService/client.asmx", bytes.NewReader([]byte(`<s:Envelope>body</s:Envelope>`)))
		req.Header.Set("Cache-Control", "no-cache")
		req.Header.Set("Pragma", "no-cache")
		req.Header.Set("User-Agent", "Windows-Update-Agent/10.0.10011.16384 Client-Protocol/2.50")
		req.Header.Set("Content-Type", "text/xml; charset=utf-8")
		req.Header.Set("SOAPAction", `"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/SyncUpdates"`)
		req.Header.Set("Connection", "Keep-Alive")
		req.Header.Set("MS-CV", "abc.1.0.0.2.3")
		req.Header.Set("Accept-Encoding", "xpress")
		return req
	}
	tests := []struct {
		name string
		req  mkReq
	}{
		{name: "SOAP POST", req: soapLike},
		{name: "GET", req: func(u string) *http.Request {
			req, _ := http.NewRequest("GET", u+"/selfupdate/wuident.cab?x=1&y=%20", nil)
			req.Header.Set("User-Agent", "Windows-Update-Agent")
			return req
		}},
		{name: "no User-Agent", req: func(u string) *http.Request { req, _ := http.NewRequest("GET", u, nil); return req }},
		{name: "body of unknown length", req: func(u string) *http.Request {
			req, _ := http.NewRequest("POST", u, io.NopCloser(strings.NewReader("streamed")))
			return req
		}},
		{name: "Host override", req: func(u string) *http.Request {
			req, _ := http.NewRequest("GET", u, nil)
			req.Host = "wsus.example:8530"
			return req
		}},
		{name: "close", req: func(u string) *http.Request {
			req, _ := http.NewRequest("GET", u, nil)
			req.Close = true
			return req
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One listener for both, so that the Host lines are the same.
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			ours := captureRequest(t, l, &Transport{}, tt.req)
			theirs := captureRequest(t, l, &http.Transport{DisableCompression: true}, tt.req)
			if !bytes.Equal(ours, theirs) {
				t.Errorf("bytes differ:\nh1client: %q\nnet/http: %q", ours, theirs)
			}
		})
	}
}

// captureRequest sends one request through rt to a raw server on l and
// returns the bytes the server read for it.
func captureRequest(t *testing.T, l net.Listener, rt http.RoundTripper, mk func(u string) *http.Request) []byte {
	t.Helper()
	got := make(chan []byte, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		var raw bytes.Buffer
		br := bufio.NewReader(io.TeeReader(c, &raw))
		req, err := http.ReadRequest(br)
		if err == nil {
			_, err = io.Copy(io.Discard, req.Body)
		}
		if err != nil {
			got <- nil
			return
		}
		// Everything the client sent for this request, read by the
		// parser or still in its buffer.
		got <- raw.Bytes()[:raw.Len()-br.Buffered()]
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	}()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	req := mk("http://" + l.Addr().String()).WithContext(ctx)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	select {
	case b := <-got:
		if b == nil {
			t.Fatal("the server could not read the request")
		}
		return b
	case <-ctx.Done():
		t.Fatal("no request captured")
	}
	return nil
}

// TestRequestClose: a request that asked for Connection: close does not
// leave its connection in the pool, even when the server's answer keeps
// it alive.
func TestRequestClose(t *testing.T) {
	srv := newRawServer(t, answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false))
	rt := &Transport{}
	defer rt.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	tr := &traced{}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, tr.trace()), "GET", srv.url, nil)
	req.Close = true
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if len(tr.putIdle) != 1 || tr.putIdle[0] == nil {
		t.Errorf("PutIdleConn %v, want one error", tr.putIdle)
	}
	if _, _, tr, err := get(t, rt, srv.url); err != nil || tr.reused {
		t.Errorf("next request: %v, reused %v; want a new connection", err, tr.reused)
	}
}

// TestWithNewConnection: a request whose context asks for a new connection
// does not take the idle one (which stays pooled for others).
func TestWithNewConnection(t *testing.T) {
	srv, conns, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }, false)
	rt := &Transport{}
	defer rt.CloseIdleConnections()
	if _, _, _, err := get(t, rt, srv.URL); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	tr := &traced{}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(WithNewConnection(ctx), tr.trace()), "GET", srv.URL, nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if tr.reused || conns.Load() != 2 {
		t.Errorf("Reused %v, %d connections: want a new connection", tr.reused, conns.Load())
	}
	// Both are pooled now; a plain request reuses one.
	if _, _, tr, err := get(t, rt, srv.URL); err != nil || !tr.reused {
		t.Errorf("plain request: %v, reused %v", err, tr.reused)
	}
}
