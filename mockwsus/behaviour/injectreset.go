package behaviour

import (
	"fmt"
	"net"
	"net/http"
)

// InjectResetName is the registry name of the injected connection reset.
const InjectResetName = "inject-reset"

// InjectResetEvery is which requests inject-reset hits.
const InjectResetEvery = 5

// InjectReset resets the connection instead of answering.
//
// Bug: something between the agent and WSUS (a firewall or IPS dropping the
// session, a load balancer's idle timer, an IIS worker process recycled
// mid-request) kills the TCP connection with a RST after the request was
// sent. WinHTTP fails the call with ERROR_WINHTTP_CONNECTION_ERROR, which
// the agent reports unchanged as 0x80072EFE: a look-alike of KB954960's
// "SyncUpdates failure" lines with a WinHTTP error and no SOAP fault.
//
// Trigger: every 5th request counted from when the fault was switched on
// (InjectResetEvery). Buggy: the server reads the request, takes the
// connection over and closes it with SO_LINGER 0, so the kernel sends a RST
// and no answer; the request never reaches WSUS. Fixed: the request is
// answered.
//
// Source: winhttp.h ERROR_WINHTTP_CONNECTION_ERROR (12030, 0x80072EFE);
// toxiproxy's reset_peer toxic.
type InjectReset struct{}

// Info documents the behaviour.
func (InjectReset) Info() Info {
	return Info{
		Name:    InjectResetName,
		Bug:     "the TCP connection is reset (RST) after the request was sent",
		Trigger: fmt.Sprintf("every %dth request since the fault was switched on", InjectResetEvery),
		Buggy:   "no answer: the connection is closed with SO_LINGER 0; agents report 0x80072EFE (ERROR_WINHTTP_CONNECTION_ERROR)",
		Fixed:   "the request is answered",
		Source:  "winhttp.h ERROR_WINHTTP_CONNECTION_ERROR; toxiproxy reset_peer toxic",
	}
}

// DefaultMode: no fault unless switched on.
func (InjectReset) DefaultMode(string) Mode { return Fixed }

// Injects hits every InjectResetEvery-th request.
func (InjectReset) Injects(m Mode, n uint64) (string, bool) {
	if !everyNth(m, n, InjectResetEvery) {
		return "", false
	}
	return fmt.Sprintf("%s: request %d since switched on (every %dth): connection reset", InjectResetName, n, InjectResetEvery), true
}

// InjectResponse resets the connection without answering.
func (InjectReset) InjectResponse(w http.ResponseWriter, r *http.Request, next func(http.ResponseWriter)) {
	drain(r, 64<<20)
	conn, _, err := hijack(w)
	if err != nil {
		// No connection of our own (HTTP/2, a recorder): abort the
		// answer, which net/http turns into a stream reset or a close.
		panic(http.ErrAbortHandler)
	}
	raw := rawConn(conn)
	if tcp, ok := raw.(*net.TCPConn); ok {
		tcp.SetLinger(0) // close sends RST, not FIN
	}
	raw.Close()
}
