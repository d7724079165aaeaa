package detect

import (
	"bytes"
)

// A record is one logical log line. Published and pasted logs break the
// one-line-one-entry rule both ways: mail and forums wrap long lines, and
// some renderings run several entries into one line; CMTrace-style logs
// wrap each entry in <![LOG[...]LOG]!><time=... component=...> and may
// span lines. recordReader undoes all of it, so the rules see one entry
// per record whatever the form.
type record struct {
	n    int    // the physical line the record starts on, from 1
	text []byte // the entry, entities decoded and wrapped lines joined with a space
	// cmThread and cmComponent are a CMTrace envelope's thread and
	// component, used when the entry has no columns of its own.
	cmThread, cmComponent []byte
	// hint is the time stamp found while reading, when it was looked for.
	hint stampHint
}

// Limits of continuation: a wrapped entry is rarely more than a few
// physical lines, and prose after the last entry must not grow without
// bound.
const (
	maxContinuation = 4
	maxRecord       = 8 << 10
	maxCMTraceLines = 64
)

// recordReader turns physical lines into records. It is on the hot path
// of a 50 MB log: a record points into the line reader's buffer while its
// line is current and is copied into one of two reusable buffers only
// when it must outlive it (it may still be continued by the next line).
type recordReader struct {
	lr     *lineReader
	out    []record // ready, in order
	outPos int
	cur    record // the last record, which may still be continued
	hasCur bool
	// owned is the buffer cur.text lives in: -1 the line reader's, 0 or
	// 1 bufs[owned], 2 a heap copy of its own.
	owned  int
	bufs   [2][]byte
	busy   [2]bool // a record in out points into bufs[i]
	cont   int     // physical lines joined into cur
	blank  bool    // a blank line came after cur
	cm     *record // a CMTrace entry still open over several lines
	cmN    int
	eof    bool
	pieces [][]byte // scratch of physical
	joined [][]byte // scratch of flush
}

func newRecordReader(lr *lineReader) *recordReader { return &recordReader{lr: lr, owned: -1} }

// next returns the next record, valid until the following call.
func (rr *recordReader) next() (record, bool) {
	for rr.outPos == len(rr.out) {
		// Every record handed out is dead now: reuse their storage.
		rr.out, rr.outPos, rr.busy = rr.out[:0], 0, [2]bool{}
		if rr.eof {
			return record{}, false
		}
		rr.own()
		line, ok := rr.lr.next()
		if !ok {
			rr.eof = true
			if rr.cm != nil {
				rr.add(*rr.cm, false)
				rr.cm = nil
			}
			rr.flush()
			continue
		}
		rr.physical(rr.lr.n, line)
	}
	r := rr.out[rr.outPos]
	rr.outPos++
	return r, true
}

// own copies cur out of the line reader's buffer.
func (rr *recordReader) own() {
	if !rr.hasCur || rr.owned >= 0 {
		return
	}
	for i := range rr.bufs {
		if !rr.busy[i] {
			rr.bufs[i] = append(rr.bufs[i][:0], rr.cur.text...)
			rr.cur.text, rr.owned = rr.bufs[i], i
			return
		}
	}
	rr.cur.text, rr.owned = append([]byte(nil), rr.cur.text...), 2
}

func (rr *recordReader) flush() {
	if !rr.hasCur {
		return
	}
	c := rr.cur
	rr.hasCur = false
	if rr.owned == 0 || rr.owned == 1 {
		rr.busy[rr.owned] = true
	}
	rr.owned = -1
	if rr.cont == 0 {
		rr.out = append(rr.out, c)
		return
	}
	// A wrapped entry, joined: mail wraps long tokens onto their own
	// line, so a stack frame's "at" may end one line and its method start
	// the next; the joined text is cut again where entries start.
	rr.joined = splitRuns(rr.joined[:0], c.text)
	for _, p := range rr.joined {
		rr.out = append(rr.out, record{n: c.n, text: p, cmThread: c.cmThread, cmComponent: c.cmComponent})
	}
}

// physical takes one physical line.
func (rr *recordReader) physical(n int, line []byte) {
	if rr.cm != nil {
		rr.cm.text = appendJoined(rr.cm.text, line)
		rr.cmN++
		if bytes.Contains(line, []byte("]LOG]!>")) || rr.cmN >= maxCMTraceLines || len(rr.cm.text) > maxRecord {
			c := *rr.cm
			rr.cm = nil
			rr.add(cmtrace(c), false)
		}
		return
	}
	if bytes.IndexByte(line, '&') >= 0 {
		line = unescapeEntities(line)
	}
	if t := bytes.TrimSpace(line); len(t) == 0 || bytes.HasPrefix(t, []byte("```")) || bytes.HasPrefix(t, []byte("~~~")) {
		// A blank line or a code fence ends an entry: what follows is
		// not its continuation.
		rr.blank = true
		return
	}
	if i := bytes.Index(line, []byte("<![LOG[")); i >= 0 {
		c := record{n: n, text: append([]byte(nil), line[i:]...)}
		if !bytes.Contains(line[i:], []byte("]LOG]!>")) {
			rr.cm, rr.cmN = &c, 1
			return
		}
		rr.add(cmtrace(c), false)
		return
	}
	// The fast path of a real log: one entry, starting with its time
	// stamp, holding no other.
	if t := leadTrim(line); len(t) > 0 && isDigit(t[0]) {
		if ts, frac := timestampAt(t); ts > 0 && !mayHoldAnother(t[ts:]) {
			rr.add(record{n: n, text: line, hint: stampHint{known: true, lead: len(line) - len(t), ts: ts, frac: frac}}, false)
			return
		}
	}
	rr.pieces = splitRuns(rr.pieces[:0], line)
	for k, p := range rr.pieces {
		rr.add(record{n: n, text: p}, k == 0)
	}
}

