package xmlstream

import (
	"errors"
	"testing"
)

// walk reads a whole document with Child and Skip.
func walk(doc string) error {
	d := NewDecoder([]byte(doc))
	if _, ok, err := d.Child(); err != nil || !ok {
		if err == nil {
			err = errors.New("no root")
		}
		return err
	}
	if err := d.Skip(); err != nil {
		return err
	}
	_, ok, err := d.Child()
	if ok {
		return errors.New("second root")
	}
	return err
}

// TestSubset: what the reader takes and what it leaves to encoding/xml.
func TestSubset(t *testing.T) {
	for _, tt := range []struct {
		doc  string
		take bool
	}{
		{`<a/>`, true},
		{`<?xml version="1.0" encoding="utf-8"?>` + "\n<a x='1' y=\"2\"><b>t</b>\r\n</a>  ", true},
		{`<a><b>t &amp; x</b></a>`, false}, // entities are read by Text, not skipped
		{`<p:a xmlns:p="urn:p"><p:b/></p:a>`, true},
		{`<a><!-- c --></a>`, false},         // comments go the slow way
		{`<a><![CDATA[x]]></a>`, false},      // CDATA too
		{`<!DOCTYPE a><a/>`, false},          // and DTDs
		{`<a><?pi x?></a>`, false},           // and processing instructions
		{`<?xml version="1.1"?><a/>`, false}, // other versions
		{`<?xml version="1.0" encoding="latin1"?><a/>`, false},
		{` <?xml version="1.0"?><a/>`, false}, // a declaration not first
		{`<a></b>`, false},                    // mismatched end tag
		{`<p:a></q:a>`, false},                // prefix differs
		{`<a>&bogus;</a>`, false},             // unknown entity
		{`<a>x ]]> y</a>`, false},             // ]]> in text
		{"<a>\x01</a>", false},                // a character XML refuses
		{`<a x="1"y="2"/>`, false},            // attributes without white space
		{`<a x=1/>`, false},                   // unquoted value
		{`<a x="<"/>`, false},                 // < in a value
		{`<a x="&amp;"/>`, false},             // entity in a value: slow way
		{`<xml:a/>`, false},                   // reserved prefix
		{`<a:b:c/>`, false},                   // two colons
		{`<1a/>`, false},                      // bad first character
		{`<a/>x`, false},                      // text after the root
		{`<a>`, false},                        // unclosed
	} {
		err := walk(tt.doc)
		if tt.take && err != nil {
			t.Errorf("%q declined: %v", tt.doc, err)
		}
		if !tt.take && !errors.Is(err, ErrUnsupported) {
			t.Errorf("%q taken, want it left to encoding/xml", tt.doc)
		}
	}
}

// TestText: entities, character references and line ends as encoding/xml
// reports them; a second root is the caller's to refuse.
func TestText(t *testing.T) {
	d := NewDecoder([]byte("<a>x &lt;&gt;&amp;&apos;&quot; &#65;&#x42;&#xD;\r\ny\rz</a><b/>"))
	if _, ok, err := d.Child(); !ok || err != nil {
		t.Fatal(ok, err)
	}
	got, err := d.Text()
	if err != nil || string(got) != "x <>&'\" AB\r\ny\nz" {
		t.Errorf("Text = %q, %v", got, err)
	}
	if local, ok, err := d.Child(); !ok || err != nil || string(local) != "b" {
		t.Errorf("a second root is not reported: %q %v %v", local, ok, err)
	}
}

func TestNamespace(t *testing.T) {
	d := NewDecoder([]byte(`<a xmlns="urn:d" xmlns:p="urn:p"><p:b xmlns:p="urn:q"><c/></p:b><p:e/></a>`))
	want := []struct{ local, ns string }{{"a", "urn:d"}, {"b", "urn:q"}, {"c", "urn:d"}, {"e", "urn:p"}}
	i := 0
	var visit func() error
	visit = func() error {
		for {
			local, ok, err := d.Child()
			if err != nil || !ok {
				return err
			}
			ns, _ := d.Namespace(d.Prefix())
			if i >= len(want) || string(local) != want[i].local || string(ns) != want[i].ns {
				t.Errorf("element %d: %s in %q", i, local, ns)
			}
			i++
			if err := visit(); err != nil {
				return err
			}
		}
	}
	if err := visit(); err != nil {
		t.Fatal(err)
	}
	if i != len(want) {
		t.Errorf("%d elements, want %d", i, len(want))
	}
}
