package reporting_test

// Copy of the XML tree helpers in soap/clientws/xmltree_test.go (test helpers cannot be
// shared between the service packages without a package of their own).

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"wsusmock/soap/clientws"
)

const (
	soap11NS = "http://schemas.xmlsoap.org/soap/envelope/"
	xsiNS    = "http://www.w3.org/2001/XMLSchema-instance"
)

// flowDir locates the real Windows Update Agent / WSUS captures. They live outside the
// repository (../shared next to it) and are not copied in, so the tests that need them
// skip when they are absent.
func flowDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "captures", "wsus2025-native", "flow")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("real WSUS captures not found at %s (expected in ../shared beside the repository): %v", dir, err)
	}
	return dir
}

func readCapture(t *testing.T, exchange, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(flowDir(t), exchange, file))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// decodeBody decodes the first child of the SOAP Body into v. Decoding from the live
// decoder keeps the namespace declarations of the Envelope and Body in scope.
func decodeBody(data []byte, v any) (xml.Name, error) {
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

// tree is a namespace-resolved XML element, used to compare a capture with what our
// types write back.
type tree struct {
	name xml.Name
	attr []xml.Attr
	text string
	kids []*tree
}

func parseTree(data []byte) (*tree, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var stack []*tree
	var root *tree
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
			n := &tree{name: tok.Name, attr: tok.Attr}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			}
		}
	}
}

// bodyChild returns the operation element of a parsed envelope.
func bodyChild(env *tree) *tree {
	for _, b := range env.kids {
		if b.name.Space == soap11NS && b.name.Local == "Body" && len(b.kids) > 0 {
			return b.kids[0]
		}
	}
	return nil
}

func (n *tree) isNil() bool {
	for _, a := range n.attr {
		if a.Name.Space == xsiNS && a.Name.Local == "nil" && a.Value == "true" {
			return true
		}
	}
	return false
}

var dateTimeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}`)

// sameText compares leaf values; xs:dateTime values compare as instants because we
// write them with 7 fractional digits whatever the input precision.
func sameText(a, b string) bool {
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

// sameTree reports the first difference between want (a capture) and got (our output):
// element names with namespaces, child order and count, leaf values. Elements the
// capture marks xsi:nil are not expected back (encoding/xml cannot write xsi:nil).
func sameTree(path string, want, got *tree) (string, bool) {
	path += "/" + want.name.Local
	if want.name != got.name {
		return path + ": element " + got.name.Space + " " + got.name.Local + ", want " + want.name.Space + " " + want.name.Local, false
	}
	var kids []*tree
	for _, k := range want.kids {
		if !k.isNil() {
			kids = append(kids, k)
		}
	}
	if len(kids) == 0 && len(got.kids) == 0 {
		if !sameText(want.text, got.text) {
			return path + ": text " + strings.TrimSpace(got.text) + ", want " + strings.TrimSpace(want.text), false
		}
		return "", true
	}
	for i := range max(len(kids), len(got.kids)) {
		if i >= len(got.kids) {
			return path + ": missing child " + kids[i].name.Local + " (not in the types, or out of order)", false
		}
		if i >= len(kids) {
			return path + ": extra child " + got.kids[i].name.Local, false
		}
		if msg, ok := sameTree(path, kids[i], got.kids[i]); !ok {
			return msg, false
		}
	}
	return "", true
}
