package h1client

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/net/http/httpguts"
)

// Defaults of the Transport's zero fields.
const (
	DefaultMaxIdlePerHost         = 2 // as net/http's DefaultMaxIdleConnsPerHost
	DefaultIdleTimeout            = 90 * time.Second
	DefaultBufferSize             = 4 << 10
	DefaultMaxResponseHeaderBytes = 1 << 20
	// max1xx bounds the interim answers skipped before the final one, as
	// net/http does, so that a server sending nothing else cannot hold a
	// request forever.
	max1xx = 5
)

// Transport is a synchronous HTTP/1.1 http.RoundTripper (see the package
// comment). Its zero value is ready to use; it is safe for concurrent use,
// and must not be copied after first use.
type Transport struct {
	// TLSClientConfig configures https connections; nil means the zero
	// tls.Config (the system's roots). It is cloned for each connection,
	// ServerName set from the URL's host when empty, and ALPN limited to
	// http/1.1.
	TLSClientConfig *tls.Config
	// DialContext opens TCP connections; nil means a net.Dialer with a 30 s
	// timeout and 30 s keep-alive probes, as net/http's DefaultTransport.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// MaxIdlePerHost bounds the idle keep-alive connections kept per
	// scheme and host:port (the oldest is closed to make room); 0 means
	// DefaultMaxIdlePerHost, negative keeps none.
	MaxIdlePerHost int
	// IdleTimeout closes a connection that has been idle that long; 0
	// means DefaultIdleTimeout. Keep it below the server's own idle
	// timeout, so that the client closes first and never writes on a
	// connection the server has just closed.
	IdleTimeout time.Duration
	// ReadBufferSize and WriteBufferSize size each connection's read
	// buffer and the (pooled) write buffers; 0 means DefaultBufferSize.
	ReadBufferSize  int
	WriteBufferSize int
	// MaxResponseHeaderBytes bounds an answer's status line and headers
	// (interim answers included, approximately: by whole reads); 0 means
	// DefaultMaxResponseHeaderBytes.
	MaxResponseHeaderBytes int64

	mu          sync.Mutex
	idle        map[connKey][]*conn // t.mu; each list oldest first
	reaper      *time.Timer         // t.mu; closes expired idle connections
	reaperArmed bool                // t.mu
	writers     sync.Pool           // *bufio.Writer of WriteBufferSize
}

// Error is a failed round trip or body read: what was being done and the
// cause, which stays reachable with errors.Is and errors.As (a
// *net.OpError, syscall.ECONNRESET, io.EOF, a context's error, ...).
type Error struct {
	Op  string // "dial", "tls handshake", "write request", "read response", "read body", ...
	Err error
}

func (e *Error) Error() string { return "h1client: " + e.Op + ": " + e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }

// Timeout reports a deadline: the context's, or a network timeout. It is a
// method of Error itself because *url.Error (which http.Client wraps every
// transport error in) asks its direct cause, without unwrapping further.
func (e *Error) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.Err, &t) && t.Timeout()
}

var (
	errBodyClosed      = errors.New("h1client: read on a closed response body")
	errHeaderTooLarge  = errors.New("h1client: the answer's headers exceed MaxResponseHeaderBytes")
	errNotReusable     = errors.New("h1client: the connection cannot be kept alive (Connection: close, a close-delimited or unread body, or stray bytes)")
	errIdleDisabled    = errors.New("h1client: keep-alive disabled (MaxIdlePerHost is negative)")
	errTooMany1xx      = errors.New("h1client: too many 1xx interim answers")
	errUpgradeAnswered = errors.New("h1client: the server switched protocols (101), which this transport does not support")
	// aLongTimeAgo is the deadline that makes a blocked read or write
	// return at once.
	aLongTimeAgo = time.Unix(1, 0)
	// defaultDialer is net/http's DefaultTransport's.
	defaultDialer = &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
)

// newConnKey marks a context made by WithNewConnection.
type newConnKey struct{}

// WithNewConnection returns a context whose requests are sent on a new
// connection, never an idle one. A caller resending after a stale
// keep-alive connection (client-sim, as WinHTTP does) uses it so that the
// resend cannot meet another connection the server has closed, without
// closing the idle connections other goroutines share. Other
// RoundTrippers ignore it.
func WithNewConnection(ctx context.Context) context.Context {
	return context.WithValue(ctx, newConnKey{}, true)
}

