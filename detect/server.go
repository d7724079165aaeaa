package detect

import (
	"slices"
	"strings"
)

// maxFrames caps the stack frames kept per exception record; the frames
// that matter are the first few, and a runaway continuation (prose after
// the last record of a pasted excerpt) must not grow without bound.
const maxFrames = 100

// serverParser applies the server rule to the lines of one file.
type serverParser struct {
	name string
	cur  *excRecord // the Error record whose continuation lines are being read
	// pending holds, per process.thread, the last Error record not yet
	// followed by a ThrowException.
	pending  map[string]*excRecord
	latest   string // the thread of the latest Error record
	findings []Finding
	faults   []Fault
}

// quotes turns every quote mark into an apostrophe.
var quotes = strings.NewReplacer(`"`, "'", "\u2018", "'", "\u2019", "'", "\u201c", "'", "\u201d", "'", "`", "'")

// excRecord is an Error record of SoftwareDistribution.log.
type excRecord struct {
	thread, source, excType, message, time string
	header                                 Evidence
	frames                                 []Evidence
	// set by classify
	key              string
	caller, syncCall *Evidence // first frame outside System.Collections; first ClientImplementation.SyncUpdates frame
	kb               bool      // the KB954960 exception, full or cut
	cut              bool      // no frame outside System.Collections: the excerpt stops before the caller
}

// line feeds one line of any kind: headers of other kinds end the current
// record, lines without a prefix continue it.
func (p *serverParser) line(n int, raw []byte, k lineKind, h *header) {
	if k == lineOther {
		if p.cur != nil && len(p.cur.frames) < maxFrames {
			if t := norm(leadTrim(raw)); strings.HasPrefix(t, "at ") {
				p.cur.frames = append(p.cur.frames, Evidence{File: p.name, Line: n, Text: string(raw)})
			}
		}
		return
	}
	p.endRecord()
	if k != lineServer {
		return
	}
	msg := h.text
	switch {
	case string(h.level) == "Error" || len(h.level) == 0 && exceptionAt(msg) == 0:
		t := norm(msg)
		p.cur = &excRecord{
			thread: string(h.thread), source: string(h.source), excType: exceptionType(t), message: t,
			time: h.stampString(), header: Evidence{File: p.name, Line: n, Text: string(raw)},
		}
	case len(msg) > 15 && string(msg[:15]) == "ThrowException:":
		p.throwException(norm(msg), string(h.thread), Evidence{File: p.name, Line: n, Text: string(raw)})
	}
}

// exceptionType returns the .NET exception type a message starts with
// ("System.ArgumentException: ..."), else the message's start, so that any
// Error record can name the cause of the fault that follows it.
func exceptionType(msg string) string {
	end := strings.IndexAny(msg, ": ")
	if end < 0 {
		end = len(msg)
	}
	if t := msg[:end]; strings.HasSuffix(t, "Exception") && strings.Contains(t, ".") {
		return t
	}
	if len(msg) > 80 {
		msg = msg[:80]
	}
	return "error record: " + msg
}

// endRecord classifies the record being read and makes it its thread's
// pending record.
func (p *serverParser) endRecord() {
	r := p.cur
	if r == nil {
		return
	}
	p.cur = nil
	r.classify()
	if old := p.pending[r.thread]; old != nil && old.kb {
		p.emit(old, nil, "", "")
	}
	if p.pending == nil {
		p.pending = make(map[string]*excRecord)
	}
	p.pending[r.thread] = r
	p.latest = r.thread
}

// classify applies the server rule's exception half.
func (r *excRecord) classify() {
	const dupText, addedText = "Item has already been added. Key in dictionary: '", "Key being added: '"
	// Published copies quote the keys every which way ('8862', "8862",
	// typographic quotes); the words are what matter.
	msg := quotes.Replace(r.message)
	if r.excType != "System.ArgumentException" || !strings.Contains(msg, dupText) || !strings.Contains(msg, addedText) {
		return
	}
	r.key, _ = between(msg, dupText, "'")
	hasSync := r.source == "ClientImplementation.SyncUpdates"
	for i := range r.frames {
		f := &r.frames[i]
		frame := strings.TrimPrefix(norm([]byte(f.Text)), "at ")
		if r.caller == nil && !strings.HasPrefix(frame, "System.Collections.") {
			r.caller = f
		}
		if r.syncCall == nil && strings.Contains(frame, "ClientImplementation.SyncUpdates(") {
			r.syncCall = f
			hasSync = true
		}
	}
	switch {
	case r.caller == nil:
		// Cut before the caller of Hashtable.Add: only the source column
		// says where it happened, and a message pasted without its
		// columns says nothing to the contrary.
		r.kb = r.source == "ClientImplementation.SyncUpdates" || r.source == ""
		r.cut = true
	default:
		r.kb = strings.Contains(r.caller.Text, "ClientImplementation.GetSyncInfo(") && hasSync
	}
}

