package detect_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"unicode/utf8"

	"github.com/wsusmock/wsusmock/detect"
)

// FuzzParseLog feeds arbitrary bytes to the log parser, as `wsusrepro detect`
// gets whatever file it is pointed at: it must never panic, must read the
// whole input, count no more lines than the input has, and give the same
// findings on a second pass (the parser keeps no state between logs). The
// findings must also survive Analyze. Seeds are the positive and look-alike
// logs of testdata, UTF-16 with byte order marks, and cut-off lines; further
// seeds are in testdata/fuzz/FuzzParseLog and run as ordinary tests.
func FuzzParseLog(f *testing.F) {
	for _, dir := range []string{"positive", "lookalike", "possible"} {
		paths, _ := filepath.Glob(filepath.Join("testdata", dir, "*.log"))
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			if len(data) > 8<<10 {
				data = data[:8<<10]
			}
			f.Add(data)
		}
	}
	f.Add([]byte("2008-06-13 19:59:56:617 788 ee4 PT WARNING: SyncUpdates failure, error = 0x8024400E, soap client error = 7, soap error code = 400, HTTP status code = 200\n"))
	f.Add([]byte("2019/06/05 11:07:40.9876520 21136 16428 ProtocolTalker SOAP Fault: 0x000190\r\n"))
	f.Add([]byte("2008-06-14 02:59:57.642 UTC Error w3wp.12 ClientImplementation.SyncUpdates System.ArgumentException: Item has already been added. Key in dictionary: '8862'  Key being added: '8862'\n   at System.Collections.Hashtable.Insert(Object key, Object nvalue, Boolean add)\n"))
	f.Add([]byte("\xff\xfe2\x000\x000\x008\x00"))
	f.Add([]byte("\xfe\xff\x002\x000"))
	f.Add([]byte("\xef\xbb\xbf"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := detect.ParseLog(bytes.NewReader(data), "fuzz.log")
		if err != nil {
			return
		}
		if l.Size != int64(len(data)) {
			t.Fatalf("read %d of %d bytes", l.Size, len(data))
		}
		// A UTF-16 input has at most one line per two bytes; UTF-8 at most
		// one per newline plus the last.
		if l.Lines > bytes.Count(data, []byte("\n"))+1 && l.Lines > len(data)/2+1 {
			t.Fatalf("%d lines from %d bytes with %d newlines", l.Lines, len(data), bytes.Count(data, []byte("\n")))
		}
		again, err := detect.ParseLog(bytes.NewReader(data), "fuzz.log")
		if err != nil {
			t.Fatalf("second pass failed: %v", err)
		}
		if !reflect.DeepEqual(l, again) {
			t.Fatalf("two passes differ:\n%+v\n%+v", l, again)
		}
		client, err := detect.ParseClientLog(bytes.NewReader(data), "fuzz.log")
		if err != nil {
			t.Fatalf("client pass failed where the full pass did not: %v", err)
		}
		server, err := detect.ParseServerLog(bytes.NewReader(data), "fuzz.log")
		if err != nil {
			t.Fatalf("server pass failed where the full pass did not: %v", err)
		}
		_ = detect.Analyze([]*detect.Log{l, client, server})
	})
}

// FuzzFormInvariance checks that the form of a text does not change what
// the reader finds: the same text in UTF-16LE or UTF-16BE with a byte
// order mark, with a UTF-8 byte order mark, and with CRLF line ends gives
// the same verdicts, fault IDs and evidence line numbers. The committed
// seeds (testdata/fuzz/FuzzFormInvariance) hold every published form of a
// KB954960 excerpt, rendered from our own testdata.
func FuzzFormInvariance(f *testing.F) {
	f.Add([]byte("2008-06-13 19:59:56:617 788 ee4 PT WARNING: SyncUpdates failure, error = 0x8024400E, soap client error = 7, soap error code = 400, HTTP status code = 200\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 || bytes.IndexByte(data, '\r') >= 0 || len(data) > 64<<10 {
			return
		}
		if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
			return
		}
		if len(data) >= 2 && (data[0] == 0xFF && data[1] == 0xFE || data[0] == 0xFE && data[1] == 0xFF) {
			return
		}
		type sig struct {
			verdict detect.Verdict
			ids     string
			lines   string
		}
		summary := func(in []byte) sig {
			l, err := detect.ParseLog(bytes.NewReader(in), "x.log")
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			r := detect.Analyze([]*detect.Log{l})
			s := sig{verdict: r.Verdict}
			for _, f := range l.Findings {
				s.ids += f.FaultID + ","
				for _, e := range f.Evidence {
					s.lines += strconv.Itoa(e.Line) + ","
				}
			}
			return s
		}
		want := summary(data)
		u16 := func(be bool) []byte { return []byte(utf16WithBOM(string(data), be)) }
		for name, in := range map[string][]byte{
			"utf-16le": u16(false), "utf-16be": u16(true),
			"utf-8 bom": append([]byte("\xEF\xBB\xBF"), data...),
			"crlf":      bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n")),
		} {
			if got := summary(in); got != want {
				t.Fatalf("%s: %+v, as UTF-8 with LF %+v", name, got, want)
			}
		}
	})
}

// FuzzLabelJSON decodes one labels.json entry, as `wsusrepro score` reads a
// corpus it did not write: a label without a boolean "positive" is refused,
// and an accepted one encodes and decodes back to itself (the scorer writes
// labels it read into its report).
func FuzzLabelJSON(f *testing.F) {
	f.Add([]byte(`{"positive": true, "description": "buggy server, Office 2003 client", "variant": "classic"}`))
	f.Add([]byte(`{"positive": false, "source": {"scenario": "lookalike-sql-timeout", "seed": 3}, "hresult": "0x8024400E"}`))
	f.Add([]byte(`{"positive": "yes"}`))
	f.Add([]byte(`{"description": "no truth"}`))
	f.Add([]byte(`{"positive": true, "positive": false}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var l detect.Label
		if err := json.Unmarshal(data, &l); err != nil {
			return
		}
		out, err := json.Marshal(l)
		if err != nil {
			t.Fatalf("an accepted label does not encode: %v", err)
		}
		var again detect.Label
		if err := json.Unmarshal(out, &again); err != nil {
			t.Fatalf("an encoded label does not decode: %v\n%s", err, out)
		}
		if again.Positive != l.Positive || again.Description != l.Description || again.Variant != l.Variant || len(again.Extra) != len(l.Extra) {
			t.Fatalf("label changed in a round trip:\n%#v\n%#v", l, again)
		}
		for k, v := range l.Extra {
			if !jsonEqual(v, again.Extra[k]) {
				t.Fatalf("field %q changed in a round trip: %s -> %s", k, v, again.Extra[k])
			}
		}
	})
}

// jsonEqual compares two JSON values by meaning (encoding/json compacts
// what it re-encodes).
func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
