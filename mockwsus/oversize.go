package mockwsus

import (
	"fmt"
	"io"
	"net/http"
)

// discardOversize reads what is left of a request body that is over
// MaxBody, up to MaxDiscard in all, so that the 413 answer reaches a client
// that sends its whole body before it reads: answering with unread data
// waiting makes the kernel reset the connection, and such a client (WinHTTP,
// Python's urllib) sees the reset, never the answer. IIS does the same: it
// reads a request up to maxAllowedContentLength before ASP.NET refuses it
// for maxRequestLength. A body known to be larger is not read at all, and
// one that turns out larger (chunked) is read up to the bound only; both
// connections are closed after the answer, as before. The connection's read
// deadline (ListenOptions.ReadTimeout) still cuts a slow sender. The answer
// closes the connection in every case: a client that sent too much is not
// kept. It returns what it did, for the journal.
func (s *Server) discardOversize(w http.ResponseWriter, r *http.Request) string {
	w.Header().Set("Connection", "close")
	bound := s.cfg.MaxDiscard
	switch {
	case bound < 0:
		return "body past the limit not read (discarding is off), connection closed"
	case r.ContentLength > bound:
		return fmt.Sprintf("body of %d bytes is over the discard bound of %d: not read, connection closed", r.ContentLength, bound)
	case r.Body == nil || r.Body == http.NoBody:
		return "no body left to discard"
	}
	// soap.ReadRequest read nothing of a body whose Content-Length was over
	// MaxBody, and MaxBody+1 bytes of one without a Content-Length.
	var consumed int64
	if r.ContentLength < 0 {
		consumed = s.cfg.MaxBody + 1
	}
	left := bound - consumed
	if left < 0 {
		return fmt.Sprintf("body is over the discard bound of %d: not read further, connection closed", bound)
	}
	n, err := io.Copy(io.Discard, io.LimitReader(r.Body, left+1))
	switch {
	case err != nil:
		return fmt.Sprintf("body discarded up to %d bytes, then reading it failed (%v), connection closed", consumed+n, err)
	case n > left:
		return fmt.Sprintf("body is over the discard bound of %d: read that far, connection closed", bound)
	}
	return fmt.Sprintf("body of %d bytes read and discarded before the answer", consumed+n)
}
