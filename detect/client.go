package detect

import (
	"bytes"
	"strconv"
	"strings"
)

// The texts of the client rule (see the package documentation). They are
// compared after norm, i.e. with white space collapsed.
const (
	internalServerError = "InternalServerError"
	syncMethodSuffix    = "/ClientWebService/SyncUpdates"
	hrSoapServer        = 0x8024400E // WU_E_PT_SOAP_SERVER, classic
	hrSoapFault         = 0x80244007 // WU_E_PT_SOAPCLIENT_SOAPFAULT, WUA 10
	soapErrorServer     = 400        // ATL SOAP_E_SERVER, "SOAP Fault: 0x000190"
	maxBlockLines       = 40         // a fault report is about a dozen lines
)

// clientParser applies the client rule to the lines of one file.
type clientParser struct {
	name     string
	open     []*faultBlock
	findings []Finding
	// Identity seen so far in the file, attached to the next fault.
	dnsName, clientID, server string
	// fragments are 0x8024400E lines without a fault report; sawReport
	// is set by any fault report (any method, any error).
	fragments []Evidence
	sawReport bool
}

// faultBlock is one thread's fault report being collected.
type faultBlock struct {
	nws      bool // WUA 10 / Windows 8 web-services report, else classic
	pid, tid string
	time     string
	lines    []Evidence
	complete bool // classic: the ID line, the last of the report, was seen

	hr            uint32
	soapErrorCode int // classic "soap error code = N"; -1 when not logged
	soapFault     int // classic "SOAP Fault: 0xN"; -1 when not logged
	faultCode     string
	errorCode     string
	method        string
	id            string
	failedMethod  string // WUA 10: the method of "*FAILED* [hr] <method>_WithRecovery failed"

	dnsName, clientID, server string
}

// line feeds one client line (k is lineClassic or lineWUA10).
func (p *clientParser) line(n int, raw []byte, k lineKind, h *header) {
	if len(p.open) == 0 && !isCandidate(h.text) {
		return
	}
	t := norm(h.text)
	switch {
	case strings.HasPrefix(t, "Initializing simple targeting cookie"):
		p.identity(t)
	case strings.Contains(t, "ServiceId") && strings.Contains(t, "Server URL = "):
		// Only the ServiceId line: the SimpleAuth line's "Server URL"
		// names another service.
		p.server = cmpOr(urlHost(t[strings.Index(t, "Server URL = ")+len("Server URL = "):]), p.server)
	}
	// The evidence is built only for a line that is kept: most candidate
	// lines of a large log are not.
	var evp *Evidence
	evidence := func() Evidence {
		if evp == nil {
			evp = &Evidence{File: p.name, Line: n, Text: string(raw)}
		}
		return *evp
	}
	p.fragment(t, evidence)
	// A line of a thread with an open block either belongs to it or ends
	// it; lines of other threads do neither, as real logs interleave
	// threads. A line that shows no thread (a published excerpt without
	// its columns) goes to the latest block.
	if i := p.blockFor(h); i >= 0 {
		b := p.open[i]
		if len(b.lines) < maxBlockLines && b.accept(t) {
			b.lines = append(b.lines, evidence())
			if b.complete {
				p.open = append(p.open[:i], p.open[i+1:]...)
				p.close(b)
			}
			return
		}
		p.open = append(p.open[:i], p.open[i+1:]...)
		p.close(b)
	}
	if b := p.opener(t, h); b != nil {
		b.lines = append(b.lines, evidence())
		p.open = append(p.open, b)
	}
}

// blockFor returns the index of the open block a line belongs to, or -1:
// the block of its thread; for a line without a thread, or a thread with
// no block, the latest block whose thread is unknown, or for a line
// without a thread the latest block.
func (p *clientParser) blockFor(h *header) int {
	pid, tid := string(h.pid), string(h.tid)
	if tid != "" {
		for i, b := range p.open {
			if b.pid == pid && b.tid == tid {
				return i
			}
		}
	}
	for i := len(p.open) - 1; i >= 0; i-- {
		if tid == "" || p.open[i].tid == "" {
			return i
		}
	}
	return -1
}

// fragmentTexts are lines that follow KB954960's fault on the client and
// say 0x8024400E (WU_E_PT_SOAP_SERVER) without the fault itself: the
// protocol talker's unwinding, the agent's summary, ConfigMgr's
// WUAHandler. Alone they are a possible sighting; next to a fault report
// they add nothing, and next to another method's failure they belong to
// that one.
var fragmentTexts = []string{
	"pterror: 0x8024400e", "syncupdates_withrecovery failed.: 0x8024400e", "sync of updates: 0x8024400e",
	"syncserverupdatesinternal failed: 0x8024400e", "failed to synchronize, error = 0x8024400e",
	"scan failed with error = 0x8024400e", "failed to end search job. error = 0x8024400e",
}

