package behaviour

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// This file holds what the transport fault injections (inject-*.go) share:
// a buffer to catch the server's answer before mangling it, a wait that ends
// with the request, and raw access to the connection.

// AnswerCutter is a ResponseInjector whose hits never deliver a whole
// answer: it sends part of one and closes the connection itself, past the
// server's HTTP writer, so the server journals the exchange as cut because
// the injection says so.
type AnswerCutter interface {
	CutsAnswer() bool
}

// bufferedResponse catches an answer: status, headers and body.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

// buffer runs next into a buffer whose headers start as a copy of w's (the
// server has set Server and X-Powered-By already).
func buffer(w http.ResponseWriter, next func(http.ResponseWriter)) *bufferedResponse {
	b := &bufferedResponse{header: w.Header().Clone()}
	next(b)
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// copyHeader replaces w's headers with the buffered ones and declares the
// whole body's length, as IIS does for a buffered ASP.NET answer.
func (b *bufferedResponse) copyHeader(w http.ResponseWriter) {
	h := w.Header()
	for k := range h {
		delete(h, k)
	}
	for k, v := range b.header {
		h[k] = v
	}
	h.Del("Transfer-Encoding")
	h.Set("Content-Length", strconv.Itoa(b.body.Len()))
}

// wait waits d or until ctx is done; it reports whether the whole d passed.
func wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// hijack takes the connection over from the HTTP server. It returns the
// raw TCP connection (under TLS, the one below it) and the buffered writer
// of the connection, or an error when w cannot be hijacked (HTTP/2, a test
// recorder).
func hijack(w http.ResponseWriter) (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, nil, fmt.Errorf("behaviour: hijacking the connection: %w", err)
	}
	return conn, rw, nil
}

// rawConn is the TCP connection under conn (conn itself unless it is TLS).
func rawConn(conn net.Conn) net.Conn {
	if nc, ok := conn.(interface{ NetConn() net.Conn }); ok {
		return nc.NetConn()
	}
	return conn
}

// drain reads what is left of a request body (at most limit bytes), so that
// a fault injected afterwards meets a client that is waiting for the answer
// rather than one still sending.
func drain(r *http.Request, limit int64) {
	if r.Body != nil {
		io.Copy(io.Discard, io.LimitReader(r.Body, limit))
	}
}
