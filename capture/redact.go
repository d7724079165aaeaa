package capture

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Redaction says what a Writer removes from exchanges before writing them.
// Replacements are consistent within one Writer (the same host always
// becomes the same placeholder), so a redacted capture still replays.
type Redaction struct {
	// Hosts redacts the host name of every request's Host header wherever
	// it occurs in that exchange and the ones after it: headers, bodies,
	// URLs in bodies (content URLs, UpdateServiceUrl=...). Names become
	// redacted-N.invalid.
	Hosts bool
	// ExtraHosts are further names (computer names, DNS suffixes) redacted
	// wherever they occur, case-insensitively, from the first exchange on.
	ExtraHosts []string
	// IPs redacts the IP addresses of Host headers and of URLs
	// (http://, https://, \\UNC) wherever they occur; IPv4 addresses
	// become 192.0.2.N (then 198.51.100.N, 203.0.113.N), IPv6 addresses
	// 2001:db8::N, the documentation ranges, which are themselves never
	// redacted. Only addresses seen in such places are learnt, because a
	// bare dotted quad in an update's metadata is usually a version number.
	IPs bool
	// Cookies replaces the text of every EncryptedData and CookieData
	// element with "A"s of the same length ("=" padding kept), which is
	// base64 for zero bytes, as the real captures were sanitised; and the
	// values of Cookie, Set-Cookie, Authorization and Proxy-Authorization
	// headers with "redacted".
	Cookies bool
}

func (r Redaction) enabled() bool {
	return r.Hosts || r.IPs || r.Cookies || len(r.ExtraHosts) > 0
}

func (r Redaction) settings() RedactionSettings {
	return RedactionSettings{Hosts: r.Hosts, ExtraHosts: len(r.ExtraHosts), IPs: r.IPs, Cookies: r.Cookies}
}

// RedactionManifest is redactions.json: what was redacted, per exchange,
// without the original text (only its SHA-256).
type RedactionManifest struct {
	Tool      string               `json:"tool"`
	Version   int                  `json:"version"`
	Settings  RedactionSettings    `json:"settings"`
	Exchanges []ExchangeRedactions `json:"exchanges"`
	// Totals counts replacements by kind over all exchanges.
	Totals map[string]int `json:"totals"`
}

// RedactionSettings are the options a manifest was written with; the extra
// host names are counted, not listed, since they are what was hidden.
type RedactionSettings struct {
	Hosts      bool `json:"hosts"`
	ExtraHosts int  `json:"extra_hosts"`
	IPs        bool `json:"ips"`
	Cookies    bool `json:"cookies"`
}

// ExchangeRedactions lists the redactions of one exchange.
type ExchangeRedactions struct {
	Exchange   string           `json:"exchange"`
	Redactions []RedactionEntry `json:"redactions"`
}

// RedactionEntry is one redacted value in one file of an exchange.
type RedactionEntry struct {
	// Kind is host, ip, cookie or header.
	Kind string `json:"kind"`
	// File is the file of the exchange it was redacted from.
	File string `json:"file"`
	// OriginalSHA256 is the SHA-256 (hex) of the original text, so that a
	// holder of the original can confirm what was removed; the text itself
	// is never written.
	OriginalSHA256 string `json:"original_sha256"`
	Replacement    string `json:"replacement"`
	// Count is how many times it was replaced in the file.
	Count int `json:"count"`
}

// redactor holds what a Writer has learnt to redact.
type redactor struct {
	opts Redaction

	mu    sync.Mutex
	names map[string]string // lower-case host name -> placeholder
	ips   map[string]string // address text -> documentation address
	nName int
	nIP4  int
	nIP6  int
}

func newRedactor(opts Redaction) *redactor {
	r := &redactor{opts: opts, names: map[string]string{}, ips: map[string]string{}}
	for _, h := range opts.ExtraHosts {
		if h = strings.TrimSpace(h); h != "" {
			r.learnName(h)
		}
	}
	return r
}

func (r *redactor) learnName(h string) {
	key := strings.ToLower(h)
	if _, ok := r.names[key]; ok {
		return
	}
	r.nName++
	r.names[key] = fmt.Sprintf("redacted-%d.invalid", r.nName)
}

// documentation ranges (RFC 5737, RFC 3849): already sanitised addresses.
var docPrefixes = []netip.Prefix{
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("2001:db8::/32"),
}