// fragment records a fragment line and whether the file shows any fault
// report that would explain it.
func (p *clientParser) fragment(t string, evidence func() Evidence) {
	if _, _, ok := failureLine(t); ok || nwsOpener(t) {
		p.sawReport = true
		return
	}
	if len(p.fragments) >= maxBlockLines || !strings.Contains(t, "8024400") {
		return
	}
	lt := strings.ToLower(t)
	for _, f := range fragmentTexts {
		if strings.Contains(lt, f) {
			p.fragments = append(p.fragments, evidence())
			return
		}
	}
}

// candidates are the starts of the only lines that can open a fault block
// or name the computer and server. Checking them on the raw bytes keeps
// the healthy bulk of a large log free of allocations.
var candidates = [][]byte{
	[]byte("WARNING:"), []byte("WS error:"), []byte("FATAL:"), []byte("*FAILED*"),
	[]byte("Initializing simple targeting cookie"), []byte("+ ServiceId"), []byte("ServiceId"),
	[]byte("* WARNING:"), []byte("Scan failed"), []byte("OnSearchComplete"),
}

func isCandidate(text []byte) bool {
	if len(text) == 0 {
		return false
	}
	switch text[0] {
	case 'W', 'F', '*', 'I', '+', 'S', 'O':
		for _, c := range candidates {
			if bytes.HasPrefix(text, c) {
				return true
			}
		}
	}
	return false
}

// identity records clientId and DNS name from "Initializing simple
// targeting cookie, clientId = C, target group = G, DNS name = D".
func (p *clientParser) identity(t string) {
	if v, ok := between(t, "clientId = ", ","); ok {
		p.clientID = strings.ToLower(v)
	}
	if i := strings.Index(t, "DNS name = "); i >= 0 {
		p.dnsName = strings.TrimSpace(t[i+len("DNS name = "):])
	}
}

// opener starts a block when t opens a fault report on its thread and no
// open block of that thread took it.
func (p *clientParser) opener(t string, h *header) *faultBlock {
	newBlock := func(nws bool) *faultBlock {
		return &faultBlock{nws: nws, pid: string(h.pid), tid: string(h.tid), time: h.stampString(), soapErrorCode: -1, soapFault: -1,
			dnsName: p.dnsName, clientID: p.clientID, server: p.server}
	}
	if method, hr, ok := failureLine(t); ok {
		if method != "SyncUpdates" || hr != hrSoapServer {
			return nil
		}
		b := newBlock(false)
		b.hr = hr
		if v, ok := between(t, "soap error code = ", ","); ok {
			b.soapErrorCode = atoi(v)
		}
		return b
	}
	if nwsOpener(t) {
		b := newBlock(true)
		b.accept(t)
		return b
	}
	return nil
}

// warning returns the text after "WARNING:" (with or without the space).
func warning(t string) (string, bool) {
	rest, found := strings.CutPrefix(t, "WARNING:")
	return strings.TrimLeft(rest, " "), found
}

// failureLine parses "WARNING: <method> failure, error = 0x<hr>, ...".
func failureLine(t string) (method string, hr uint32, ok bool) {
	rest, found := warning(t)
	if !found {
		return "", 0, false
	}
	i := strings.Index(rest, " failure, error = 0x")
	if i <= 0 || strings.ContainsRune(rest[:i], ' ') {
		return "", 0, false
	}
	return rest[:i], parseHex(rest[i+len(" failure, error = 0x"):]), true
}

