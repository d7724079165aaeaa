// Package xmlstream is the allocation-light XML reader of the SOAP codec's
// hot paths: the server's requests and the agent's answers. It walks a byte
// slice in place (names, attribute values and text that needs no unescaping
// are sub-slices of the input) and knows a plain subset of XML: elements,
// attributes, text with the five predefined entities and character
// references, an XML declaration of version 1.0 in UTF-8, white space.
//
// It is not a second XML parser with rules of its own. Anything outside that
// subset, and every error, makes it give up with ErrUnsupported, and the
// caller decodes the same bytes with encoding/xml, which then decides (with
// its own error messages). So the reader only ever has to be right about
// documents it accepts: for those, the value it produces is the value
// encoding/xml produces, which soap's differential fuzz target checks. In
// particular it accepts nothing encoding/xml refuses: names are ASCII, text
// and attribute values hold only characters XML allows, end tags match their
// start tags, and there are no comments, processing instructions, CDATA
// sections or DTDs (comments and the like are legal, but no client sends
// them, so they go the slow way).
package xmlstream

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"
	"unicode/utf8"
)

// ErrUnsupported: the input is outside the subset this reader handles or
// is not well formed; decode it with encoding/xml.
var ErrUnsupported = errors.New("xmlstream: input outside the fast subset; use encoding/xml")

// maxDepth bounds nesting; deeper documents go to encoding/xml (whose own
// limit is 10,000).
const maxDepth = 256

type span struct{ start, end int }

type attr struct {
	prefix, local, value span
}

type binding struct {
	prefix, uri span
	depth       int
}

// Decoder reads one document held in memory.
type Decoder struct {
	data  []byte
	pos   int
	stack []span // qualified names of the open elements
	// empty: the last start tag was self-closing; the element's content
	// is then empty and its end is reported by the next read.
	empty bool
	// the last start tag's parts
	prefix, local span
	attrs         []attr
	ns            []binding
	scratch       []byte
	// ints collects AppendInts' values, so that the caller's slice grows
	// once to its final length rather than by doubling.
	ints   []int32
	intern *Interner
	// checked remembers the contents of discarded fields (SetChecked);
	// lastEnd is where the last end tag began, and endPattern the "</name"
	// SkipChecked looks for.
	checked    *Checked
	lastEnd    int
	endPattern []byte
	// intPool lends AppendInts' result arrays (SetIntPool).
	intPool *IntPool
}

// NewDecoder returns a decoder of data (after an optional UTF-8 byte order
// mark, which the caller strips). data must not change while it is read.
func NewDecoder(data []byte) *Decoder {
	d := &Decoder{}
	d.Reset(data)
	return d
}

// Reset makes d read data from the start, keeping its buffers.
func (d *Decoder) Reset(data []byte) {
	d.data, d.pos, d.empty = data, 0, false
	d.stack, d.attrs, d.ns, d.scratch = d.stack[:0], d.attrs[:0], d.ns[:0], d.scratch[:0]
	d.intern, d.checked, d.intPool = nil, nil, nil
}

// Depth is the number of open elements.
func (d *Decoder) Depth() int { return len(d.stack) }

// Offset is the position of the next byte to read.
func (d *Decoder) Offset() int { return d.pos }

func (d *Decoder) bytes(s span) []byte { return d.data[s.start:s.end] }

// Local is the local name of the last start tag.
func (d *Decoder) Local() []byte { return d.bytes(d.local) }

// Prefix is the prefix of the last start tag ("" when it has none).
func (d *Decoder) Prefix() []byte { return d.bytes(d.prefix) }

// NumAttr is the number of attributes of the last start tag (namespace
// declarations included, as encoding/xml reports them).
func (d *Decoder) NumAttr() int { return len(d.attrs) }

// AttrLocal is the local name of attribute i of the last start tag.
func (d *Decoder) AttrLocal(i int) []byte { return d.bytes(d.attrs[i].local) }

// AttrPrefix is the prefix of attribute i of the last start tag.
func (d *Decoder) AttrPrefix(i int) []byte { return d.bytes(d.attrs[i].prefix) }

