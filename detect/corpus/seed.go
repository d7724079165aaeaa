package corpus

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/wsusmock/wsusmock/detect"
	"github.com/wsusmock/wsusmock/internal/shared"
)

// advisory is the advisory's two log excerpts as published, read from the
// seed folder at corpus time; the repository holds no copy of them.
type advisory struct {
	Path string
	// Client and Server are the fenced excerpts exactly as published.
	Client, Server string
}

// loadAdvisory finds the advisory in dir (*.txt and *.md files) and cuts
// out its two fenced log excerpts, with the one loader the tests use too.
func loadAdvisory(dir string) (*advisory, error) {
	a, err := shared.ReadAdvisory(dir)
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	return &advisory{Path: a.Path, Client: a.Client, Server: a.Server}, nil
}

// entry is one line of an excerpt, split into its columns.
type entry struct {
	date, clock string // the time stamp ("2008-06-13", "19:59:56:617")
	// client columns
	pid, tid, comp string
	// server columns
	level, thread, source string
	msg                   string
	frame                 bool // a stack frame ("at ..."), msg holds it
	gap                   bool // the "<lines removed>" marker, msg holds it
}

var (
	clientLineRE = regexp.MustCompile(`^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d[:.]\d+) (\S+) (\S+) (\S+) (.*)$`)
	serverLineRE = regexp.MustCompile(`^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d[.,]\d+) UTC (\S+) (\S+) (\S+) (.*)$`)
)

// parseExcerpt splits an excerpt into entries; every line must be one of
// the known shapes, so that a changed seed is noticed, not mangled.
func parseExcerpt(text string, server bool) ([]entry, error) {
	var out []entry
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "":
		case strings.HasPrefix(l, "at "):
			out = append(out, entry{frame: true, msg: l})
		case strings.HasPrefix(l, "<") && strings.HasSuffix(l, ">") && !strings.Contains(l, "UTC"):
			out = append(out, entry{gap: true, msg: l})
		case server:
			m := serverLineRE.FindStringSubmatch(l)
			if m == nil {
				return nil, fmt.Errorf("corpus: unexpected server excerpt line %q", l)
			}
			out = append(out, entry{date: m[1], clock: m[2], level: m[3], thread: m[4], source: m[5], msg: m[6]})
		default:
			m := clientLineRE.FindStringSubmatch(l)
			if m == nil {
				return nil, fmt.Errorf("corpus: unexpected client excerpt line %q", l)
			}
			out = append(out, entry{date: m[1], clock: m[2], pid: m[3], tid: m[4], comp: m[5], msg: m[6]})
		}
	}
	if len(out) == 0 {
		return nil, errors.New("corpus: empty excerpt")
	}
	return out, nil
}

// form renders entries in one of the forms people publish and paste.
type form struct {
	name, desc string
	// line renders one entry; nil keeps the compact rendering.
	line func(e entry, server bool) string
	// doc turns the rendered lines into the file's content.
	doc func(lines []string) string
}

func compactLine(e entry, server bool) string {
	switch {
	case e.frame || e.gap:
		return e.msg
	case server:
		return strings.Join([]string{e.date, e.clock, "UTC", e.level, e.thread, e.source, e.msg}, " ")
	}
	return strings.Join([]string{e.date, e.clock, e.pid, e.tid, e.comp, e.msg}, " ")
}

func lf(lines []string) string { return strings.Join(lines, "\n") + "\n" }

// withStamp renders compactly with the time columns replaced.
func withStamp(stamp func(e entry) string) func(entry, bool) string {
	return func(e entry, server bool) string {
		if e.frame || e.gap {
			return e.msg
		}
		c := e
		s := stamp(e)
		if server {
			return strings.Join(nonEmpty(s, "UTC", c.level, c.thread, c.source, c.msg), " ")
		}
		return strings.Join(nonEmpty(s, c.pid, c.tid, c.comp, c.msg), " ")
	}
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// decimalSep returns the clock with its fraction after sep.
func decimalSep(clock, sep string) string {
	if i := strings.LastIndexAny(clock, ".:,"); i == 8 {
		return clock[:8] + sep + clock[9:]
	}
	return clock
}

// wua7Message indents the fault detail lines after "WARNING:" as WUA 7
// writes them.
func wua7Message(msg string) string {
	for _, p := range []string{"faultstring:", "ErrorCode:", "Message:", "Method:", "ID:"} {
		if rest, ok := strings.CutPrefix(msg, "WARNING: "+p); ok {
			return "WARNING:     " + p + rest
		}
	}
	return msg
}

func hexToDec(s string) string {
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return s
	}
	return strconv.FormatUint(v, 10)
}

