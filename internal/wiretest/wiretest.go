// Package wiretest holds test helpers shared by the wire-type packages
// (soap/clientws, soap/reporting): reading the real captures, comparing XML
// element trees, and checking element order against the WSDL.
package wiretest

import (
	"bytes"
	"encoding/xml"
	"io"
	"slices"

	"errors"
	"github.com/wsusmock/wsusmock/internal/shared"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

const (
	soap11NS = "http://schemas.xmlsoap.org/soap/envelope/"
	xsiNS    = "http://www.w3.org/2001/XMLSchema-instance"
)

// dateTimeType is the wire DateTime, filled and walked as a leaf.
var dateTimeType = reflect.TypeFor[clientws.DateTime]()

// FlowDir locates the real Windows Update Agent / WSUS captures (see
// package shared: skipped where absent).
func FlowDir(t *testing.T) string {
	t.Helper()
	return shared.FlowDir(t)
}

func ReadCapture(t *testing.T, exchange, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(FlowDir(t), exchange, file))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// DecodeBody decodes the first child of the SOAP Body into v. Decoding from the live
// decoder keeps the namespace declarations of the Envelope and Body in scope.
func DecodeBody(data []byte, v any) (xml.Name, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	inBody := false
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return xml.Name{}, errors.New("no SOAP Body child")
			}
			return xml.Name{}, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if inBody {
			return se.Name, dec.DecodeElement(v, &se)
		}
		inBody = se.Name.Space == soap11NS && se.Name.Local == "Body"
	}
}

// Tree is a namespace-resolved XML element, used to compare a capture with what our
// types write back.
type Tree struct {
	Name xml.Name
	Attr []xml.Attr
	Text string
	Kids []*Tree
}

func ParseTree(data []byte) (*Tree, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var stack []*Tree
	var root *Tree
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return root, nil
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &Tree{Name: tok.Name, Attr: tok.Attr}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Kids = append(p.Kids, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(tok)
			}
		}
	}
}

// BodyChild returns the operation element of a parsed envelope.
func BodyChild(env *Tree) *Tree {
	for _, b := range env.Kids {
		if b.Name.Space == soap11NS && b.Name.Local == "Body" && len(b.Kids) > 0 {
			return b.Kids[0]
		}
	}
	return nil
}

func (n *Tree) IsNil() bool {
	for _, a := range n.Attr {
		if a.Name.Space == xsiNS && a.Name.Local == "nil" && a.Value == "true" {
			return true
		}
	}
	return false
}

var dateTimeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}`)

// SameText compares leaf values; xs:dateTime values compare as instants because we
// write them with 7 fractional digits whatever the input precision.
func SameText(a, b string) bool {
	if a == b {
		return true
	}
	if dateTimeRE.MatchString(a) && dateTimeRE.MatchString(b) {
		ta, errA := clientws.ParseDateTime(a)
		tb, errB := clientws.ParseDateTime(b)
		return errA == nil && errB == nil && ta.Equal(tb)
	}
	return false
}

// SameTree reports the first difference between want (a capture) and got (our output):
// element names with namespaces, child order and count, leaf values. An element the
// capture marks xsi:nil may come back as the same xsi:nil element (types that write it,
// such as clientws.InstalledDriver) or not at all (types that cannot).
func SameTree(path string, want, got *Tree) (string, bool) {
	path += "/" + want.Name.Local
	if want.Name != got.Name {
		return path + ": element " + got.Name.Space + " " + got.Name.Local + ", want " + want.Name.Space + " " + want.Name.Local, false
	}
	var kids, gotKids []*Tree
	for _, k := range want.Kids {
		if !k.IsNil() {
			kids = append(kids, k)
			continue
		}
		// The nil element written back in its place is matched and dropped.
		if j := len(kids) + len(gotKids); j < len(got.Kids) && got.Kids[j].Name == k.Name && got.Kids[j].IsNil() {
			gotKids = append(gotKids, got.Kids[j])
		}
	}
	var rest []*Tree
	for _, k := range got.Kids {
		if !slices.Contains(gotKids, k) {
			rest = append(rest, k)
		}
	}
	if len(kids) == 0 && len(rest) == 0 {
		if !SameText(want.Text, got.Text) {
			return path + ": text " + strings.TrimSpace(got.Text) + ", want " + strings.TrimSpace(want.Text), false
		}
		return "", true
	}
	for i := range max(len(kids), len(rest)) {
		if i >= len(rest) {
			return path + ": missing child " + kids[i].Name.Local + " (not in the types, or out of order)", false
		}
		if i >= len(kids) {
			return path + ": extra child " + rest[i].Name.Local, false
		}
		if msg, ok := SameTree(path, kids[i], rest[i]); !ok {
			return msg, false
		}
	}
	return "", true
}

// SchemaOrder reads the element sequence of every named complex type and operation
// wrapper element in a WSDL: Go type name -> child element names in schema order.
func SchemaOrder(t *testing.T, path string) map[string][]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type node struct {
		XMLName xml.Name
		Name    string `xml:"name,attr"`
		Type    string `xml:"type,attr"`
		Nodes   []node `xml:",any"`
	}
	var root node
	if err := xml.Unmarshal(raw, &root); err != nil {
		t.Fatal(err)
	}
	const xsd = "http://www.w3.org/2001/XMLSchema"
	var elements func(n node) []string
	elements = func(n node) []string {
		var out []string
		for _, c := range n.Nodes {
			switch {
			case c.XMLName.Space != xsd:
			case c.XMLName.Local == "element":
				out = append(out, c.Name)
			case c.XMLName.Local == "sequence" || c.XMLName.Local == "complexType":
				out = append(out, elements(c)...)
			}
		}
		return out
	}
	order := map[string][]string{}
	var walk func(n node)
	walk = func(n node) {
		if n.XMLName.Space == xsd && n.XMLName.Local == "schema" {
			for _, c := range n.Nodes {
				switch {
				case c.XMLName.Local == "complexType" && c.Name != "":
					order[c.Name] = elements(c)
				case c.XMLName.Local == "element" && c.Type == "":
					order[c.Name] = elements(c)
				}
			}
			return
		}
		for _, c := range n.Nodes {
			walk(c)
		}
	}
	walk(root)
	if len(order) == 0 {
		t.Fatalf("%s: no schema types found", path)
	}
	return order
}

// Fill sets every field of v to a non-zero value, so that marshalling writes every
// member the type has.
func Fill(v reflect.Value, depth int) {
	if depth > 12 {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		Fill(v.Elem(), depth+1)
	case reflect.Struct:
		if v.Type() == dateTimeType {
			v.Set(reflect.ValueOf(clientws.NewDateTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))))
			return
		}
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() && f.Name != "XMLName" {
				Fill(v.Field(i), depth+1)
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes([]byte{1, 2, 3})
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		Fill(v.Index(0), depth+1)
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	}
}

// StructTypes collects every generated struct type reachable from the wrappers.
func StructTypes(roots []reflect.Type) map[string]reflect.Type {
	found := map[string]reflect.Type{}
	var visit func(t reflect.Type)
	visit = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || t == dateTimeType || found[t.Name()] != nil {
			return
		}
		found[t.Name()] = t
		for i := range t.NumField() {
			if f := t.Field(i); f.Name != "XMLName" {
				visit(f.Type)
			}
		}
	}
	for _, r := range roots {
		visit(r)
	}
	return found
}

// ChildNames marshals v and returns the names of the root's children in document order.
func ChildNames(t *testing.T, v any) []string {
	t.Helper()
	out, err := xml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	root, err := ParseTree(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, k := range root.Kids {
		names = append(names, k.Name.Local)
	}
	return names
}

// IsSubsequence reports whether every element of sub appears in seq in the same order.
func IsSubsequence(sub, seq []string) bool {
	i := 0
	for _, s := range seq {
		if i < len(sub) && sub[i] == s {
			i++
		}
	}
	return i == len(sub)
}