// AttrValue is the value of attribute i of the last start tag. Values with
// entities or carriage returns are refused when the tag is read, so this is
// the value encoding/xml reports.
func (d *Decoder) AttrValue(i int) []byte { return d.bytes(d.attrs[i].value) }

// Namespace resolves prefix against the declarations of the open elements
// (the last start tag's included), as encoding/xml does. ok is false when
// the prefix is not declared (an unprefixed name without a default
// namespace resolves to "", ok).
func (d *Decoder) Namespace(prefix []byte) (uri []byte, ok bool) {
	for i := len(d.ns) - 1; i >= 0; i-- {
		if bytes.Equal(d.bytes(d.ns[i].prefix), prefix) {
			return d.bytes(d.ns[i].uri), true
		}
	}
	return nil, len(prefix) == 0
}

// Child moves to the next child element of the current element (of the
// document, at depth 0), skipping white space between elements and
// checking any other text is well formed. ok is false once the current
// element's end tag (at depth 0, the end of the input) has been read.
// After a child is returned its content must be read with Child, Text or
// Skip.
func (d *Decoder) Child() (local []byte, ok bool, err error) {
	return d.child(false)
}

// SpaceChild is Child where only white space may stand between the
// elements (the SOAP envelope's rule for Envelope, Header and Body).
func (d *Decoder) SpaceChild() (local []byte, ok bool, err error) {
	return d.child(true)
}

func (d *Decoder) child(spaceOnly bool) (local []byte, ok bool, err error) {
	if d.empty {
		d.empty = false
		d.pop()
		return nil, false, nil
	}
	for {
		i := bytes.IndexByte(d.data[d.pos:], '<')
		if i < 0 {
			if len(d.stack) != 0 || !isSpace(d.data[d.pos:]) {
				return nil, false, ErrUnsupported
			}
			d.pos = len(d.data)
			return nil, false, nil
		}
		text := d.data[d.pos : d.pos+i]
		if len(d.stack) == 0 || spaceOnly {
			if !isSpace(text) {
				return nil, false, ErrUnsupported
			}
		} else if !validText(text) {
			return nil, false, ErrUnsupported
		}
		d.pos += i
		if d.pos+1 >= len(d.data) {
			return nil, false, ErrUnsupported
		}
		switch d.data[d.pos+1] {
		case '/':
			if err := d.endTag(); err != nil {
				return nil, false, err
			}
			return nil, false, nil
		case '?':
			if err := d.declaration(); err != nil {
				return nil, false, err
			}
			continue
		case '!':
			return nil, false, ErrUnsupported
		}
		if err := d.startTag(); err != nil {
			return nil, false, err
		}
		return d.Local(), true, nil
	}
}

// declaration reads an XML declaration, accepted only first in the
// document and only in the forms that say version 1.0 and UTF-8.
func (d *Decoder) declaration() error {
	if d.pos != 0 {
		return ErrUnsupported
	}
	for _, decl := range xmlDecls {
		if bytes.HasPrefix(d.data, decl) {
			d.pos = len(decl)
			return nil
		}
	}
	return ErrUnsupported
}

var xmlDecls = [][]byte{
	[]byte(`<?xml version="1.0" encoding="utf-8"?>`),
	[]byte(`<?xml version="1.0" encoding="UTF-8"?>`),
	[]byte(`<?xml version="1.0"?>`),
}

// Skip reads the rest of the current element, through its end tag.
func (d *Decoder) Skip() error {
	depth := len(d.stack)
	for len(d.stack) >= depth {
		if _, _, err := d.Child(); err != nil {
			return err
		}
	}
	return nil
}

// Text reads the content of the current element, through its end tag, as
// encoding/xml reports it (entities replaced). An element inside is refused.
// The result is valid until the next read.
func (d *Decoder) Text() ([]byte, error) {
	if d.empty {
		d.empty = false
		d.pop()
		return d.data[d.pos:d.pos], nil
	}
	i := bytes.IndexByte(d.data[d.pos:], '<')
	if i < 0 {
		return nil, ErrUnsupported
	}
	raw := d.data[d.pos : d.pos+i]
	d.pos += i
	if d.pos+1 >= len(d.data) || d.data[d.pos+1] != '/' {
		return nil, ErrUnsupported
	}
	out, err := d.unescape(raw)
	if err != nil {
		return nil, err
	}
	if err := d.endTag(); err != nil {
		return nil, err
	}
	return out, nil
}