// wrap breaks each line at spaces to width columns, as mail does.
func wrap(lines []string, width int) []string {
	var out []string
	for _, l := range lines {
		for len(l) > width {
			i := strings.LastIndexByte(l[:width], ' ')
			if i <= 0 {
				break
			}
			out = append(out, l[:i])
			l = l[i+1:]
		}
		out = append(out, l)
	}
	return out
}

func utf16Bytes(s string, be, bom bool) string {
	var b bytes.Buffer
	if bom {
		if be {
			b.WriteString("\xFE\xFF")
		} else {
			b.WriteString("\xFF\xFE")
		}
	}
	for _, u := range utf16.Encode([]rune(s)) {
		if be {
			b.WriteByte(byte(u >> 8))
			b.WriteByte(byte(u))
		} else {
			b.WriteByte(byte(u))
			b.WriteByte(byte(u >> 8))
		}
	}
	return b.String()
}

var htmlEscaper = strings.NewReplacer(`"`, "&quot;", "'", "&#39;", "<", "&lt;", ">", "&gt;", "&", "&amp;")

// forms are the published and pasted forms of point 1 of issue 15; each
// renders the advisory's excerpts (and the look-alikes made from them).
var forms = []form{
	{name: "placeholders", desc: `time columns as the placeholders "Date Time", as the KB prints them`,
		line: withStamp(func(entry) string { return "Date Time" })},
	{name: "placeholders-localised", desc: `localised placeholders "Dato Klokkeslett" and host "WSUS-server"`,
		line: withStamp(func(entry) string { return "Dato Klokkeslett" })},
	{name: "no-timestamps", desc: "time columns left out",
		line: withStamp(func(entry) string { return "" })},
	{name: "message-only", desc: "only the messages, every column left out",
		line: func(e entry, server bool) string { return e.msg }},
	{name: "comma-decimals", desc: "a comma as the decimal separator of the seconds",
		line: withStamp(func(e entry) string { return e.date + " " + decimalSep(e.clock, ",") })},
	{name: "compact", desc: "one line per entry, no blank lines, LF"},
	{name: "blank-lines-crlf", desc: "a blank line between lines, CRLF",
		doc: func(lines []string) string { return strings.Join(lines, "\r\n\r\n") + "\r\n" }},
	{name: "tabs-wua7", desc: "TAB-separated columns and the indented detail lines of a real WUA 7 log, CRLF",
		line: func(e entry, server bool) string {
			switch {
			case e.frame:
				return "   " + e.msg
			case e.gap:
				return e.msg
			case server:
				return strings.Join([]string{e.date + " " + e.clock + " UTC", e.level, e.thread, e.source, e.msg}, "\t")
			}
			return strings.Join([]string{e.date, e.clock, " " + e.pid, e.tid, e.comp, wua7Message(e.msg)}, "\t")
		},
		doc: func(lines []string) string { return strings.Join(lines, "\r\n") + "\r\n" }},
	{name: "indented", desc: "indentation, runs of spaces between columns, trailing spaces",
		line: func(e entry, server bool) string {
			return "    " + strings.ReplaceAll(compactLine(e, server), " ", "   ") + "   \t"
		}},
	{name: "utf16le-bom", desc: "UTF-16LE with a byte order mark (PowerShell Out-File)",
		doc: func(lines []string) string { return utf16Bytes(strings.Join(lines, "\r\n")+"\r\n", false, true) }},
	{name: "utf16be-bom", desc: "UTF-16BE with a byte order mark",
		doc: func(lines []string) string { return utf16Bytes(strings.Join(lines, "\r\n")+"\r\n", true, true) }},
	{name: "utf16le-nobom", desc: "UTF-16LE without a byte order mark",
		doc: func(lines []string) string { return utf16Bytes(strings.Join(lines, "\r\n")+"\r\n", false, false) }},
	{name: "utf16be-nobom", desc: "UTF-16BE without a byte order mark",
		doc: func(lines []string) string { return utf16Bytes(strings.Join(lines, "\r\n")+"\r\n", true, false) }},
	{name: "utf8-bom", desc: "UTF-8 with a byte order mark",
		doc: func(lines []string) string { return "\xEF\xBB\xBF" + lf(lines) }},
	{name: "wrapped", desc: "lines wrapped at 60 columns, as mail wraps them",
		doc: func(lines []string) string { return lf(wrap(lines, 60)) }},
	{name: "run-together", desc: "all entries run together on one line",
		doc: func(lines []string) string { return strings.Join(lines, " ") + "\n" }},
	{name: "html-escaped", desc: "quotes and angle brackets HTML-escaped, as a web page's source has them",
		line: func(e entry, server bool) string { return htmlEscaper.Replace(compactLine(e, server)) }},
	{name: "http", desc: "http:// instead of https:// in the Method and actor URLs",
		line: func(e entry, server bool) string {
			return strings.ReplaceAll(compactLine(e, server), "https://", "http://")
		}},
	{name: "get-windowsupdatelog", desc: "the Windows 10/11 Get-WindowsUpdateLog layout: slashes, 7-digit fractions, decimal PID and TID",
		line: func(e entry, server bool) string {
			if server || e.frame || e.gap {
				return compactLine(e, server)
			}
			comp := map[string]string{"PT": "ProtocolTalker", "AU": "AutomaticUpdates"}[e.comp]
			return fmt.Sprintf("%s %s0000 %s %s %s %s", strings.ReplaceAll(e.date, "-", "/"), decimalSep(e.clock, "."),
				hexToDec(e.pid), hexToDec(e.tid), cmpOr(comp, e.comp), e.msg)
		}},
	{name: "cmtrace", desc: "CMTrace-style entries (<![LOG[...]LOG]!><time=... component=...>), as ConfigMgr tools write them",
		line: func(e entry, server bool) string {
			if e.frame || e.gap {
				return e.msg
			}
			comp, thread := e.comp, hexToDec(e.tid)
			if server {
				comp, thread = e.source, e.thread[strings.LastIndexByte(e.thread, '.')+1:]
			}
			y, mo, d := e.date[:4], e.date[5:7], e.date[8:10]
			return fmt.Sprintf(`<![LOG[%s]LOG]!><time="%s+000" date="%s-%s-%s" component="%s" context="" type="2" thread="%s" file="">`,
				e.msg, decimalSep(e.clock, "."), mo, d, y, comp, thread)
		}},
}

