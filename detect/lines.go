package detect

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxLine caps one line; the rest of a longer line is dropped. Log lines are
// a few hundred bytes; a megabyte line is not a log line, and keeping it
// whole would let one odd file cost unbounded memory.
const maxLine = 1 << 20

// lineReader yields the lines of a text stream without their CR/LF.
type lineReader struct {
	br   *bufio.Reader
	long []byte
	n    int // number of the line last returned, from 1
	err  error
}

// newLineReader returns a lineReader on r, decoding UTF-16 (with a byte order
// mark) and dropping a UTF-8 byte order mark: Windows tools (PowerShell's
// Out-File, Notepad) write both, and a log saved by them is still a log.
func newLineReader(r io.Reader) *lineReader {
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, _ := br.Peek(3); len(bom) >= 2 {
		switch {
		case len(bom) == 3 && bom[0] == 0xEF && bom[1] == 0xBB && bom[2] == 0xBF:
			br.Discard(3)
		case bom[0] == 0xFF && bom[1] == 0xFE:
			br.Discard(2)
			br = bufio.NewReaderSize(&utf16Reader{r: br}, 64<<10)
		case bom[0] == 0xFE && bom[1] == 0xFF:
			br.Discard(2)
			br = bufio.NewReaderSize(&utf16Reader{r: br, be: true}, 64<<10)
		}
	}
	return &lineReader{br: br}
}

// next returns the next line, valid until the following call, and false at
// the end of the stream or on a read error (see Err).
func (lr *lineReader) next() ([]byte, bool) {
	if lr.err != nil {
		return nil, false
	}
	line, err := lr.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		lr.long = append(lr.long[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = lr.br.ReadSlice('\n')
			if room := maxLine - len(lr.long); room > 0 {
				lr.long = append(lr.long, line[:min(room, len(line))]...)
			}
		}
		line = lr.long
	}
	if err != nil {
		lr.err = err
		if len(line) == 0 {
			return nil, false
		}
	}
	lr.n++
	for len(line) > 0 && (line[len(line)-1] == '\n' || line[len(line)-1] == '\r') {
		line = line[:len(line)-1]
	}
	return line, true
}

// Err returns the read error that ended the stream, nil at a clean end.
func (lr *lineReader) Err() error {
	if lr.err == io.EOF {
		return nil
	}
	return lr.err
}

// utf16Reader decodes UTF-16 to UTF-8.
type utf16Reader struct {
	r   *bufio.Reader
	be  bool
	out []byte
	err error
}

func (u *utf16Reader) unit() (uint16, bool) {
	a, err := u.r.ReadByte()
	if err != nil {
		u.err = err
		return 0, false
	}
	b, err := u.r.ReadByte()
	if err != nil {
		// A dangling byte is a truncated file; end cleanly on what we have.
		u.err = io.EOF
		return 0, false
	}
	if u.be {
		return uint16(a)<<8 | uint16(b), true
	}
	return uint16(b)<<8 | uint16(a), true
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) < len(p) && len(u.out) < 4096 && u.err == nil {
		c, ok := u.unit()
		if !ok {
			break
		}
		r := rune(c)
		if utf16.IsSurrogate(r) {
			d, ok := u.unit()
			if !ok {
				r = utf8.RuneError
			} else {
				r = utf16.DecodeRune(r, rune(d))
			}
		}
		u.out = utf8.AppendRune(u.out, r)
	}
	n := copy(p, u.out)
	u.out = u.out[:copy(u.out, u.out[n:])]
	if n == 0 && u.err != nil {
		return 0, u.err
	}
	return n, nil
}

// lineKind is the layout a line's prefix belongs to.
type lineKind uint8

const (
	lineOther   lineKind = iota // no log prefix: blank, prose, a stack frame
	lineClassic                 // WindowsUpdate.log, WUA 5-7 and Windows 8.x text log
	lineWUA10                   // WindowsUpdate.log decoded by Get-WindowsUpdateLog
	lineServer                  // SoftwareDistribution.log
)

// header is a parsed line prefix. All slices point into the line.
type header struct {
	date, clock []byte
	// client lines
	pid, tid, component []byte
	// server lines
	level, thread, source []byte
	text                  []byte // the rest, trimmed
}

