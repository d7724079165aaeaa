package clientws

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"github.com/wsusmock/wsusmock/soap/xmlstream"
)

// UnmarshalXML decodes an int array (<int>N</int>...) without the
// per-element reflection of encoding/xml, which dominated the cost of a
// SyncUpdates request: real agents send about 1,300 cached revision IDs in
// every call. Anything but <int> children holding a decimal int32 is an
// error, as it is for the generated field.
func (a *ArrayOfInt) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	out := a.Int[:0]
	inInt := false
	var text []byte
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if inInt || t.Name.Local != "int" {
				return fmt.Errorf("clientws: unexpected element <%s> in %s", t.Name.Local, start.Name.Local)
			}
			inInt, text = true, text[:0]
		case xml.CharData:
			if inInt {
				text = append(text, t...)
			}
		case xml.EndElement:
			if !inInt {
				a.Int = out
				return nil
			}
			v, err := strconv.ParseInt(strings.TrimSpace(string(text)), 10, 32)
			if err != nil {
				return fmt.Errorf("clientws: %s: %w", start.Name.Local, err)
			}
			out = append(out, int32(v))
			inInt = false
		}
	}
}

// DecodeStreamContent is UnmarshalXML for the streaming decoder: the
// same rules (only <int> children holding a decimal int32; text between
// them ignored; a second array replaces the first), without allocating
// per element.
func (a *ArrayOfInt) DecodeStreamContent(d *xmlstream.Decoder) error {
	out := a.Int[:0]
	for {
		out = d.AppendInts(out)
		name, ok, err := d.Child()
		if err != nil {
			return err
		}
		if !ok {
			a.Int = out
			return nil
		}
		if string(name) != "int" {
			return xmlstream.ErrUnsupported
		}
		t, err := d.Text()
		if err != nil {
			return err
		}
		if len(t) == 0 {
			return xmlstream.ErrUnsupported // strconv refuses empty text
		}
		v, err := xmlstream.ParseInt(t, 32)
		if err != nil {
			return err
		}
		out = append(out, int32(v))
	}
}