func (d *Decoder) pop() {
	depth := len(d.stack)
	d.stack = d.stack[:depth-1]
	for len(d.ns) > 0 && d.ns[len(d.ns)-1].depth >= depth {
		d.ns = d.ns[:len(d.ns)-1]
	}
}

// name reads a name at pos: ASCII letters or '_' first, then letters,
// digits, '_', '.', '-', with at most one ':' inside, which splits prefix
// and local part.
func (d *Decoder) name() (qname, prefix, local span, err error) {
	start := d.pos
	colon := -1
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' {
			d.pos++
			continue
		}
		if d.pos > start && ('0' <= c && c <= '9' || c == '.' || c == '-') {
			d.pos++
			continue
		}
		if c == ':' && colon < 0 && d.pos > start {
			colon = d.pos
			d.pos++
			continue
		}
		break
	}
	end := d.pos
	if end == start || colon == end-1 {
		return qname, prefix, local, ErrUnsupported
	}
	qname = span{start, end}
	if colon < 0 {
		return qname, span{start, start}, qname, nil
	}
	if c := d.data[colon+1]; '0' <= c && c <= '9' || c == '.' || c == '-' {
		return qname, prefix, local, ErrUnsupported
	}
	return qname, span{start, colon}, span{colon + 1, end}, nil
}

func (d *Decoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// startTag reads a start tag at pos (at '<').
func (d *Decoder) startTag() error {
	if len(d.stack) >= maxDepth {
		return ErrUnsupported
	}
	d.pos++
	qname, prefix, local, err := d.name()
	if err != nil {
		return err
	}
	if isReserved(d.bytes(prefix)) {
		return ErrUnsupported
	}
	d.prefix, d.local = prefix, local
	d.attrs = d.attrs[:0]
	depth := len(d.stack) + 1
	for {
		sp := d.pos
		d.space()
		if d.pos >= len(d.data) {
			return ErrUnsupported
		}
		switch d.data[d.pos] {
		case '>':
			d.pos++
			d.stack = append(d.stack, qname)
			return nil
		case '/':
			if d.pos+1 >= len(d.data) || d.data[d.pos+1] != '>' {
				return ErrUnsupported
			}
			d.pos += 2
			d.stack = append(d.stack, qname)
			d.empty = true
			return nil
		}
		if d.pos == sp {
			return ErrUnsupported // attributes are separated by white space
		}
		_, ap, al, err := d.name()
		if err != nil {
			return err
		}
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != '=' {
			return ErrUnsupported
		}
		d.pos++
		d.space()
		if d.pos >= len(d.data) {
			return ErrUnsupported
		}
		q := d.data[d.pos]
		if q != '"' && q != '\'' {
			return ErrUnsupported
		}
		d.pos++
		j := bytes.IndexByte(d.data[d.pos:], q)
		if j < 0 {
			return ErrUnsupported
		}
		val := span{d.pos, d.pos + j}
		if !plainValue(d.bytes(val)) {
			return ErrUnsupported
		}
		d.pos += j + 1
		a := attr{prefix: ap, local: al, value: val}
		d.attrs = append(d.attrs, a)
		pfx := d.bytes(ap)
		switch {
		case string(pfx) == "xmlns":
			if val.start == val.end || isReserved(d.bytes(al)) {
				return ErrUnsupported
			}
			d.ns = append(d.ns, binding{prefix: al, uri: val, depth: depth})
		case len(pfx) == 0 && string(d.bytes(al)) == "xmlns":
			if val.start == val.end {
				return ErrUnsupported
			}
			d.ns = append(d.ns, binding{prefix: ap, uri: val, depth: depth})
		case isReserved(pfx):
			return ErrUnsupported
		}
	}
}

// isReserved: the xml and xmlns prefixes, which encoding/xml resolves in
// ways of their own; documents that use them on element names, or declare
// them, go the slow way.
func isReserved(prefix []byte) bool {
	return string(prefix) == "xml" || string(prefix) == "xmlns"
}

// endTag reads an end tag at pos (at "</") that must close the current
// element with the same qualified name.
func (d *Decoder) endTag() error {
	if len(d.stack) == 0 {
		return ErrUnsupported
	}
	d.lastEnd = d.pos
	d.pos += 2
	qname, _, _, err := d.name()
	if err != nil {
		return err
	}
	if !bytes.Equal(d.bytes(qname), d.bytes(d.stack[len(d.stack)-1])) {
		return ErrUnsupported
	}
	d.space()
	if d.pos >= len(d.data) || d.data[d.pos] != '>' {
		return ErrUnsupported
	}
	d.pos++
	d.pop()
	return nil
}

func isSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// plainValue: an attribute value encoding/xml reports as it is (no entity,
// no carriage return to normalise, no '<'), of allowed characters.
func plainValue(b []byte) bool {
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '&' || c == '<' || c == '\r':
			return false
		case c < 0x20 && c != '\t' && c != '\n':
			return false
		case c >= utf8.RuneSelf:
			n, ok := validRune(b[i:])
			if !ok {
				return false
			}
			i += n - 1
		}
	}
	return true
}

