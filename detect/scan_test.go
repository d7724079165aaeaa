package detect_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/wsusmock/wsusmock/detect"
)

func TestSniff(t *testing.T) {
	classic := "2008-06-13\t19:59:53:383\t 788\tee4\tPT\t+++++++++++  PT: Synchronizing server updates  +++++++++++\r\n"
	wua10 := "2019/06/05 11:07:40.9876520 21136 16428 ProtocolTalker  ServiceId = {3DA21691-E39D-4DA6-8A4B-B43877BCB1B7}\r\n"
	wua10Dashes := "2022-08-13 22:15:50.8367312 133420 134060 Misc            Logging\n"
	server := "2008-06-14 02:59:57.642 UTC\tError\tw3wp.12\tClientImplementation.SyncUpdates\tSystem.ArgumentException: x\r\n   at A.B()\r\n"
	tests := []struct {
		name string
		head string
		want detect.Kind
	}{
		{"classic", classic, detect.KindClassic},
		{"classic collapsed, indented", " 2008-06-13 19:59:53:383 788 ee4 PT + ServiceId = {x}\n\n", detect.KindClassic},
		{"wua10", wua10, detect.KindWUA10},
		{"wua10 with dashes", wua10Dashes, detect.KindWUA10},
		{"server", server, detect.KindServer},
		{"server collapsed", "2008-06-14 02:59:57.642 UTC Warning w3wp.12 SoapUtilities.CreateException ThrowException: x\n", detect.KindServer},
		{"mixed", classic + server, detect.KindMixed},
		{"prose around a log line", "Hello,\nour log says\n" + classic + "thanks\n", detect.KindClassic},
		{"UTF-8 BOM", "\xEF\xBB\xBF" + classic, detect.KindClassic},
		{"UTF-16LE BOM", utf16le(classic), detect.KindClassic},
		{"empty", "", detect.KindUnknown},
		{"prose", "Some computers do not receive updates from the WSUS server\n", detect.KindUnknown},
		{"ReportingEvents.log", "{7C1E9D2A-6B3F-4E8D-A1C5-2F9B0E4D7A83}\t2008-06-13 19:59:53:392+0000\t1\t148\t101\n", detect.KindUnknown},
		{"CBS.log", "2008-06-13 19:59:53, Info                  CBS    Loaded Servicing Stack\n", detect.KindUnknown},
		{"classic time with a WUA 10 date", "2008/06/13 19:59:53:383 788 ee4 PT x\n", detect.KindClassic},
		{"server line without UTC", "2008-06-14 02:59:57.642 Error w3wp.12 A.B x\n", detect.KindServer},
		{"placeholders", "Date Time 788 ee4 PT WARNING: SOAP Fault: 0x000190\n", detect.KindClassic},
		{"localised server placeholders", "Dato Klokkeslett UTC Warning w3wp.12 SoapUtilities.CreateException ThrowException: x\n", detect.KindServer},
		{"comma decimals", "2008-06-14 02:59:57,642 UTC Error w3wp.12 A.B x\n", detect.KindServer},
		{"UTF-16LE without BOM", utf16le(classic)[2:], detect.KindClassic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := detect.Sniff([]byte(tt.head)); got != tt.want {
				t.Errorf("Sniff = %s, want %s", got, tt.want)
			}
		})
	}
}

// utf16le encodes s as UTF-16LE with a byte order mark, as PowerShell 5's
// Out-File writes it.
func utf16le(s string) string { return utf16WithBOM(s, false) }

