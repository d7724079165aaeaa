package behaviour

import (
	"fmt"
	"net/http"
)

// InjectTruncatedBodyName is the registry name of the answer cut in the
// middle.
const InjectTruncatedBodyName = "inject-truncated-body"

// InjectTruncatedBodyEvery is which requests inject-truncated-body hits.
const InjectTruncatedBodyEvery = 4

// InjectTruncatedBody cuts answers in the middle.
//
// Bug: the connection drops while the answer is on its way (an IIS worker
// recycled or crashing mid-response, a proxy with a response size or time
// limit, a flaky link): the agent has the status line and a Content-Length,
// then the connection closes short of it. WinHTTP fails the read with
// ERROR_WINHTTP_CONNECTION_ERROR, so the agent reports 0x80072EFE, not a
// parse error: the body never reaches the SOAP parser. (An answer that is
// complete by its Content-Length but malformed would be 0x8024400A instead.)
//
// Trigger: every 4th request counted from when the fault was switched on
// (InjectTruncatedBodyEvery). Buggy: the server handles the request as
// usual (it is journaled and logged), then sends the headers with the full
// Content-Length, the first half of the body, and closes the connection.
// Fixed: the whole answer.
//
// Source: winhttp.h ERROR_WINHTTP_CONNECTION_ERROR; RFC 9112 section 6.3
// (a message shorter than its Content-Length is incomplete); toxiproxy's
// limit_data toxic.
type InjectTruncatedBody struct{}

// Info documents the behaviour.
func (InjectTruncatedBody) Info() Info {
	return Info{
		Name:    InjectTruncatedBodyName,
		Bug:     "the answer is cut in the middle: full Content-Length, half the body, connection closed",
		Trigger: fmt.Sprintf("every %dth request since the fault was switched on", InjectTruncatedBodyEvery),
		Buggy:   "headers with the full Content-Length, half the body, then close; agents report 0x80072EFE (ERROR_WINHTTP_CONNECTION_ERROR)",
		Fixed:   "the whole answer",
		Source:  "winhttp.h ERROR_WINHTTP_CONNECTION_ERROR; RFC 9112 6.3; toxiproxy limit_data toxic",
	}
}

// DefaultMode: no fault unless switched on.
func (InjectTruncatedBody) DefaultMode(string) Mode { return Fixed }

// Injects hits every InjectTruncatedBodyEvery-th request.
func (InjectTruncatedBody) Injects(m Mode, n uint64) (string, bool) {
	if !everyNth(m, n, InjectTruncatedBodyEvery) {
		return "", false
	}
	return fmt.Sprintf("%s: request %d since switched on (every %dth): body cut in half, connection closed", InjectTruncatedBodyName, n, InjectTruncatedBodyEvery), true
}

// CutsAnswer: every hit sends half an answer (AnswerCutter).
func (InjectTruncatedBody) CutsAnswer() bool { return true }

// InjectResponse serves the request into a buffer and sends half of it.
func (InjectTruncatedBody) InjectResponse(w http.ResponseWriter, r *http.Request, next func(http.ResponseWriter)) {
	b := buffer(w, next)
	drain(r, 64<<20)
	half := b.body.Bytes()[:b.body.Len()/2]
	conn, rw, err := hijack(w)
	if err != nil {
		// No connection of our own: declare the whole length, send half,
		// and abort, which net/http turns into a close or a stream reset.
		b.copyHeader(w)
		w.WriteHeader(b.status)
		w.Write(half)
		http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()
	// The status line and headers as net/http would write them, by hand:
	// net/http itself never sends less than it declared.
	fmt.Fprintf(rw, "HTTP/1.1 %03d %s\r\n", b.status, http.StatusText(b.status))
	h := b.header.Clone()
	h.Del("Transfer-Encoding")
	h.Set("Content-Length", fmt.Sprint(b.body.Len()))
	h.Write(rw)
	rw.WriteString("\r\n")
	rw.Write(half)
	rw.Flush()
}
