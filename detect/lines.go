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

// lineReader yields the physical lines of a text stream without their
// CR/LF, decoded to UTF-8.
type lineReader struct {
	br   *bufio.Reader
	long []byte
	n    int // number of the line last returned, from 1
	err  error
}

// newLineReader returns a lineReader on r. It decodes UTF-16 with a byte
// order mark, and UTF-16 without one when the head has the NUL byte of
// every other byte that ASCII text in UTF-16 has; it drops a UTF-8 byte
// order mark. Windows tools (PowerShell's Out-File, Notepad, the clipboard
// of some consoles) write all of these, and a log saved by them is still a
// log.
func newLineReader(r io.Reader) *lineReader {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(512)
	switch enc := sniffEncoding(head); enc {
	case encUTF8BOM:
		br.Discard(3)
	case encUTF16LEBOM, encUTF16BEBOM:
		br.Discard(2)
		br = bufio.NewReaderSize(&utf16Reader{r: br, be: enc == encUTF16BEBOM}, 64<<10)
	case encUTF16LE, encUTF16BE:
		br = bufio.NewReaderSize(&utf16Reader{r: br, be: enc == encUTF16BE}, 64<<10)
	}
	return &lineReader{br: br}
}

type encoding uint8

const (
	encUTF8 encoding = iota
	encUTF8BOM
	encUTF16LEBOM
	encUTF16BEBOM
	encUTF16LE
	encUTF16BE
)

// sniffEncoding decides a text's encoding from its head. UTF-16 without a
// byte order mark is recognised by its shape: most pairs are an ASCII
// text character (printable, TAB, CR, LF) next to a NUL, on the same side
// throughout. A binary head (an executable's "MZ\x90\x00") has NULs too,
// but not beside text characters.
func sniffEncoding(head []byte) encoding {
	switch {
	case len(head) >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF:
		return encUTF8BOM
	case len(head) >= 2 && head[0] == 0xFF && head[1] == 0xFE:
		return encUTF16LEBOM
	case len(head) >= 2 && head[0] == 0xFE && head[1] == 0xFF:
		return encUTF16BEBOM
	}
	pairs := len(head) / 2
	if pairs < 4 {
		return encUTF8
	}
	text := func(c byte) bool { return c >= 0x20 && c < 0x7F || c == '\t' || c == '\r' || c == '\n' }
	var le, be int
	for i := 0; i+1 < len(head); i += 2 {
		if head[i+1] == 0 && text(head[i]) {
			le++
		}
		if head[i] == 0 && text(head[i+1]) {
			be++
		}
	}
	switch {
	case le*10 >= pairs*7:
		return encUTF16LE
	case be*10 >= pairs*7:
		return encUTF16BE
	}
	return encUTF8
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
	lineClassic                 // WindowsUpdate.log, WUA 5-7 and Windows 8.x text log, or a client message without a prefix
	lineWUA10                   // WindowsUpdate.log decoded by Get-WindowsUpdateLog
	lineServer                  // SoftwareDistribution.log
)

// header is a parsed line prefix. All slices point into the line.
type header struct {
	// stamp is the time columns as written: a time stamp, or the
	// placeholders of a published excerpt ("Date Time"); empty without.
	stamp []byte
	// client lines; pid and tid are empty when the line does not show them
	pid, tid, component []byte
	// server lines
	level, thread, source []byte
	text                  []byte // the message, trimmed
	utc                   bool   // the stamp was followed by "UTC"
}

