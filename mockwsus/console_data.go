package mockwsus

import (
	"slices"
	"strings"
	"time"

	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
)

// The console's view of the server's state, read from the Server (never
// through the JSON API).

// Computer statuses, as the console shows and filters them.
const (
	statusSucceeded   = "succeeded"
	statusFailed      = "failed"
	statusNeverSynced = "never synced"
)

var consoleStatuses = []string{statusSucceeded, statusFailed, statusNeverSynced}

// fleetComputer is one computer with the outcome of its last scan.
type fleetComputer struct {
	ID            string
	Name          string
	Group         string
	OS            string
	LastContact   time.Time
	LastOperation string
	// Status is statusSucceeded (its last SyncUpdates answered), statusFailed
	// (its last failure came after its last successful SyncUpdates) or
	// statusNeverSynced.
	Status string
	// HResult is what the computer reported in its last ReportEventBatch
	// (0x8024400E ...), "" when it reported nothing.
	HResult   string
	ErrorCode string
	FaultID   string
}

// statusCounts counts computers per status.
type statusCounts struct {
	Succeeded   int `json:"succeeded"`
	Failed      int `json:"failed"`
	NeverSynced int `json:"neverSynced"`
	Total       int `json:"total"`
}

func (n *statusCounts) add(status string) {
	n.Total++
	switch status {
	case statusSucceeded:
		n.Succeeded++
	case statusFailed:
		n.Failed++
	default:
		n.NeverSynced++
	}
}

// fleetView is the computers, sorted by name, and their index by ID.
type fleetView struct {
	list []fleetComputer
	byID map[string]int
}

// name returns a computer's name by ID (the ID itself for one unknown).
func (f *fleetView) name(id string) string {
	if i, ok := f.byID[id]; ok {
		return f.list[i].Name
	}
	return id
}

// fleet lists the computers the server knows, sorted by name, with the
// state the server keeps of each (its last exchange, its last failure, the
// HRESULT it reported).
func (s *Server) fleet() *fleetView {
	comps := s.Computers()
	out := make([]fleetComputer, len(comps))
	index := make(map[string]int, len(comps))
	for i, c := range comps {
		fc := fleetComputer{ID: c.ID, Name: c.DNSName, Group: c.Group, OS: c.OS,
			LastContact: c.LastContact, LastOperation: c.LastOperation, HResult: c.ReportedHResult}
		switch c.Status {
		case StatusSucceeded:
			fc.Status = statusSucceeded
		case StatusFailed:
			// The fault shown is the failure's; a fault of before the
			// last success is history, not the computer's state.
			fc.Status, fc.ErrorCode, fc.FaultID = statusFailed, c.LastErrorCode, c.LastFaultID
		default:
			fc.Status = statusNeverSynced
		}
		if fc.Name == "" {
			fc.Name = c.ID
		}
		out[i] = fc
		index[c.ID] = i
	}
	return &fleetView{list: out, byID: index}
}

// journalRow is a journal entry as the console shows it.
type journalRow struct {
	Seq       uint64 `json:"seq"`
	Kind      string `json:"kind"`
	Time      string `json:"time"`
	Computer  string `json:"computer"`
	Operation string `json:"operation"`
	Outcome   string `json:"outcome"`
	Status    int    `json:"status"`
	ErrorCode string `json:"errorCode"`
	FaultID   string `json:"faultId"`
	Detail    string `json:"detail"`
}

// journalTail returns up to n entries after seq (the newest last), with
// the computers' names.
func (s *Server) journalTail(after uint64, n int, names func(id string) string) (rows []journalRow, last uint64) {
	j := s.journal
	j.mu.Lock()
	defer j.mu.Unlock()
	start := len(j.entries)
	for start > 0 && len(j.entries)-start < n && j.entries[start-1].Seq > after {
		start--
	}
	rows = make([]journalRow, 0, len(j.entries)-start)
	for _, e := range j.entries[start:] {
		rows = append(rows, newJournalRow(e, names))
	}
	return rows, j.seq
}

