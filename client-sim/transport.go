package clientsim

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"syscall"

	"github.com/wsusmock/wsusmock/client-sim/wulog"
	"github.com/wsusmock/wsusmock/internal/h1client"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/xpress"
)

// exchangeError is a failed exchange as the agent sees it: the HRESULT it
// reports, the fault if the server sent one, and words for the log and the
// Result.
type exchangeError struct {
	op     string
	hr     HResult
	status int // HTTP status; 0 when no answer came
	fault  *soap.Fault
	// detail is the lower layer's message, logged before the
	// "<op> failure" line; reason is the Result's explanation.
	detail string
	reason string
	// protocol marks an answer that parsed but lacked what the agent
	// needs (no SimpleTargeting plug-in, no result element).
	protocol bool
}

func (e *exchangeError) Error() string {
	return fmt.Sprintf("clientsim: %s: %s (%s)", e.op, e.reason, e.hr)
}

// errTooManyRedirects is what CheckRedirect returns past the limit.
var errTooManyRedirects = errors.New("clientsim: too many redirects")

// idleCloser is the agent's own transport, whose connections it closes
// as it closes its WinHTTP session.
type idleCloser interface{ CloseIdleConnections() }

// newTransport is the transport of one simulated computer: its own
// connections, as each computer has its own WinHTTP session and never
// shares TCP connections with another. It is h1client's, which writes a
// request and reads its answer in the agent's goroutine, so that a fleet
// costs less CPU than the server it loads (issue 17: net/http's two
// goroutines per connection and their handoffs were most of the load's
// CPU); the bytes on the wire are net/http's (h1client's
// TestSameBytesAsNetHTTP). h1client knows no proxies: when the
// environment names one for server, the transport is net/http's.
func newTransport(server *url.URL) (http.RoundTripper, idleCloser) {
	return newTransportVia(server, http.ProxyFromEnvironment)
}

// newTransportVia is newTransport with the proxy settings of proxyFor.
func newTransportVia(server *url.URL, proxyFor func(*http.Request) (*url.URL, error)) (http.RoundTripper, idleCloser) {
	if server != nil {
		if proxy, err := proxyFor(&http.Request{URL: server}); err == nil && proxy == nil {
			// WinHTTP keeps a few connections per server and session; one
			// agent makes one call at a time.
			t := &h1client.Transport{MaxIdlePerHost: 2}
			return t, t
		}
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 4
	t.MaxIdleConnsPerHost = 2
	return t, t
}

// newHTTPClient returns the agent's client and its own transport (nil when
// the caller's RoundTripper is used as is): newTransport's when base has
// no Transport; a clone of base's *http.Transport (same dialer, TLS and
// proxy settings, none of its connections); or base's other RoundTripper
// (a recorder, a test double, a load's shared transport) as given. The
// client stops after maxRedirects redirects, as WinHTTP does.
func newHTTPClient(base *http.Client, server *url.URL, maxRedirects int) (*http.Client, idleCloser) {
	var rt http.RoundTripper
	var own idleCloser
	switch {
	case base == nil || base.Transport == nil:
		rt, own = newTransport(server)
	default:
		if t, ok := base.Transport.(*http.Transport); ok {
			c := t.Clone()
			rt, own = c, c
		} else {
			rt = base.Transport
		}
	}
	if t, ok := rt.(*http.Transport); ok && own != nil {
		// WinHTTP offers no gzip: the agent's only Accept-Encoding is its own
		// (xpress), never net/http's transparent one. (h1client adds none.)
		t.DisableCompression = true
	}
	c := &http.Client{Transport: rt}
	if base != nil {
		c.Jar = base.Jar
	}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("%w: stopped after %d redirects, the last to %s", errTooManyRedirects, len(via), req.URL)
		}
		return nil
	}
	return c, own
}

