package updatexml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Attr is one XML attribute. Attributes are kept as an ordered slice, not a
// map, because the server must write them in the order real WSUS writes them
// and a parsed fragment must render back the way it came in.
type Attr struct {
	Name  string
	Value string
}

// node is a minimal element tree. encoding/xml's struct mapping cannot keep
// attribute order or accept element names such as "b.RegDword" generically,
// so fragments are decoded token by token into nodes first.
type node struct {
	name     string
	attrs    []Attr
	children []*node
	text     string // concatenated character data directly inside the element
}

func (n *node) attr(name string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// maxDepth bounds nesting so that a hostile fragment cannot exhaust the stack
// of the recursive evaluator or renderer (fuzzing finds such inputs quickly).
const maxDepth = 256

// wrapper is the synthetic root put around a fragment before decoding:
// fragments are sequences of top-level elements, not documents.
const wrapper = "updatexml-fragment"

// parseFragment decodes a fragment (zero or more top-level elements) into
// nodes. Character data outside elements must be whitespace.
func parseFragment(fragment string) ([]*node, error) {
	if strings.Contains(fragment, wrapper) {
		// Refuse the one name that could close the synthetic root early.
		return nil, fmt.Errorf("fragment contains reserved name %q", wrapper)
	}
	dec := xml.NewDecoder(strings.NewReader("<" + wrapper + ">" + fragment + "</" + wrapper + ">"))
	dec.Strict = true
	root := &node{}
	stack := []*node{}
	for {
		// RawToken, not Token: fragments carry no namespaces, and
		// namespace translation would turn a stray prefix into a URL
		// that does not render back. End tags are matched below.
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			if len(stack) != 0 {
				return nil, errors.New("unexpected end of fragment")
			}
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if t.Name.Space != "" {
				name = t.Name.Space + ":" + name
			}
			if len(stack) == 0 {
				if name != wrapper {
					return nil, fmt.Errorf("unexpected root %q", name)
				}
				stack = append(stack, root)
				continue
			}
			if len(stack) > maxDepth {
				return nil, fmt.Errorf("elements nested deeper than %d", maxDepth)
			}
			n := &node{name: name}
			for _, a := range t.Attr {
				an := a.Name.Local
				if a.Name.Space != "" {
					an = a.Name.Space + ":" + an
				}
				n.attrs = append(n.attrs, Attr{Name: an, Value: a.Value})
			}
			parent := stack[len(stack)-1]
			parent.children = append(parent.children, n)
			stack = append(stack, n)
		case xml.EndElement:
			name := t.Name.Local
			if t.Name.Space != "" {
				name = t.Name.Space + ":" + name
			}
			if len(stack) == 0 {
				return nil, errors.New("unbalanced end element")
			}
			top := stack[len(stack)-1]
			if top == root {
				if name != wrapper {
					return nil, fmt.Errorf("unexpected end element %s", name)
				}
			} else if name != top.name {
				return nil, fmt.Errorf("element %s closed by %s", top.name, name)
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			stack[len(stack)-1].text += string(t)
		case xml.ProcInst, xml.Directive:
			return nil, errors.New("processing instructions and directives are not allowed in a fragment")
		}
	}
	if strings.TrimSpace(root.text) != "" {
		return nil, fmt.Errorf("unexpected text %q between elements", truncate(strings.TrimSpace(root.text)))
	}
	return root.children, nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// writeStart writes "<name a="v"" without closing the tag.
func writeStart(b *bytes.Buffer, name string, attrs []Attr) {
	b.WriteByte('<')
	b.WriteString(name)
	for _, a := range attrs {
		b.WriteByte(' ')
		b.WriteString(a.Name)
		b.WriteString(`="`)
		b.WriteString(escapeAttr(a.Value))
		b.WriteByte('"')
	}
}

// writeEmpty writes a self-closing element the way WSUS (.NET XmlWriter)
// does: a space before "/>".
func writeEmpty(b *bytes.Buffer, name string, attrs []Attr) {
	writeStart(b, name, attrs)
	b.WriteString(" />")
}

// writeTextElement writes <name>text</name>.
func writeTextElement(b *bytes.Buffer, name, text string) {
	b.WriteByte('<')
	b.WriteString(name)
	b.WriteByte('>')
	b.WriteString(escapeText(text))
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
}

// writeNode renders a generic node; used for handler data kept verbatim.
func writeNode(b *bytes.Buffer, n *node) {
	if len(n.children) == 0 && n.text == "" {
		writeEmpty(b, n.name, n.attrs)
		return
	}
	writeStart(b, n.name, n.attrs)
	b.WriteByte('>')
	b.WriteString(escapeText(n.text))
	for _, c := range n.children {
		writeNode(b, c)
	}
	b.WriteString("</")
	b.WriteString(n.name)
	b.WriteByte('>')
}

var attrEscaper = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;",
	"\t", "&#x9;", "\n", "&#xA;", "\r", "&#xD;",
)

var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", "&#xD;")

func escapeAttr(s string) string { return attrEscaper.Replace(s) }
func escapeText(s string) string { return textEscaper.Replace(s) }
