package updatexml

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Handler URIs of the update handlers the mock uses.
const (
	HandlerCommandLine = "http://schemas.microsoft.com/msus/2002/12/UpdateHandlers/CommandLineInstallation"
	HandlerMSI         = "http://schemas.microsoft.com/msus/2002/12/UpdateHandlers/WindowsInstaller"
)

// HandlerDataCommandLine is HandlerSpecificData/@type of the command line
// installation handler.
const HandlerDataCommandLine = "cmd:CommandLineInstallation"

// Extended is the Extended fragment (GetExtendedUpdateInfo, infoType
// Extended): download sizes, install behaviour, files and handler data.
type Extended struct {
	// DefaultPropertiesLanguage is usually "en".
	DefaultPropertiesLanguage string
	// Handler is the update handler URI; empty for categories and
	// detectoids.
	Handler string
	// NoDownloadSize leaves out MaxDownloadSize and MinDownloadSize, as
	// WSUS does for categories and detectoids.
	NoDownloadSize                   bool
	MaxDownloadSize, MinDownloadSize int64
	// Properties are further ExtendedProperties attributes, written after
	// the download sizes in this order.
	Properties []Attr
	// InstallationImpact is InstallationBehavior/@Impact (Normal, Minor,
	// RequiresExclusiveHandling); empty with an empty RebootBehavior means
	// no InstallationBehavior element.
	InstallationImpact string
	// RebootBehavior is InstallationBehavior/@RebootBehavior
	// (NeverReboots, AlwaysRequiresReboot, CanRequestReboot).
	RebootBehavior     string
	SupportUrl         string
	SecurityBulletinID string
	KBArticleID        string
	Files              []File
	// HandlerSpecificData is nil when absent.
	HandlerSpecificData *HandlerSpecificData
}

// File is one payload file of an update.
type File struct {
	// Digest is the base64 SHA-1 of the file; the client asks
	// GetFileLocations by this value.
	Digest string
	// DigestAlgorithm is "SHA1".
	DigestAlgorithm string
	FileName        string
	Size            int64
	// Modified is written in UTC, second precision unless it has a
	// fraction; the zero time leaves the attribute out.
	Modified          time.Time
	AdditionalDigests []Digest
}

// Digest is an AdditionalDigest of a File.
type Digest struct {
	Algorithm string // e.g. "SHA256"
	Value     string // base64
}

// HandlerSpecificData carries handler parameters. The command line handler
// is modelled; other handlers' data is kept as raw XML.
type HandlerSpecificData struct {
	// Type is the type attribute, e.g. "cmd:CommandLineInstallation".
	Type string
	// InstallCommand is the command line handler's InstallCommand.
	InstallCommand *CommandLine
	// Raw is the inner XML for other handlers, written verbatim. It is
	// used only when InstallCommand is nil.
	Raw string
}

// CommandLine is an InstallCommand.
type CommandLine struct {
	Program   string
	Arguments string // empty leaves the attribute out
	// Attrs are further InstallCommand attributes (RebootByDefault,
	// DefaultResult), written after Arguments.
	Attrs       []Attr
	ReturnCodes []ReturnCode
}

// ReturnCode maps a process exit code to a result.
type ReturnCode struct {
	Code   int
	Result string // Succeeded, Failed, Cancelled
	Reboot bool   // Reboot="true": a restart is required
}

