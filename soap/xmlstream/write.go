package xmlstream

import (
	"bytes"
	"encoding/xml"
	"unicode/utf8"
)

// AppendText appends s escaped as encoding/xml's encoder escapes text and
// attribute values (EscapeText): quotes, apostrophes, &, <, >, tab, new
// line and carriage return as references, and what XML cannot hold (and
// invalid UTF-8) as U+FFFD. Writers that build answers byte by byte use it
// so that their bytes are encoding/xml's.
func AppendText[S string | []byte](dst []byte, s S) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\'' && c != '&' && c != '<' && c != '>' {
			i++
			continue
		}
		r, width := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		i += width
		var esc string
		switch r {
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			if !inCharacterRange(r) || (r == utf8.RuneError && width == 1) {
				esc = "\uFFFD"
				break
			}
			continue
		}
		dst = append(dst, s[last:i-width]...)
		dst = append(dst, esc...)
		last = i
	}
	return append(dst, s[last:]...)
}

// AppendMarshaled appends v as encoding/xml writes it as the element name
// (for the types with a MarshalXML of their own, which the generated
// encoders hand over). An error is kept in *err, the first one only.
func AppendMarshaled(dst []byte, v any, name string, err *error) []byte {
	var buf bytes.Buffer
	e := xml.NewEncoder(&buf)
	if werr := e.EncodeElement(v, xml.StartElement{Name: xml.Name{Local: name}}); werr != nil {
		if *err == nil {
			*err = werr
		}
		return dst
	}
	if ferr := e.Flush(); ferr != nil {
		if *err == nil {
			*err = ferr
		}
		return dst
	}
	return append(dst, buf.Bytes()...)
}