// exchange sends req (whose context the caller derived from ctx with the
// call deadline) and reads the whole answer. It counts the round trip and
// its latency. A transport failure comes back as an *exchangeError.
//
// A request that failed on a reused keep-alive connection before any byte
// of an answer came back, because the connection was gone (the request
// could not be written, or the server closed the connection without
// answering), is sent once more on a new connection, as WinHTTP resends
// on a stale keep-alive connection; its failure then is the call's. A
// connection reset after the request was written, a timeout, or anything
// after the first answer byte is not resent and keeps its HRESULT. The
// resend is WinHTTP's, below the agent: it is one round trip.
//
// The answer is read into a pooled buffer, returned as pooled: data is it,
// or its xpress decoding. A caller done with data (decoded: values copy
// what they keep) gives pooled back with soap.PutBody; one that keeps data
// leaves pooled to the collector.
func (s *session) exchange(ctx context.Context, op string, req *http.Request) (resp *http.Response, data, pooled []byte, xerr *exchangeError) {
	s.res.RoundTrips++
	start := s.stopwatch.Now()
	resp, data, err := s.send(req)
	if err != nil && err.stale {
		s.closeIdle()
		retry, rerr := resend(req)
		if rerr == nil {
			resp, data, err = s.send(retry)
		}
	}
	if err == nil {
		pooled = data
		var derr error
		if data, derr = decodeContent(resp, data, s.maxBody); derr != nil {
			err = &sendError{err: derr}
			soap.PutBody(pooled)
			pooled = nil
		}
	}
	s.res.latencies = append(s.res.latencies, opLatency{op: op, d: s.stopwatch.Now().Sub(start)})
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		e := transportError(ctx, op, err.err)
		e.status = status
		s.call(op, status, e.hr.String())
		return resp, nil, nil, e
	}
	return resp, data, pooled, nil
}

// sendError is a failed send: the error and whether it is a stale
// keep-alive connection that WinHTTP would resend on.
type sendError struct {
	err   error
	stale bool
}

// send makes one attempt and reads the whole answer, watching the
// connection (reused or new), whether the request was written and whether
// any answer byte came back.
func (s *session) send(req *http.Request) (*http.Response, []byte, *sendError) {
	var reused, wrote, answered bool
	var writeErr error
	trace := &httptrace.ClientTrace{
		GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused },
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			wrote, writeErr = true, i.Err
		},
		GotFirstResponseByte: func() { answered = true },
	}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	resp, err := s.client.Do(req)
	var data []byte
	if err == nil {
		data, err = readAll(resp.Body, resp.ContentLength, s.maxBody)
		resp.Body.Close()
	}
	if err == nil {
		return resp, data, nil
	}
	stale := reused && !answered && req.Context().Err() == nil &&
		(wrote && writeErr != nil || closedByPeer(err))
	return resp, nil, &sendError{err: err, stale: stale}
}

// closedByPeer reports a connection the server closed (FIN) rather than
// reset: an EOF before the answer, net/http's "server closed idle
// connection", or a write to a connection already shut (EPIPE).
func closedByPeer(err error) bool {
	if errors.Is(err, syscall.ECONNRESET) {
		return false
	}
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.EPIPE) ||
		strings.Contains(err.Error(), "server closed idle connection")
}

// resend is req again, with its body rewound, for a new connection: the
// agent's own transport has just closed its idle ones (closeIdle), and a
// transport shared by many agents (h1client's, in `wsusrepro bench`) is
// asked for a new one, as WinHTTP resends on a new connection.
func resend(req *http.Request) (*http.Request, error) {
	r := req.Clone(h1client.WithNewConnection(req.Context()))
	if req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			return nil, errors.New("clientsim: request body cannot be sent again")
		}
		body, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("clientsim: request body cannot be sent again: %w", err)
		}
		r.Body = body
	}
	return r, nil
}

// closeIdle drops the agent's idle connections, so that a resend opens a
// new one. A shared RoundTripper the agent does not own is left alone.
func (s *session) closeIdle() {
	if s.transport != nil {
		s.transport.CloseIdleConnections()
	}
}

// decodeContent undoes the answer's Content-Encoding: xpress (MS-WUSP
// 2.1.1), decoding at most limit bytes, as the agent does for an answer that
// says it is compressed whether or not it asked. Other codings are left to
// the HTTP client (which undoes the gzip it asked for itself).
func decodeContent(resp *http.Response, data []byte, limit int64) ([]byte, error) {
	if !strings.EqualFold(strings.TrimSpace(resp.Header.Get("Content-Encoding")), "xpress") {
		return data, nil
	}
	out, err := xpress.Decode(data, int(min(limit, math.MaxInt32)))
	switch {
	case errors.Is(err, xpress.ErrTooLarge):
		return nil, fmt.Errorf("%w: the xpress answer decodes to more than %d bytes", errBodyTooLarge, limit)
	case err != nil:
		return nil, fmt.Errorf("%w: %w", errBadContentEncoding, err)
	}
	return out, nil
}

// errBadContentEncoding is decodeContent's error for a body that does not
// decode.
var errBadContentEncoding = errors.New("clientsim: the compressed answer does not decode")