// connKey names the connections that can serve a request.
type connKey struct {
	https bool
	addr  string // host:port
}

// conn is one keep-alive connection.
type conn struct {
	key       connKey
	nc        net.Conn // *net.TCPConn or *tls.Conn
	lim       headerLimit
	br        *bufio.Reader // over lim
	tlsState  *tls.ConnectionState
	idleSince time.Time // when it was last put in the pool
	reused    bool
	strs      map[string]string // readFast's interned header names and status lines
	lastKeys  []rawKey          // readFast: the header names of the last answer, in order
}

// headerLimit counts what is read while an answer's headers are parsed
// (n), and lets everything through while its body is read (n at
// math.MaxInt64).
type headerLimit struct {
	r io.Reader
	n int64
}

func (l *headerLimit) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errHeaderTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// RoundTrip sends req on a kept-alive or new connection, in the caller's
// goroutine, and returns the answer once its headers have been read. The
// connection goes back to the pool when the body has been read to its end
// (or is empty) and the answer allows it; closing the body before its end
// closes the connection. The request's context bounds everything, the
// body's reads included.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	key, err := check(req)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	ctx := req.Context()
	if ctx.Err() != nil {
		closeBody(req)
		return nil, &Error{Op: "round trip", Err: context.Cause(ctx)}
	}
	trace := httptrace.ContextClientTrace(ctx)
	if trace != nil && trace.GetConn != nil {
		trace.GetConn(key.addr)
	}
	var c *conn
	var idleFor time.Duration
	if ctx.Value(newConnKey{}) == nil {
		c, idleFor = t.getIdle(key)
	}
	if c == nil {
		if c, err = t.dial(ctx, key, trace); err != nil {
			closeBody(req)
			return nil, err
		}
	}
	if trace != nil && trace.GotConn != nil {
		trace.GotConn(httptrace.GotConnInfo{Conn: c.nc, Reused: c.reused, WasIdle: c.reused, IdleTime: idleFor})
	}
	// One mechanism for cancellation and deadline: the context's own timer
	// cancels it at its deadline, and this puts the connection's deadline
	// in the past, so a blocked write or read returns at once. No second
	// timer per request, and nothing to reset on a connection that is
	// kept.
	var stop func() bool
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { c.nc.SetDeadline(aLongTimeAgo) })
	}
	resp, answered, err := t.exchange(c, req, trace)
	if err != nil {
		if stop != nil {
			stop()
		}
		c.nc.Close()
		if c.reused && !answered && ctx.Err() == nil && closedConn(err) {
			t.dropIdleSince(key, c.idleSince)
		}
		return nil, t.fail(ctx, err)
	}
	if c.tlsState != nil {
		resp.TLS = c.tlsState
	}
	keep := !resp.Close && !wantsClose(req)
	if resp.Body == http.NoBody {
		t.release(c, stop, keep, trace)
		return resp, nil
	}
	resp.Body = &body{t: t, c: c, rc: resp.Body, ctx: ctx, stop: stop, trace: trace, keep: keep}
	return resp, nil
}

// exchange writes req and reads the answer's headers; answered says
// whether any byte of an answer came.
func (t *Transport) exchange(c *conn, req *http.Request, trace *httptrace.ClientTrace) (resp *http.Response, answered bool, err error) {
	w := t.writer(c.nc)
	// Request.Write is what net/http's Transport writes (without a proxy):
	// it closes the request's body and calls the trace's WroteHeaderField,
	// WroteHeaders and WroteRequest itself, before the flush, as net/http's
	// Transport does (a failed flush then shows in the error only).
	// writeFast does the same for a load's usual requests, cheaper.
	var fast bool
	if fast, err = writeFast(w, req, trace); !fast {
		err = req.Write(w)
	}
	if err == nil {
		err = w.Flush()
	}
	w.Reset(nil)
	t.writers.Put(w)
	if err != nil {
		return nil, false, &Error{Op: "write request", Err: err}
	}
	c.lim.n = t.maxHeaderBytes()
	// A connection closed before any byte of an answer reads io.EOF here,
	// as net/http reports it (http.ReadResponse would say
	// io.ErrUnexpectedEOF).
	if _, err := c.br.Peek(1); err != nil {
		return nil, false, &Error{Op: "read response", Err: err}
	}
	if trace != nil && trace.GotFirstResponseByte != nil {
		trace.GotFirstResponseByte()
	}
	if resp := c.readFast(req); resp != nil {
		c.lim.n = math.MaxInt64
		return resp, true, nil
	}
	for n1xx := 0; ; n1xx++ {
		resp, err := http.ReadResponse(c.br, req)
		if err != nil {
			return nil, true, &Error{Op: "read response", Err: err}
		}
		code := resp.StatusCode
		if code == http.StatusSwitchingProtocols {
			return nil, true, errUpgradeAnswered
		}
		if code >= 200 || code < 100 {
			c.lim.n = math.MaxInt64
			return resp, true, nil
		}
		if n1xx >= max1xx {
			return nil, true, errTooMany1xx
		}
		if trace != nil {
			if trace.Got1xxResponse != nil {
				if err := trace.Got1xxResponse(code, textproto.MIMEHeader(resp.Header)); err != nil {
					return nil, true, err
				}
			}
			if code == http.StatusContinue && trace.Got100Continue != nil {
				trace.Got100Continue()
			}
		}
	}
}

