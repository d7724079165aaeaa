package detect

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Exit statuses of `wsusrepro detect`, which the scoring protocol reads
// when a detector prints no JSON.
const (
	ExitFound    = 0 // KB954960 found: confirmed or probable
	ExitNotFound = 1 // nothing found in what was read
	ExitError    = 2 // nothing could be read (no file, an empty folder, only binary files) or an error
	ExitPossible = 3 // only possible sightings: fragments, an excerpt cut short
)

// Verdict grades a finding or an incident.
type Verdict string

// The verdicts. VerdictNone only appears as a Report's overall verdict.
const (
	// VerdictConfirmed: the server's exception, or client and server logs
	// sharing one fault ID.
	VerdictConfirmed Verdict = "confirmed"
	// VerdictProbable: the client's SyncUpdates fault 0x8024400E with
	// ErrorCode InternalServerError; another server exception in
	// SyncUpdates (a SqlException) logs the same client lines.
	VerdictProbable Verdict = "probable"
	// VerdictPossible: the first line alone, fragments, an excerpt cut
	// short.
	VerdictPossible Verdict = "possible"
	VerdictNone     Verdict = "none"
)

func (v Verdict) rank() int {
	switch v {
	case VerdictConfirmed:
		return 3
	case VerdictProbable:
		return 2
	case VerdictPossible:
		return 1
	}
	return 0
}

// Firm reports a verdict that counts as detected: confirmed or probable.
func (v Verdict) Firm() bool { return v == VerdictConfirmed || v == VerdictProbable }

// knownVerdict returns the verdict named s, and false for an unknown name.
func knownVerdict(s string) (Verdict, bool) {
	switch v := Verdict(s); v {
	case VerdictConfirmed, VerdictProbable, VerdictPossible, VerdictNone:
		return v, true
	}
	return "", false
}

// Side says which log a finding comes from.
type Side string

// The sides.
const (
	SideClient Side = "client" // WindowsUpdate.log
	SideServer Side = "server" // SoftwareDistribution.log
)

// Evidence is one log line.
type Evidence struct {
	File string `json:"file"`
	Line int    `json:"line"` // from 1
	Text string `json:"text"` // as in the file, without its line end
}

// String returns "file:line: text".
func (e Evidence) String() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Text) }

// Finding is one occurrence of the signature in one log.
type Finding struct {
	Verdict Verdict `json:"verdict"`
	Side    Side    `json:"side"`
	File    string  `json:"file"`
	// Computer is the client's DNS name or ID when the log shows it (the
	// client log's SimpleAuth line, the server's ThrowException Client=),
	// else the file name.
	Computer string `json:"computer"`
	ClientID string `json:"clientId,omitempty"`
	// Time is the timestamp of the first evidence line as logged: local
	// time for the client, "... UTC" for the server.
	Time    string `json:"time"`
	FaultID string `json:"faultId,omitempty"` // the SOAP fault's detail ID, lower case
	// Key is the Hashtable key of the duplicate-key message, the revision
	// ID the server choked on (server side only).
	Key string `json:"key,omitempty"`
	// Server is the WSUS host: the client's Server URL or the server's
	// ThrowException actor.
	Server   string     `json:"server,omitempty"`
	Reason   string     `json:"reason"` // why this verdict
	Evidence []Evidence `json:"evidence"`
}

func (f *Finding) firstLine() int {
	if len(f.Evidence) == 0 {
		return 0
	}
	return f.Evidence[0].Line
}

// Incident is one KB954960 fault: the findings of both sides that share a
// fault ID, or a single finding without an ID.
type Incident struct {
	Verdict  Verdict `json:"verdict"`
	FaultID  string  `json:"faultId,omitempty"`
	Computer string  `json:"computer"`
	Time     string  `json:"time"`
	Key      string  `json:"key,omitempty"`
	Server   string  `json:"server,omitempty"`
	Sides    []Side  `json:"sides"`
	// Settle says what would settle the question: the log or lines that
	// would confirm or refute this incident; empty when confirmed.
	Settle   string    `json:"settle"`
	Findings []Finding `json:"findings"`
}

