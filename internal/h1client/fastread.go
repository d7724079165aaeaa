package h1client

import (
	"bytes"
	"io"
	"net/http"
	"slices"
)

// readFast reads, from the bytes c.br already holds, an answer of the one
// shape a load's server sends on every request: HTTP/1.1, a final status
// that has a body, a single Content-Length, plain header lines, and none of
// the headers that change the framing or the map (Transfer-Encoding,
// Connection, Trailer, Pragma). It returns exactly what http.ReadResponse
// returns for those bytes (FuzzReadFast checks it), with fewer
// allocations: canonical keys and status lines interned per connection,
// the values cut from one string. Anything else, and an answer whose
// headers are not all buffered yet, is declined (nil, nothing consumed)
// for http.ReadResponse, which makes every other decision and writes every
// error.
func (c *conn) readFast(req *http.Request) *http.Response {
	if req.Method == http.MethodHead {
		return nil
	}
	buf, _ := c.br.Peek(c.br.Buffered())
	end := bytes.Index(buf, crlfcrlf)
	if end < 0 {
		return nil
	}
	block := buf[:end+2]               // every line with its CRLF
	nl := bytes.IndexByte(block, '\n') // found: the block ends with CRLF
	if nl < 1 || block[nl-1] != '\r' {
		return nil
	}
	line := block[:nl-1] // the status line
	if len(line) < 12 || string(line[:9]) != "HTTP/1.1 " || len(line) > 12 && line[12] != ' ' {
		return nil
	}
	code := 0
	for _, d := range line[9:12] {
		if d < '0' || d > '9' {
			return nil
		}
		code = code*10 + int(d-'0')
	}
	// 1xx, 204 and 304 have no body; below 100 ReadResponse has its own
	// opinion.
	if code < 200 || code == http.StatusNoContent || code == http.StatusNotModified {
		return nil
	}
	for _, b := range line {
		if b < ' ' || b == 0x7f {
			return nil
		}
	}
	lines := block[nl+1:]
	n := bytes.Count(lines, crlf)
	if n == 0 || n > 64 {
		return nil
	}
	h := make(http.Header, n)
	vals := make([]string, n)
	type field struct {
		key        string
		start, end int // of the value in lines
	}
	var fields [64]field
	length, lengths := int64(0), 0
	for i, off := 0, 0; i < n; i++ {
		e := off + bytes.Index(lines[off:], crlf)
		l := lines[off:e]
		colon := bytes.IndexByte(l, ':')
		if colon < 1 {
			return nil
		}
		var key string
		if i < len(c.lastKeys) && c.lastKeys[i].raw == string(l[:colon]) {
			// A server sends its headers in the same order each time: the
			// name at this place in its last answer, without a lookup.
			key = c.lastKeys[i].key
		} else {
			var ok bool
			if key, ok = c.canonicalKey(l[:colon]); !ok {
				return nil
			}
			if i < 64 {
				c.lastKeys = append(c.lastKeys[:min(i, len(c.lastKeys))], rawKey{raw: string(l[:colon]), key: key})
			}
		}
		switch key {
		case "Transfer-Encoding", "Connection", "Trailer", "Pragma":
			return nil
		}
		vs, ve := colon+1, len(l)
		for vs < ve && (l[vs] == ' ' || l[vs] == '\t') {
			vs++
		}
		for ve > vs && (l[ve-1] == ' ' || l[ve-1] == '\t') {
			ve--
		}
		for _, b := range l[vs:ve] {
			// textproto's rule: VCHAR, SP, HTAB and obs-text.
			if b < ' ' && b != '\t' || b == 0x7f {
				return nil
			}
		}
		if key == "Content-Length" {
			v := l[vs:ve]
			if lengths++; lengths > 1 || len(v) == 0 || len(v) > 18 {
				return nil
			}
			for _, d := range v {
				if d < '0' || d > '9' {
					return nil
				}
				length = length*10 + int64(d-'0')
			}
		}
		fields[i] = field{key: key, start: off + vs, end: off + ve}
		off = e + 2
	}
	if lengths != 1 {
		return nil // no length: close-delimited
	}
	raw := string(lines) // the values are cut from it: one allocation
	for i := range n {
		f := fields[i]
		v := raw[f.start:f.end]
		if slices.ContainsFunc(fields[:i], func(g field) bool { return g.key == f.key }) {
			h[f.key] = append(h[f.key], v) // a repeated name, rare
			continue
		}
		vals[i] = v
		h[f.key] = vals[i : i+1 : i+1]
	}
	resp := &http.Response{
		Status: c.intern(line[9:]), StatusCode: code,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, ContentLength: length, Request: req, Body: http.NoBody,
	}
	c.br.Discard(end + 4)
	if length > 0 {
		resp.Body = &fixedBody{r: c.br, n: length}
	}
	return resp
}

var (
	crlf     = []byte("\r\n")
	crlfcrlf = []byte("\r\n\r\n")
)

// canonicalKey is textproto.CanonicalMIMEHeaderKey of a key made of
// letters, digits and '-' (anything else is declined), interned.
func (c *conn) canonicalKey(k []byte) (string, bool) {
	if len(k) > 64 {
		return "", false
	}
	var b [64]byte
	upper := true
	for i, ch := range k {
		switch {
		case 'a' <= ch && ch <= 'z':
			if upper {
				ch -= 'a' - 'A'
			}
		case 'A' <= ch && ch <= 'Z':
			if !upper {
				ch += 'a' - 'A'
			}
		case '0' <= ch && ch <= '9' || ch == '-':
		default:
			return "", false
		}
		b[i] = ch
		upper = ch == '-'
	}
	return c.intern(b[:len(k)]), true
}

// intern returns b as a string, the same one each time for the first
// strings a connection sees (its server's header names and status lines).
func (c *conn) intern(b []byte) string {
	if s, ok := c.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	if c.strs == nil {
		c.strs = map[string]string{}
	}
	if len(c.strs) < 64 {
		c.strs[s] = s
	}
	return s
}

// rawKey is a header name as a server spelt it and its canonical form.
type rawKey struct{ raw, key string }

// fixedBody is a Content-Length body, read as net/http reads one: the
// last bytes come with io.EOF, and a connection that ends early gives
// io.ErrUnexpectedEOF.
type fixedBody struct {
	r io.Reader
	n int64
}

func (b *fixedBody) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.n {
		p = p[:b.n]
	}
	n, err := b.r.Read(p)
	b.n -= int64(n)
	switch {
	case b.n == 0 && n > 0:
		err = io.EOF
	case err == io.EOF:
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (b *fixedBody) Close() error { return nil }