// fail is the error of a failed round trip or read: the context's when it
// is done (a cancelled or expired request is reported as such, as net/http
// does, whatever the connection said when its deadline was pulled in).
func (t *Transport) fail(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return err
	}
	op := "round trip"
	var e *Error
	if errors.As(err, &e) {
		op = e.Op
	}
	return &Error{Op: op, Err: context.Cause(ctx)}
}

// closedConn reports a connection the server closed or reset before an
// answer: on a kept-alive connection, the mark of a stale one.
func closedConn(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

// check refuses what the transport cannot send, as net/http's Transport
// does (its messages, this package's prefix), and returns the pool key.
func check(req *http.Request) (connKey, error) {
	u := req.URL
	if u == nil {
		return connKey{}, errors.New("h1client: the request has no URL")
	}
	if req.Header == nil {
		return connKey{}, errors.New("h1client: the request has a nil Header map; make one with http.NewRequest")
	}
	var key connKey
	switch u.Scheme {
	case "http":
	case "https":
		key.https = true
	default:
		return connKey{}, fmt.Errorf("h1client: unsupported URL scheme %q in %s: only http and https", u.Scheme, u.Redacted())
	}
	if u.Host == "" {
		return connKey{}, fmt.Errorf("h1client: the request URL %s has no host", u.Redacted())
	}
	if m := req.Method; m != "" && (m == http.MethodConnect || strings.IndexFunc(m, notTokenRune) >= 0) {
		return connKey{}, fmt.Errorf("h1client: unsupported method %q (CONNECT and non-token methods are refused)", m)
	}
	for k, vv := range req.Header {
		if !httpguts.ValidHeaderFieldName(k) {
			return connKey{}, fmt.Errorf("h1client: invalid header field name %q", k)
		}
		for _, v := range vv {
			if !httpguts.ValidHeaderFieldValue(v) {
				return connKey{}, fmt.Errorf("h1client: invalid header field value for %q", k)
			}
		}
		switch {
		case strings.EqualFold(k, "Expect"):
			return connKey{}, errors.New("h1client: Expect headers (100-continue) are not supported: send the request without one")
		case strings.EqualFold(k, "Upgrade"):
			return connKey{}, errors.New("h1client: protocol upgrades are not supported: send the request without an Upgrade header")
		}
	}
	key.addr = u.Host
	if !hasPort(u.Host) {
		port := "80"
		if key.https {
			port = "443"
		}
		key.addr = net.JoinHostPort(u.Hostname(), port)
	}
	return key, nil
}

// notTokenRune reports a rune that cannot be in an HTTP token (RFC 9110
// 5.6.2).
func notTokenRune(r rune) bool { return r >= 0x80 || !httpguts.IsTokenRune(r) }

// hasPort reports a host:port (an IPv6 literal in brackets too).
func hasPort(host string) bool {
	i := strings.LastIndexByte(host, ':')
	return i >= 0 && i > strings.LastIndexByte(host, ']')
}

// wantsClose reports a request that asks the server to close after it.
func wantsClose(req *http.Request) bool {
	if req.Close {
		return true
	}
	for _, v := range req.Header["Connection"] {
		for tok := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "close") {
				return true
			}
		}
	}
	return false
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// dial opens a connection for key: TCP, then TLS for https.
func (t *Transport) dial(ctx context.Context, key connKey, trace *httptrace.ClientTrace) (*conn, error) {
	dial := t.DialContext
	if dial == nil {
		dial = defaultDialer.DialContext
	}
	nc, err := dial(ctx, "tcp", key.addr)
	if err != nil {
		return nil, t.fail(ctx, &Error{Op: "dial", Err: err})
	}
	c := &conn{key: key, nc: nc}
	if key.https {
		var cfg *tls.Config
		if t.TLSClientConfig != nil {
			cfg = t.TLSClientConfig.Clone()
		} else {
			cfg = &tls.Config{}
		}
		if cfg.ServerName == "" {
			host, _, _ := net.SplitHostPort(key.addr)
			cfg.ServerName = host
		}
		cfg.NextProtos = []string{"http/1.1"}
		tc := tls.Client(nc, cfg)
		if trace != nil && trace.TLSHandshakeStart != nil {
			trace.TLSHandshakeStart()
		}
		err := tc.HandshakeContext(ctx)
		st := tc.ConnectionState()
		if trace != nil && trace.TLSHandshakeDone != nil {
			trace.TLSHandshakeDone(st, err)
		}
		if err != nil {
			nc.Close()
			return nil, t.fail(ctx, &Error{Op: "tls handshake", Err: err})
		}
		c.nc, c.tlsState = tc, &st
	}
	c.lim.r = c.nc
	c.br = bufio.NewReaderSize(&c.lim, t.readBufferSize())
	return c, nil
}