// Dismissal is a client finding the server log refutes.
type Dismissal struct {
	Finding  Finding    `json:"finding"`
	Reason   string     `json:"reason"`
	Evidence []Evidence `json:"evidence"` // the server's lines for the fault ID
}

// File is one file Scan looked at.
type File struct {
	Path  string `json:"path"`
	Kind  Kind   `json:"kind"`
	Size  int64  `json:"size"`
	Lines int    `json:"lines"`
	// Skipped says why the file was not parsed; empty when it was.
	Skipped string `json:"skipped,omitempty"`
}

// Report is the result of a scan.
type Report struct {
	// Detected is true when the verdict is confirmed or probable.
	Detected bool `json:"detected"`
	// Verdict is the best verdict over the incidents, VerdictNone without.
	Verdict Verdict `json:"verdict"`
	// Evidence are the lines behind the verdict: those of the incidents
	// that have it.
	Evidence []Evidence `json:"evidence"`
	// Settle says what would settle it (see Incident.Settle); for none,
	// what was read.
	Settle string `json:"settle"`
	// Read is the number of files read; 0 means nothing could be read
	// (ExitError).
	Read      int         `json:"read"`
	Incidents []Incident  `json:"incidents"`
	Findings  []Finding   `json:"findings"`
	Dismissed []Dismissal `json:"dismissed"`
	Files     []File      `json:"files"`
}

// ExitCode returns ExitFound for confirmed or probable, ExitPossible for
// possible, ExitNotFound for none, and ExitError when no file could be
// read: a CI job pointed at the wrong folder must not pass as clean.
func (r *Report) ExitCode() int {
	switch {
	case r.Read == 0:
		return ExitError
	case r.Verdict.Firm():
		return ExitFound
	case r.Verdict == VerdictPossible:
		return ExitPossible
	}
	return ExitNotFound
}

// Fault is a SOAP fault the server logged (a ThrowException record), with
// the exception logged just before it on the same thread. Analyze uses
// them to dismiss client findings whose fault the server explains
// otherwise.
type Fault struct {
	ID        string `json:"id"`
	ErrorCode string `json:"errorCode"`
	Actor     string `json:"actor"`
	// Exception is the type of the exception record before the
	// ThrowException on the same thread; empty when there was none.
	Exception string `json:"exception,omitempty"`
	// KB954960 is true when that exception is the KB954960 one (a server
	// finding exists for this fault).
	KB954960 bool       `json:"kb954960"`
	Evidence []Evidence `json:"evidence"`
}

// Log is one parsed log file, before correlation.
type Log struct {
	Name     string    // as given to the parser: the path for Scan
	Kind     Kind      // from the prefixes of all its lines
	Lines    int       // lines read
	Size     int64     // bytes read
	Findings []Finding // in file order, before correlation
	Faults   []Fault   // the server's ThrowException records
}

