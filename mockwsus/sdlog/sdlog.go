package sdlog

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/wsusmock/wsusmock/clock"
)

// Level is the severity column.
type Level string

// The levels WSUS 3.0 writes.
const (
	Info    Level = "Info"
	Warning Level = "Warning"
	Error   Level = "Error"
)

// lineEnding ends every line (the file is written by .NET on Windows).
const lineEnding = "\r\n"

// w3wp is the process name of the web services' lines (IIS worker).
const w3wp = "w3wp"

// Writer writes SoftwareDistribution.log records. It is safe for concurrent
// use; each record is one Write call.
type Writer struct {
	mu      sync.Mutex
	out     io.Writer
	clk     clock.Clock
	process string
	err     error
	lost    int
	onError func(err error, lost int)
	buf     []byte
}

// New returns a Writer that writes to w with times from clk, as process
// w3wp (the ClientWebService and SimpleAuth web services).
func New(w io.Writer, clk clock.Clock) *Writer {
	return &Writer{out: w, clk: clk, process: w3wp}
}

// Err returns the first error the destination returned, if any. After an
// error the Writer drops further records (a record half written would run
// into the next one): the server must not fail a request because its log
// did, but it must say so; see OnError.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Lost is how many records were not written: the one whose write failed
// and every one dropped after it.
func (w *Writer) Lost() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lost
}

// OnError sets f to be called for every record lost, with the first error
// and the number lost so far, so that the owner of the log reports the loss
// (the server turns unhealthy) instead of losing records silently. f runs
// with the Writer's lock held: it must not log to this Writer.
func (w *Writer) OnError(f func(err error, lost int)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.onError = f
}

// Info writes an Info record.
func (w *Writer) Info(thread int, source, message string) { w.Log(Info, thread, source, message) }

// Warning writes a Warning record.
func (w *Writer) Warning(thread int, source, message string) { w.Log(Warning, thread, source, message) }

// Error writes an Error record.
func (w *Writer) Error(thread int, source, message string) { w.Log(Error, thread, source, message) }

// Log writes one record: level, managed thread ID, source ("Class.Method")
// and message. A message containing line breaks (an exception's ToString) is
// written as it is, with its breaks turned into CRLF.
func (w *Writer) Log(level Level, thread int, source, message string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		w.loseLocked()
		return
	}
	t := w.clk.Now().UTC()
	b := w.buf[:0]
	b = appendTime(b, t)
	b = fmt.Appendf(b, "\t%s\t%s.%d\t%s\t", level, w.process, thread, source)
	b = appendCRLF(b, message)
	b = append(b, lineEnding...)
	w.buf = b
	if _, err := w.out.Write(b); err != nil {
		w.err = fmt.Errorf("sdlog: write: %w", err)
		w.loseLocked()
	}
}

// loseLocked counts a lost record and reports it.
func (w *Writer) loseLocked() {
	w.lost++
	if w.onError != nil {
		w.onError(w.err, w.lost)
	}
}

// Exception writes an Error record for an exception caught in source, as
// .NET's Exception.ToString() renders it: "<exceptionType>: <message>" then
// one "   at <frame>" line per stack frame (frames given without "at").
func (w *Writer) Exception(thread int, source, exceptionType, message string, stack []string) {
	w.Log(Error, thread, source, exceptionText(exceptionType, message, stack))
}

// exceptionText renders an exception as .NET 2.0's Exception.ToString()
// does, with LF line breaks (Log turns them into CRLF).
func exceptionText(exceptionType, message string, stack []string) string {
	var sb strings.Builder
	sb.WriteString(exceptionType)
	if message != "" {
		sb.WriteString(": ")
		sb.WriteString(message)
	}
	for _, f := range stack {
		sb.WriteString("\n   at ")
		sb.WriteString(f)
	}
	return sb.String()
}

// appendTime renders "YYYY-MM-DD HH:MM:SS.mmm UTC".
func appendTime(b []byte, t time.Time) []byte {
	return fmt.Appendf(b, "%04d-%02d-%02d %02d:%02d:%02d.%03d UTC",
		t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond()/1e6)
}

// appendCRLF appends s with every line break (LF or CRLF) written as CRLF.
func appendCRLF(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				continue
			}
			b = append(b, lineEnding...)
		case '\n':
			b = append(b, lineEnding...)
		default:
			b = append(b, c)
		}
	}
	return b
}
