package mockwsus

import (
	"encoding/json"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
)

// Entry is one exchange the server served, or one administrator action
// (Kind "admin").
type Entry struct {
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"`
	// Kind is "admin" for an administrator action (start, reset,
	// setVersion, setMode, removeMode, approve, decline: the Operation),
	// done through the admin API or the Go API alike; "" for an exchange.
	Kind     string `json:"kind,omitempty"`
	Computer string `json:"computer,omitempty"`
	Group    string `json:"group,omitempty"`
	Path     string `json:"path,omitempty"`
	// Operation is the SOAP operation (GetConfig, SyncUpdates, ...), the
	// HTTP method of a request that never reached one, or the admin action.
	Operation string `json:"operation"`
	// Request summarises the request (counts, not whole arrays).
	Request map[string]any `json:"request,omitempty"`
	// Outcome is "ok", "fault" or "http"; "reset" when an injected
	// transport fault closed the connection without an answer, "abandoned"
	// when the client went away (or the server closed) during an injected
	// wait, "cut" (with Status 0) when the answer did not reach the client
	// whole: cut by the drain, by a client gone or by an injected fault
	// (Detail says what was sent; journalsink.go).
	Outcome   string `json:"outcome"`
	Status    int    `json:"status,omitempty"`
	ErrorCode string `json:"errorCode,omitempty"`
	FaultID   string `json:"faultId,omitempty"`
	// Detail says what went wrong, or what was sent (e.g. "30 new updates,
	// truncated"), followed by the transport faults injected into the
	// exchange with the request's number (e.g. "inject-reset: request 5
	// since switched on (every 5th): connection reset"); for an admin
	// entry, what was done.
	Detail string `json:"detail,omitempty"`
	// Behaviours is on the admin entries that set modes (start, reset,
	// setVersion, setMode, removeMode) and only there: every behaviour's
	// whole-server mode afterwards, and GroupBehaviours the per-group
	// overrides by group name. An exchange ran under the modes of the
	// latest such entry before it (its group's override first).
	Behaviours      map[string]string            `json:"behaviours,omitempty"`
	GroupBehaviours map[string]map[string]string `json:"groupBehaviours,omitempty"`
}

// KindAdmin is the Kind of the journal entries of administrator actions.
const KindAdmin = "admin"

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

// setSink writes the entries in memory to w as JSON lines (the server's
// start is journaled before a sink can be set), then streams every later
// entry.
func (j *Journal) setSink(w io.Writer) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.sink = w
	j.enc = json.NewEncoder(w)
	j.sinkErr, j.sinkLost = nil, 0
	for _, e := range j.entries {
		j.writeSinkLocked(e)
	}
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

// Events returns a copy of the acknowledged reporting events (an empty
// list, never nil).
func (j *Journal) Events() []Event {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]Event{}, j.events...)
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

// JournalQuery selects journal entries. Zero fields select everything.
type JournalQuery struct {
	// From and To bound the sequence numbers, both included (0: unbounded).
	From, To uint64
	// Computers keeps the entries of these computer IDs.
	Computers []string
	// Operation, Outcome, Kind and FaultID keep the entries whose field
	// equals them (Operation and FaultID case-insensitively; Kind
	// "exchange" means "").
	Operation, Outcome, Kind, FaultID string
	// Limit is the most entries returned (0: all).
	Limit int
}

// JournalPage is the answer to a JournalQuery.
type JournalPage struct {
	Entries []Entry
	// Next is the From of the next page when Limit cut the answer short,
	// 0 when nothing more matches.
	Next uint64
	// FirstSeq and LastSeq are the oldest entry in memory and the newest
	// ever written (0 when none): a From before FirstSeq asked for entries
	// no longer in memory (--log-dir's journal.jsonl has them).
	FirstSeq, LastSeq uint64
}

// Query returns the entries in memory that q selects, oldest first.
func (j *Journal) Query(q JournalQuery) JournalPage {
	j.mu.Lock()
	defer j.mu.Unlock()
	page := JournalPage{Entries: []Entry{}, LastSeq: j.seq}
	if len(j.entries) > 0 {
		page.FirstSeq = j.entries[0].Seq
	}
	// Entries are in sequence order: start at From by binary search.
	i := sort.Search(len(j.entries), func(i int) bool { return j.entries[i].Seq >= q.From })
	for ; i < len(j.entries); i++ {
		e := j.entries[i]
		if q.To != 0 && e.Seq > q.To {
			break
		}
		if !q.matches(e) {
			continue
		}
		if q.Limit > 0 && len(page.Entries) == q.Limit {
			page.Next = e.Seq
			break
		}
		page.Entries = append(page.Entries, e)
	}
	return page
}

func (q JournalQuery) matches(e Entry) bool {
	if len(q.Computers) > 0 && !slices.Contains(q.Computers, e.Computer) {
		return false
	}
	if q.Operation != "" && !strings.EqualFold(q.Operation, e.Operation) {
		return false
	}
	if q.Outcome != "" && q.Outcome != e.Outcome {
		return false
	}
	if q.FaultID != "" && !strings.EqualFold(q.FaultID, e.FaultID) {
		return false
	}
	switch q.Kind {
	case "":
	case "exchange":
		if e.Kind != "" {
			return false
		}
	default:
		if q.Kind != e.Kind {
			return false
		}
	}
	return true
}

// journalAdmin journals an administrator action; withModes adds the modes
// in force afterwards (for the actions that set them).
func (s *Server) journalAdmin(op, group, detail string, withModes bool) Entry {
	e := Entry{Time: s.adminTime(), Kind: KindAdmin, Operation: op, Group: group, Outcome: "ok", Detail: detail}
	if withModes {
		e.Behaviours, e.GroupBehaviours = s.modeSnapshot()
	}
	return s.journal.add(e)
}

// adminTime is when an admin action happened. A virtual clock is read
// without advancing it, so journaling an action shifts no timestamp of the
// exchanges (golden files and byte-stable runs stay as they were).
func (s *Server) adminTime() time.Time {
	if p, ok := s.clk.(interface{ Peek() time.Time }); ok {
		return p.Peek()
	}
	return s.clk.Now()
}

// modeSnapshot returns every behaviour's whole-server mode and the per-group
// overrides by group name.
func (s *Server) modeSnapshot() (map[string]string, map[string]map[string]string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	whole := map[string]string{}
	for _, name := range behaviour.Names() {
		whole[name] = string(s.modeLocked(name, ""))
	}
	var groups map[string]map[string]string
	for gid, gm := range s.groupModes {
		if len(gm) == 0 {
			continue
		}
		if groups == nil {
			groups = map[string]map[string]string{}
		}
		name := s.groupNameLocked(gid)
		groups[name] = map[string]string{}
		for b, m := range gm {
			groups[name][b] = string(m)
		}
	}
	return whole, groups
}