// throwException pairs a ThrowException record with its thread's pending
// Error record.
func (p *serverParser) throwException(t, thread string, ev Evidence) {
	actor, _ := between(t, "actor = ", ", ID=")
	id, _ := between(t, "ID=", ",")
	errorCode, _ := between(t, "ErrorCode=", ",")
	client := ""
	if i := strings.LastIndex(t, "Client="); i >= 0 {
		client = strings.TrimSpace(t[i+len("Client="):])
	}
	id = guid(id)
	if thread == "" {
		// A ThrowException pasted without its columns follows the
		// latest Error record, whatever its thread.
		thread = p.latest
	}
	r := p.pending[thread]
	delete(p.pending, thread)
	f := Fault{ID: id, ErrorCode: errorCode, Actor: actor}
	if r != nil {
		f.Exception = r.excType
		f.KB954960 = r.kb && errorCode == internalServerError
		f.Evidence = append(f.Evidence, r.header)
	}
	f.Evidence = append(f.Evidence, ev)
	if id != "" {
		p.faults = append(p.faults, f)
	}
	if r != nil && r.kb && errorCode == internalServerError {
		p.emit(r, &ev, id, client)
	}
	// A KB954960 exception answered with another ErrorCode contradicts the
	// signature: no finding.
}

// emit records the finding of a KB954960 exception record, with its
// ThrowException line when one was paired.
func (p *serverParser) emit(r *excRecord, throw *Evidence, id, client string) {
	f := Finding{Side: SideServer, File: p.name, Time: r.time, FaultID: id, Key: r.key, Computer: p.name}
	if client != "" && client != "?" {
		f.Computer = client
		f.ClientID = guid(client)
	}
	f.Evidence = append(f.Evidence, r.header)
	for _, e := range []*Evidence{r.caller, r.syncCall} {
		if e != nil && (len(f.Evidence) == 1 || f.Evidence[len(f.Evidence)-1] != *e) {
			f.Evidence = append(f.Evidence, *e)
		}
	}
	// The exception from GetSyncInfo is the fault itself: confirmed with
	// or without the ThrowException line after it. Cut before the caller
	// of Hashtable.Add, it could be a duplicate key elsewhere in
	// SyncUpdates (SoftwareSync): possible.
	switch {
	case r.cut && r.source == "":
		f.Verdict, f.Reason = VerdictPossible, "duplicate-key ArgumentException message without its columns or the stack that names its caller (a fragment)"
	case r.cut:
		f.Verdict, f.Reason = VerdictPossible, "duplicate-key ArgumentException in ClientImplementation.SyncUpdates; stack cut before the caller of Hashtable.Add (excerpt cut short?)"
	case throw == nil:
		f.Verdict, f.Reason = VerdictConfirmed, "duplicate-key ArgumentException from ClientImplementation.GetSyncInfo in SyncUpdates (the ThrowException line is not in the excerpt)"
	default:
		f.Verdict, f.Reason = VerdictConfirmed, "duplicate-key ArgumentException from ClientImplementation.GetSyncInfo answered InternalServerError"
	}
	if throw != nil {
		f.Evidence = append(f.Evidence, *throw)
		if actor, ok := between(throw.Text, "actor = ", ", ID="); ok {
			f.Server = urlHost(actor)
		}
	}
	p.findings = append(p.findings, f)
}

// finish ends the last record and reports the KB954960 records no
// ThrowException followed.
func (p *serverParser) finish() {
	p.endRecord()
	var left []*excRecord
	for _, r := range p.pending {
		if r.kb {
			left = append(left, r)
		}
	}
	slices.SortFunc(left, func(a, b *excRecord) int { return a.header.Line - b.header.Line })
	for _, r := range left {
		p.emit(r, nil, "", "")
	}
	p.pending = nil
}