func nwsOpener(t string) bool {
	for _, p := range []string{
		"WARNING: Nws Failure", "WARNING: The body of the received message contained a fault",
		"WARNING: Soap fault info:", "WARNING: detail:", "WARNING: Soap fault detail:",
	} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

// accept takes t into the block when it is one of the block's lines and
// records what it says; it returns false for a line that ends the block.
func (b *faultBlock) accept(t string) bool {
	if b.nws {
		return b.acceptNWS(t)
	}
	return b.acceptClassic(t)
}

func (b *faultBlock) acceptClassic(t string) bool {
	rest, ok := warning(t)
	if !ok {
		return false
	}
	switch {
	case strings.HasPrefix(rest, "SOAP Fault: 0x") && b.soapFault < 0:
		b.soapFault = int(parseHex(rest[len("SOAP Fault: 0x"):]))
	case strings.HasPrefix(rest, "faultstring:"):
	case strings.HasPrefix(rest, "ErrorCode:") && b.errorCode == "":
		v := firstToken(rest[len("ErrorCode:"):])
		if i := strings.IndexByte(v, '('); i >= 0 {
			v = v[:i]
		}
		b.errorCode = cmpOr(v, "?")
	case strings.HasPrefix(rest, "Message:"):
	case strings.HasPrefix(rest, "Method:") && b.method == "":
		b.method = cmpOr(firstToken(rest[len("Method:"):]), "?")
	case strings.HasPrefix(rest, "ID:") && b.id == "":
		b.id = guid(rest[len("ID:"):])
		b.complete = true
	default:
		return false
	}
	return true
}

func (b *faultBlock) acceptNWS(t string) bool {
	switch {
	case strings.HasPrefix(t, "WARNING: Nws Failure"),
		strings.HasPrefix(t, "WARNING: The body of the received message contained a fault"),
		strings.HasPrefix(t, "WARNING: Soap fault info:"):
		// These start a report; once one has detail or an hr, a new one
		// is another fault.
		return b.errorCode == "" && b.hr == 0
	case strings.HasPrefix(t, "WARNING: reason:"):
		return b.hr == 0
	case strings.HasPrefix(t, "WARNING: code:"):
		if b.hr != 0 {
			return false
		}
		b.faultCode = strings.TrimSpace(t[len("WARNING: code:"):])
		return true
	case strings.HasPrefix(t, "WARNING: detail:"), strings.HasPrefix(t, "WS error:") && strings.Contains(t, "<detail>"):
		if b.hr != 0 {
			return false
		}
		return b.detail(tagValue(t, "ErrorCode"), tagValue(t, "Method"), tagValue(t, "ID"))
	case strings.HasPrefix(t, "WARNING: Soap fault detail:"):
		if b.hr != 0 {
			return false
		}
		ec, _ := between(t, "errorCode='", "'")
		id, _ := between(t, "id='", "'")
		m := ""
		if i := strings.Index(t, "method='"); i >= 0 {
			m = strings.TrimSuffix(t[i+len("method='"):], "'")
		}
		return b.detail(ec, m, id)
	case strings.HasPrefix(t, "FATAL: OnCallFailure failed with hr=0"):
		v := t[len("FATAL: OnCallFailure failed with hr=0"):]
		if len(v) > 0 && (v[0] == 'x' || v[0] == 'X') {
			v = v[1:]
		}
		if b.hr != 0 {
			return false
		}
		b.hr = parseHex(v)
		return true
	case strings.HasPrefix(t, "WARNING: PTError: 0x"):
		if b.hr == 0 {
			b.hr = parseHex(t[len("WARNING: PTError: 0x"):])
		}
		return true
	case strings.HasPrefix(t, "WARNING: Sync of Updates: 0x"),
		strings.HasPrefix(t, "WARNING: SyncServerUpdatesInternal failed: 0x"),
		strings.HasPrefix(t, "WARNING: ") && strings.Contains(t, "_WithRecovery failed.: 0x"):
		// The Windows 8.x text log unwinds in the classic wording.
		i := strings.LastIndex(t, ": 0x")
		if m, ok := strings.CutSuffix(t[len("WARNING: "):i], "_WithRecovery failed."); ok {
			b.failedMethod = cmpOr(b.failedMethod, m)
		}
		if b.hr == 0 {
			b.hr = parseHex(t[i+len(": 0x"):])
		}
		return true
	case strings.HasPrefix(t, "*FAILED* ["):
		end := strings.IndexByte(t, ']')
		if end < 0 {
			return false
		}
		what := strings.TrimSpace(t[end+1:])
		if m, ok := strings.CutSuffix(what, "_WithRecovery failed"); ok {
			b.failedMethod = cmpOr(b.failedMethod, m)
		} else if what != "SyncServerUpdatesInternal failed" {
			return false
		}
		if b.hr == 0 {
			b.hr = parseHex(t[len("*FAILED* ["):end])
		}
		return true
	}
	return false
}

// detail merges the fault detail fields of one line; a line naming another
// fault ID belongs to another fault.
func (b *faultBlock) detail(errorCode, method, id string) bool {
	id = guid(id)
	if id != "" && b.id != "" && id != b.id {
		return false
	}
	b.errorCode = cmpOr(b.errorCode, errorCode)
	b.method = cmpOr(b.method, method)
	b.id = cmpOr(b.id, id)
	return true
}

// close judges a finished block.
func (p *clientParser) close(b *faultBlock) {
	v, reason := b.verdict()
	if v == VerdictNone {
		return
	}
	computer := cmpOr(b.dnsName, b.clientID, p.name)
	p.findings = append(p.findings, Finding{
		Verdict: v, Side: SideClient, File: p.name, Computer: computer, ClientID: b.clientID,
		Time: b.time, FaultID: b.id, Server: b.server, Reason: reason, Evidence: b.lines,
	})
}

// verdict applies the client rule of the package documentation.
func (b *faultBlock) verdict() (Verdict, string) {
	isSync := func(m string) bool {
		m = strings.Trim(strings.TrimSpace(m), `"'`)
		return len(m) >= len(syncMethodSuffix) && strings.EqualFold(m[len(m)-len(syncMethodSuffix):], syncMethodSuffix)
	}
	if !b.nws {
		switch {
		case b.soapErrorCode >= 0 && b.soapErrorCode != soapErrorServer,
			b.soapFault >= 0 && b.soapFault != soapErrorServer,
			b.errorCode != "" && b.errorCode != internalServerError,
			b.method != "" && !isSync(b.method):
			return VerdictNone, ""
		case b.errorCode == "" && b.soapFault < 0:
			return VerdictPossible, "SyncUpdates failure 0x8024400E alone, without the fault lines that follow it (excerpt cut short?)"
		case b.errorCode == "":
			return VerdictPossible, "SyncUpdates fault 0x8024400E without its ErrorCode line"
		case b.method == "" || b.id == "":
			return VerdictProbable, "SyncUpdates fault 0x8024400E with ErrorCode InternalServerError (Method or ID line missing); " + sqlCaveat
		}
		return VerdictProbable, "SyncUpdates fault 0x8024400E, ErrorCode InternalServerError, Method SyncUpdates, with ID; " + sqlCaveat
	}
	switch {
	case b.errorCode != internalServerError,
		b.faultCode != "" && !strings.EqualFold(b.faultCode, "Server"),
		b.method != "" && !isSync(b.method),
		b.hr != 0 && b.hr != hrSoapFault:
		return VerdictNone, ""
	case b.method == "" && b.failedMethod != "SyncUpdates":
		return VerdictNone, ""
	}
	return VerdictProbable, "SyncUpdates fault (0x80244007 on WUA 10) with ErrorCode InternalServerError; " + sqlCaveat
}

// sqlCaveat is why a client-side finding is probable, not confirmed.
const sqlCaveat = "the client logs the same lines for any server exception in SyncUpdates (a SqlException timeout too)"

// finish closes the blocks still open at the end of the file.
func (p *clientParser) finish() {
	for _, b := range p.open {
		p.close(b)
	}
	p.open = nil
	// Fragments count only where nothing else explains them: no fault
	// report of any method in the file.
	if len(p.fragments) > 0 && !p.sawReport && len(p.findings) == 0 {
		p.findings = append(p.findings, Finding{
			Verdict: VerdictPossible, Side: SideClient, File: p.name, Computer: cmpOr(p.dnsName, p.clientID, p.name),
			ClientID: p.clientID, Server: p.server, Evidence: p.fragments,
			Reason: "0x8024400E fragments (the protocol talker's or WUAHandler's error lines) without the SyncUpdates fault they follow",
		})
	}
}

// firstToken returns the first white-space separated word of s.
func firstToken(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		s = s[:i]
	}
	return s
}