// validText checks text that is read past: what encoding/xml would refuse,
// or cannot be checked without decoding, is refused.
func validText(b []byte) bool {
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '&':
			return false
		case c == '>':
			if i >= 2 && b[i-1] == ']' && b[i-2] == ']' {
				return false
			}
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			return false
		case c >= utf8.RuneSelf:
			n, ok := validRune(b[i:])
			if !ok {
				return false
			}
			i += n - 1
		}
	}
	return true
}

// validRune decodes the rune at the start of b and reports its length and
// whether it is valid UTF-8 and a character XML allows.
func validRune(b []byte) (int, bool) {
	r, n := utf8.DecodeRune(b)
	if r == utf8.RuneError && n == 1 {
		return 1, false
	}
	return n, inCharacterRange(r)
}

func inCharacterRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// textClass marks the bytes text scanning must look at: 1 for '&' and
// '\r' (the text needs rewriting), 2 for what needs a closer look ('>',
// control characters, the start of a multi-byte character).
var textClass = func() (t [256]byte) {
	for c := 0; c < 0x20; c++ {
		if c != '\t' && c != '\n' {
			t[c] = 2
		}
	}
	t['\r'], t['&'] = 1, 1
	t['>'] = 2
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] = 2
	}
	return t
}()

// unescape returns text as encoding/xml reports it: entities replaced, line
// ends normalised to '\n'. Text that needs neither is returned as it is.
func (d *Decoder) unescape(raw []byte) ([]byte, error) {
	clean, hasCR := true, false
	for i := 0; i < len(raw); i++ {
		switch textClass[raw[i]] {
		case 0:
			continue
		case 1:
			clean = false
			hasCR = hasCR || raw[i] == '\r'
			continue
		}
		c := raw[i]
		switch {
		case c == '>':
			if i >= 2 && raw[i-1] == ']' && raw[i-2] == ']' {
				return nil, ErrUnsupported
			}
		case c < 0x20:
			return nil, ErrUnsupported
		default:
			n, ok := validRune(raw[i:])
			if !ok {
				return nil, ErrUnsupported
			}
			i += n - 1
		}
	}
	if clean {
		return raw, nil
	}
	out := d.scratch[:0]
	for len(raw) > 0 {
		i := 0
		if hasCR {
			for i < len(raw) && raw[i] != '&' && raw[i] != '\r' {
				i++
			}
		} else if i = bytes.IndexByte(raw, '&'); i < 0 {
			i = len(raw)
		}
		out = append(out, raw[:i]...)
		raw = raw[i:]
		if len(raw) == 0 {
			break
		}
		if raw[0] == '\r' {
			out = append(out, '\n')
			raw = raw[1:]
			if len(raw) > 0 && raw[0] == '\n' {
				raw = raw[1:]
			}
			continue
		}
		semi := bytes.IndexByte(raw, ';')
		if semi < 0 {
			return nil, ErrUnsupported
		}
		ent := raw[1:semi]
		raw = raw[semi+1:]
		switch string(ent) {
		case "lt":
			out = append(out, '<')
		case "gt":
			out = append(out, '>')
		case "amp":
			out = append(out, '&')
		case "apos":
			out = append(out, '\'')
		case "quot":
			out = append(out, '"')
		default:
			r, ok := charRef(ent)
			if !ok {
				return nil, ErrUnsupported
			}
			out = utf8.AppendRune(out, r)
		}
	}
	d.scratch = out
	return out, nil
}

