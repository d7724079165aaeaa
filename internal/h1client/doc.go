// Package h1client is a lean, synchronous HTTP/1.1 client transport (an
// http.RoundTripper) for load generation.
//
// Why it exists: `wsusrepro bench` must cost less CPU than the server it
// loads (issue 17). net/http's Transport runs two goroutines per connection
// (a read loop and a write loop) and hands every request and answer between
// them and the caller over channels; in a profile of the load that machinery
// (the loops, their wake-ups and selects, Client.Do's bookkeeping) was about
// half of the load's CPU, more than the agents' own work. The server side,
// net/http's server, reads and writes in one goroutine per connection.
// Transport does the same on the client side: each RoundTrip runs in the
// caller's goroutine, on a keep-alive connection taken from a small LIFO
// pool or dialled for it, writes the request with (*http.Request).Write,
// reads the answer with http.ReadResponse, and gives the connection back
// when the answer's body has been read to its end.
//
// What goes on the wire is what net/http's Transport sends with
// DisableCompression set (the same request bytes, tested against it):
// Request.Write's, or for a load's usual requests (known length, in
// memory) the same bytes written by hand (FuzzWriteFast). Answers are read
// by net/http's own parser (Content-Length, chunked, close-delimited, 1xx
// interim answers skipped), or for the usual shape (HTTP/1.1, one
// Content-Length, plain headers) parsed from the read buffer into exactly
// the same Response (FuzzReadFast). The httptrace hooks a
// caller uses to detect a stale keep-alive connection (GetConn, GotConn,
// WroteHeaders, WroteRequest, GotFirstResponseByte, Got1xxResponse,
// PutIdleConn, TLS handshake; DNS and connect come from the dialer) keep
// net/http's meaning, and failures keep the system call errors (ECONNRESET,
// EPIPE, io.EOF, io.ErrUnexpectedEOF) reachable with errors.Is.
//
// What it does not do: HTTP/2, proxies (it never reads the proxy
// environment, as a zero http.Transport does not), transparent gzip,
// Expect: 100-continue, protocol upgrades (101), limits on connections per
// host (the caller bounds its concurrency), and retries of its own (a
// request that fails on a keep-alive connection the server had closed is
// reported, stale-detectable through the trace, for the caller to resend,
// as client-sim does, on a new connection: WithNewConnection). Requests it
// cannot serve get an error, never a hang. It is meant for simulated agents
// and load tools (client-sim's computers, wsusrepro bench), not as a
// general replacement for net/http's Transport.
package h1client