func (t *Transport) writer(nc net.Conn) *bufio.Writer {
	if w, ok := t.writers.Get().(*bufio.Writer); ok {
		w.Reset(nc)
		return w
	}
	return bufio.NewWriterSize(nc, t.writeBufferSize())
}

func (t *Transport) readBufferSize() int {
	if t.ReadBufferSize > 0 {
		return t.ReadBufferSize
	}
	return DefaultBufferSize
}

func (t *Transport) writeBufferSize() int {
	if t.WriteBufferSize > 0 {
		return t.WriteBufferSize
	}
	return DefaultBufferSize
}

func (t *Transport) maxHeaderBytes() int64 {
	if t.MaxResponseHeaderBytes > 0 {
		return t.MaxResponseHeaderBytes
	}
	return DefaultMaxResponseHeaderBytes
}

func (t *Transport) maxIdle() int {
	if t.MaxIdlePerHost == 0 {
		return DefaultMaxIdlePerHost
	}
	return t.MaxIdlePerHost
}

func (t *Transport) idleTimeout() time.Duration {
	if t.IdleTimeout > 0 {
		return t.IdleTimeout
	}
	return DefaultIdleTimeout
}

// release ends an exchange whose answer has been read: the connection goes
// back to the pool when keep says it may and nothing else is pending on
// it, and is closed otherwise.
func (t *Transport) release(c *conn, stop func() bool, keep bool, trace *httptrace.ClientTrace) {
	// A false stop means the context's function has run or is running:
	// the connection's deadline is (being) set in the past.
	if stop != nil && !stop() {
		keep = false
	}
	// Bytes after the answer are not an answer to anything: net/http
	// closes such a connection too.
	if c.br.Buffered() > 0 {
		keep = false
	}
	var err error
	if keep {
		err = t.putIdle(c)
	} else {
		c.nc.Close()
		err = errNotReusable
	}
	if trace != nil && trace.PutIdleConn != nil {
		trace.PutIdleConn(err)
	}
}

// getIdle takes the most recently used idle connection for key (LIFO: the
// warmest, and the least likely to have been closed by the server), or
// returns nil. Expired connections are closed.
func (t *Transport) getIdle(key connKey) (*conn, time.Duration) {
	t.mu.Lock()
	list := t.idle[key]
	if len(list) == 0 {
		t.mu.Unlock()
		return nil, 0
	}
	c := list[len(list)-1]
	idleFor := time.Since(c.idleSince)
	if idleFor >= t.idleTimeout() {
		// The newest has expired, so have the others.
		delete(t.idle, key)
		t.mu.Unlock()
		for _, c := range list {
			c.nc.Close()
		}
		return nil, 0
	}
	list[len(list)-1] = nil
	t.idle[key] = list[:len(list)-1]
	t.mu.Unlock()
	return c, idleFor
}

