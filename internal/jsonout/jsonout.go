// Package jsonout gives every JSON the commands print (--json) and the
// files they write one style: indented, field names in camelCase, and []
// or {} for an empty list or map, never null, so that a script can iterate
// over any list without a null check.
package jsonout

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"
)

// Write writes v (a pointer, so that its empty lists can be filled in) as
// indented JSON followed by a newline, with EmptyNotNull applied.
func Write(w io.Writer, v any) error {
	EmptyNotNull(v)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// EmptyNotNull replaces, in place, every nil slice and nil map reachable
// from v through exported fields, pointers, slices and arrays with an empty
// one (values that marshal themselves are left alone). The replacement does
// not change what the value means: len is 0 either way.
func EmptyNotNull(v any) { fill(reflect.ValueOf(v), 0) }

func fill(v reflect.Value, depth int) {
	if depth > 64 || !v.IsValid() {
		return
	}
	t := v.Type()
	if t.Implements(jsonMarshaler) || t.Implements(textMarshaler) {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			fill(v.Elem(), depth+1)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f := t.Field(i)
			if f.IsExported() && f.Tag.Get("json") != "-" {
				fill(v.Field(i), depth+1)
			}
		}
	case reflect.Slice:
		if v.IsNil() {
			if v.CanSet() {
				v.Set(reflect.MakeSlice(t, 0, 0))
			}
			return
		}
		for i := range v.Len() {
			fill(v.Index(i), depth+1)
		}
	case reflect.Array:
		for i := range v.Len() {
			fill(v.Index(i), depth+1)
		}
	case reflect.Map:
		if v.IsNil() {
			if v.CanSet() {
				v.Set(reflect.MakeMap(t))
			}
			return
		}
		// Map values are not addressable; those behind pointers are.
		for _, k := range v.MapKeys() {
			if e := v.MapIndex(k); e.Kind() == reflect.Pointer {
				fill(e, depth+1)
			}
		}
	}
}

var camel = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)

// Lint reports what breaks the style in a JSON document that encodes a
// value of type t: a field name of t (or of a type it holds) that is not
// camelCase, and a null anywhere in data. Map keys are data, not names,
// and are not checked.
func Lint(t reflect.Type, data []byte) []string {
	var problems []string
	checkNames(t, map[reflect.Type]bool{}, &problems)
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var doc any
		if err := dec.Decode(&doc); err == io.EOF {
			break
		} else if err != nil {
			return append(problems, "not JSON: "+err.Error())
		}
		findNulls(doc, "$", &problems)
	}
	return problems
}

func checkNames(t reflect.Type, seen map[reflect.Type]bool, problems *[]string) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] || t.Implements(jsonMarshaler) || t.Implements(textMarshaler) ||
		reflect.PointerTo(t).Implements(jsonMarshaler) || reflect.PointerTo(t).Implements(textMarshaler) {
		return
	}
	seen[t] = true
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if !f.IsExported() || tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			checkNames(f.Type, seen, problems)
			continue
		}
		if name == "" {
			name = f.Name
		}
		if !camel.MatchString(name) {
			*problems = append(*problems, fmt.Sprintf("%s.%s is %q in JSON, not camelCase", t, f.Name, name))
		}
		checkNames(f.Type, seen, problems)
	}
}

func findNulls(v any, path string, problems *[]string) {
	switch x := v.(type) {
	case nil:
		*problems = append(*problems, path+" is null (an empty list is [], an empty map {})")
	case map[string]any:
		for k, e := range x {
			findNulls(e, path+"."+k, problems)
		}
	case []any:
		for i, e := range x {
			findNulls(e, fmt.Sprintf("%s[%d]", path, i), problems)
		}
	}
}