// add appends a record; a first piece that does not start an entry
// continues the record before it (a wrapped line) when nothing but a line
// break separates them.
func (rr *recordReader) add(r record, mayContinue bool) {
	if rr.hasCur && !rr.blank && rr.joins(r, mayContinue) {
		rr.own()
		rr.cur.text = appendJoined(rr.cur.text, r.text)
		rr.cur.hint = stampHint{}
		if rr.owned == 0 || rr.owned == 1 {
			rr.bufs[rr.owned] = rr.cur.text
		}
		rr.cont++
		return
	}
	rr.flush()
	rr.cur, rr.hasCur, rr.owned, rr.cont, rr.blank = r, true, -1, 0, false
}

// joins reports whether piece continues cur: it follows a record that is
// only a time stamp and columns, or it is a first piece that starts no
// entry of its own. A piece with its own time stamp never continues: that
// is the fast path of a real log, one entry per line.
func (rr *recordReader) joins(r record, mayContinue bool) bool {
	if r.hint.known && r.hint.ts > 0 {
		return false
	}
	piece := r.text
	t := leadTrim(piece)
	if n, _ := timestampAt(t); n > 0 {
		return false
	}
	if headerOnly(rr.cur.text) {
		return true
	}
	if !mayContinue || rr.cont >= maxContinuation || len(rr.cur.text)+len(piece) >= maxRecord || isFrame(t) {
		return false
	}
	var h header
	return parseHeader(piece, &h) == lineOther
}

// appendJoined appends line to text with one space between.
func appendJoined(text, line []byte) []byte {
	text = bytes.TrimRight(text, " \t")
	line = bytes.TrimLeft(line, " \t")
	if len(text) > 0 && len(line) > 0 {
		text = append(text, ' ')
	}
	return append(text, line...)
}

// headerOnly reports a record that is only a time stamp and columns, its
// message wrapped onto the next line.
func headerOnly(s []byte) bool {
	if len(s) > 128 {
		return false // a time stamp and four columns are shorter
	}
	// At most six fields in all: count them before parsing any.
	fields, in := 0, false
	for _, c := range s {
		if sp := isSpace(c); sp == in {
			continue
		} else if in = !sp; in {
			if fields++; fields > 6 {
				return false
			}
		}
	}
	t := leadTrim(s)
	n, _ := timestampAt(t)
	if n == 0 {
		return false
	}
	for i, k := n, 0; ; k++ {
		f, j := field(t, i)
		if len(f) == 0 {
			return true
		}
		if k == 4 || !isID(f) && !isComponent(f) && !isThread(f) {
			return false
		}
		i = j
	}
}

// isFrame reports a .NET stack frame: "at Namespace.Type.Method(".
func isFrame(t []byte) bool {
	if !bytes.HasPrefix(t, []byte("at ")) {
		return false
	}
	rest := bytes.TrimLeft(t[3:], " \t")
	i := 0
	for i < len(rest) && (isLetter(rest[i]) || isDigit(rest[i]) || rest[i] == '.' || rest[i] == '_' || rest[i] == '`' || rest[i] == '<' || rest[i] == '>') {
		i++
	}
	return i > 0 && i < len(rest) && rest[i] == '(' && bytes.IndexByte(rest[:i], '.') > 0
}

// splitRuns appends to dst the pieces of a physical line, cut where
// another entry starts inside it: before each time stamp after the first
// column, before a second client marker ("... = 200 WARNING: SOAP Fault:
// ..."), and before each stack frame. A line with one entry, the usual
// case, is appended whole.
func splitRuns(dst [][]byte, line []byte) [][]byte {
	// Every cut needs a colon (time stamps, most markers), an asterisk
	// (*FAILED*) or " at " (frames) after the line's own time stamp: many
	// lines have none, and need no scan.
	if t := leadTrim(line); len(t) > 0 && isDigit(t[0]) {
		if n, _ := timestampAt(t); n > 0 {
			if !mayHoldAnother(t[n:]) {
				return append(dst, line)
			}
		}
	}
	var cuts []int
	start := 0
	seenMarker := false
	for i := 1; i < len(line); i++ {
		if !isSpace(line[i-1]) {
			continue
		}
		c := line[i]
		switch {
		case isDigit(c):
			var h header
			if n, _ := timestampAt(line[i:]); n > 0 && len(bytes.TrimSpace(line[start:i])) > 0 && parseHeader(line[i:], &h) != lineOther {
				cuts = append(cuts, i)
				start, seenMarker = i, false
			}
		case c == 'a':
			if isFrame(line[i:]) && len(bytes.TrimSpace(line[start:i])) > 0 {
				cuts = append(cuts, i)
				start, seenMarker = i, true
			}
		case c == 'W' || c == 'F' || c == '*' || c == 'T' || c == 'S':
			if m := markerPrefix(line[i:]); m {
				if seenMarker && len(bytes.TrimSpace(line[start:i])) > 0 {
					cuts = append(cuts, i)
					start = i
				}
				seenMarker = true
			}
		}
	}
	if len(cuts) == 0 {
		return append(dst, line)
	}
	prev := 0
	for _, c := range cuts {
		if p := bytes.TrimSpace(line[prev:c]); len(p) > 0 {
			dst = append(dst, line[prev:c])
		}
		prev = c
	}
	return append(dst, line[prev:])
}

