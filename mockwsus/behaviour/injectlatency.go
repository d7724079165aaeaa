package behaviour

import (
	"fmt"
	"net/http"
	"time"
)

// InjectLatencyName is the registry name of the injected delay.
const InjectLatencyName = "inject-latency"

// Defaults of inject-latency: which requests wait, and how long.
const (
	InjectLatencyEvery = 4
	InjectLatencyDelay = 500 * time.Millisecond
)

// InjectLatency delays some answers: a slow server that is still within the
// agent's patience.
//
// Bug: a WSUS server under load (a busy IIS worker, SUSDB contention, a slow
// WAN link to a branch office) answers late. Below the agent's WinHTTP
// timeouts (30 s per call in the simulator, DefaultCallTimeout) a late answer
// is only late: the search succeeds, and only the latencies and the log's
// time stamps show it. It is the control case of the other injections.
//
// Trigger: every 4th request counted from when the fault was switched on
// (InjectLatencyEvery). Buggy: the request waits 500 ms (InjectLatencyDelay)
// before the server handles it; the wait ends early, and the request is
// dropped, when the client goes away or the server is closed, so a shutdown
// is never held past its drain deadline. Fixed: no delay.
//
// Source: WinHTTP's default timeouts (WinHttpSetTimeouts: 60 s connect, 30 s
// send and receive); a transport fault in the manner of toxiproxy's latency
// toxic, made deterministic by the server's request counter.
type InjectLatency struct{}

// Info documents the behaviour.
func (InjectLatency) Info() Info {
	return Info{
		Name:    InjectLatencyName,
		Bug:     "a slow server: some answers come late, within the agent's call deadline",
		Trigger: fmt.Sprintf("every %dth request since the fault was switched on", InjectLatencyEvery),
		Buggy:   fmt.Sprintf("the request waits %s before it is handled; the search still succeeds (HRESULT 0)", InjectLatencyDelay),
		Fixed:   "no delay",
		Source:  "WinHTTP default timeouts (WinHttpSetTimeouts); toxiproxy latency toxic",
	}
}

// DefaultMode: no fault unless switched on.
func (InjectLatency) DefaultMode(string) Mode { return Fixed }

// Injects hits every InjectLatencyEvery-th request.
func (InjectLatency) Injects(m Mode, n uint64) (string, bool) {
	if !everyNth(m, n, InjectLatencyEvery) {
		return "", false
	}
	return fmt.Sprintf("%s: request %d since switched on (every %dth): delayed %s", InjectLatencyName, n, InjectLatencyEvery, InjectLatencyDelay), true
}

// InjectResponse waits, then serves the request as usual.
func (InjectLatency) InjectResponse(w http.ResponseWriter, r *http.Request, next func(http.ResponseWriter)) {
	if !wait(r.Context(), InjectLatencyDelay) {
		// The client is gone or the server closed: nobody to answer.
		return
	}
	next(w)
}