// charRef reads the body of a character reference (#N or #xH) that names
// a character XML allows.
func charRef(ent []byte) (rune, bool) {
	if len(ent) < 2 || ent[0] != '#' {
		return 0, false
	}
	digits, base := ent[1:], rune(10)
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 || len(digits) > 6 {
		return 0, false
	}
	var r rune
	for _, c := range digits {
		var v rune
		switch {
		case '0' <= c && c <= '9':
			v = rune(c - '0')
		case base == 16 && 'a' <= c && c <= 'f':
			v = rune(c-'a') + 10
		case base == 16 && 'A' <= c && c <= 'F':
			v = rune(c-'A') + 10
		default:
			return 0, false
		}
		r = r*base + v
	}
	return r, inCharacterRange(r)
}

// ParseBool reads a boolean as encoding/xml does: empty text is false,
// otherwise strconv.ParseBool of the trimmed text (anything else is refused).
func ParseBool(b []byte) (bool, error) {
	if len(b) == 0 {
		return false, nil
	}
	switch string(bytes.TrimSpace(b)) {
	case "1", "t", "T", "TRUE", "true", "True":
		return true, nil
	case "0", "f", "F", "FALSE", "false", "False":
		return false, nil
	}
	return false, ErrUnsupported
}

// ParseInt reads a signed integer of the given bit size as encoding/xml
// does: empty text is 0, otherwise the trimmed text in base 10 with an
// optional sign.
func ParseInt(b []byte, bits int) (int64, error) {
	if len(b) == 0 {
		return 0, nil
	}
	b = bytes.TrimSpace(b)
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	u, err := parseDigits(b)
	if err != nil {
		return 0, err
	}
	limit := uint64(1) << (bits - 1)
	if !neg && u >= limit || neg && u > limit {
		return 0, ErrUnsupported
	}
	if neg {
		return -int64(u), nil
	}
	return int64(u), nil
}

// ParseUint reads an unsigned integer of the given bit size as encoding/xml
// does (no sign allowed).
func ParseUint(b []byte, bits int) (uint64, error) {
	if len(b) == 0 {
		return 0, nil
	}
	u, err := parseDigits(bytes.TrimSpace(b))
	if err != nil {
		return 0, err
	}
	if bits < 64 && u >= uint64(1)<<bits {
		return 0, ErrUnsupported
	}
	return u, nil
}

// parseDigits reads 1 to 18 decimal digits (longer numbers, which may
// overflow, go the slow way).
func parseDigits(b []byte) (uint64, error) {
	if len(b) == 0 || len(b) > 18 {
		return 0, ErrUnsupported
	}
	var u uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, ErrUnsupported
		}
		u = u*10 + uint64(c-'0')
	}
	return u, nil
}

// TextBool reads the current element's content with ParseBool.
func (d *Decoder) TextBool() (bool, error) {
	t, err := d.Text()
	if err != nil {
		return false, err
	}
	return ParseBool(t)
}

// TextInt reads the current element's content with ParseInt.
func (d *Decoder) TextInt(bits int) (int64, error) {
	t, err := d.Text()
	if err != nil {
		return 0, err
	}
	return ParseInt(t, bits)
}

// TextUint reads the current element's content with ParseUint.
func (d *Decoder) TextUint(bits int) (uint64, error) {
	t, err := d.Text()
	if err != nil {
		return 0, err
	}
	return ParseUint(t, bits)
}