// mayHoldAnother reports whether the rest of a line after its time stamp
// may hold another entry: another clock, a second marker, *FAILED*, or a
// stack frame. It jumps from colon to colon, so that the usual line costs
// a few vector scans.
func mayHoldAnother(rest []byte) bool {
	markers := 0
	for off := 0; ; {
		i := bytes.IndexByte(rest[off:], ':')
		if i < 0 {
			break
		}
		c := off + i
		if c > 0 && isDigit(rest[c-1]) && c+1 < len(rest) && isDigit(rest[c+1]) {
			return true // a clock
		}
		head := rest[:c]
		if bytes.HasSuffix(head, []byte("WARNING")) || bytes.HasSuffix(head, []byte("FATAL")) || bytes.HasSuffix(head, []byte("WS error")) ||
			bytes.HasSuffix(head, []byte("Exception")) {
			if markers++; markers > 1 {
				return true
			}
		}
		off = c + 1
	}
	if bytes.IndexByte(rest, '*') >= 0 && bytes.Contains(rest, []byte("*FAILED*")) {
		return markers > 0 || bytes.Count(rest, []byte("*FAILED*")) > 1
	}
	return bytes.IndexByte(rest, '(') >= 0 && bytes.Contains(rest, []byte(" at "))
}

// splitMarkers are the messages that start an entry when they are found
// in the middle of a line: the client's fault lines and the server's
// ThrowException.
var splitMarkers = [][]byte{[]byte("WARNING:"), []byte("FATAL:"), []byte("*FAILED*"), []byte("WS error:"), []byte("ThrowException:"), []byte("System.ArgumentException:")}

func markerPrefix(s []byte) bool {
	if len(s) < 6 {
		return false
	}
	// Dispatch on the first two bytes: most words after a space start
	// with none of the markers'.
	switch string(s[:2]) {
	case "WA", "FA", "*F", "WS", "Th", "Sy":
		for _, m := range splitMarkers {
			if bytes.HasPrefix(s, m) {
				return true
			}
		}
	}
	return false
}

// cmtrace unwraps a CMTrace entry: <![LOG[text]LOG]!><time="..."
// date="..." component="..." context="" type="N" thread="N" file="...">.
func cmtrace(r record) record {
	t := r.text
	i := bytes.Index(t, []byte("<![LOG["))
	if i < 0 {
		return r
	}
	body := t[i+len("<![LOG["):]
	attrs := []byte(nil)
	if j := bytes.Index(body, []byte("]LOG]!>")); j >= 0 {
		attrs = body[j+len("]LOG]!>"):]
		body = body[:j]
	}
	out := record{n: r.n, text: append([]byte(nil), body...)}
	out.cmThread = attr(attrs, "thread")
	out.cmComponent = attr(attrs, "component")
	return out
}

// attr returns the value of name="value" in s.
func attr(s []byte, name string) []byte {
	key := []byte(name + `="`)
	i := bytes.Index(s, key)
	if i < 0 {
		return nil
	}
	v := s[i+len(key):]
	if j := bytes.IndexByte(v, '"'); j >= 0 {
		v = v[:j]
	}
	return v
}

// entities are the HTML escapes that web copies of logs put in place of
// quotes and angle brackets.
var entities = []struct{ from, to string }{
	{"&quot;", `"`}, {"&#34;", `"`}, {"&#x22;", `"`}, {"&#39;", "'"}, {"&#x27;", "'"}, {"&apos;", "'"},
	{"&lt;", "<"}, {"&#60;", "<"}, {"&gt;", ">"}, {"&#62;", ">"}, {"&nbsp;", " "}, {"&#160;", " "}, {"&amp;", "&"},
}

// unescapeEntities decodes the entities above; &amp; last, so that an
// escaped entity stays one.
func unescapeEntities(line []byte) []byte {
	out := append([]byte(nil), line...)
	for _, e := range entities {
		if bytes.Contains(out, []byte(e.from)) {
			out = bytes.ReplaceAll(out, []byte(e.from), []byte(e.to))
		}
	}
	return out
}