// formNamed returns the form called name.
func formNamed(name string) form {
	for _, f := range forms {
		if f.name == name {
			return f
		}
	}
	panic("corpus: no form " + name)
}

// verdictOf names a label's verdict.
func verdictOf(v string) detect.Verdict { return detect.Verdict(v) }

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// render renders entries in f.
func (f form) render(es []entry, server bool) string {
	line := f.line
	if line == nil {
		line = compactLine
	}
	var lines []string
	for _, e := range es {
		lines = append(lines, line(e, server))
	}
	doc := f.doc
	if doc == nil {
		doc = lf
	}
	out := doc(lines)
	if f.name == "placeholders-localised" {
		out = strings.NewReplacer("<WSUS Server>", "WSUS-server", "wsusebc", "WSUS-server").Replace(out)
	}
	return out
}

// edit applies old/new pairs to every message of es (and drops the
// entries whose message contains a drop string).
func edit(es []entry, pairs []string, drop ...string) []entry {
	r := strings.NewReplacer(pairs...)
	var out []entry
next:
	for _, e := range es {
		for _, d := range drop {
			if strings.Contains(e.msg, d) {
				continue next
			}
		}
		e.msg = r.Replace(e.msg)
		out = append(out, e)
	}
	return out
}

// cut keeps the entries up to and including the first whose message
// contains s.
func cut(es []entry, s string) []entry {
	for i, e := range es {
		if strings.Contains(e.msg, s) {
			return es[:i+1]
		}
	}
	return es
}

