package jsonout

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

type inner struct {
	Tags []string `json:"tags"`
}

type sample struct {
	Names   []string          `json:"names"`
	ByName  map[string]int    `json:"byName"`
	Inner   *inner            `json:"inner"`
	Inners  []inner           `json:"inners"`
	Raw     json.RawMessage   `json:"raw,omitempty"`
	Nested  map[string]*inner `json:"nested"`
	private []string
}

func TestWriteEmptyNotNull(t *testing.T) {
	v := &sample{Inner: &inner{}, Inners: []inner{{}}, Nested: map[string]*inner{"a": {}}}
	var b bytes.Buffer
	if err := Write(&b, v); err != nil {
		t.Fatal(err)
	}
	want := `{"names":[],"byName":{},"inner":{"tags":[]},"inners":[{"tags":[]}],"nested":{"a":{"tags":[]}}}`
	var compact bytes.Buffer
	json.Compact(&compact, b.Bytes())
	if compact.String() != want {
		t.Errorf("got %s\nwant %s", compact.String(), want)
	}
	if v.private != nil {
		t.Error("an unexported field was filled")
	}
}

func TestLint(t *testing.T) {
	type bad struct {
		SnakeCase string   `json:"snake_case"`
		Upper     string   `json:"Upper"`
		NoTag     string   ``
		Good      []string `json:"goodName"`
		Skipped   string   `json:"-"`
	}
	got := Lint(reflect.TypeFor[bad](), []byte(`{"snake_case":"","Upper":"","NoTag":"","goodName":null}`))
	want := []string{`snake_case`, `"Upper"`, `"NoTag"`, `$.goodName is null`}
	if len(got) != len(want) {
		t.Fatalf("Lint = %q, want %d problems", got, len(want))
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("problem %d = %q, want it to name %s", i, got[i], want[i])
		}
	}
	if p := Lint(reflect.TypeFor[sample](), []byte(`{"names":[],"byName":{"Not_A_Name":1}}`)); len(p) != 0 {
		t.Errorf("a good document: %q", p)
	}
}