// TextString reads the current element's content as a string. With an
// interner (SetInterner), a long text seen before is the same string.
func (d *Decoder) TextString() (string, error) {
	if in := d.intern; in != nil && !d.empty {
		if i := bytes.IndexByte(d.data[d.pos:], '<'); i >= in.MinLen {
			raw := d.data[d.pos : d.pos+i]
			if s, ok := in.lookup(raw); ok && d.pos+i+1 < len(d.data) && d.data[d.pos+i+1] == '/' {
				// Seen, so valid text: only the end tag is left to read.
				d.pos += i
				if err := d.endTag(); err != nil {
					return "", err
				}
				return s, nil
			}
			t, err := d.Text()
			if err != nil {
				return "", err
			}
			s := string(t)
			in.store(raw, s)
			return s, nil
		}
	}
	t, err := d.Text()
	if err != nil {
		return "", err
	}
	return string(t), nil
}

// shortDigits reads the decimal digits at the start of w, eight bytes of
// input in little-endian order: n is their count, 0 to 8 (8: maybe more,
// which the caller finds when the end tag is not next) and v the value of
// those n. A few word operations instead of a branch per digit (issue
// 17: AppendInts was a quarter of the server's SyncUpdates handler); the
// result is the digit loop's (TestShortDigits).
func shortDigits(w uint64) (n int, v uint64) {
	// A byte is a digit when it is ASCII, at least '0' (b+0x50 reaches the
	// high bit) and at most '9' (b+0x46 does not). Adding to the low seven
	// bits of each byte carries into no other byte.
	low := w & 0x7f7f7f7f7f7f7f7f
	nonDigit := (w | (low + 0x4646464646464646) | ^(low + 0x5050505050505050)) & 0x8080808080808080
	n = bits.TrailingZeros64(nonDigit) / 8
	// The digits moved to the top bytes, most significant first, zeros
	// before them; then pairs, fours and eights of digits combined.
	w = (w << (64 - 8*n)) & 0x0f0f0f0f0f0f0f0f
	w = (w * (1 + 10<<8)) >> 8 & 0x00ff00ff00ff00ff
	w = (w * (1 + 100<<16)) >> 16 & 0x0000ffff0000ffff
	return n, (w * (1 + 10000<<32)) >> 32
}

// maxKeptInts: a pooled decoder keeps AppendInts' buffer up to this many
// values (a real request sends about 1,300 to 4,000), not a hostile one's.
const maxKeptInts = 1 << 15

// AppendInts reads, from the current element's content, as many
// consecutive <int>N</int> children (white space between them) as it can,
// appending their values to dst, and stops before anything else: another
// form of child, text, or the element's end, which the caller reads with
// Child. It is the common case of the WSUS int arrays (about 1,300 per
// SyncUpdates request) without a call per tag; N is an optional sign and 1
// to 10 digits within int32, which is what strconv.ParseInt accepts of
// such text.
func (d *Decoder) AppendInts(dst []int32) []int32 {
	if d.empty {
		return dst
	}
	data, pos := d.data, d.pos
	ints := d.ints[:0]
	for {
		i := pos
		for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
			i++
		}
		if len(data)-i < len("<int>0</int>") || string(data[i:i+5]) != "<int>" {
			break
		}
		i += 5
		neg := false
		if data[i] == '-' || data[i] == '+' {
			neg = data[i] == '-'
			i++
		}
		start := i
		var v int64
		n, val := 0, uint64(0)
		if len(data)-i >= 8 {
			// The usual ID (up to 7 digits) read eight bytes at a time.
			n, val = shortDigits(binary.LittleEndian.Uint64(data[i:]))
		}
		if n > 0 && n < 8 {
			v, i = int64(val), i+n
		} else {
			for i < len(data) && i-start <= 10 && '0' <= data[i] && data[i] <= '9' {
				v = v*10 + int64(data[i]-'0')
				i++
			}
		}
		if i == start || i-start > 10 || len(data)-i < 6 || string(data[i:i+6]) != "</int>" {
			break
		}
		if neg {
			v = -v
		}
		if v < -1<<31 || v > 1<<31-1 {
			break
		}
		ints = append(ints, int32(v))
		pos = i + 6
	}
	d.pos = pos
	if cap(ints) <= maxKeptInts {
		d.ints = ints
	}
	if cap(dst)-len(dst) < len(ints) {
		if d.intPool != nil {
			dst = append(d.intPool.get(len(dst)+len(ints)), dst...)
		} else {
			dst = append(make([]int32, 0, len(dst)+len(ints)), dst...)
		}
	}
	return append(dst, ints...)
}