// stamp returns "date time" as logged (server lines add " UTC").
func (h *header) stamp(k lineKind) string {
	s := string(h.date) + " " + string(h.clock)
	if k == lineServer {
		s += " UTC"
	}
	return s
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isSpace(c byte) bool { return c == ' ' || c == '\t' }
func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// field returns the next white-space separated field of b starting at i,
// and the index after it.
func field(b []byte, i int) ([]byte, int) {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	j := i
	for j < len(b) && !isSpace(b[j]) {
		j++
	}
	return b[i:j], j
}

// rest returns b from i with surrounding white space trimmed.
func rest(b []byte, i int) []byte {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	j := len(b)
	for j > i && (isSpace(b[j-1]) || b[j-1] == '\r') {
		j--
	}
	return b[i:j]
}

// parseHeader classifies line by its prefix and fills h. It is on the hot
// path of a 50 MB log, so it works on bytes and does not allocate.
func parseHeader(line []byte, h *header) lineKind {
	date, i := field(line, 0)
	if len(date) != 10 || !isDigit(date[0]) || !isDigit(date[1]) || !isDigit(date[2]) || !isDigit(date[3]) ||
		(date[4] != '-' && date[4] != '/') || date[7] != date[4] ||
		!isDigit(date[5]) || !isDigit(date[6]) || !isDigit(date[8]) || !isDigit(date[9]) {
		return lineOther
	}
	clock, i := field(line, i)
	if len(clock) < 10 || !isDigit(clock[0]) || !isDigit(clock[1]) || clock[2] != ':' ||
		!isDigit(clock[3]) || !isDigit(clock[4]) || clock[5] != ':' || !isDigit(clock[6]) || !isDigit(clock[7]) {
		return lineOther
	}
	for _, c := range clock[9:] {
		if !isDigit(c) {
			return lineOther
		}
	}
	h.date, h.clock = date, clock
	f3, j := field(line, i)
	switch clock[8] {
	case ':':
		// Classic: HH:MM:SS:mmm, hex PID and TID, dashes in the date.
		if len(clock) != 12 || date[4] != '-' || !allHex(f3) {
			return lineOther
		}
		tid, k := field(line, j)
		if !allHex(tid) {
			return lineOther
		}
		comp, k := field(line, k)
		if len(comp) == 0 {
			return lineOther
		}
		h.pid, h.tid, h.component, h.text = f3, tid, comp, rest(line, k)
		return lineClassic
	case '.':
		if string(f3) == "UTC" {
			// Server: "date time UTC level process.thread source message".
			if date[4] != '-' {
				return lineOther
			}
			level, k := field(line, j)
			thread, k := field(line, k)
			source, k := field(line, k)
			if len(level) == 0 {
				return lineOther
			}
			h.level, h.thread, h.source, h.text = level, thread, source, rest(line, k)
			return lineServer
		}
		// WUA 10: decimal PID and TID, then the component.
		if !allDigits(f3) {
			return lineOther
		}
		tid, k := field(line, j)
		if !allDigits(tid) {
			return lineOther
		}
		comp, k := field(line, k)
		if len(comp) == 0 {
			return lineOther
		}
		h.pid, h.tid, h.component, h.text = f3, tid, comp, rest(line, k)
		return lineWUA10
	}
	return lineOther
}

func allHex(b []byte) bool {
	if len(b) == 0 || len(b) > 8 {
		return false
	}
	for _, c := range b {
		if !isHex(c) {
			return false
		}
	}
	return true
}

func allDigits(b []byte) bool {
	if len(b) == 0 || len(b) > 10 {
		return false
	}
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// norm returns b with surrounding white space trimmed and every inner run
// of white space collapsed to one space, so that text rendered with
// collapsed white space compares equal to the file's.
func norm(b []byte) string {
	b = bytes.TrimSpace(b)
	clean := true
	for i, c := range b {
		if c == '\t' || c == '\r' || (c == ' ' && i+1 < len(b) && isSpace(b[i+1])) {
			clean = false
			break
		}
	}
	if clean {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b))
	space := false
	for _, c := range b {
		if isSpace(c) || c == '\r' {
			space = true
			continue
		}
		if space {
			sb.WriteByte(' ')
			space = false
		}
		sb.WriteByte(c)
	}
	return sb.String()
}
