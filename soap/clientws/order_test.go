package clientws_test

import (
	"encoding/xml"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"

	"wsusmock/soap/clientws"
)

const wsdlPath = "../wsdl/ClientWebService.wsdl"

// schemaOrder reads the element sequence of every named complex type and operation
// wrapper element in a WSDL: Go type name -> child element names in schema order.
func schemaOrder(t *testing.T, path string) map[string][]string {
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

var dateTimeType = reflect.TypeFor[clientws.DateTime]()

// fill sets every field of v to a non-zero value, so that marshalling writes every
// member the type has.
func fill(v reflect.Value, depth int) {
	if depth > 12 {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), depth+1)
	case reflect.Struct:
		if v.Type() == dateTimeType {
			v.Set(reflect.ValueOf(clientws.NewDateTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))))
			return
		}
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() && f.Name != "XMLName" {
				fill(v.Field(i), depth+1)
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes([]byte{1, 2, 3})
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0), depth+1)
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

// structTypes collects every generated struct type reachable from the wrappers.
func structTypes(roots []reflect.Type) map[string]reflect.Type {
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

// childNames marshals v and returns the names of the root's children in document order.
func childNames(t *testing.T, v any) []string {
	t.Helper()
	out, err := xml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	root, err := parseTree(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, k := range root.kids {
		names = append(names, k.name.Local)
	}
	return names
}

// TestMarshalOrderFollowsWSDL marshals a fully populated value of every generated
// struct type and checks that the children come out in the WSDL's sequence order.
func TestMarshalOrderFollowsWSDL(t *testing.T) {
	order := schemaOrder(t, wsdlPath)
	var roots []reflect.Type
	for _, m := range messages() {
		roots = append(roots, reflect.TypeOf(m))
	}
	types := structTypes(roots)
	for name, want := range order {
		typ, ok := types[name]
		if !ok {
			t.Errorf("schema type %s has no generated Go type reachable from the operations", name)
			continue
		}
		v := reflect.New(typ)
		fill(v.Elem(), 0)
		if got := childNames(t, v.Interface()); !slices.Equal(got, want) {
			t.Errorf("%s marshals children\n %v\nwant WSDL order\n %v", name, got, want)
		}
	}
	for name := range types {
		if _, ok := order[name]; !ok && name != "AnyType" {
			t.Errorf("Go type %s is not in the WSDL", name)
		}
	}
}

// isSubsequence reports whether every element of sub appears in seq in the same order.
func isSubsequence(sub, seq []string) bool {
	i := 0
	for _, s := range seq {
		if i < len(sub) && sub[i] == s {
			i++
		}
	}
	return i == len(sub)
}

// TestSyncUpdateParametersOrderMatchesCaptures checks the marshalled order of a full
// SyncUpdateParameters against what a real Windows Update Agent sent: the captured
// children must appear in our output, in the same order.
func TestSyncUpdateParametersOrderMatchesCaptures(t *testing.T) {
	var p clientws.SyncUpdateParameters
	fill(reflect.ValueOf(&p).Elem(), 0)
	got := childNames(t, p)
	want := schemaOrder(t, wsdlPath)["SyncUpdateParameters"]
	if len(want) != 21 || !slices.Equal(got, want) {
		t.Fatalf("SyncUpdateParameters children = %v, want the 21 WSDL members %v", got, want)
	}
	for _, exchange := range []string{"000001", "000014"} {
		env, err := parseTree(readCapture(t, exchange, "request.body"))
		if err != nil {
			t.Fatal(err)
		}
		var captured []string
		for _, k := range bodyChild(env).kids {
			if k.name.Local != "parameters" {
				continue
			}
			for _, c := range k.kids {
				captured = append(captured, c.name.Local)
			}
		}
		if len(captured) < 8 || !isSubsequence(captured, got) {
			t.Errorf("%s: captured parameters %v are not in our order %v", exchange, captured, got)
		}
	}
}