// errBodyTooLarge is readAll's error past the limit.
var errBodyTooLarge = errors.New("clientsim: response body too large")

// readAll reads an answer's body, at most limit bytes, into a pooled
// buffer (soap.ReadBody; exchange's caller gives it back). The buffer is
// sized from the Content-Length (the server's answers carry one, bounded
// here by limit) so that a large answer is not copied through each size on
// the way.
func readAll(r io.Reader, hint, limit int64) ([]byte, error) {
	data, err := soap.ReadBody(r, min(hint, limit), limit)
	if err == nil && int64(len(data)) > limit {
		err = fmt.Errorf("%w: more than %d bytes", errBodyTooLarge, limit)
	}
	if err != nil {
		soap.PutBody(data)
		return nil, err
	}
	return data, nil
}

// transportError maps a failure to send or to read an answer to the
// HRESULT the agent reports. WinHTTP errors pass through WUA unchanged
// (0x80072EFD cannot connect, 0x80072EE2 timeout, ...), so these are what a
// real log shows.
func transportError(parent context.Context, op string, err error) *exchangeError {
	e := &exchangeError{op: op}
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var netErr net.Error
	switch {
	case errors.Is(err, errTooManyRedirects):
		e.hr, e.reason = HRRedirectFailed, "redirect loop: "+rootCause(err)
	case parent.Err() != nil:
		e.hr, e.reason = HRCallCancelled, "the search was cancelled: "+parent.Err().Error()
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		e.hr, e.reason = HRTimeout, "no answer within the call deadline"
	case isCertificateError(err):
		e.hr, e.reason = HRSecureFailure, "the server's certificate is not trusted: "+rootCause(err)
	case errors.As(err, &dnsErr):
		e.hr, e.reason = HRNameNotResolved, "server name not resolved: "+dnsErr.Error()
	case errors.Is(err, syscall.ECONNREFUSED), errors.As(err, &opErr) && opErr.Op == "dial":
		e.hr, e.reason = HRCannotConnect, "cannot connect to the server: "+rootCause(err)
	case errors.Is(err, errBodyTooLarge), errors.Is(err, errBadContentEncoding):
		// The answer came but cannot be read: WU_E_PT_SOAPCLIENT_READ.
		e.hr, e.reason = HRSoapClientRead, err.Error()
	case errors.Is(err, syscall.EPIPE):
		// The server closed the connection while the request was being
		// written: WinHTTP fails the send with ERROR_WINHTTP_CONNECTION_ERROR,
		// as it does a reset, whichever of the two the kernel reports first.
		e.hr, e.reason = HRConnectionError, "the server closed the connection while the request was sent (broken pipe)"
	case errors.Is(err, syscall.ECONNRESET):
		// The reason leaves out the socket addresses: an ephemeral port in
		// the log would make two runs of one scenario differ.
		e.hr, e.reason = HRConnectionError, "the server reset the connection (connection reset by peer)"
	case errors.Is(err, io.ErrUnexpectedEOF):
		// WinHTTP fails a read that ends short of the Content-Length with
		// ERROR_WINHTTP_CONNECTION_ERROR: the body never reaches the SOAP
		// parser, so this is not 0x8024400A.
		e.hr, e.reason = HRConnectionError, "the connection closed before the answer was complete (body shorter than its Content-Length)"
	case errors.Is(err, io.EOF):
		e.hr, e.reason = HRConnectionError, "the connection closed before an answer came (EOF)"
	default:
		e.hr, e.reason = HRSoapClientSend, "sending the request failed: "+rootCause(err)
	}
	// WUA's own wording for a WinHTTP failure, then ours.
	e.detail = fmt.Sprintf("Send failed with hr = %x: %s.", uint32(e.hr), e.reason)
	return e
}

// isCertificateError reports a TLS certificate failure, which WinHTTP
// reports as ERROR_WINHTTP_SECURE_FAILURE.
func isCertificateError(err error) bool {
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var host x509.HostnameError
	var verify *tls.CertificateVerificationError
	return errors.As(err, &unknown) || errors.As(err, &invalid) || errors.As(err, &host) || errors.As(err, &verify)
}

// rootCause returns the error without the method and URL that *url.Error
// repeats.
func rootCause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// isXMLContentType accepts what a SOAP 1.1 answer may carry; an absent
// Content-Type is given the benefit of the doubt and parsed.
func isXMLContentType(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch mt {
	case "text/xml", "application/soap+xml", "application/xml":
		return true
	}
	return false
}

