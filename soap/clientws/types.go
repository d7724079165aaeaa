package clientws

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"strings"
	"time"
)

// Namespace is the XML namespace of every ClientWebService element and the prefix of
// its SOAPActions.
const Namespace = "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService"

// Operation names, as they appear in the SOAPAction and as the request element name.
const (
	OpGetConfig             = "GetConfig"
	OpGetCookie             = "GetCookie"
	OpRegisterComputer      = "RegisterComputer"
	OpStartCategoryScan     = "StartCategoryScan"
	OpSyncUpdates           = "SyncUpdates"
	OpRefreshCache          = "RefreshCache"
	OpGetExtendedUpdateInfo = "GetExtendedUpdateInfo"
	OpGetFileLocations      = "GetFileLocations"
)

// SOAPAction values of the operations (unquoted; HTTP carries them in double quotes).
const (
	ActionGetConfig             = Namespace + "/" + OpGetConfig
	ActionGetCookie             = Namespace + "/" + OpGetCookie
	ActionRegisterComputer      = Namespace + "/" + OpRegisterComputer
	ActionStartCategoryScan     = Namespace + "/" + OpStartCategoryScan
	ActionSyncUpdates           = Namespace + "/" + OpSyncUpdates
	ActionRefreshCache          = Namespace + "/" + OpRefreshCache
	ActionGetExtendedUpdateInfo = Namespace + "/" + OpGetExtendedUpdateInfo
	ActionGetFileLocations      = Namespace + "/" + OpGetFileLocations
)

// Action returns the SOAPAction of operation op (unquoted): Namespace + "/" + op. WSUS
// builds every action this way, so it also works for operations the WSDL leaves out.
func Action(op string) string { return Namespace + "/" + op }

// Base64Binary is an xs:base64Binary value. gowsdl maps the type to []byte, which
// encoding/xml writes as raw bytes; this type writes and reads standard base64, as WSUS
// does for cookies (EncryptedData, CookieData) and file digests.
type Base64Binary []byte

// MarshalText encodes b as standard, padded base64.
func (b Base64Binary) MarshalText() ([]byte, error) {
	return base64.StdEncoding.AppendEncode(nil, b), nil
}

// UnmarshalText decodes standard base64. XML Schema allows whitespace inside
// base64Binary, so it is removed first.
func (b *Base64Binary) UnmarshalText(text []byte) error {
	// Without white space (every cookie on the wire) the text is decoded as
	// it is, without the two copies below; an error goes the long way,
	// which words it.
	if !bytes.ContainsAny(text, " \t\r\n") {
		out := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
		if n, err := base64.StdEncoding.Decode(out, text); err == nil {
			*b = out[:n]
			return nil
		}
	}
	return b.unmarshalSpaced(text)
}

// unmarshalSpaced is UnmarshalText for any text: white space removed, then
// decoded.
func (b *Base64Binary) unmarshalSpaced(text []byte) error {
	s := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, string(text))
	out, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return fmt.Errorf("clientws: invalid base64Binary: %w", err)
	}
	*b = out
	return nil
}

// DateTimeLayout is how WSUS (.NET) writes an xs:dateTime: UTC, seven fractional
// digits, "Z" (e.g. 2026-10-04T16:03:35.9967236Z, a real cookie Expiration).
const DateTimeLayout = "2006-01-02T15:04:05.0000000Z"

// DateTime is an xs:dateTime. It replaces gowsdl's soap.XSDDateTime, which would drag in
// gowsdl's runtime and does not write the .NET format. The embedded time.Time gives
// callers the usual methods (Equal, IsZero, Format, ...).
type DateTime struct {
	time.Time
}

// NewDateTime wraps t.
func NewDateTime(t time.Time) DateTime { return DateTime{Time: t} }

// MarshalText writes d in UTC with DateTimeLayout.
func (d DateTime) MarshalText() ([]byte, error) {
	return []byte(d.Time.UTC().Format(DateTimeLayout)), nil
}

// UnmarshalText reads any xs:dateTime (see ParseDateTime). Empty text gives the zero
// time, because empty elements do occur on the wire.
func (d *DateTime) UnmarshalText(text []byte) error {
	if t, ok := parseDateTimeUTC(text); ok {
		d.Time = t
		return nil
	}
	t, err := ParseDateTime(string(text))
	if err != nil {
		return err
	}
	d.Time = t
	return nil
}

// ParseDateTime parses an xs:dateTime with or without fractional seconds and with or
// without a zone ("Z" or ±hh:mm). A value without a zone is taken as UTC, as WSUS does.
func ParseDateTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	// Go accepts fractional seconds after the seconds field even when the layout has
	// none, so one layout with and one without a zone cover every form.
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("clientws: invalid xs:dateTime %q", s)
}