// seedCases makes the corpus cases from the advisory's excerpts: each
// form of the client excerpt, the server excerpt and both, the excerpts
// cut short and in fragments, and look-alikes made from them by the edits
// that turn KB954960 into another fault, in the same forms.
func seedCases(a *advisory) ([]Case, error) {
	client, err := parseExcerpt(a.Client, false)
	if err != nil {
		return nil, err
	}
	server, err := parseExcerpt(a.Server, true)
	if err != nil {
		return nil, err
	}
	const wu, sd = "WindowsUpdate.log", "SoftwareDistribution.log"
	src := "from the advisory's excerpts (" + filepath.Base(a.Path) + ")"
	var cases []Case
	add := func(name string, positive bool, verdict, variant, desc string, files map[string]string) {
		l := Case{Name: name, Files: files}
		l.Label.Positive, l.Label.Variant, l.Label.Description = positive, variant, desc+", "+src
		l.Label.Verdict = verdictOf(verdict)
		cases = append(cases, l)
	}
	add("pos-seed-published-client", true, "probable", "published", "the client excerpt as published", map[string]string{wu: a.Client})
	add("pos-seed-published-server", true, "confirmed", "published", "the server excerpt as published", map[string]string{sd: a.Server})
	add("pos-seed-published-both", true, "confirmed", "published", "both excerpts as published", map[string]string{wu: a.Client, sd: a.Server})

	// Look-alikes, each one edit away from the advisory's lines.
	invalidParams := edit(client, []string{"0x8024400E", "0x8024400D", "soap error code = 400", "soap error code = 300",
		"0x000190", "0x00012c", "InternalServerError(5)", "InvalidParameters(7)", "Message:(null)", "Message:parameters.InstalledNonLeafUpdateIDs"})
	simpleAuth := edit(client, []string{"SyncUpdates failure", "GetAuthorizationCookie failure",
		"ClientWebService/SyncUpdates", "SimpleAuthWebService/GetAuthorizationCookie"})
	otherMethod := edit(client, []string{"ClientWebService/SyncUpdates", "ClientWebService/GetCookie"})
	proxy407 := edit(client, []string{"0x8024400E, soap client error = 7, soap error code = 400, HTTP status code = 200",
		"0x8024401B, soap client error = 10, soap error code = 0, HTTP status code = 407"},
		"SOAP Fault", "faultstring", "ErrorCode", "Message:", "Method:", "ID:")
	var sqlServer, elsewhere []entry
	for _, e := range server {
		switch {
		case strings.Contains(e.msg, "System.ArgumentException"):
			s := e
			s.msg = "System.Data.SqlClient.SqlException: Timeout expired. The timeout period elapsed prior to completion of the operation or the server is not responding."
			sqlServer = append(sqlServer, s,
				entry{frame: true, msg: "at System.Data.SqlClient.SqlConnection.OnError(SqlException exception, Boolean breakConnection)"},
				entry{frame: true, msg: "at System.Data.SqlClient.SqlCommand.ExecuteReader(CommandBehavior behavior, String method)"},
				entry{frame: true, msg: "at Microsoft.UpdateServices.Internal.DataAccess.ExecuteSPSyncUpdates(Int32 deploymentChangesAvailable)"})
			elsewhere = append(elsewhere, e)
		case e.frame && (strings.Contains(e.msg, "System.Collections") || strings.Contains(e.msg, "GetSyncInfo(")):
			if strings.Contains(e.msg, "GetSyncInfo(") {
				f := e
				f.msg = "at Microsoft.UpdateServices.Internal.ClientImplementation.GetExtendedUpdateInfo(Cookie cookie, Int32[] revisionIDs, XmlUpdateFragmentType[] fragmentTypes, String[] locales)"
				elsewhere = append(elsewhere, f)
			} else {
				elsewhere = append(elsewhere, e)
			}
		case e.frame && strings.Contains(e.msg, "SyncUpdates("):
			sqlServer = append(sqlServer, e)
		default:
			sqlServer = append(sqlServer, e)
			if !e.frame {
				elsewhere = append(elsewhere, e)
			}
		}
	}
	for i := range elsewhere {
		elsewhere[i].source = strings.Replace(elsewhere[i].source, "ClientImplementation.SyncUpdates", "ClientImplementation.GetExtendedUpdateInfo", 1)
	}

	for _, f := range forms {
		c, s := f.render(client, false), f.render(server, true)
		v := "form: " + f.name
		add("pos-seed-"+f.name+"-client", true, "probable", v, "the client excerpt, "+f.desc, map[string]string{wu: c})
		add("pos-seed-"+f.name+"-server", true, "confirmed", v, "the server excerpt, "+f.desc, map[string]string{sd: s})
		add("pos-seed-"+f.name+"-both", true, "confirmed", v, "both excerpts, "+f.desc, map[string]string{wu: c, sd: s})
		add("neg-seed-invalidparameters-"+f.name, false, "none", v, "look-alike InvalidParameters (0x8024400D) in the advisory's lines, "+f.desc,
			map[string]string{wu: f.render(invalidParams, false)})
		add("neg-seed-simpleauth-"+f.name, false, "none", v, "look-alike InternalServerError from GetAuthorizationCookie in the advisory's lines, "+f.desc,
			map[string]string{wu: f.render(simpleAuth, false)})
		add("neg-seed-other-method-"+f.name, false, "none", v, "look-alike: the advisory's lines with the fault's Method naming GetCookie, "+f.desc,
			map[string]string{wu: f.render(otherMethod, false)})
		add("neg-seed-proxy407-"+f.name, false, "none", v, "look-alike proxy 407 failure of SyncUpdates in the advisory's lines, "+f.desc,
			map[string]string{wu: f.render(proxy407, false)})
		add("neg-seed-sql-timeout-"+f.name, false, "none", v, "look-alike SqlException timeout behind the advisory's client lines (same fault ID), "+f.desc,
			map[string]string{wu: c, sd: f.render(sqlServer, true)})
		add("neg-seed-argumentexception-elsewhere-"+f.name, false, "none", v, "look-alike duplicate key from GetExtendedUpdateInfo in the advisory's server lines, "+f.desc,
			map[string]string{sd: f.render(elsewhere, true)})
	}

	// <lines removed> in other languages inside the stack.
	for _, gap := range []struct{ lang, text string }{{"de", "<Zeilen entfernt>"}, {"fr", "<lignes supprimées>"}, {"zh", "<已移除行>"}, {"nb", "<linjer fjernet>"}} {
		var es []entry
		for _, e := range server {
			if e.gap {
				e.msg = gap.text
			}
			es = append(es, e)
		}
		add("pos-seed-lines-removed-"+gap.lang+"-server", true, "confirmed", "form: lines removed ("+gap.lang+")",
			"the server excerpt with its lines-removed marker in another language", map[string]string{sd: formNamed("compact").render(es, true)})
	}
	// Mixed quotes around the key.
	mixed := edit(server, []string{"Key being added: '8862'", `Key being added: "8862"`})
	add("pos-seed-mixed-quotes-server", true, "confirmed", "form: mixed quotes", "the server excerpt with the key in single and double quotes",
		map[string]string{sd: formNamed("compact").render(mixed, true)})

	// Cut short and fragments.
	failure := cut(client, "SyncUpdates failure")
	add("pos-seed-cut-after-failure-line", true, "possible", "cut short", "the client excerpt cut after its first warning",
		map[string]string{wu: formNamed("placeholders").render(failure, false)})
	add("pos-seed-cut-before-method", true, "probable", "cut short", "the client excerpt cut before its Method and ID lines",
		map[string]string{wu: formNamed("message-only").render(cut(client, "Message:"), false)})
	add("pos-seed-cut-before-errorcode", true, "possible", "cut short", "the client excerpt cut before its ErrorCode line",
		map[string]string{wu: formNamed("placeholders-localised").render(cut(client, "faultstring"), false)})
	add("pos-seed-server-cut-after-exception", true, "possible", "cut short", "the server excerpt cut after the exception line",
		map[string]string{sd: formNamed("comma-decimals").render(cut(server, "Key being added"), true)})
	firstMsg := failure[len(failure)-1].msg
	hr := "0x8024400e"
	if i := strings.Index(firstMsg, "error = "); i >= 0 {
		hr = strings.ToLower(strings.TrimSuffix(strings.Fields(firstMsg[i+len("error = "):])[0], ","))
	}
	short := firstMsg
	if i := strings.Index(short, ", soap client error"); i >= 0 {
		short = short[:i] + ", ..."
	}
	add("pos-seed-fragment-failure-bullet", true, "possible", "fragment", "the first warning alone as a bullet, its tail elided",
		map[string]string{"ticket.txt": "Symptoms:\n\n- " + short + "\n\nThe computers get no updates.\n"})
	add("pos-seed-fragment-pterror", true, "possible", "fragment", "the protocol talker's error line alone",
		map[string]string{"ticket.txt": "We see\n  * WARNING: PTError: " + hr + "\nin WindowsUpdate.log.\n"})
	wuah := func(msg, hr, thread string) string {
		return fmt.Sprintf(`<![LOG[%s]LOG]!><time="19:59:56.617+000" date="06-13-2008" component="WUAHandler" context="" type="3" thread="%s" file="cwuahandler.cpp:2390">`, strings.ReplaceAll(msg, "HR", hr), thread)
	}
	wuahLog := func(hr string) string {
		return strings.Join([]string{
			wuah("Its a WSUS Update Source type ({3DA21691-E39D-4DA6-8A4B-B43877BCB1B7}), adding it.", hr, "3812"),
			wuah("OnSearchComplete - Failed to end search job. Error = HR.", hr, "3812"),
			wuah("Scan failed with error = HR.", hr, "3812"),
		}, "\r\n") + "\r\n"
	}
	add("pos-seed-cmtrace-wuahandler", true, "possible", "form: cmtrace (WUAHandler.log)", "ConfigMgr's WUAHandler.log with the advisory's error code",
		map[string]string{"WUAHandler.log": wuahLog(hr)})
	add("neg-seed-cmtrace-wuahandler-407", false, "none", "form: cmtrace (WUAHandler.log)", "ConfigMgr's WUAHandler.log with the proxy 407 error",
		map[string]string{"WUAHandler.log": wuahLog("0x8024401b")})
	return cases, nil
}