// between returns the text of s between the first prefix and the next
// suffix after it (or the end of s).
func between(s, prefix, suffix string) (string, bool) {
	i := strings.Index(s, prefix)
	if i < 0 {
		return "", false
	}
	s = s[i+len(prefix):]
	if j := strings.Index(s, suffix); j >= 0 {
		s = s[:j]
	}
	return strings.TrimSpace(s), true
}

// tagValue returns the text of <tag>...</tag> in s.
func tagValue(s, tag string) string {
	v, ok := between(s, "<"+tag+">", "</"+tag+">")
	if !ok {
		return ""
	}
	return v
}

// guid returns the GUID at the start of s in lower case without braces,
// or "" when s does not start with one.
func guid(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "{")
	if len(s) < 36 {
		return ""
	}
	for i, c := range []byte(s[:36]) {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return ""
			}
		default:
			if !isHex(c) {
				return ""
			}
		}
	}
	return strings.ToLower(s[:36])
}

// parseHex parses the leading hex digits of s (at most eight).
func parseHex(s string) uint32 {
	n := 0
	for n < len(s) && n < 8 && isHex(s[n]) {
		n++
	}
	v, _ := strconv.ParseUint(s[:n], 16, 32)
	return uint32(v)
}

func atoi(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return -1
	}
	return n
}

// urlHost returns the host[:port] of the http(s) URL at the start of s.
func urlHost(s string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		return ""
	}
	s = s[i+3:]
	// Not cut at a space: the advisory's placeholder host is "<WSUS Server>".
	if j := strings.IndexAny(s, "/,"); j >= 0 {
		s = s[:j]
	}
	return strings.TrimSpace(s)
}

// cmpOr returns the first non-empty string.
func cmpOr(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
