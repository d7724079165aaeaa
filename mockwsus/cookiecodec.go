package mockwsus

import (
	"errors"
	"time"
	"unicode/utf8"
)

// The plaintext of a sealed cookie is the JSON object encoding/json made of
// cookieData (field order, omitted fields, string escaping and time format
// alike), written and read here by hand: every request opens a cookie and
// most seal a new one, and encoding/json's reflection cost about 5% of the
// server's CPU per SyncUpdates (issue 17). Keeping the bytes identical
// keeps cookies, and so the golden answers and run artifacts, byte-stable
// for a seed (TestCookieCodecIsEncodingJSON checks both directions against
// encoding/json). The plaintext is only ever what appendCookieJSON wrote
// (it is authenticated before it is parsed), so the reader accepts exactly
// that form and nothing else.

// appendCookieJSON appends d as json.Marshal writes it.
func appendCookieJSON(dst []byte, d *cookieData) ([]byte, error) {
	dst = append(dst, `{"c":`...)
	dst = appendJSONString(dst, d.ClientID)
	if d.DNSName != "" {
		dst = append(dst, `,"d":`...)
		dst = appendJSONString(dst, d.DNSName)
	}
	if d.TargetGroup != "" {
		dst = append(dst, `,"g":`...)
		dst = appendJSONString(dst, d.TargetGroup)
	}
	var err error
	dst = append(dst, `,"i":`...)
	if dst, err = appendJSONTime(dst, d.Issued); err != nil {
		return nil, err
	}
	dst = append(dst, `,"e":`...)
	if dst, err = appendJSONTime(dst, d.Expires); err != nil {
		return nil, err
	}
	if !d.LastSync.IsZero() {
		dst = append(dst, `,"l":`...)
		if dst, err = appendJSONTime(dst, d.LastSync); err != nil {
			return nil, err
		}
	}
	if !d.ConfigChange.IsZero() {
		dst = append(dst, `,"k":`...)
		if dst, err = appendJSONTime(dst, d.ConfigChange); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

var errCookieTime = errors.New("mockwsus: cookie time outside the years 0 to 9999")

// appendJSONTime appends t as time.Time's MarshalJSON does.
func appendJSONTime(dst []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		return nil, errCookieTime
	}
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"'), nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as encoding/json does with its default
// HTML escaping: <, > and & as \u00XX, the control characters with their
// short escapes where JSON has one, invalid UTF-8 as \ufffd, and U+2028 and
// U+2029 escaped.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// errCookiePlain: the plaintext is not what appendCookieJSON writes.
var errCookiePlain = errors.New("mockwsus: cookie contents are not in the expected form")

// parseCookieJSON reads what appendCookieJSON wrote.
func parseCookieJSON(p []byte) (cookieData, error) {
	var d cookieData
	r := cookieReader{p: p}
	if !r.lit(`{"c":`) {
		return d, errCookiePlain
	}
	d.ClientID = r.str()
	if r.lit(`,"d":`) {
		d.DNSName = r.str()
	}
	if r.lit(`,"g":`) {
		d.TargetGroup = r.str()
	}
	if !r.lit(`,"i":`) {
		return d, errCookiePlain
	}
	d.Issued = r.time()
	if !r.lit(`,"e":`) {
		return d, errCookiePlain
	}
	d.Expires = r.time()
	if r.lit(`,"l":`) {
		d.LastSync = r.time()
	}
	if r.lit(`,"k":`) {
		d.ConfigChange = r.time()
	}
	if !r.lit(`}`) || r.bad || len(r.p) != 0 {
		return cookieData{}, errCookiePlain
	}
	return d, nil
}

// cookieReader consumes p from the front; bad records the first error.
type cookieReader struct {
	p   []byte
	bad bool
}

func (r *cookieReader) lit(s string) bool {
	if len(r.p) < len(s) || string(r.p[:len(s)]) != s {
		return false
	}
	r.p = r.p[len(s):]
	return true
}

// str reads a quoted string with the escapes appendJSONString writes.
func (r *cookieReader) str() string {
	if len(r.p) == 0 || r.p[0] != '"' {
		r.bad = true
		return ""
	}
	p := r.p[1:]
	// The common case: no escape.
	for i, c := range p {
		if c == '"' {
			r.p = p[i+1:]
			return string(p[:i])
		}
		if c == '\\' {
			break
		}
	}
	var out []byte
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '"':
			r.p = p[i+1:]
			return string(out)
		case c != '\\':
			out = append(out, c)
			continue
		}
		if i+1 >= len(p) {
			break
		}
		i++
		switch p[i] {
		case '"', '\\':
			out = append(out, p[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if i+4 >= len(p) {
				r.bad = true
				return ""
			}
			var v rune
			for _, h := range p[i+1 : i+5] {
				switch {
				case '0' <= h && h <= '9':
					v = v<<4 | rune(h-'0')
				case 'a' <= h && h <= 'f':
					v = v<<4 | rune(h-'a'+10)
				default:
					r.bad = true
					return ""
				}
			}
			out = utf8.AppendRune(out, v)
			i += 4
		default:
			r.bad = true
			return ""
		}
	}
	r.bad = true
	return ""
}

// time reads a quoted RFC 3339 time as time.Time's UnmarshalJSON does.
func (r *cookieReader) time() time.Time {
	if len(r.p) == 0 || r.p[0] != '"' {
		r.bad = true
		return time.Time{}
	}
	for i := 1; i < len(r.p); i++ {
		if r.p[i] == '"' {
			t, err := time.Parse(time.RFC3339, string(r.p[1:i]))
			if err != nil {
				r.bad = true
			}
			r.p = r.p[i+1:]
			return t
		}
	}
	r.bad = true
	return time.Time{}
}
