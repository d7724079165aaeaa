package wulog

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/wsusmock/wsusmock/clock"
)

// Flavour selects the WindowsUpdate.log dialect.
type Flavour int

const (
	// Default is the zero Flavour: the simulated agent writes the log of its
	// profile's agent generation (WUA10 for win10 and win11, Classic for the
	// others). A Writer given Default writes Classic.
	Default Flavour = iota
	// Classic is the WUA 5-7 text log (XP, 2003, Vista, 2008, Windows 7).
	Classic
	// WUA10 is the Windows 10+ log as decoded by Get-WindowsUpdateLog.
	WUA10
)

// String returns the name ParseFlavour accepts.
func (f Flavour) String() string {
	switch f {
	case Default:
		return "default"
	case Classic:
		return "classic"
	case WUA10:
		return "wua10"
	default:
		return fmt.Sprintf("Flavour(%d)", int(f))
	}
}

// ErrUnknownFlavour is returned (wrapped) by ParseFlavour for a name it does
// not know.
var ErrUnknownFlavour = errors.New("wulog: unknown flavour")

// ParseFlavour returns the Flavour named s ("classic" or "wua10"). Case and
// surrounding space are ignored so that profile files may write "Classic";
// anything else is an error rather than a silent default, because a wrong
// flavour would produce a log no detector expects.
func ParseFlavour(s string) (Flavour, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "classic":
		return Classic, nil
	case "wua10":
		return WUA10, nil
	}
	return 0, fmt.Errorf("%w %q (want classic or wua10)", ErrUnknownFlavour, s)
}

// lineEnding ends every line: WindowsUpdate.log is a Windows text file (see
// the package documentation for why CRLF).
const lineEnding = "\r\n"

// WSUSServiceID is the ServiceID WUA logs for a managed (WSUS) search.
const WSUSServiceID = "{3DA21691-E39D-4DA6-8A4B-B43877BCB1B7}"

// sink is what Writers derived from one New share: the destination, its
// mutex and the agent-wide state the log text needs.
type sink struct {
	mu  sync.Mutex
	out io.Writer
	// discard: out is io.Discard (a load run's agents), so lines are not
	// formatted at all: formatting them was about 6% of the load's CPU
	// (issue 17). What a line would have said cannot matter then; the
	// sink's other state (search Ids) is kept as before.
	discard bool
	err     error
	buf     []byte
	// searchSeq numbers searches as WUA 10 does ("Id = 25"); searchIDs maps
	// a caller to the Id of its search in progress so that the END line
	// repeats it.
	searchSeq int
	searchIDs map[string]int
}

// Writer writes WindowsUpdate.log lines for one process and thread. Its
// methods are safe for concurrent use; see the package documentation.
type Writer struct {
	s       *sink
	flavour Flavour
	clk     clock.Clock
	pid     uint32
	tid     uint32
	loc     *time.Location // nil: the location of the clock's time
}

// New returns a Writer that writes flavour lines to w, stamped with times
// from clk and with the given process and thread IDs (the svchost.exe that
// hosts wuauserv, and its worker thread).
func New(w io.Writer, flavour Flavour, clk clock.Clock, pid, tid uint32) *Writer {
	return &Writer{
		s:       &sink{out: w, discard: w == io.Discard, searchIDs: make(map[string]int)},
		flavour: flavour,
		clk:     clk,
		pid:     pid,
		tid:     tid,
	}
}

// WithThread returns a Writer that shares w's destination, mutex and state
// but logs thread tid: real logs interleave the agent's worker thread with
// the COM API caller's and the AU thread's.
func (w *Writer) WithThread(tid uint32) *Writer {
	c := *w
	c.tid = tid
	return &c
}

// WithLocation returns a Writer that shares w's destination, mutex and state
// but prints times in loc (WUA logs the machine's local time, and the
// REPORT EVENT line carries its UTC offset).
func (w *Writer) WithLocation(loc *time.Location) *Writer {
	c := *w
	c.loc = loc
	return &c
}

// Flavour returns the flavour w writes.
func (w *Writer) Flavour() Flavour { return w.flavour }

// Err returns the first error the destination returned, if any. After an
// error the Writer drops further lines: a half-written log is useless for
// comparison, and the agent should not fail because its log did.
func (w *Writer) Err() error {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	return w.s.err
}

// Line writes one line with the given component and text, e.g. Line("AU",
// "AU setting next detection timeout to 2008-06-14 00:59:53") for anything
// the event methods do not cover. component is printed as given, so pass the
// flavour's spelling ("PT" vs "ProtocolTalker").
func (w *Writer) Line(component, text string) {
	w.block(func(b *block) { b.line(component, text) })
}

// block is one event: the lines written under one lock with one timestamp.
type block struct {
	w *Writer
	t time.Time
}

// block reads the clock once, then runs fn with the sink locked.
func (w *Writer) block(fn func(b *block)) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	t := w.clk.Now()
	if w.loc != nil {
		t = t.In(w.loc)
	}
	fn(&block{w: w, t: t})
}

// line formats and writes one line in a single Write call. The caller holds
// the lock.
func (b *block) line(component, text string) {
	s := b.w.s
	if s.err != nil || s.discard {
		return
	}
	s.buf = appendLine(s.buf[:0], b.w.flavour, b.t, b.w.pid, b.w.tid, component, text)
	if _, err := s.out.Write(s.buf); err != nil {
		s.err = fmt.Errorf("wulog: write: %w", err)
	}
}

// linef is line with a format.
func (b *block) linef(component, format string, args ...any) {
	if b.w.s.discard {
		return
	}
	b.line(component, fmt.Sprintf(format, args...))
}

// comp picks the flavour's spelling of a component.
func (b *block) comp(classic, wua10 string) string {
	if b.w.flavour == WUA10 {
		return wua10
	}
	return classic
}

// appendLine renders one line of the flavour; see the package documentation
// for the layouts and their evidence.
func appendLine(dst []byte, f Flavour, t time.Time, pid, tid uint32, component, text string) []byte {
	switch f {
	case WUA10:
		dst = fmt.Appendf(dst, "%04d/%02d/%02d %02d:%02d:%02d.%07d %-5d %-5d %-15s %s",
			t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond()/100,
			pid, tid, component, text)
	default:
		dst = fmt.Appendf(dst, "%04d-%02d-%02d\t%02d:%02d:%02d:%03d\t%4x\t%x\t%s\t%s",
			t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond()/1e6,
			pid, tid, component, text)
	}
	return append(dst, lineEnding...)
}