// stampString returns the time columns as logged (server lines add " UTC").
func (h *header) stampString() string {
	s := norm(h.stamp)
	if h.utc {
		s += " UTC"
	}
	return s
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\v' || c == '\f' }
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

// digits returns how many ASCII digits start b.
func digits(b []byte) int {
	n := 0
	for n < len(b) && isDigit(b[n]) {
		n++
	}
	return n
}

// timestampAt returns the length of the date and time at the start of b,
// or 0. Dates are year first with -, / or . ("2008-06-13", "2019/06/05")
// or year last ("06/13/2008", "13.06.2008"); a T or white space separates
// the clock, whose fraction of a second may follow a dot, a comma (the
// decimal separator of many locales) or a colon (WUA 5-7). frac is that
// separator, 0 without a fraction.
func timestampAt(b []byte) (n int, frac byte) {
	i := 0
	a := digits(b)
	switch {
	case a == 4 && len(b) > 4 && (b[4] == '-' || b[4] == '/' || b[4] == '.'):
		sep := b[4]
		i = 5
		m := digits(b[i:])
		if m < 1 || m > 2 || i+m >= len(b) || b[i+m] != sep {
			return 0, 0
		}
		i += m + 1
		d := digits(b[i:])
		if d < 1 || d > 2 {
			return 0, 0
		}
		i += d
	case (a == 1 || a == 2) && len(b) > a && (b[a] == '-' || b[a] == '/' || b[a] == '.'):
		sep := b[a]
		i = a + 1
		m := digits(b[i:])
		if m < 1 || m > 2 || i+m >= len(b) || b[i+m] != sep {
			return 0, 0
		}
		i += m + 1
		if digits(b[i:]) != 4 {
			return 0, 0
		}
		i += 4
	default:
		return 0, 0
	}
	j := i
	if j < len(b) && b[j] == 'T' {
		j++
	} else {
		for j < len(b) && isSpace(b[j]) {
			j++
		}
		if j == i {
			return 0, 0
		}
	}
	h := digits(b[j:])
	if h < 1 || h > 2 || j+h+6 > len(b) || b[j+h] != ':' || digits(b[j+h+1:]) != 2 || b[j+h+3] != ':' || digits(b[j+h+4:]) != 2 {
		return 0, 0
	}
	j += h + 6
	if j+1 < len(b) && (b[j] == '.' || b[j] == ',' || b[j] == ':') && isDigit(b[j+1]) {
		frac = b[j]
		j++
		j += digits(b[j:])
	}
	if j < len(b) && !isSpace(b[j]) && b[j] != '+' && b[j] != '-' && b[j] != 'Z' {
		return 0, 0
	}
	return j, frac
}

// clientMarkers start the client messages the rules read, and
// serverMarkers the server messages that may be pasted without their
// prefix. A line without a known prefix is still a log line when one of
// them follows at most a few placeholder columns.
var (
	clientMarkers = [][]byte{
		[]byte("WARNING:"), []byte("FATAL:"), []byte("*FAILED*"), []byte("WS error:"),
		[]byte("Initializing simple targeting cookie"), []byte("+ ServiceId"), []byte("ServiceId = {"),
		[]byte("Scan failed with error"), []byte("OnSearchComplete"),
	}
	serverMarkers = [][]byte{[]byte("ThrowException:"), []byte("System.ArgumentException:")}
)

// markerWindow bounds where a marker may start: after at most a few
// placeholder columns. It also keeps the search linear when a long line
// is cut at many places.
const markerWindow = 256

// markerAt returns the index of the first marker in the head of s, and
// whether it is a server marker; -1 when none.
func markerAt(s []byte) (int, bool) {
	if len(s) > markerWindow+64 {
		s = s[:markerWindow+64]
	}
	best, server := -1, false
	for _, m := range clientMarkers {
		if i := bytes.Index(s, m); i >= 0 && (best < 0 || i < best) {
			best, server = i, false
		}
	}
	for _, m := range serverMarkers {
		if i := bytes.Index(s, m); i >= 0 && (best < 0 || i < best) {
			best, server = i, true
		}
	}
	if i := exceptionAt(s); i >= 0 && (best < 0 || i < best) {
		best, server = i, true
	}
	return best, server
}

// exceptionAt returns the index of the first .NET exception type that
// starts a message ("System.Data.SqlClient.SqlException: ..."), or -1.
func exceptionAt(s []byte) int {
	off := 0
	for {
		i := bytes.Index(s[off:], []byte("Exception:"))
		if i < 0 {
			return -1
		}
		end := off + i
		start := end
		for start > 0 && (isLetter(s[start-1]) || isDigit(s[start-1]) || s[start-1] == '.' || s[start-1] == '_') {
			start--
		}
		if tok := s[start:end]; bytes.IndexByte(tok, '.') > 0 && isLetter(tok[0]) && (start == 0 || isSpace(s[start-1])) {
			return start
		}
		off = end + len("Exception:")
	}
}

// maxPrefixFields is how many placeholder columns may stand before a
// message: "Dato Klokkeslett 788 ee4 PT" has five, a server line's
// "Date Time UTC Error w3wp.12 Source" six.
const maxPrefixFields = 7

// isLevel reports a SoftwareDistribution.log level column.
func isLevel(b []byte) bool {
	switch string(b) {
	case "Error", "Warning", "Info", "Verbose", "Debug", "Critical", "Information":
		return true
	}
	return false
}

// isThread reports a server thread column: process.thread ("w3wp.12").
func isThread(b []byte) bool {
	i := bytes.LastIndexByte(b, '.')
	if i <= 0 || i == len(b)-1 || !isLetter(b[0]) {
		return false
	}
	for _, c := range b[i+1:] {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// isComponent reports a client component column ("PT", "Agent",
// "ProtocolTalker", "WebServices").
func isComponent(b []byte) bool {
	if len(b) == 0 || len(b) > 32 || !isLetter(b[0]) {
		return false
	}
	for _, c := range b {
		if !isLetter(c) && !isDigit(c) && c != '_' {
			return false
		}
	}
	return true
}

// isID reports a PID or TID column: hex (WUA 5-7) or decimal (WUA 10).
func isID(b []byte) bool { return allHex(b) || allDigits(b) }

// parseHeader classifies line by its prefix and fills h. The prefix may be
// a real time stamp, placeholders ("Date Time", "Dato Klokkeslett") or
// nothing; the columns after it are PID, TID and component on the client,
// level, process.thread and source on the server. It is on the hot path
// of a 50 MB log, so it works on bytes and does not allocate.
func parseHeader(line []byte, h *header) lineKind {
	s := leadTrim(line)
	ts, frac := timestampAt(s)
	return parseHeaderAt(s, ts, frac, h)
}

// stampHint is what the record reader already knows of a line's time
// stamp, so that the hot path looks for it once: the offset of the
// trimmed text, the stamp's length (0: none) and its decimal separator.
type stampHint struct {
	known    bool
	lead, ts int
	frac     byte
}

// parseHeaderHint is parseHeader with the time stamp already found.
func parseHeaderHint(line []byte, hint stampHint, h *header) lineKind {
	if !hint.known {
		return parseHeader(line, h)
	}
	return parseHeaderAt(line[hint.lead:], hint.ts, hint.frac, h)
}

// parseHeaderAt parses s, trimmed, whose time stamp is ts bytes long.
func parseHeaderAt(s []byte, ts int, frac byte, h *header) lineKind {
	*h = header{}
	i := ts
	if ts > 0 {
		h.stamp = s[:ts]
		if f, j := field(s, i); string(f) == "UTC" || string(f) == "GMT" {
			h.utc = true
			i = j
		}
	}
	// Collect up to maxPrefixFields columns after the stamp, looking for
	// the server's level and thread or the client's PID, TID, component.
	// After a real time stamp the columns follow it at once (a server's
	// level may follow one more column, a time zone); after placeholders
	// they may come later.
	var cols [maxPrefixFields][]byte
	var ends [maxPrefixFields]int
	maxCols := maxPrefixFields
	if ts > 0 {
		maxCols = 4
	}
	n := 0
	for j := i; n < maxCols; n++ {
		f, k := field(s, j)
		if len(f) == 0 {
			break
		}
		cols[n], ends[n] = f, k
		j = k
	}
	for c := 0; c+2 < n; c++ {
		if isLevel(cols[c]) && isThread(cols[c+1]) && (ts > 0 || c <= 4) {
			if ts == 0 && c > 0 {
				h.stamp = rest(s[:ends[c-1]], 0)
			}
			h.level, h.thread, h.source, h.text = cols[c], cols[c+1], cols[c+2], rest(s, ends[c+2])
			return lineServer
		}
	}
	if ts > 0 && n >= 3 && isID(cols[0]) && isID(cols[1]) && isComponent(cols[2]) {
		h.pid, h.tid, h.component, h.text = cols[0], cols[1], cols[2], rest(s, ends[2])
		if frac == '.' || frac == ',' || s[4] == '/' {
			if allDigits(cols[0]) && allDigits(cols[1]) && frac != ':' {
				return lineWUA10
			}
		}
		return lineClassic
	}
	// No prefix we know: a message that follows at most a few columns of
	// placeholders.
	m, server := markerAt(s)
	if m < 0 {
		return lineOther
	}
	pre := s[:m]
	if len(bytes.Fields(pre)) > maxPrefixFields {
		return lineOther
	}
	h.text = rest(s, m)
	if server {
		// A server message without its columns: no thread to pair on.
		return lineServer
	}
	f := bytes.Fields(pre)
	if k := len(f); k >= 3 && isID(f[k-3]) && isID(f[k-2]) && isComponent(f[k-1]) {
		h.pid, h.tid, h.component = f[k-3], f[k-2], f[k-1]
		f = f[:k-3]
	}
	if len(f) > 0 {
		h.stamp = rest(pre[:bytes.Index(pre, f[len(f)-1])+len(f[len(f)-1])], 0)
	}
	if ts > 0 {
		h.stamp = s[:ts]
	}
	return lineClassic
}

// leadTrim drops the white space, quote marks and list bullets that
// forums, mail and wikis put before a pasted log line.
func leadTrim(s []byte) []byte {
	for {
		for len(s) > 0 && (isSpace(s[0]) || s[0] == 0xC2 && len(s) > 1 && s[1] == 0xA0) {
			if s[0] == 0xC2 {
				s = s[1:]
			}
			s = s[1:]
		}
		switch {
		case len(s) >= 2 && (s[0] == '>' || s[0] == '-' || s[0] == '*' || s[0] == '|') && isSpace(s[1]):
			s = s[2:]
		case bytes.HasPrefix(s, []byte("•")):
			s = s[len("•"):]
		default:
			return s
		}
	}
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
		if c == '\t' || c == '\r' || c == '\v' || c == '\f' || (c == ' ' && i+1 < len(b) && isSpace(b[i+1])) {
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
