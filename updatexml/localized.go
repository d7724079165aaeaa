package updatexml

import (
	"bytes"
)

// LocalizedProperties is the LocalizedProperties fragment of one language
// (GetExtendedUpdateInfo, infoType LocalizedProperties).
type LocalizedProperties struct {
	// Language is the locale name, e.g. "en".
	Language string
	// Title is always written; the other fields are left out when empty.
	Title          string
	Description    string
	UninstallNotes string
	MoreInfoUrl    string
	SupportUrl     string
}

// Render writes `<LocalizedProperties><Language>en</Language><Title>...`.
func (l *LocalizedProperties) Render() string {
	var b bytes.Buffer
	b.WriteString("<LocalizedProperties>")
	writeTextElement(&b, "Language", l.Language)
	writeTextElement(&b, "Title", l.Title)
	for _, x := range []struct{ name, v string }{
		{"Description", l.Description}, {"UninstallNotes", l.UninstallNotes},
		{"MoreInfoUrl", l.MoreInfoUrl}, {"SupportUrl", l.SupportUrl},
	} {
		if x.v != "" {
			writeTextElement(&b, x.name, x.v)
		}
	}
	b.WriteString("</LocalizedProperties>")
	return b.String()
}

// ParseLocalizedProperties parses a LocalizedProperties fragment.
func ParseLocalizedProperties(fragment string) (*LocalizedProperties, error) {
	const what = "localized properties"
	nodes, err := parseFragment(fragment)
	if err != nil {
		return nil, malformed(what, "%v", err)
	}
	if len(nodes) != 1 || nodes[0].name != "LocalizedProperties" {
		return nil, malformed(what, "want one LocalizedProperties element")
	}
	root := nodes[0]
	if err := checkNoText(root); err != nil {
		return nil, malformed(what, "%v", err)
	}
	l := &LocalizedProperties{}
	seen := map[string]bool{}
	for _, c := range root.children {
		if seen[c.name] {
			return nil, malformed(what, "duplicate %s", c.name)
		}
		seen[c.name] = true
		if len(c.children) > 0 || len(c.attrs) > 0 {
			return nil, malformed(what, "%s must hold only text", c.name)
		}
		switch c.name {
		case "Language":
			l.Language = c.text
		case "Title":
			l.Title = c.text
		case "Description":
			l.Description = c.text
		case "UninstallNotes":
			l.UninstallNotes = c.text
		case "MoreInfoUrl":
			l.MoreInfoUrl = c.text
		case "SupportUrl":
			l.SupportUrl = c.text
		default:
			return nil, malformed(what, "unexpected element %s", c.name)
		}
	}
	if l.Language == "" {
		return nil, malformed(what, "no Language")
	}
	return l, nil
}
