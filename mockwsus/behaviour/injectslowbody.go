package behaviour

import (
	"fmt"
	"net/http"
	"time"
)

// InjectSlowBodyName is the registry name of the trickled answer.
const InjectSlowBodyName = "inject-slow-body"

// Defaults of inject-slow-body: which requests, and how the body trickles.
// An answer takes InjectSlowBodyPieces*InjectSlowBodyInterval (45 s, past the
// agent's 30 s call deadline) unless it is shorter than
// InjectSlowBodyPieces*InjectSlowBodyMinPiece bytes.
const (
	InjectSlowBodyEvery    = 3
	InjectSlowBodyPieces   = 90
	InjectSlowBodyInterval = 500 * time.Millisecond
	InjectSlowBodyMinPiece = 16
)

// InjectSlowBody trickles answers so slowly that the agent gives up.
//
// Bug: a saturated link or an overloaded server (bandwidth throttling,
// BITS-style QoS gone wrong, a server paging) sends the answer a few bytes
// at a time. Every byte arrives before WinHTTP's per-read timeout would
// fire, but the call as a whole outlasts the agent's deadline, and WinHTTP
// fails it with ERROR_WINHTTP_TIMEOUT: the agent reports 0x80072EE2.
//
// Trigger: every 3rd request counted from when the fault was switched on
// (InjectSlowBodyEvery). Buggy: the server handles the request as usual,
// then sends the headers (full Content-Length) and the body in at most 90
// pieces of at least 16 bytes, one every 500 ms: 45 s for any answer of
// 1440 bytes or more. The trickle stops when the client goes away or the
// server is closed, so it is bounded and never holds up a shutdown past its
// drain deadline. Fixed: the whole answer at once.
//
// Source: winhttp.h ERROR_WINHTTP_TIMEOUT (12002, 0x80072EE2); toxiproxy's
// bandwidth and slicer toxics.
type InjectSlowBody struct{}

// Info documents the behaviour.
func (InjectSlowBody) Info() Info {
	return Info{
		Name:    InjectSlowBodyName,
		Bug:     "the answer trickles in small pieces and outlasts the agent's call deadline",
		Trigger: fmt.Sprintf("every %drd request since the fault was switched on", InjectSlowBodyEvery),
		Buggy: fmt.Sprintf("headers, then the body in at most %d pieces of at least %d bytes, one every %s (%s in all); agents with the 30 s deadline report 0x80072EE2 (ERROR_WINHTTP_TIMEOUT)",
			InjectSlowBodyPieces, InjectSlowBodyMinPiece, InjectSlowBodyInterval, InjectSlowBodyPieces*InjectSlowBodyInterval),
		Fixed:  "the whole answer at once",
		Source: "winhttp.h ERROR_WINHTTP_TIMEOUT; toxiproxy bandwidth and slicer toxics",
	}
}

// DefaultMode: no fault unless switched on.
func (InjectSlowBody) DefaultMode(string) Mode { return Fixed }

// Injects hits every InjectSlowBodyEvery-th request.
func (InjectSlowBody) Injects(m Mode, n uint64) (string, bool) {
	if !everyNth(m, n, InjectSlowBodyEvery) {
		return "", false
	}
	return fmt.Sprintf("%s: request %d since switched on (every %drd): body trickled over up to %s", InjectSlowBodyName, n, InjectSlowBodyEvery, InjectSlowBodyPieces*InjectSlowBodyInterval), true
}

// InjectResponse serves the request into a buffer and trickles it out.
func (InjectSlowBody) InjectResponse(w http.ResponseWriter, r *http.Request, next func(http.ResponseWriter)) {
	b := buffer(w, next)
	b.copyHeader(w)
	w.WriteHeader(b.status)
	body := b.body.Bytes()
	piece := max((len(body)+InjectSlowBodyPieces-1)/InjectSlowBodyPieces, InjectSlowBodyMinPiece)
	rc := http.NewResponseController(w)
	for len(body) > 0 {
		n := min(piece, len(body))
		if _, err := w.Write(body[:n]); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
		body = body[n:]
		if len(body) > 0 && !wait(r.Context(), InjectSlowBodyInterval) {
			// Client gone or server closed; net/http closes a connection
			// whose answer is short of its Content-Length.
			return
		}
	}
}