func (r *redactor) learnIP(text string) {
	addr, err := netip.ParseAddr(text)
	if err != nil || addr.IsUnspecified() {
		return
	}
	for _, p := range docPrefixes {
		if p.Contains(addr) {
			return
		}
	}
	if _, ok := r.ips[text]; ok {
		return
	}
	if addr.Is4() {
		nets := []string{"192.0.2.", "198.51.100.", "203.0.113."}
		i := r.nIP4
		r.nIP4++
		if i >= 254*len(nets) {
			r.ips[text] = "192.0.2.254"
			return
		}
		r.ips[text] = nets[i/254] + strconv.Itoa(i%254+1)
		return
	}
	r.nIP6++
	r.ips[text] = fmt.Sprintf("2001:db8::%x", r.nIP6)
}

// urlAddr finds the address of a URL authority or UNC path.
var urlAddr = regexp.MustCompile(`(?i)(?:https?://(?:[^/@\s"<>]*@)?|\\\\)(\[[0-9a-f:.]+\]|\d{1,3}(?:\.\d{1,3}){3})`)

// cookieElement finds the text of EncryptedData and CookieData elements.
var cookieElement = regexp.MustCompile(`<((?:[A-Za-z_][\w.-]*:)?(?:EncryptedData|CookieData))(?:\s[^>]*)?>([^<]*)</`)

// secretHeaders carry credentials or cookies.
var secretHeaders = []string{"Cookie", "Set-Cookie", "Authorization", "Proxy-Authorization"}

// redactionLog accumulates entries in order of first appearance.
type redactionLog struct {
	order []string
	by    map[string]*RedactionEntry
}

func (l *redactionLog) add(kind, file, original, replacement string, n int) {
	if n == 0 {
		return
	}
	sum := sha256Hex([]byte(original))
	key := kind + "\x00" + file + "\x00" + sum + "\x00" + replacement
	if l.by == nil {
		l.by = map[string]*RedactionEntry{}
	}
	if e, ok := l.by[key]; ok {
		e.Count += n
		return
	}
	l.order = append(l.order, key)
	l.by[key] = &RedactionEntry{Kind: kind, File: file, OriginalSHA256: sum, Replacement: replacement, Count: n}
}

func (l *redactionLog) entries() []RedactionEntry {
	out := make([]RedactionEntry, 0, len(l.order))
	for _, k := range l.order {
		out = append(out, *l.by[k])
	}
	return out
}

// apply redacts ex in place (its slices are the Writer's copies) and
// returns what it replaced.
func (r *redactor) apply(ex *Exchange) []RedactionEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.learn(ex)

	type pattern struct {
		kind, old, repl string
	}
	var pats []pattern
	if r.opts.Hosts || len(r.opts.ExtraHosts) > 0 {
		for old, repl := range r.names {
			pats = append(pats, pattern{"host", old, repl})
		}
	}
	if r.opts.IPs {
		for old, repl := range r.ips {
			pats = append(pats, pattern{"ip", old, repl})
		}
	}
	// Longest first, so that wsus.lab.local goes before lab.local.
	sort.Slice(pats, func(i, j int) bool {
		if len(pats[i].old) != len(pats[j].old) {
			return len(pats[i].old) > len(pats[j].old)
		}
		return pats[i].old < pats[j].old
	})

	var log redactionLog
	text := func(file string, s []byte) []byte {
		for _, p := range pats {
			var n int
			switch {
			case p.kind == "host":
				s, n = replaceBounded(s, p.old, p.repl, true, hostBoundary)
			case strings.HasPrefix(p.old, "["), strings.Contains(p.old, ":"):
				s, n = replaceBounded(s, p.old, p.repl, true, ipv6Boundary)
			default:
				s, n = replaceBounded(s, p.old, p.repl, false, ipv4Boundary)
			}
			log.add(p.kind, file, p.old, p.repl, n)
		}
		return s
	}
	header := func(file string, h Header) {
		for i := range h {
			if r.opts.Cookies && isSecretHeader(h[i].Name) && h[i].Value != "redacted" {
				log.add("header", file, h[i].Value, "redacted", 1)
				h[i].Value = "redacted"
				continue
			}
			h[i].Value = string(text(file, []byte(h[i].Value)))
		}
	}
	body := func(file string, b []byte, h *Header) []byte {
		if b == nil {
			return nil
		}
		orig := len(b)
		b = append([]byte(nil), b...)
		if r.opts.Cookies {
			b = redactCookies(b, func(original, repl string) { log.add("cookie", file, original, repl, 1) })
		}
		b = text(file, b)
		// The real captures' Content-Length is the redacted body's: keep
		// the headers true to the file next to them.
		if len(b) != orig && h.Get("Content-Length") == strconv.Itoa(orig) {
			h.Set("Content-Length", strconv.Itoa(len(b)))
		}
		return b
	}

	ex.Request.Target = string(text(FileRequestHeaders, []byte(ex.Request.Target)))
	ex.Request.Body = body(FileRequestBody, ex.Request.Body, &ex.Request.Header)
	header(FileRequestHeaders, ex.Request.Header)
	ex.Response.Body = body(FileResponseBody, ex.Response.Body, &ex.Response.Header)
	header(FileResponseHeaders, ex.Response.Header)
	return log.entries()
}

