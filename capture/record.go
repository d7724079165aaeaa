package capture

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
)

// recording is the state of one exchange being recorded, reachable from
// the request context so that the proxy's hooks can add notes to it.
type recording struct {
	mu    sync.Mutex
	notes []string
}

func (rc *recording) note(format string, args ...any) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	msg := fmt.Sprintf(format, args...)
	for _, n := range rc.notes {
		if n == msg {
			return
		}
	}
	rc.notes = append(rc.notes, msg)
}

func (rc *recording) text() string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return strings.Join(rc.notes, "; ")
}

type recordingKey struct{}

func recordingFrom(ctx context.Context) *recording {
	rc, _ := ctx.Value(recordingKey{}).(*recording)
	return rc
}

// capped keeps the first max bytes written to it (all when max < 0) and
// counts the rest. It is shared between the handler's goroutines (a
// reverse proxy's transport reads the request body from its own).
type capped struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	max       int64
	n         int64
	truncated bool
}

func (c *capped) keep(p []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n += int64(len(p))
	if c.max >= 0 {
		room := c.max - int64(c.buf.Len())
		if room < int64(len(p)) {
			c.truncated = true
			if room <= 0 {
				return
			}
			p = p[:room]
		}
	}
	c.buf.Write(p)
}

func (c *capped) snapshot() (data []byte, total int64, truncated bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.buf.Bytes()), c.n, c.truncated
}

// teeBody records a request body as the handler reads it.
type teeBody struct {
	rc   io.ReadCloser
	rec  capped
	mu   sync.Mutex // serialises reads: the drain after the handler must not race its goroutines
	eof  bool
	err  error
	read bool
}

func (t *teeBody) Read(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.readLocked(p)
}

func (t *teeBody) readLocked(p []byte) (int, error) {
	if t.eof {
		return 0, io.EOF
	}
	n, err := t.rc.Read(p)
	t.read = true
	t.rec.keep(p[:n])
	switch {
	case err == io.EOF:
		t.eof = true
	case err != nil && t.err == nil:
		t.err = err
	}
	return n, err
}

func (t *teeBody) Close() error { return t.rc.Close() }

// drainLimit bounds how much unread request body the recorder reads after
// the handler returns: net/http's own limit for discarding one.
const drainLimit = 256 << 10

// drain reads what the handler left unread, up to drainLimit, so that the
// recording holds the whole request the client sent.
func (t *teeBody) drain() {
	t.mu.Lock()
	defer t.mu.Unlock()
	buf := make([]byte, 32<<10)
	var n int64
	for !t.eof && t.err == nil && n < drainLimit {
		k, err := t.readLocked(buf)
		n += int64(k)
		if err != nil {
			break
		}
	}
}

// teeWriter streams the response to the client and records it.
type teeWriter struct {
	rw   http.ResponseWriter
	body capped

	mu          sync.Mutex
	wroteHeader bool
	status      int
	header      http.Header
	writeErr    error
}

func (t *teeWriter) Header() http.Header { return t.rw.Header() }

func (t *teeWriter) WriteHeader(code int) {
	t.mu.Lock()
	if code >= 200 || code == http.StatusSwitchingProtocols {
		if !t.wroteHeader {
			t.wroteHeader = true
			t.status = code
			// The header as sent: later changes by the handler are ignored
			// by net/http too.
			t.header = t.rw.Header().Clone()
		}
	}
	t.mu.Unlock()
	t.rw.WriteHeader(code)
}

func (t *teeWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	implicit := !t.wroteHeader
	t.mu.Unlock()
	if implicit {
		t.WriteHeader(http.StatusOK)
	}
	n, err := t.rw.Write(p)
	t.body.keep(p[:n])
	if err != nil {
		t.mu.Lock()
		if t.writeErr == nil {
			t.writeErr = err
		}
		t.mu.Unlock()
	}
	return n, err
}

// Flush passes a flush on, so streaming handlers (the reverse proxy) keep
// streaming through the recorder.
func (t *teeWriter) Flush() {
	http.NewResponseController(t.rw).Flush()
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (t *teeWriter) Unwrap() http.ResponseWriter { return t.rw }

// Record returns a handler that serves every request with next and writes
// the exchange to w: the request as the client sent it (request line,
// headers, body) and the response as the client got it (status, the headers
// the handler set, body). Nothing is changed on the way: the body streams
// to the client as the handler writes it, and only the first
// WriterOptions.MaxBody bytes of each body are kept (meta.json notes a
// truncation). A handler that aborts (panics, as a reverse proxy does when
// its upstream fails mid-body) is recorded with an error note, and the
// panic goes on to net/http so the client sees the failure.
//
// Each exchange is numbered when its request arrives and written when it
// ends; call w.Wait before reading the capture, and w.Err for the first
// failure to write one.
func Record(next http.Handler, w *Writer) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		name := w.reserve()
		start := w.clk.Now()
		rc := &recording{}
		var body *teeBody
		if r.Body != nil && r.Body != http.NoBody {
			body = &teeBody{rc: r.Body, rec: capped{max: w.opts.MaxBody}}
			r.Body = body
		}
		r = r.WithContext(context.WithValue(r.Context(), recordingKey{}, rc))
		tw := &teeWriter{rw: rw, body: capped{max: w.opts.MaxBody}}
		defer func() {
			p := recover()
			switch {
			case p == nil:
			case p == http.ErrAbortHandler:
				rc.note("response aborted: the client got an incomplete response")
			default:
				rc.note("handler panicked: %v", p)
			}
			ex := buildExchange(r, body, tw, rc, p == nil)
			ex.Meta.Time = start.UTC()
			ex.Meta.Duration = w.clk.Now().Sub(start)
			w.record(name, ex)
			if p != nil {
				panic(p)
			}
		}()
		next.ServeHTTP(tw, r)
	})
}