// parseDateTimeUTC reads the form every agent sends, YYYY-MM-DDThh:mm:ss
// with or without a Z (a driver scan carries one per device), without
// converting the text to a string or going through time.Parse. It gives
// what ParseDateTime gives; anything else, including an out-of-range
// field, is not ok and left to ParseDateTime and its error.
func parseDateTimeUTC[S string | []byte](b S) (time.Time, bool) {
	if len(b) == 20 && b[19] == 'Z' {
		b = b[:19]
	}
	if len(b) != 19 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	var f [6]int
	for i, span := range [6][2]int{{0, 4}, {5, 7}, {8, 10}, {11, 13}, {14, 16}, {17, 19}} {
		for j := span[0]; j < span[1]; j++ {
			c := b[j]
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			f[i] = f[i]*10 + int(c-'0')
		}
	}
	year, month, day, hour, minute, sec := f[0], time.Month(f[1]), f[2], f[3], f[4], f[5]
	if month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, month, day, hour, minute, sec, 0, time.UTC)
	if t.Day() != day { // past the month's end: time.Parse refuses it
		return time.Time{}, false
	}
	return t, true
}

// NamespaceXSI is the XML Schema instance namespace of xsi:nil.
const NamespaceXSI = "http://www.w3.org/2001/XMLSchema-instance"

// MarshalXML writes an installed driver as the Windows Update Agent does:
// a MatchingComputerHWID the driver does not have is sent as an element with
// xsi:nil="true" (the captured native driver pass writes
// <MatchingComputerHWID a:nil="true" xmlns:a="...XMLSchema-instance"/> for
// every device), where the generated type, which ignores the WSDL's
// nillable, would leave it out.
func (d InstalledDriver) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain InstalledDriver
	if d.MatchingComputerHWID != "" {
		return e.EncodeElement(plain(d), start)
	}
	// The fields in WSDL order, with the nil element in its place.
	aux := struct {
		MatchingID            string   `xml:"MatchingID,omitempty"`
		DriverVerDate         DateTime `xml:"DriverVerDate"`
		DriverVerVersion      int64    `xml:"DriverVerVersion"`
		Class                 string   `xml:"Class,omitempty"`
		Manufacturer          string   `xml:"Manufacturer,omitempty"`
		Provider              string   `xml:"Provider,omitempty"`
		Model                 string   `xml:"Model,omitempty"`
		MatchingComputerHWID  nilGuid  `xml:"MatchingComputerHWID"`
		DriverRank            int32    `xml:"DriverRank"`
		SkipProviderFiltering bool     `xml:"SkipProviderFiltering,omitempty"`
		IsGeneric             bool     `xml:"IsGeneric,omitempty"`
	}{d.MatchingID, d.DriverVerDate, d.DriverVerVersion, d.Class, d.Manufacturer, d.Provider, d.Model,
		nilGuid{}, d.DriverRank, d.SkipProviderFiltering, d.IsGeneric}
	return e.EncodeElement(aux, start)
}

// nilGuid is an absent GUID written as xsi:nil, with the prefix the agent
// uses ("a") declared on the element itself.
type nilGuid struct{}

// MarshalXML writes <name a:nil="true" xmlns:a="...XMLSchema-instance"/>.
func (nilGuid) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	start.Attr = append(start.Attr,
		xml.Attr{Name: xml.Name{Local: "a:nil"}, Value: "true"},
		xml.Attr{Name: xml.Name{Local: "xmlns:a"}, Value: NamespaceXSI})
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	return e.EncodeToken(start.End())
}

// MarshalXML writes an extension driver as the agent does: an absent
// MatchingComputerHWID as xsi:nil (captured driver pass), in its WSDL place
// (the last field).
func (d ExtensionDriver) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain ExtensionDriver
	if d.MatchingComputerHWID != "" {
		return e.EncodeElement(plain(d), start)
	}
	aux := struct {
		ExtensionId          string   `xml:"ExtensionId,omitempty"`
		DriverVerDate        DateTime `xml:"DriverVerDate"`
		DriverVerVersion     int64    `xml:"DriverVerVersion"`
		Class                string   `xml:"Class,omitempty"`
		DriverRank           int32    `xml:"DriverRank"`
		MatchingComputerHWID nilGuid  `xml:"MatchingComputerHWID"`
	}{d.ExtensionId, d.DriverVerDate, d.DriverVerVersion, d.Class, d.DriverRank, nilGuid{}}
	return e.EncodeElement(aux, start)
}

// AppendXMLText appends b as MarshalText writes it (base64 needs no XML
// escaping): the generated encoders' form.
func (b Base64Binary) AppendXMLText(dst []byte) []byte {
	return base64.StdEncoding.AppendEncode(dst, b)
}

// AppendXMLText appends d as MarshalText writes it (digits and separators
// need no XML escaping): the generated encoders' form.
func (d DateTime) AppendXMLText(dst []byte) []byte {
	return d.Time.UTC().AppendFormat(dst, DateTimeLayout)
}