// utf16WithBOM encodes s as UTF-16, big-endian if be, after its byte order
// mark.
func utf16WithBOM(s string, be bool) string {
	var b bytes.Buffer
	if be {
		b.WriteString("\xFE\xFF")
	} else {
		b.WriteString("\xFF\xFE")
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

// TestScanMixedDirectory scans a directory tree holding every kind of file
// a support engineer collects, and checks what was parsed and skipped.
func TestScanMixedDirectory(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	client := readFile(t, "testdata/positive/kb954960_classic.log")
	server := readFile(t, "testdata/positive/kb954960_server.log")
	write("pc017/WindowsUpdate.log", client)
	write("wsus01/Log Files/SoftwareDistribution.log", server)
	write("pc018/WindowsUpdate.log", utf16le(readFile(t, "testdata/lookalike/healthy_classic.log")))
	write("pc019/WindowsUpdate.log", readFile(t, "testdata/lookalike/healthy_wua10.log"))
	write("pc019/ReportingEvents.log", "{7C1E9D2A-6B3F-4E8D-A1C5-2F9B0E4D7A83}\t2008-06-13 19:59:53:392+0000\t1\t148\n")
	write("notes.txt", "collected on Tuesday\n")
	write("dump.bin", "MZ\x90\x00\x03\x00\x00\x00"+client)
	write("big/huge.log", client+strings.Repeat("x", 100<<10))
	write(".git/objects/WindowsUpdate.log", client) // not entered
	if err := os.Symlink(filepath.Join(dir, "pc017/WindowsUpdate.log"), filepath.Join(dir, "link.log")); err != nil {
		t.Fatal(err)
	}

	s := detect.Scanner{MaxFileSize: 90 << 10}
	r, err := s.Scan(t.Context(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	got := make(map[string]string)
	for _, f := range r.Files {
		rel, _ := filepath.Rel(dir, f.Path)
		got[filepath.ToSlash(rel)] = string(f.Kind) + "|" + f.Skipped
	}
	want := map[string]string{
		"pc017/WindowsUpdate.log":                   "windowsupdate-classic|",
		"wsus01/Log Files/SoftwareDistribution.log": "softwaredistribution|",
		"pc018/WindowsUpdate.log":                   "windowsupdate-classic|",
		"pc019/WindowsUpdate.log":                   "windowsupdate-wua10|",
		"pc019/ReportingEvents.log":                 "unknown|",
		"notes.txt":                                 "unknown|",
		"dump.bin":                                  "unknown|binary",
		"big/huge.log":                              "unknown|larger than 92160 bytes",
		"link.log":                                  "unknown|not a regular file",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("files %v, want %d entries", got, len(want))
	}
	if !slices.IsSortedFunc(r.Files, func(a, b detect.File) int { return strings.Compare(a.Path, b.Path) }) {
		t.Error("files not sorted by path")
	}
	if s := summarize(r); s.verdict != detect.VerdictConfirmed || s.sides != "client+server" || s.incidents != 1 {
		t.Errorf("summary %+v", s)
	}
	for _, f := range r.Files {
		if strings.HasSuffix(f.Path, "pc018/WindowsUpdate.log") && f.Lines < 40 {
			t.Errorf("UTF-16 log read as %d lines", f.Lines)
		}
	}
}

// TestScanFileList scans a list of files and directories, the same file
// twice, and a symlink named explicitly (which is followed).
func TestScanFileList(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "WindowsUpdate.log")
	if err := os.WriteFile(p, []byte(readFile(t, "testdata/positive/kb954960_classic.log")), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "named-link.log")
	if err := os.Symlink(p, link); err != nil {
		t.Fatal(err)
	}
	r, err := detect.Scan([]string{p, dir, link, "testdata/positive/kb954960_server.log"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Files) != 3 {
		t.Errorf("files %+v, want the log once, the named link, the server log", r.Files)
	}
	// The same client log through the link is a second file with the same
	// fault ID: one incident, both client findings.
	if s := summarize(r); s.incidents != 1 || s.sides != "client+server" {
		t.Errorf("summary %+v", s)
	}
}

func TestScanErrors(t *testing.T) {
	tests := []struct {
		name  string
		paths []string
	}{
		{"no paths", nil},
		{"missing file", []string{"testdata/no-such-file.log"}},
		{"one good, one missing", []string{"testdata/positive", "testdata/nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := detect.Scan(tt.paths)
			if err == nil || !strings.HasPrefix(err.Error(), "detect: ") {
				t.Errorf("err = %v, want a detect: error", err)
			}
		})
	}
}

func TestParseLongLinesAndNoFinalNewline(t *testing.T) {
	text := "2008-06-13 19:59:53:383 788 ee4 Misc " + strings.Repeat("y", 3<<20) + "\n" +
		strings.TrimSuffix(strings.ReplaceAll(readFile(t, "testdata/positive/kb954960_classic.log"), "\r\n", "\n"), "\n")
	l, err := detect.ParseClientLog(strings.NewReader(text), "long.log")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Findings) != 1 || l.Findings[0].Verdict != detect.VerdictProbable {
		t.Fatalf("findings %+v", l.Findings)
	}
	if l.Findings[0].Evidence[0].Line != 39 {
		t.Errorf("first evidence line %d, want 39 (line numbers must survive a long line)", l.Findings[0].Evidence[0].Line)
	}
}

// TestParseSideSelection checks that ParseClientLog and ParseServerLog
// judge only their side.
func TestParseSideSelection(t *testing.T) {
	both := readFile(t, "testdata/positive/kb954960_classic.log") + readFile(t, "testdata/positive/kb954960_server.log")
	for _, tt := range []struct {
		name  string
		parse func(*strings.Reader) (*detect.Log, error)
		side  detect.Side
		n     int
	}{
		{"client", func(r *strings.Reader) (*detect.Log, error) { return detect.ParseClientLog(r, "x") }, detect.SideClient, 1},
		{"server", func(r *strings.Reader) (*detect.Log, error) { return detect.ParseServerLog(r, "x") }, detect.SideServer, 1},
	} {
		l, err := tt.parse(strings.NewReader(both))
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Findings) != tt.n || l.Findings[0].Side != tt.side || l.Kind != detect.KindMixed {
			t.Errorf("%s: kind %s findings %+v", tt.name, l.Kind, l.Findings)
		}
	}
	l, err := detect.ParseLog(strings.NewReader(both), "x")
	if err != nil || len(l.Findings) != 2 || len(l.Faults) != 1 || !l.Faults[0].KB954960 {
		t.Errorf("ParseLog: %v, %+v", err, l)
	}
}

func TestReportJSON(t *testing.T) {
	r, err := detect.Scan([]string{"testdata/positive", "testdata/lookalike/sqlexception"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &top); err != nil {
		t.Fatal(err)
	}
	// The project's JSON style: camelCase keys, never null.
	var tree any
	json.Unmarshal(buf.Bytes(), &tree)
	checkJSONStyle(t, "", tree)
	for _, k := range []string{"detected", "verdict", "evidence", "settle", "read", "incidents", "findings", "dismissed", "files"} {
		if _, ok := top[k]; !ok {
			t.Errorf("top-level %q missing", k)
		}
	}
	if string(top["detected"]) != "true" || string(top["verdict"]) != `"confirmed"` {
		t.Errorf("detected %s verdict %s", top["detected"], top["verdict"])
	}
	var got struct {
		Incidents []struct {
			FaultID  string `json:"faultId"`
			Sides    []string
			Findings []map[string]json.RawMessage
		}
		Dismissed []struct{ Reason string }
	}
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	// Incidents: the KB954960 one (client+server), the Windows 8.1 and
	// WUA 10 client ones.
	if len(got.Incidents) != 3 || len(got.Dismissed) != 1 {
		t.Fatalf("%d incidents, %d dismissed; report %+v", len(got.Incidents), len(got.Dismissed), summarize(r))
	}
	if got.Incidents[0].FaultID != "3f9e2d1c-0b8a-4796-a5b4-c3d2e1f0a9b8" || len(got.Incidents[0].Sides) != 2 {
		t.Errorf("first incident %s %v", got.Incidents[0].FaultID, got.Incidents[0].Sides)
	}
	for _, k := range []string{"verdict", "side", "file", "computer", "time", "faultId", "reason", "evidence"} {
		if _, ok := got.Incidents[0].Findings[0][k]; !ok {
			t.Errorf("finding field %q missing", k)
		}
	}

	empty := scanFiles(t, map[string]string{"WindowsUpdate.log": readFile(t, "testdata/lookalike/healthy_classic.log")})
	buf.Reset()
	if err := empty.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte(`"detected": false`)) || !bytes.Contains(buf.Bytes(), []byte(`"incidents": []`)) ||
		!bytes.Contains(buf.Bytes(), []byte(`"evidence": []`)) || bytes.Contains(buf.Bytes(), []byte("null")) {
		t.Errorf("empty report JSON:\n%s", buf.String())
	}
}

func TestReportText(t *testing.T) {
	r, err := detect.Scan([]string{"testdata/positive/kb954960_classic.log", "testdata/positive/kb954960_server.log", "testdata/lookalike/sqlexception"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"KB954960 detected: confirmed",
		"incident 1: confirmed",
		"computer: pc017.contoso.local",
		"time:     2009-04-11 19:00:05:617",
		"fault ID: 3f9e2d1c-0b8a-4796-a5b4-c3d2e1f0a9b8",
		"key:      8862",
		"server:   wsus01:8530",
		"testdata/positive/kb954960_classic.log:38: 2009-04-11",
		"testdata/positive/kb954960_server.log:2: 2009-04-12 02:00:05.616 UTC",
		"dismissed: the server logged System.Data.SqlClient.SqlException",
		"testdata/lookalike/sqlexception/SoftwareDistribution.log: softwaredistribution",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	none := scanFiles(t, map[string]string{"a.log": readFile(t, "testdata/lookalike/proxy407_classic.log")})
	buf.Reset()
	if err := none.WriteText(&buf); err != nil || !strings.HasPrefix(buf.String(), "KB954960 not detected (1 file(s) scanned)") {
		t.Errorf("not-detected text (%v):\n%s", err, buf.String())
	}
}

// TestNothingRead: a folder with no file, or only binary files, is not a
// clean negative: nothing could be read, exit status 2. Prose is read.
func TestNothingRead(t *testing.T) {
	binary := t.TempDir()
	os.WriteFile(filepath.Join(binary, "dump.bin"), []byte("MZ\x90\x00\x03\x00"), 0o644)
	prose := t.TempDir()
	os.WriteFile(filepath.Join(prose, "notes.txt"), []byte("collected on Tuesday\n"), 0o644)
	for _, tt := range []struct {
		name string
		dir  string
		read int
		code int
	}{
		{"empty folder", t.TempDir(), 0, detect.ExitError},
		{"only binary files", binary, 0, detect.ExitError},
		{"prose", prose, 1, detect.ExitNotFound},
	} {
		r, err := detect.Scan([]string{tt.dir})
		if err != nil {
			t.Fatal(err)
		}
		if r.Read != tt.read || r.ExitCode() != tt.code {
			t.Errorf("%s: read %d exit %d, want %d and %d", tt.name, r.Read, r.ExitCode(), tt.read, tt.code)
		}
		var buf bytes.Buffer
		r.WriteText(&buf)
		if tt.read == 0 && !strings.HasPrefix(buf.String(), "nothing could be read") {
			t.Errorf("%s: text %q", tt.name, buf.String())
		}
	}
}

// TestManyEntriesOnOneLine runs a megabyte line of entries run together:
// the reader cuts it at every time stamp and stays linear (a quadratic cut
// would not finish), and the fault in the middle is found.
func TestManyEntriesOnOneLine(t *testing.T) {
	healthy := "2008-06-13 19:59:53:383 788 ee4 Agent * Online = Yes; Ignore download priority = No "
	fault := strings.Join(strings.Fields(strings.ReplaceAll(readFile(t, "testdata/positive/kb954960_classic.log"), "\r\n", " ")), " ")
	line := strings.Repeat(healthy, 6000) + fault + " " + strings.Repeat(healthy, 6000)
	l, err := detect.ParseLog(strings.NewReader(line), "run-together.log")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Findings) != 1 || l.Findings[0].Verdict != detect.VerdictProbable || l.Findings[0].FaultID != "3f9e2d1c-0b8a-4796-a5b4-c3d2e1f0a9b8" {
		t.Errorf("findings %+v", l.Findings)
	}
}

// TestTimeStampForms: a line of the fault's thread that is not a fault
// line ends the fault block, so an ErrorCode line after it is another
// report's. That needs the line's time stamp recognised in every form:
// any decimal separator, year first or last, a T between date and time.
func TestTimeStampForms(t *testing.T) {
	for _, stamp := range []string{"2008-06-13 19:59:56:617", "2008-06-13 19:59:56.617", "2008-06-13 19:59:56,617",
		"2008/06/13 19:59:56.6170000", "13.06.2008 19:59:56,617", "06/13/2008 19:59:56.617", "2008-06-13T19:59:56.617"} {
		text := stamp + " 788 ee4 PT WARNING: SyncUpdates failure, error = 0x8024400E, soap client error = 7, soap error code = 400, HTTP status code = 200\n" +
			stamp + " 788 ee4 PT WARNING: SOAP Fault: 0x000190\n" +
			stamp + " 788 ee4 PT Reporting an unrelated event\n" +
			stamp + " 788 ee4 PT WARNING: ErrorCode:InternalServerError(5)\n"
		l, err := detect.ParseLog(strings.NewReader(text), "x.log")
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Findings) != 1 || l.Findings[0].Verdict != detect.VerdictPossible || len(l.Findings[0].Evidence) != 2 || l.Findings[0].Time != stamp {
			t.Errorf("%s: findings %+v", stamp, l.Findings)
		}
	}
}

func TestExitCodes(t *testing.T) {
	if detect.ExitFound != 0 || detect.ExitNotFound != 1 || detect.ExitError != 2 || detect.ExitPossible != 3 {
		t.Errorf("exit codes %d %d %d %d, the scoring protocol needs 0 1 2 3", detect.ExitFound, detect.ExitNotFound, detect.ExitError, detect.ExitPossible)
	}
}

// checkJSONStyle fails on a snake_case key or a null anywhere in v.
func checkJSONStyle(t *testing.T, path string, v any) {
	t.Helper()
	switch v := v.(type) {
	case nil:
		t.Errorf("%s is null", path)
	case map[string]any:
		for k, x := range v {
			if strings.ContainsAny(k, "_-") || k != "" && k[0] >= 'A' && k[0] <= 'Z' {
				t.Errorf("key %s.%s is not camelCase", path, k)
			}
			checkJSONStyle(t, path+"."+k, x)
		}
	case []any:
		for i, x := range v {
			checkJSONStyle(t, fmt.Sprintf("%s[%d]", path, i), x)
		}
	}
}