func isSecretHeader(name string) bool {
	for _, s := range secretHeaders {
		if strings.EqualFold(name, s) {
			return true
		}
	}
	return false
}

// learn picks up the names and addresses of ex that are to be redacted.
func (r *redactor) learn(ex *Exchange) {
	host := ex.Request.Header.Get("Host")
	if host == "" {
		if u := ex.Request.Target; strings.Contains(u, "://") {
			host, _, _ = strings.Cut(u[strings.Index(u, "://")+3:], "/")
		}
	}
	if h := hostOnly(host); h != "" {
		if _, err := netip.ParseAddr(h); err == nil {
			if r.opts.IPs {
				r.learnIP(h)
			}
		} else if r.opts.Hosts {
			r.learnName(h)
		}
	}
	if !r.opts.IPs {
		return
	}
	scan := func(b []byte) {
		for _, m := range urlAddr.FindAllSubmatch(b, -1) {
			r.learnIP(strings.Trim(string(m[1]), "[]"))
		}
	}
	scan([]byte(ex.Request.Target))
	for _, h := range []Header{ex.Request.Header, ex.Response.Header} {
		for _, f := range h {
			scan([]byte(f.Value))
		}
	}
	scan(ex.Request.Body)
	scan(ex.Response.Body)
}

// hostOnly strips the port (and IPv6 brackets) from a Host value.
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}

func redactCookies(b []byte, note func(original, repl string)) []byte {
	idx := cookieElement.FindAllSubmatchIndex(b, -1)
	if idx == nil {
		return b
	}
	var out bytes.Buffer
	last := 0
	for _, m := range idx {
		start, end := m[4], m[5]
		out.Write(b[last:start])
		orig := b[start:end]
		repl := make([]byte, len(orig))
		changed := false
		for i, c := range orig {
			switch c {
			case '=', ' ', '\t', '\r', '\n':
				repl[i] = c
			default:
				repl[i] = 'A'
				changed = changed || c != 'A'
			}
		}
		if changed {
			note(string(orig), string(repl))
		}
		out.Write(repl)
		last = end
	}
	out.Write(b[last:])
	return out.Bytes()
}

// replaceBounded replaces every occurrence of old in s (ASCII
// case-insensitively when fold) that bound accepts.
func replaceBounded(s []byte, old, repl string, fold bool, bound func(s []byte, i, j int) bool) ([]byte, int) {
	if old == "" || len(s) < len(old) {
		return s, 0
	}
	hay := s
	needle := []byte(old)
	if fold {
		hay = asciiLower(s)
		needle = asciiLower(needle)
	}
	var out []byte
	n, last, from := 0, 0, 0
	for {
		k := bytes.Index(hay[from:], needle)
		if k < 0 {
			break
		}
		i := from + k
		j := i + len(needle)
		if !bound(s, i, j) {
			from = i + 1
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(s))
		}
		out = append(out, s[last:i]...)
		out = append(out, repl...)
		n++
		last, from = j, j
	}
	if n == 0 {
		return s, 0
	}
	return append(out, s[last:]...), n
}

func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

func isNameByte(c byte) bool {
	return c == '-' || c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// hostBoundary: a name is not part of a longer label (a leading "." is
// fine: sub.wsus.lab.local still hides wsus.lab.local).
func hostBoundary(s []byte, i, j int) bool {
	return (i == 0 || !isNameByte(s[i-1])) && (j == len(s) || !isNameByte(s[j]))
}

// ipv4Boundary: 10.0.0.1 is not redacted inside 110.0.0.15 or 1.10.0.0.1.
func ipv4Boundary(s []byte, i, j int) bool {
	if i > 0 && (isDigit(s[i-1]) || s[i-1] == '.' && i > 1 && isDigit(s[i-2])) {
		return false
	}
	if j < len(s) && (isDigit(s[j]) || s[j] == '.' && j+1 < len(s) && isDigit(s[j+1])) {
		return false
	}
	return true
}

func ipv6Boundary(s []byte, i, j int) bool {
	isHex := func(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' || c == ':' }
	return (i == 0 || !isHex(s[i-1])) && (j == len(s) || !isHex(s[j]))
}