// Analyze correlates the findings of logs scanned together into incidents
// and dismisses client findings the server logs refute (see the package
// documentation, "Correlation").
func Analyze(logs []*Log) *Report {
	r := &Report{Verdict: VerdictNone, Evidence: []Evidence{}, Incidents: []Incident{}, Findings: []Finding{}, Dismissed: []Dismissal{}, Files: []File{}}
	faults := make(map[string][]Fault)
	var all []Finding
	for _, l := range logs {
		r.Files = append(r.Files, File{Path: l.Name, Kind: l.Kind, Size: l.Size, Lines: l.Lines})
		r.Read++
		all = append(all, l.Findings...)
		for _, f := range l.Faults {
			faults[f.ID] = append(faults[f.ID], f)
		}
	}
	slices.SortStableFunc(all, func(a, b Finding) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.firstLine(), b.firstLine()))
	})

	for _, f := range all {
		if f.Side == SideClient && f.FaultID != "" {
			if reason, ev, refuted := refute(faults[f.FaultID]); refuted {
				r.Dismissed = append(r.Dismissed, Dismissal{Finding: f, Reason: reason, Evidence: ev})
				continue
			}
		}
		r.Findings = append(r.Findings, f)
	}

	byID := make(map[string]int)
	for _, f := range r.Findings {
		i, ok := byID[f.FaultID]
		if f.FaultID == "" || !ok {
			i = len(r.Incidents)
			r.Incidents = append(r.Incidents, Incident{FaultID: f.FaultID})
			if f.FaultID != "" {
				byID[f.FaultID] = i
			}
		}
		r.Incidents[i].Findings = append(r.Incidents[i].Findings, f)
	}
	for i := range r.Incidents {
		in := &r.Incidents[i]
		in.finish()
		if in.Verdict.rank() > r.Verdict.rank() {
			r.Verdict = in.Verdict
		}
	}
	r.Detected = r.Verdict.Firm()
	for _, in := range r.Incidents {
		if in.Verdict == r.Verdict {
			for _, f := range in.Findings {
				r.Evidence = append(r.Evidence, f.Evidence...)
			}
			if r.Settle == "" {
				r.Settle = in.Settle
			}
		}
	}
	if r.Verdict == VerdictNone {
		r.Settle = settleNone(r)
	}
	slices.SortFunc(r.Files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return r
}

// settleNone says what a verdict of none rests on.
func settleNone(r *Report) string {
	if len(r.Dismissed) > 0 {
		return "the client's 0x8024400E InternalServerError faults are explained by another server exception (see dismissed): not KB954960"
	}
	return "no KB954960 line in what was read; if the computer fails, scan its WindowsUpdate.log and the server's SoftwareDistribution.log of the same hour"
}

// refute decides whether the server's faults with a client finding's ID
// show another cause. A fault that is the KB954960 exception, or one
// without an exception record before it (the server excerpt was cut), does
// not refute.
func refute(fs []Fault) (string, []Evidence, bool) {
	for _, f := range fs {
		if f.KB954960 {
			return "", nil, false
		}
	}
	for _, f := range fs {
		switch {
		case f.ErrorCode != "" && f.ErrorCode != internalServerError:
			return fmt.Sprintf("the server answered fault %s with ErrorCode %s, not InternalServerError", f.ID, f.ErrorCode), f.Evidence, true
		case f.Exception != "":
			return fmt.Sprintf("the server logged %s for fault %s, not the KB954960 duplicate key from ClientImplementation.GetSyncInfo",
				f.Exception, f.ID), f.Evidence, true
		}
	}
	return "", nil, false
}

// finish fills an incident's summary fields from its findings.
func (in *Incident) finish() {
	var client, server bool
	for _, f := range in.Findings {
		if f.Verdict.rank() > in.Verdict.rank() {
			in.Verdict = f.Verdict
		}
		switch f.Side {
		case SideClient:
			if !client {
				client = true
				in.Computer, in.Time = f.Computer, f.Time
			}
		case SideServer:
			server = true
		}
		in.Key = cmp.Or(in.Key, f.Key)
	}
	// The server's own actor URL names it better than a client's setting.
	for _, side := range []Side{SideServer, SideClient} {
		for _, f := range in.Findings {
			if f.Side == side {
				in.Server = cmp.Or(in.Server, f.Server)
			}
		}
	}
	if !client {
		in.Computer, in.Time = in.Findings[0].Computer, in.Findings[0].Time
	}
	in.Sides = []Side{}
	if client {
		in.Sides = append(in.Sides, SideClient)
	}
	if server {
		in.Sides = append(in.Sides, SideServer)
	}
	// Both logs showing the same fault ID is the strongest evidence there
	// is, whatever each excerpt alone lacked.
	if client && server {
		in.Verdict = VerdictConfirmed
	}
	in.Settle = in.settle(server)
}

