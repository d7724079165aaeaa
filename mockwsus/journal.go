package mockwsus

import (
	"encoding/json"
	"io"
	"sync"
	"time"
)

// Entry is one exchange the server served.
type Entry struct {
	Seq       uint64    `json:"seq"`
	Time      time.Time `json:"time"`
	Computer  string    `json:"computer,omitempty"`
	Group     string    `json:"group,omitempty"`
	Path      string    `json:"path"`
	Operation string    `json:"operation"`
	// Request summarises the request (counts, not whole arrays).
	Request map[string]any `json:"request,omitempty"`
	// Outcome is "ok", "fault" or "http"; "reset" when an injected
	// transport fault closed the connection without an answer, "abandoned"
	// when the client went away (or the server closed) during an injected
	// wait, "cut" (with Status 0) when the answer did not reach the client
	// whole: cut by the drain, by a client gone or by an injected fault
	// (Detail says what was sent; journalsink.go).
	Outcome   string `json:"outcome"`
	Status    int    `json:"status"`
	ErrorCode string `json:"errorCode,omitempty"`
	FaultID   string `json:"faultId,omitempty"`
	// Detail says what went wrong, or what was sent (e.g. "30 new updates,
	// truncated"), followed by the transport faults injected into the
	// exchange with the request's number (e.g. "inject-reset: request 5
	// since switched on (every 5th): connection reset").
	Detail string `json:"detail,omitempty"`
	// Behaviours lists the behaviour modes the exchange ran under.
	Behaviours map[string]string `json:"behaviours,omitempty"`
}

// Event is a ReportingEvent the server acknowledged.
type Event struct {
	Time          time.Time `json:"time"`
	Computer      string    `json:"computer"`
	EventID       int       `json:"eventId"`
	EventInstance string    `json:"eventInstanceId"`
	UpdateID      string    `json:"updateId,omitempty"`
	HResult       int32     `json:"win32HResult"`
	AppName       string    `json:"appName,omitempty"`
	TimeAtTarget  time.Time `json:"timeAtTarget"`
	Replacement   []string  `json:"replacementStrings,omitempty"`
}

// Journal records every exchange and every acknowledged reporting event. It
// keeps the most recent Limit entries (older ones are counted as dropped) and
// about as many events in memory and, when a sink is set, streams every entry
// as a JSON line.
type Journal struct {
	mu      sync.Mutex
	limit   int
	seq     uint64
	entries []Entry
	dropped uint64
	events  []Event
	sink    io.Writer
	enc     *json.Encoder
	// sinkErr is the sink's first write error; sinkLost counts the entries
	// not written to it since (journalsink.go).
	sinkErr     error
	sinkLost    int
	onSinkError func(err error, lost int)
}

// DefaultJournalLimit is how many exchanges the journal keeps in memory.
const DefaultJournalLimit = 100_000

func newJournal(limit int) *Journal {
	if limit <= 0 {
		limit = DefaultJournalLimit
	}
	return &Journal{limit: limit}
}

// setSink streams every later entry to w as JSON lines.
func (j *Journal) setSink(w io.Writer) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.sink = w
	j.enc = json.NewEncoder(w)
	j.sinkErr, j.sinkLost = nil, 0
}

func (j *Journal) add(e Entry) Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	e = j.appendLocked(e)
	j.writeSinkLocked(e)
	return e
}

// appendLocked numbers e and keeps it in memory.
func (j *Journal) appendLocked(e Entry) Entry {
	j.seq++
	e.Seq = j.seq
	if len(j.entries) >= j.limit {
		// Drop the oldest half at once so appends stay amortised O(1).
		n := len(j.entries) / 2
		j.dropped += uint64(n)
		j.entries = append(j.entries[:0], j.entries[n:]...)
	}
	j.entries = append(j.entries, e)
	return e
}

func (j *Journal) addEvents(evs []Event) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.events = append(j.events, evs...)
	if n := len(j.events); n > j.limit {
		// As for entries: keep the newest, dropping down to half the limit
		// so that appends stay amortised O(1).
		keep := max(j.limit/2, 1)
		j.events = append(j.events[:0], j.events[n-keep:]...)
	}
}

// Entries returns a copy of the entries in memory.
func (j *Journal) Entries() []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]Entry(nil), j.entries...)
}

// Events returns a copy of the acknowledged reporting events.
func (j *Journal) Events() []Event {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]Event(nil), j.events...)
}

// Len is how many entries are in memory.
func (j *Journal) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.entries)
}

// Dropped is how many old entries no longer fit in memory.
func (j *Journal) Dropped() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.dropped
}

// WriteJSONLines writes the entries in memory as JSON lines.
func (j *Journal) WriteJSONLines(w io.Writer) error {
	enc := json.NewEncoder(w)
	for _, e := range j.Entries() {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	return nil
}

func (j *Journal) reset() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries, j.events, j.dropped = nil, nil, 0
}
