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
}

// Limits of continuation: a wrapped entry is rarely more than a few
// physical lines, and prose after the last entry must not grow without
// bound.
const (
	maxContinuation = 4
	maxRecord       = 8 << 10
	maxCMTraceLines = 64
)

// recordReader turns physical lines into records.
type recordReader struct {
	lr    *lineReader
	out   []record // ready, in order
	cur   *record  // the last record, which may still be continued
	cont  int      // physical lines joined into cur
	blank bool     // a blank line came after cur
	cm    *record  // a CMTrace entry still open over several lines
	cmN   int
	eof   bool
}

func newRecordReader(lr *lineReader) *recordReader { return &recordReader{lr: lr} }

// next returns the next record, valid until the following call.
func (rr *recordReader) next() (record, bool) {
	for len(rr.out) == 0 {
		if rr.eof {
			return record{}, false
		}
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
	r := rr.out[0]
	rr.out = rr.out[1:]
	return r, true
}

func (rr *recordReader) flush() {
	if rr.cur == nil {
		return
	}
	c := *rr.cur
	rr.cur = nil
	if rr.cont == 0 {
		rr.out = append(rr.out, c)
		return
	}
	// A wrapped entry, joined: mail wraps long tokens onto their own
	// line, so a stack frame's "at" may end one line and its method start
	// the next; the joined text is cut again where entries start.
	for _, p := range splitRuns(c.text) {
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
	pieces := splitRuns(line)
	for k, p := range pieces {
		rr.add(record{n: n, text: p}, k == 0)
	}
}

// add appends a record; a first piece that does not start an entry
// continues the record before it (a wrapped line) when nothing but a line
// break separates them.
func (rr *recordReader) add(r record, mayContinue bool) {
	if rr.cur != nil && (headerOnly(rr.cur.text) && !rr.blank ||
		mayContinue && !rr.blank && rr.cont < maxContinuation && len(rr.cur.text)+len(r.text) < maxRecord && !startsEntry(r.text)) {
		rr.cur.text = appendJoined(rr.cur.text, r.text)
		rr.cont++
		return
	}
	rr.flush()
	c := r
	c.text = append([]byte(nil), r.text...)
	rr.cur, rr.cont, rr.blank = &c, 0, false
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

// startsEntry reports whether s begins a log entry of its own: a prefix
// the header parser knows, a marker after a few placeholder columns, or a
// stack frame.
func startsEntry(s []byte) bool {
	var h header
	if parseHeader(s, &h) != lineOther {
		return true
	}
	t := leadTrim(s)
	if isFrame(t) {
		return true
	}
	n, _ := timestampAt(t)
	return n > 0
}

// headerOnly reports a record that is only a time stamp and columns, its
// message wrapped onto the next line.
func headerOnly(s []byte) bool {
	t := leadTrim(s)
	n, _ := timestampAt(t)
	if n == 0 {
		return false
	}
	f := bytes.Fields(t[n:])
	if len(f) > 4 {
		return false
	}
	for _, x := range f {
		if !isID(x) && !isComponent(x) && !isThread(x) {
			return false
		}
	}
	return true
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

// splitRuns cuts a physical line where another entry starts inside it:
// before each time stamp after the first column, before a second client
// marker ("... = 200 WARNING: SOAP Fault: ..."), and before each stack
// frame. A line with one entry, the usual case, is returned whole.
func splitRuns(line []byte) [][]byte {
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
		return [][]byte{line}
	}
	out := make([][]byte, 0, len(cuts)+1)
	prev := 0
	for _, c := range cuts {
		if p := bytes.TrimSpace(line[prev:c]); len(p) > 0 {
			out = append(out, line[prev:c])
		}
		prev = c
	}
	return append(out, line[prev:])
}

// splitMarkers are the messages that start an entry when they are found
// in the middle of a line: the client's fault lines and the server's
// ThrowException.
var splitMarkers = [][]byte{[]byte("WARNING:"), []byte("FATAL:"), []byte("*FAILED*"), []byte("WS error:"), []byte("ThrowException:"), []byte("System.ArgumentException:")}

func markerPrefix(s []byte) bool {
	for _, m := range splitMarkers {
		if bytes.HasPrefix(s, m) {
			return true
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