// buildExchange assembles what a recording saw.
func buildExchange(r *http.Request, body *teeBody, tw *teeWriter, rc *recording, completed bool) Exchange {
	ex := Exchange{}
	ex.Request = Request{Method: r.Method, Target: r.RequestURI, Proto: r.Proto, Header: headerFromHTTP(r.Header, r.Host)}
	if ex.Request.Target == "" {
		ex.Request.Target = r.URL.RequestURI()
	}
	if r.TLS != nil {
		ex.Meta.Scheme = "https"
	} else {
		ex.Meta.Scheme = "http"
	}
	if body != nil {
		if completed {
			body.drain()
		}
		data, total, truncated := body.rec.snapshot()
		body.mu.Lock()
		eof, readErr := body.eof, body.err
		body.mu.Unlock()
		ex.Request.Body = data
		ex.Meta.RequestBodySize = total
		if readErr != nil {
			rc.note("reading the request body: %v", readErr)
		}
		if truncated || !eof && readErr == nil {
			ex.Meta.RequestBodyTruncated = true
			if r.ContentLength > total {
				ex.Meta.RequestBodySize = r.ContentLength
			}
		}
	}

	tw.mu.Lock()
	wrote, status, header, writeErr := tw.wroteHeader, tw.status, tw.header, tw.writeErr
	tw.mu.Unlock()
	if !wrote && completed {
		// A handler that writes nothing sends 200 with an empty body.
		wrote, status, header = true, http.StatusOK, tw.rw.Header().Clone()
	}
	if writeErr != nil {
		rc.note("writing the response to the client: %v", writeErr)
	}
	data, total, truncated := tw.body.snapshot()
	if wrote {
		if _, set := header["Content-Type"]; !set && len(data) > 0 && header.Get("Transfer-Encoding") == "" {
			// net/http sniffs a missing Content-Type from the first bytes;
			// record what the client got.
			header.Set("Content-Type", http.DetectContentType(data))
		}
		ex.Response = Response{Proto: r.Proto, StatusCode: status, Reason: http.StatusText(status), Header: headerFromHTTP(header, ""), Body: data}
		ex.Meta.ResponseBodySize = total
		ex.Meta.ResponseBodyTruncated = truncated
	} else {
		rc.note("no response was sent")
	}
	ex.Meta.Error = rc.text()
	return ex
}

// ProxyOptions configures NewProxy.
type ProxyOptions struct {
	// InsecureSkipVerify accepts any certificate from an HTTPS upstream
	// (self-signed lab servers). Ignored when Transport is set.
	InsecureSkipVerify bool
	// Transport sends requests upstream; nil means a clone of
	// http.DefaultTransport with compression left to the client (so that
	// bodies and Content-Encoding pass unchanged).
	Transport http.RoundTripper
	// PreserveHost sends the client's Host header upstream instead of the
	// upstream's own, so that URLs the server builds from it (content
	// locations) point back at the proxy.
	PreserveHost bool
	// ErrorLog receives the reverse proxy's own messages; nil discards them
	// (every failure is in the exchange's meta.json anyway).
	ErrorLog *log.Logger
}

// NewProxy returns a recording reverse proxy to upstream (http or https):
// every exchange passes unchanged, streaming, and is recorded as Record
// does. When the upstream cannot be reached the client gets 502 Bad Gateway
// and the exchange records the error; when the upstream fails in the middle
// of a body, the client's response is cut off (the connection is aborted,
// as the upstream's was) and the exchange is recorded with what arrived and
// an error note.
func NewProxy(upstream *url.URL, w *Writer, opts ProxyOptions) http.Handler {
	tr := opts.Transport
	if tr == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// The client asked for the encoding it wants; the transport must
		// not add gzip and decode behind its back.
		t.DisableCompression = true
		if opts.InsecureSkipVerify {
			t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
		}
		tr = t
	}
	errLog := opts.ErrorLog
	if errLog == nil {
		errLog = log.New(io.Discard, "", 0)
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(upstream)
			if opts.PreserveHost {
				pr.Out.Host = pr.In.Host
			}
		},
		Transport: tr,
		ErrorLog:  errLog,
		ModifyResponse: func(res *http.Response) error {
			if rc := recordingFrom(res.Request.Context()); rc != nil {
				res.Body = &noteBody{rc: res.Body, note: rc}
			}
			return nil
		},
		ErrorHandler: func(rw http.ResponseWriter, r *http.Request, err error) {
			if rc := recordingFrom(r.Context()); rc != nil {
				rc.note("upstream: %v", err)
			}
			rw.WriteHeader(http.StatusBadGateway)
		},
	}
	return Record(rp, w)
}

// noteBody notes a failure reading the upstream's response body: the copy
// error itself never reaches the recorder, only the proxy's abort does.
type noteBody struct {
	rc   io.ReadCloser
	note *recording
}

func (b *noteBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF && !errors.Is(err, context.Canceled) {
		b.note.note("upstream: reading the response body: %v", err)
	}
	return n, err
}

func (b *noteBody) Close() error { return b.rc.Close() }
