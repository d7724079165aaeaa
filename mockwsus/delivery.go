package mockwsus

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// deliveryWriter watches an answer on its way to the client: the status,
// the Content-Length declared, the body bytes written and the first write
// error, so that the journal records what the client got rather than what
// the server meant to send (an answer cut by the drain, a client gone, a
// write timeout).
type deliveryWriter struct {
	http.ResponseWriter
	status   int
	declared int64 // Content-Length at WriteHeader; -1 when none
	written  int64
	err      error
	hijacked bool
}

func (w *deliveryWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
		if cl, err := strconv.ParseInt(w.Header().Get("Content-Length"), 10, 64); err == nil && cl >= 0 {
			w.declared = cl
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *deliveryWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(p)
	w.written += int64(n)
	if err != nil && w.err == nil {
		w.err = err
	}
	return n, err
}

// FlushError and Hijack are what http.ResponseController finds here before
// it unwraps further (the injected faults flush and hijack through it): the
// writer sees their errors and takeovers.
func (w *deliveryWriter) FlushError() error {
	err := http.NewResponseController(w.ResponseWriter).Flush()
	if err != nil && !errors.Is(err, http.ErrNotSupported) && w.err == nil {
		w.err = err
	}
	return err
}

func (w *deliveryWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return conn, rw, err
}

func (w *deliveryWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// cut says how the answer fell short of what was declared, or "" when it
// went out whole as far as the handler can see (see finishExchange for the
// last buffered bytes).
func (w *deliveryWriter) cut(r *http.Request) string {
	if w.hijacked {
		return "" // the connection was taken over; its taker says
	}
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	declared := "no Content-Length"
	if w.declared >= 0 {
		declared = strconv.FormatInt(w.declared, 10)
	}
	bodyExpected := r.Method != http.MethodHead && status != http.StatusNoContent && status != http.StatusNotModified
	switch {
	case w.err != nil && !errors.Is(w.err, http.ErrBodyNotAllowed):
		return fmt.Sprintf("HTTP %d sent, %d of %s body bytes written, then: %v", status, w.written, declared, w.err)
	case bodyExpected && w.declared >= 0 && w.written < w.declared:
		return fmt.Sprintf("HTTP %d sent, %d of %s body bytes written (client gone, or the server closed the connection)", status, w.written, declared)
	}
	return ""
}

// finishExchange completes the exchange's journal entry with what the
// client got, once the handler is done: an answer cut short (a write that
// failed, fewer bytes than its Content-Length) is journaled as outcome
// "cut" with status 0 (the client has no whole answer), its detail saying
// what was sent.
func (s *Server) finishExchange(x *exchange, w *deliveryWriter, r *http.Request) {
	if !x.journaled {
		return
	}
	e := x.entry
	if e.Outcome == "reset" || e.Outcome == "abandoned" || e.Outcome == "cut" {
		s.journal.finish(e, false, x.deferSink())
		return
	}
	// The answer is not flushed here: net/http sends its last buffered
	// bytes when the handler returns, so a client that has the whole answer
	// finds the entry final (and wrappers that look at the exchange after
	// ServeHTTP returns run before the client can go on). The price: a
	// failure to send those last bytes (at most net/http's 4 KiB buffer,
	// after every byte before them went out) is not seen.
	why := w.cut(r)
	if why == "" {
		s.journal.finish(e, false, x.deferSink())
		return
	}
	cut := cutEntry(e, why)
	s.noteExchange(cut)
	s.journal.finish(cut, true, x.deferSink())
}

// cutEntry is e for an answer that did not reach the client whole: outcome
// "cut", status 0 (the client has no answer it can use), and why in the
// detail.
func cutEntry(e Entry, why string) Entry {
	e.Outcome, e.Status = "cut", 0
	if e.Detail != "" {
		e.Detail += "; "
	}
	e.Detail += "answer cut: " + why
	return e
}

// WaitIdle waits until no request is being served, or ctx ends. After a
// Listener's Shutdown has given up on its drain and closed the connections,
// their handlers still finish (and journal what the client got) in the
// background: the owner of the log files waits for them before closing
// the files, so that their last lines are not lost.
func (s *Server) WaitIdle(ctx context.Context) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		n := s.inFlight.Load()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("mockwsus: %d requests still being served: %w", n, ctx.Err())
		case <-t.C:
		}
	}
}