// Render writes the Extended fragment.
func (e *Extended) Render() string {
	var b bytes.Buffer
	attrs := []Attr{{"DefaultPropertiesLanguage", e.DefaultPropertiesLanguage}}
	if e.Handler != "" {
		attrs = append(attrs, Attr{"Handler", e.Handler})
	}
	if !e.NoDownloadSize {
		attrs = append(attrs,
			Attr{"MaxDownloadSize", strconv.FormatInt(e.MaxDownloadSize, 10)},
			Attr{"MinDownloadSize", strconv.FormatInt(e.MinDownloadSize, 10)})
	}
	attrs = append(attrs, e.Properties...)
	var inner bytes.Buffer
	if e.InstallationImpact != "" || e.RebootBehavior != "" {
		var ib []Attr
		if e.InstallationImpact != "" {
			ib = append(ib, Attr{"Impact", e.InstallationImpact})
		}
		if e.RebootBehavior != "" {
			ib = append(ib, Attr{"RebootBehavior", e.RebootBehavior})
		}
		writeEmpty(&inner, "InstallationBehavior", ib)
	}
	for _, x := range []struct{ name, v string }{
		{"SupportUrl", e.SupportUrl}, {"SecurityBulletinID", e.SecurityBulletinID}, {"KBArticleID", e.KBArticleID},
	} {
		if x.v != "" {
			writeTextElement(&inner, x.name, x.v)
		}
	}
	if inner.Len() == 0 {
		writeEmpty(&b, "ExtendedProperties", attrs)
	} else {
		writeStart(&b, "ExtendedProperties", attrs)
		b.WriteByte('>')
		b.Write(inner.Bytes())
		b.WriteString("</ExtendedProperties>")
	}
	if len(e.Files) > 0 {
		b.WriteString("<Files>")
		for _, f := range e.Files {
			fa := []Attr{{"Digest", f.Digest}, {"DigestAlgorithm", f.DigestAlgorithm},
				{"FileName", f.FileName}, {"Size", strconv.FormatInt(f.Size, 10)}}
			if !f.Modified.IsZero() {
				fa = append(fa, Attr{"Modified", f.Modified.UTC().Format(time.RFC3339Nano)})
			}
			if len(f.AdditionalDigests) == 0 {
				writeEmpty(&b, "File", fa)
				continue
			}
			writeStart(&b, "File", fa)
			b.WriteByte('>')
			for _, d := range f.AdditionalDigests {
				writeStart(&b, "AdditionalDigest", []Attr{{"Algorithm", d.Algorithm}})
				b.WriteByte('>')
				b.WriteString(escapeText(d.Value))
				b.WriteString("</AdditionalDigest>")
			}
			b.WriteString("</File>")
		}
		b.WriteString("</Files>")
	}
	if h := e.HandlerSpecificData; h != nil {
		writeStart(&b, "HandlerSpecificData", []Attr{{"type", h.Type}})
		b.WriteByte('>')
		if c := h.InstallCommand; c != nil {
			ca := []Attr{{"Program", c.Program}}
			if c.Arguments != "" {
				ca = append(ca, Attr{"Arguments", c.Arguments})
			}
			ca = append(ca, c.Attrs...)
			if len(c.ReturnCodes) == 0 {
				writeEmpty(&b, "InstallCommand", ca)
			} else {
				writeStart(&b, "InstallCommand", ca)
				b.WriteByte('>')
				for _, rc := range c.ReturnCodes {
					ra := []Attr{{"Code", strconv.Itoa(rc.Code)}, {"Result", rc.Result}}
					if rc.Reboot {
						ra = append(ra, Attr{"Reboot", "true"})
					}
					writeEmpty(&b, "ReturnCode", ra)
				}
				b.WriteString("</InstallCommand>")
			}
		} else {
			b.WriteString(h.Raw)
		}
		b.WriteString("</HandlerSpecificData>")
	}
	return b.String()
}

// ParseExtended parses an Extended fragment as Render writes it and as real
// WSUS servers send it.
func ParseExtended(fragment string) (*Extended, error) {
	const what = "extended"
	nodes, err := parseFragment(fragment)
	if err != nil {
		return nil, malformed(what, "%v", err)
	}
	if len(nodes) == 0 || nodes[0].name != "ExtendedProperties" {
		return nil, malformed(what, "must start with ExtendedProperties")
	}
	e := &Extended{NoDownloadSize: true}
	if err := e.parseProperties(nodes[0]); err != nil {
		return nil, malformed(what, "%v", err)
	}
	seen := map[string]bool{}
	for _, n := range nodes[1:] {
		if seen[n.name] {
			return nil, malformed(what, "duplicate %s", n.name)
		}
		seen[n.name] = true
		switch n.name {
		case "Files":
			if err := checkNoText(n); err != nil {
				return nil, malformed(what, "%v", err)
			}
			for _, fn := range n.children {
				f, err := fileFromNode(fn)
				if err != nil {
					return nil, malformed(what, "%v", err)
				}
				e.Files = append(e.Files, f)
			}
		case "HandlerSpecificData":
			e.HandlerSpecificData = handlerDataFromNode(n)
		default:
			return nil, malformed(what, "unexpected element %s", n.name)
		}
	}
	return e, nil
}

func (e *Extended) parseProperties(n *node) error {
	if err := checkNoText(n); err != nil {
		return err
	}
	var hasMax, hasMin bool
	for _, a := range n.attrs {
		var err error
		switch a.Name {
		case "DefaultPropertiesLanguage":
			e.DefaultPropertiesLanguage = a.Value
		case "Handler":
			e.Handler = a.Value
		case "MaxDownloadSize":
			hasMax = true
			e.MaxDownloadSize, err = strconv.ParseInt(a.Value, 10, 64)
		case "MinDownloadSize":
			hasMin = true
			e.MinDownloadSize, err = strconv.ParseInt(a.Value, 10, 64)
		default:
			e.Properties = append(e.Properties, a)
		}
		if err != nil {
			return fmt.Errorf("bad %s %q", a.Name, a.Value)
		}
	}
	if hasMax != hasMin {
		return fmt.Errorf("MaxDownloadSize and MinDownloadSize must come together")
	}
	e.NoDownloadSize = !hasMax
	for _, c := range n.children {
		if len(c.children) > 0 {
			return fmt.Errorf("unexpected children in %s", c.name)
		}
		switch c.name {
		case "InstallationBehavior":
			for _, a := range c.attrs {
				switch a.Name {
				case "Impact":
					e.InstallationImpact = a.Value
				case "RebootBehavior":
					e.RebootBehavior = a.Value
				default:
					return fmt.Errorf("InstallationBehavior has unknown attribute %s", a.Name)
				}
			}
		case "SupportUrl":
			e.SupportUrl = c.text
		case "SecurityBulletinID":
			e.SecurityBulletinID = c.text
		case "KBArticleID":
			e.KBArticleID = c.text
		default:
			return fmt.Errorf("unexpected %s in ExtendedProperties", c.name)
		}
	}
	return nil
}