// putIdle adds c to its pool, closing the oldest idle connection when the
// pool is full.
func (t *Transport) putIdle(c *conn) error {
	limit := t.maxIdle()
	if limit < 0 {
		c.nc.Close()
		return errIdleDisabled
	}
	var evicted *conn
	t.mu.Lock()
	if t.idle == nil {
		t.idle = map[connKey][]*conn{}
	}
	list := t.idle[c.key]
	if len(list) >= limit {
		evicted = list[0]
		n := copy(list, list[1:])
		list[n] = nil
		list = list[:n]
	}
	c.reused = true
	c.idleSince = time.Now()
	t.idle[c.key] = append(list, c)
	if !t.reaperArmed {
		t.reaperArmed = true
		if t.reaper == nil {
			t.reaper = time.AfterFunc(t.idleTimeout(), t.reap)
		} else {
			t.reaper.Reset(t.idleTimeout())
		}
	}
	t.mu.Unlock()
	if evicted != nil {
		evicted.nc.Close()
	}
	return nil
}

// reap closes the connections idle for IdleTimeout and arms the timer for
// the next to expire: one timer per Transport, not one per connection.
func (t *Transport) reap() {
	timeout := t.idleTimeout()
	var dead []*conn
	t.mu.Lock()
	now := time.Now()
	var next time.Time
	for k, list := range t.idle {
		i := 0
		for i < len(list) && now.Sub(list[i].idleSince) >= timeout {
			i++
		}
		dead = append(dead, list[:i]...)
		n := copy(list, list[i:])
		clear(list[n:])
		if n == 0 {
			delete(t.idle, k)
			continue
		}
		t.idle[k] = list[:n]
		if exp := list[0].idleSince.Add(timeout); next.IsZero() || exp.Before(next) {
			next = exp
		}
	}
	t.reaperArmed = !next.IsZero()
	if t.reaperArmed {
		t.reaper.Reset(next.Sub(now))
	}
	t.mu.Unlock()
	for _, c := range dead {
		c.nc.Close()
	}
}

// dropIdleSince closes key's idle connections put in the pool no later
// than since. A kept-alive connection idle since then turned out closed
// by the server (its idle timeout, a restart): those idle as long or
// longer are most likely closed too, and a resend must not meet one.
func (t *Transport) dropIdleSince(key connKey, since time.Time) {
	t.mu.Lock()
	list := t.idle[key]
	i := 0
	for i < len(list) && !list[i].idleSince.After(since) {
		i++
	}
	dead := append([]*conn(nil), list[:i]...)
	n := copy(list, list[i:])
	clear(list[n:])
	if n == 0 {
		delete(t.idle, key)
	} else {
		t.idle[key] = list[:n]
	}
	t.mu.Unlock()
	for _, c := range dead {
		c.nc.Close()
	}
}

// CloseIdleConnections closes every idle connection. Connections in use
// are left alone (and pooled again when their answers end).
func (t *Transport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = nil
	if t.reaper != nil {
		t.reaper.Stop()
		t.reaperArmed = false
	}
	t.mu.Unlock()
	for _, list := range idle {
		for _, c := range list {
			c.nc.Close()
		}
	}
}

// body is an answer's body: it gives the connection back at its end.
type body struct {
	t     *Transport
	c     *conn
	rc    io.ReadCloser // http.ReadResponse's body
	ctx   context.Context
	stop  func() bool
	trace *httptrace.ClientTrace
	keep  bool

	mu     sync.Mutex
	ended  bool  // b.mu; the connection has been released or closed
	closed bool  // b.mu; Close has been called
	err    error // b.mu; what Read returns once ended
}

func (b *body) Read(p []byte) (int, error) {
	b.mu.Lock()
	closed, ended, endErr := b.closed, b.ended, b.err
	b.mu.Unlock()
	switch {
	case closed:
		return 0, errBodyClosed
	case ended:
		return 0, endErr
	}
	n, err := b.rc.Read(p)
	switch {
	case err == io.EOF:
		b.end(io.EOF, b.keep)
	case err != nil:
		err = b.t.fail(b.ctx, &Error{Op: "read body", Err: err})
		b.end(err, false)
	}
	return n, err
}

// end releases the connection once, after the body's end (keep) or a
// failure.
func (b *body) end(err error, keep bool) {
	b.mu.Lock()
	if b.ended {
		b.mu.Unlock()
		return
	}
	b.ended, b.err = true, err
	b.mu.Unlock()
	b.t.release(b.c, b.stop, keep, b.trace)
}

// Close ends the body. Before its end, the connection is closed rather than
// drained (the rest of a large or slow answer is not worth waiting for),
// which also stops a Read blocked in another goroutine.
func (b *body) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.end(errBodyClosed, false)
	return nil
}
