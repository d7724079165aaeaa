package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"unicode"
)

const xsdNS = "http://www.w3.org/2001/XMLSchema"

// goKeywords get a trailing underscore from gowsdl when used as type names.
var goKeywords = map[string]bool{
	"break": true, "case": true, "chan": true, "const": true, "continue": true,
	"default": true, "defer": true, "else": true, "fallthrough": true, "for": true,
	"func": true, "go": true, "goto": true, "if": true, "import": true,
	"interface": true, "map": true, "package": true, "range": true, "return": true,
	"select": true, "struct": true, "switch": true, "type": true, "var": true,
}

// node is a generic XML element, enough to walk a WSDL's embedded schemas.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []node     `xml:",any"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Space == "" && a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n node) is(local string) bool {
	return n.XMLName.Space == xsdNS && n.XMLName.Local == local
}

// ParseRequired reads the schemas embedded in a WSDL and lists, per Go struct type that
// gowsdl generates (named complex types and the operation wrapper elements), the members
// that must always be written: elements with minOccurs >= 1, maxOccurs 1 and not
// nillable, and attributes with use="required".
func ParseRequired(wsdl []byte) (Required, error) {
	var root node
	if err := xml.NewDecoder(bytes.NewReader(wsdl)).Decode(&root); err != nil {
		return nil, fmt.Errorf("wsdlfix: parse wsdl: %w", err)
	}
	req := Required{}
	var walk func(n node)
	walk = func(n node) {
		if !n.is("schema") {
			for _, c := range n.Nodes {
				walk(c)
			}
			return
		}
		for _, c := range n.Nodes {
			name := c.attr("name")
			switch {
			case name == "":
			case c.is("complexType"):
				collect(req.members(goTypeName(name)), c)
			case c.is("element") && c.attr("type") == "":
				for _, ct := range c.Nodes {
					if ct.is("complexType") {
						collect(req.members(goTypeName(name)), ct)
					}
				}
			}
		}
	}
	walk(root)
	return req, nil
}

func (r Required) members(typeName string) map[string]bool {
	m := r[typeName]
	if m == nil {
		m = map[string]bool{}
		r[typeName] = m
	}
	return m
}

// collect records the required members of one complex type. Elements inside a choice
// are never individually required, and inline types of member elements belong to
// other structs, so the walk does not descend into either.
func collect(members map[string]bool, n node) {
	for _, c := range n.Nodes {
		switch {
		case c.XMLName.Space != xsdNS, c.is("annotation"), c.is("choice"):
		case c.is("element"):
			name := c.attr("name")
			if name == "" {
				name = localPart(c.attr("ref"))
			}
			minOccurs, maxOccurs := c.attr("minOccurs"), c.attr("maxOccurs")
			if name != "" && minOccurs != "0" && (maxOccurs == "" || maxOccurs == "1") && c.attr("nillable") != "true" {
				members[name] = true
			}
		case c.is("attribute"):
			if name := c.attr("name"); name != "" && c.attr("use") == "required" {
				members[name] = true
			}
		default:
			collect(members, c)
		}
	}
}

func localPart(qname string) string {
	for i := len(qname) - 1; i >= 0; i-- {
		if qname[i] == ':' {
			return qname[i+1:]
		}
	}
	return qname
}

// goTypeName mirrors gowsdl's naming of generated types: keywords get an underscore,
// characters invalid in identifiers are dropped ('.' becomes '_'), the first letter is
// upper-cased.
func goTypeName(name string) string {
	if goKeywords[name] {
		name += "_"
	}
	var out []rune
	for _, r := range name {
		switch {
		case r == '.':
			out = append(out, '_')
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_':
			out = append(out, r)
		}
	}
	if len(out) > 0 {
		out[0] = unicode.ToUpper(out[0])
	}
	return string(out)
}