// soapCall sends a SOAP 1.1 request for op to endpoint and decodes the
// answer into out. The errors are *exchangeError; a SOAP fault is one with
// fault set and the HRESULT the flavour's agent derives from its fault code.
func (s *session) soapCall(ctx context.Context, op, endpoint, action string, body, out any) *exchangeError {
	if s.res.RoundTrips >= s.maxTrips {
		e := &exchangeError{op: op, hr: HRExceededMaxServerTrips,
			reason: fmt.Sprintf("more than %d round trips to the server in one search", s.maxTrips)}
		s.call(op, 0, e.hr.String())
		return e
	}
	payload, err := soap.EncodeRequestPooled(soap.SOAP11, body)
	if err != nil {
		// The wire types always marshal; this is a bug of the simulator.
		return &exchangeError{op: op, hr: HRPTUnexpected, reason: err.Error(), detail: err.Error()}
	}
	cctx, cancel := context.WithTimeout(ctx, s.callTimeout)
	defer cancel()
	// A *bytes.Reader body: NewRequest sets ContentLength and GetBody, which
	// lets net/http follow a 307/308 with the body and resend a request of
	// which nothing was written on a reused connection (the stale-connection
	// resend exchange makes itself, through resend). net/http also knows it
	// for an in-memory body and writes the headers and the body in one
	// system call, where a body of another type has its headers flushed
	// first (issue 17: one write fewer per request for the load).
	req, err := http.NewRequestWithContext(cctx, http.MethodPost, endpoint, bytes.NewReader(payload))
	if err != nil {
		return &exchangeError{op: op, hr: HRSoapClientSend, reason: err.Error(), detail: err.Error()}
	}
	h := req.Header
	// The headers of the captured native requests; Accept-Encoding: xpress
	// when the profile's agent asks for compressed answers; WUA 10's
	// Connection and MS-CV below.
	h.Set("Cache-Control", "no-cache")
	h.Set("Pragma", "no-cache")
	if s.cfg.Profile.AcceptXpress {
		h.Set("Accept-Encoding", "xpress")
	}
	h.Set("User-Agent", s.userAgent)
	soap.SetRequestHeaders(h, soap.SOAP11, action)
	if s.wua10 {
		// The captured WUA 10 requests say Connection: Keep-Alive, and those
		// to the client web service carry an MS-CV correlation vector (the
		// reporting ones do not).
		h.Set("Connection", "Keep-Alive")
		if endpoint != s.urls.reporting {
			s.cvSeq++
			h.Set("MS-CV", fmt.Sprintf("%s.1.0.0.2.%d", s.cv, s.cvSeq))
		}
	}
	resp, data, pooled, xerr := s.exchange(ctx, op, req)
	if xerr != nil {
		// A failed round trip may still be reading the request: its
		// buffer is left to the collector.
		return xerr
	}
	// The answer's body was read and closed: nothing reads the request
	// any more (http.RoundTripper's contract).
	soap.PutBody(payload)
	e := s.interpret(op, resp, data, out)
	// Decoding copied what out keeps, and e holds only strings: the answer's
	// buffer goes back for another answer (issue 17: the load allocated and
	// collected one per answer, tens of KB each).
	soap.PutBody(pooled)
	if e != nil {
		if e.fault != nil {
			s.call(op, resp.StatusCode, "fault "+faultLabel(e.fault))
		} else {
			s.call(op, resp.StatusCode, e.hr.String())
		}
		return e
	}
	s.call(op, resp.StatusCode, "ok")
	return nil
}

func faultLabel(f *soap.Fault) string {
	if c := f.ErrorCode(); c != "" {
		return c
	}
	return f.Code
}