func fileFromNode(n *node) (File, error) {
	if n.name != "File" {
		return File{}, fmt.Errorf("unexpected %s in Files", n.name)
	}
	if err := checkNoText(n); err != nil {
		return File{}, err
	}
	var f File
	for _, a := range n.attrs {
		switch a.Name {
		case "Digest":
			f.Digest = a.Value
		case "DigestAlgorithm":
			f.DigestAlgorithm = a.Value
		case "FileName":
			f.FileName = a.Value
		case "Size":
			n, err := strconv.ParseInt(a.Value, 10, 64)
			if err != nil || n < 0 {
				return File{}, fmt.Errorf("bad File Size %q", a.Value)
			}
			f.Size = n
		case "Modified":
			t, err := parseModified(a.Value)
			if err != nil {
				return File{}, err
			}
			f.Modified = t
		default:
			return File{}, fmt.Errorf("File has unknown attribute %s", a.Name)
		}
	}
	if f.Digest == "" || f.FileName == "" {
		return File{}, fmt.Errorf("File needs Digest and FileName")
	}
	for _, c := range n.children {
		alg, _ := c.attr("Algorithm")
		if c.name != "AdditionalDigest" || len(c.children) > 0 || alg == "" || len(c.attrs) != 1 {
			return File{}, fmt.Errorf("unexpected %s in File", c.name)
		}
		f.AdditionalDigests = append(f.AdditionalDigests, Digest{Algorithm: alg, Value: strings.TrimSpace(c.text)})
	}
	return f, nil
}

// parseModified accepts RFC 3339 and the zone-less form .NET writes for
// unspecified DateTime kinds (read as UTC).
func parseModified(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02T15:04:05.999999999", v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("bad File Modified %q", v)
}

// handlerDataFromNode models the command line handler when the element has
// exactly the expected shape, and keeps anything else raw so that no
// handler's data is lost or refused.
func handlerDataFromNode(n *node) *HandlerSpecificData {
	h := &HandlerSpecificData{}
	h.Type, _ = n.attr("type")
	if c := commandLineFromNode(n); c != nil && h.Type == HandlerDataCommandLine {
		h.InstallCommand = c
		return h
	}
	var b bytes.Buffer
	b.WriteString(escapeText(n.text))
	for _, c := range n.children {
		writeNode(&b, c)
	}
	h.Raw = b.String()
	return h
}

func commandLineFromNode(n *node) *CommandLine {
	if len(n.attrs) != 1 || len(n.children) != 1 || strings.TrimSpace(n.text) != "" {
		return nil
	}
	ic := n.children[0]
	if ic.name != "InstallCommand" || strings.TrimSpace(ic.text) != "" {
		return nil
	}
	c := &CommandLine{}
	var hasProgram bool
	for _, a := range ic.attrs {
		switch a.Name {
		case "Program":
			c.Program, hasProgram = a.Value, true
		case "Arguments":
			if a.Value == "" {
				return nil // would not survive a re-render
			}
			c.Arguments = a.Value
		default:
			c.Attrs = append(c.Attrs, a)
		}
	}
	if !hasProgram {
		return nil
	}
	for _, rn := range ic.children {
		if rn.name != "ReturnCode" || len(rn.children) > 0 || strings.TrimSpace(rn.text) != "" {
			return nil
		}
		var rc ReturnCode
		var hasCode bool
		for _, a := range rn.attrs {
			switch a.Name {
			case "Code":
				v, err := strconv.Atoi(a.Value)
				if err != nil {
					return nil
				}
				rc.Code, hasCode = v, true
			case "Result":
				rc.Result = a.Value
			case "Reboot":
				if a.Value != "true" {
					return nil
				}
				rc.Reboot = true
			default:
				return nil
			}
		}
		if !hasCode {
			return nil
		}
		c.ReturnCodes = append(c.ReturnCodes, rc)
	}
	return c
}
