package xmlstream

import (
	"bytes"
	"encoding/xml"
	"testing"
)

func FuzzAppendText(f *testing.F) {
	for _, s := range []string{"", "plain", `a"b'c&d<e>f`, "\t\n\r\x01\x7f", "é中\uFFFD\uFFFE\xff\xc3", "\U0001F600"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		if err := xml.EscapeText(&want, []byte(s)); err != nil {
			t.Fatal(err)
		}
		if got := AppendText([]byte("x"), s); string(got) != "x"+want.String() {
			t.Errorf("AppendText(%q) = %q, want %q", s, got[1:], want.String())
		}
		if got := AppendText(nil, []byte(s)); string(got) != want.String() {
			t.Errorf("AppendText([]byte %q) = %q, want %q", s, got, want.String())
		}
	})
}