// interpret reads an answer as the ATL-based WUA 7 does: a SOAP fault is
// recognised (ATL requires HTTP 500; the simulator also accepts one sent
// with 200), a 200 must be a well-formed response, and any other status is
// a WU_E_PT_HTTP_STATUS_* error.
func (s *session) interpret(op string, resp *http.Response, data []byte, out any) *exchangeError {
	status := resp.StatusCode
	ct := resp.Header.Get("Content-Type")
	e := &exchangeError{op: op, status: status}
	if status != http.StatusOK && status != http.StatusInternalServerError {
		e.hr = HTTPStatusHResult(status)
		e.reason = fmt.Sprintf("HTTP status %d %s", status, http.StatusText(status))
		e.detail = fmt.Sprintf("HTTP status %d from %s", status, resp.Request.URL)
		return e
	}
	if !isXMLContentType(ct) {
		e.hr = HRSoapClientParse
		if status == http.StatusInternalServerError {
			e.hr = HRHTTPServerError
		}
		e.reason = fmt.Sprintf("HTTP %d answer has content type %q, not a SOAP message (text/xml)", status, ct)
		e.detail = e.reason
		return e
	}
	err := soap.ParseResponse(data, out)
	var f *soap.Fault
	switch {
	case errors.As(err, &f) && !f.Standard() && s.flavour == wulog.Classic:
		// WUA 7's fault parser is ATL Server's: CSoapFault::SetErrorCode
		// accepts only a faultcode whose prefix is the one bound to the SOAP
		// envelope namespace and whose local part is VersionMismatch,
		// MustUnderstand, Client or Server, and fails the parse otherwise
		// (atlsoap.h). WCF's a:InternalServiceFault is such a fault: the agent
		// reports SOAPCLIENT_PARSEFAULT_ERROR.
		e.hr = HRSoapClientParseFault
		e.reason = fmt.Sprintf("the SOAP fault's code %s (namespace %s) is not a SOAP 1.1 fault code; WUA 7's ATL parser accepts only Client, Server, VersionMismatch and MustUnderstand in the envelope namespace", f.Code, f.CodeNamespace)
		if f.String != "" {
			e.reason += "; faultstring: " + f.String
		}
	case errors.As(err, &f):
		code := wulog.SoapErrorCodeOf(f.Code)
		if !f.Standard() {
			code = wulog.SoapErrorUnknown
		}
		e.fault = f
		e.hr = HResult(s.flavour.FaultHResult(code))
		e.reason = fmt.Sprintf("SOAP fault %s", f.Code)
		if d := f.Detail; d != nil {
			e.reason = fmt.Sprintf("SOAP fault %s, ErrorCode %s", f.Code, d.ErrorCode)
			if d.Message != "" {
				e.reason += ", Message " + d.Message
			}
			e.reason += ", ID " + d.ID
		} else if f.String != "" {
			e.reason += ": " + f.String
		}
		return e
	case err == nil && status == http.StatusOK:
		return nil
	case err == nil:
		e.hr = HRHTTPServerError
		e.reason = "HTTP 500 with a SOAP response that is not a fault"
	case errors.Is(err, soap.ErrFaultSyntax):
		e.hr = HRSoapClientParseFault
		e.reason = "the SOAP fault cannot be parsed: " + err.Error()
	case status == http.StatusInternalServerError:
		e.hr = HRHTTPServerError
		e.reason = "HTTP 500 without a parsable SOAP fault: " + err.Error()
	default:
		e.hr = HRSoapClientParse
		e.reason = "the response cannot be parsed: " + err.Error()
	}
	e.detail = e.reason
	return e
}

// getFile fetches a file (the self-update wuident.cab) as the agent's
// downloader does: any 2xx is success; the body is returned.
func (s *session) getFile(ctx context.Context, op, url string) ([]byte, *exchangeError) {
	if s.res.RoundTrips >= s.maxTrips {
		e := &exchangeError{op: op, hr: HRExceededMaxServerTrips,
			reason: fmt.Sprintf("more than %d round trips to the server in one search", s.maxTrips)}
		s.call(op, 0, e.hr.String())
		return nil, e
	}
	cctx, cancel := context.WithTimeout(ctx, s.callTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, &exchangeError{op: op, hr: HRSoapClientSend, reason: err.Error(), detail: err.Error()}
	}
	req.Header.Set("User-Agent", s.userAgent)
	// The file is returned: its buffer is left to the collector.
	resp, data, _, xerr := s.exchange(ctx, op, req)
	if xerr != nil {
		return nil, xerr
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &exchangeError{op: op, status: resp.StatusCode, hr: HTTPStatusHResult(resp.StatusCode),
			reason: fmt.Sprintf("HTTP status %d %s for %s", resp.StatusCode, http.StatusText(resp.StatusCode), url)}
		s.call(op, resp.StatusCode, e.hr.String())
		return nil, e
	}
	s.call(op, resp.StatusCode, "ok")
	return data, nil
}

// call records an exchange in the Result.
func (s *session) call(op string, status int, outcome string) {
	s.res.Calls = append(s.res.Calls, Call{Operation: op, Status: status, Outcome: outcome})
}