// journalByFault returns the entries of one fault ID.
func (s *Server) journalByFault(id string, names func(id string) string) []journalRow {
	var rows []journalRow
	for _, e := range s.journal.Query(JournalQuery{FaultID: id}).Entries {
		rows = append(rows, newJournalRow(e, names))
	}
	return rows
}

func newJournalRow(e Entry, names func(id string) string) journalRow {
	who := cutText(names(e.Computer), consoleNameLen)
	if e.Kind == KindAdmin {
		who = "administrator"
		if e.Group != "" {
			who += " (" + cutText(e.Group, consoleNameLen) + ")"
		}
	}
	return journalRow{Seq: e.Seq, Kind: e.Kind, Time: consoleTime(e.Time), Computer: who, Operation: e.Operation,
		Outcome: e.Outcome, Status: e.Status, ErrorCode: e.ErrorCode, FaultID: e.FaultID, Detail: cutText(e.Detail, 300)}
}

// faultGlance is the fault at a glance: versions and the behaviours that
// are buggy anywhere.
type faultGlance struct {
	Version    string
	DLLVersion string
	// KB954960 is the advisory's behaviour: whole-server mode and group
	// overrides.
	KB954960 BehaviourState
	// Buggy lists the other behaviours buggy for the whole server or a
	// group.
	Buggy []BehaviourState
	// Inconsistent counts approval rows that break the catalog.
	Inconsistent int
}

func (s *Server) faultGlance() faultGlance {
	g := faultGlance{Version: s.Version(), DLLVersion: s.ClientWebServiceDLLVersion()}
	for _, b := range s.Behaviours() {
		if b.Name == behaviour.KB954960Name {
			g.KB954960 = b
			continue
		}
		if b.Mode == behaviour.Buggy || slices.Contains(mapValues(b.Groups), behaviour.Buggy) {
			g.Buggy = append(g.Buggy, b)
		}
	}
	for _, a := range s.Catalog().Approvals() {
		if !a.Consistent {
			g.Inconsistent++
		}
	}
	return g
}

func mapValues[K comparable, V any](m map[K]V) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// faultRecords returns the SoftwareDistribution.log records of a fault:
// the ThrowException record that names its ID and, before it, the
// exception the same thread logged last (its stack), as WSUS wrote them
// one after the other. A record is a line with a time stamp and the
// indented lines that follow it. Nothing is returned when the ID is not in
// log (dropped from memory, or never there).
func faultRecords(log []byte, id string) []string {
	var records []string
	start := -1
	text := string(log)
	for i := 0; i < len(text); {
		end := strings.IndexByte(text[i:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += i + 1
		}
		if line := text[i:end]; len(line) > 0 && line[0] >= '0' && line[0] <= '9' {
			if start >= 0 {
				records = append(records, text[start:i])
			}
			start = i
		} else if start < 0 {
			start = i // a continuation cut from its record by the memory limit
		}
		i = end
	}
	if start >= 0 && start < len(text) {
		records = append(records, text[start:])
	}
	k := slices.IndexFunc(records, func(r string) bool {
		return strings.Contains(r, "ID="+id+",") || strings.HasSuffix(strings.TrimRight(r, "\r\n"), "ID="+id)
	})
	if k < 0 {
		return nil
	}
	out := []string{strings.TrimRight(records[k], "\r\n")}
	thread := recordField(records[k], 2)
	for j := k - 1; j >= 0; j-- {
		if recordField(records[j], 2) != thread {
			continue
		}
		if recordField(records[j], 1) == "Error" {
			out = append([]string{strings.TrimRight(records[j], "\r\n")}, out...)
		}
		break
	}
	return out
}

// recordField returns the n-th tab-separated field of a record's first
// line (0 the time, 1 the level, 2 the thread, 3 the source).
func recordField(record string, n int) string {
	line, _, _ := strings.Cut(record, "\n")
	fields := strings.SplitN(line, "\t", n+2)
	if len(fields) <= n {
		return ""
	}
	return fields[n]
}