// settle says what would confirm or refute an incident.
func (in *Incident) settle(server bool) string {
	switch {
	case in.Verdict == VerdictConfirmed:
		return ""
	case in.Verdict == VerdictProbable && in.FaultID != "":
		return "find fault ID " + in.FaultID + " in the server's SoftwareDistribution.log: KB954960 if the Error record before its ThrowException is System.ArgumentException 'Item has already been added' from ClientImplementation.GetSyncInfo; another exception (a SqlException timeout logs the same client lines) is not KB954960"
	case in.Verdict == VerdictProbable:
		return "the client lines cannot tell KB954960 from another server exception in SyncUpdates (a SqlException timeout logs the same lines): look in the server's SoftwareDistribution.log at the same time for System.ArgumentException 'Item has already been added' from ClientImplementation.GetSyncInfo"
	case server:
		return "the excerpt stops before the caller of Hashtable.Add: the full stack (ClientImplementation.GetSyncInfo) or the client's fault ID would confirm it"
	}
	return "only the start of the signature or fragments: the full fault report of WindowsUpdate.log (the ErrorCode, Method and ID lines after the SyncUpdates failure line) or the server's SoftwareDistribution.log would settle it"
}

// WriteJSON writes r as indented JSON. The field names are stable; tools
// need only "detected".
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("detect: write json: %w", err)
	}
	return nil
}

// WriteText writes r for people: a summary line, one block per incident
// with its findings and their evidence as file:line, the dismissed
// findings, and the files scanned.
func (r *Report) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	switch {
	case r.Read == 0:
		ew.printf("nothing could be read (%d file(s) found, none of them text): point the detector at WindowsUpdate.log, SoftwareDistribution.log or a folder holding them\n", len(r.Files))
	case r.Detected:
		ew.printf("KB954960 detected: %s (%d incident(s), %d file(s) scanned)\n", r.Verdict, len(r.Incidents), len(r.Files))
	case r.Verdict == VerdictPossible:
		ew.printf("KB954960 possible (%d incident(s), %d file(s) scanned)\n", len(r.Incidents), len(r.Files))
	default:
		ew.printf("KB954960 not detected (%d file(s) scanned)\n", len(r.Files))
	}
	if r.Settle != "" && r.Read > 0 {
		ew.printf("to settle it: %s\n", r.Settle)
	}
	for i, in := range r.Incidents {
		ew.printf("\nincident %d: %s\n", i+1, in.Verdict)
		ew.printf("  computer: %s\n", in.Computer)
		ew.printf("  time:     %s\n", orDash(in.Time))
		ew.printf("  fault ID: %s\n", orDash(in.FaultID))
		if in.Key != "" {
			ew.printf("  key:      %s\n", in.Key)
		}
		if in.Server != "" {
			ew.printf("  server:   %s\n", in.Server)
		}
		if in.Settle != "" {
			ew.printf("  settle:   %s\n", in.Settle)
		}
		for _, f := range in.Findings {
			writeFinding(ew, f, "  ")
		}
	}
	for _, d := range r.Dismissed {
		ew.printf("\ndismissed: %s\n", d.Reason)
		writeFinding(ew, d.Finding, "  ")
		for _, e := range d.Evidence {
			ew.printf("    server %s\n", e)
		}
	}
	ew.printf("\nfiles:\n")
	for _, f := range r.Files {
		if f.Skipped != "" {
			ew.printf("  %s: skipped (%s)\n", f.Path, f.Skipped)
			continue
		}
		ew.printf("  %s: %s, %d lines\n", f.Path, f.Kind, f.Lines)
	}
	return ew.err
}

func writeFinding(ew *errWriter, f Finding, indent string) {
	ew.printf("%s%s %s at %s, computer %s, fault ID %s: %s\n", indent, f.Side, f.Verdict, orDash(f.Time), f.Computer, orDash(f.FaultID), f.Reason)
	for _, e := range f.Evidence {
		ew.printf("%s  %s\n", indent, e)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// errWriter keeps the first write error so that a renderer can write
// unconditionally and report once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err != nil {
		return
	}
	if _, err := fmt.Fprintf(e.w, format, args...); err != nil {
		e.err = fmt.Errorf("detect: write text: %w", err)
	}
}
