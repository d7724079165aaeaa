package updatexml

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Update types carried in Properties/@UpdateType.
const (
	UpdateTypeSoftware  = "Software"
	UpdateTypeCategory  = "Category"
	UpdateTypeDetectoid = "Detectoid"
	UpdateTypeDriver    = "Driver"
)

// Identity names one revision of an update.
type Identity struct {
	// UpdateID is the update GUID, lower case without braces on the wire.
	UpdateID string
	// RevisionNumber is the publication revision. Zero means absent: real
	// fragments name prerequisites and superseded updates by UpdateID only,
	// because any revision satisfies them.
	RevisionNumber int
}

func (id Identity) attrs() []Attr {
	a := []Attr{{"UpdateID", id.UpdateID}}
	if id.RevisionNumber != 0 {
		a = append(a, Attr{"RevisionNumber", strconv.Itoa(id.RevisionNumber)})
	}
	return a
}

// Prerequisite is one entry of Relationships/Prerequisites: the update is in
// scope only when at least one of AnyOf is installed on the client.
type Prerequisite struct {
	AnyOf []Identity
	// AtLeastOne forces the <AtLeastOne> group form even for a single
	// identity, as real WSUS writes product prerequisites. A prerequisite
	// with several identities is always a group.
	AtLeastOne bool
	// IsCategory marks the group as a category (product/classification)
	// prerequisite: <AtLeastOne IsCategory="true">. Implies the group form.
	IsCategory bool
}

// Require returns the prerequisite "id must be installed".
func Require(id Identity) Prerequisite { return Prerequisite{AnyOf: []Identity{id}} }

// AnyOf returns the prerequisite "at least one of ids must be installed".
func AnyOf(ids ...Identity) Prerequisite { return Prerequisite{AnyOf: ids, AtLeastOne: true} }

func (p Prerequisite) grouped() bool {
	return p.AtLeastOne || p.IsCategory || len(p.AnyOf) != 1
}

// Core is the Core fragment of an update: what SyncUpdates sends in
// UpdateInfo/Xml and what the agent evaluates.
type Core struct {
	Identity
	// UpdateType is Software, Category, Detectoid or Driver.
	UpdateType string
	// Properties are further Properties attributes (ExplicitlyDeployable,
	// AutoSelectOnWebSites, ...), written after UpdateType in this order.
	Properties []Attr
	// Prerequisites must all hold (each is an "any of").
	Prerequisites []Prerequisite
	// BundledUpdates are the children of a bundle. Real servers may group
	// them in <AtLeastOne>; parsing flattens the groups and rendering writes
	// plain UpdateIdentity elements.
	BundledUpdates []Identity
	// SupersededUpdates are the updates this one replaces.
	SupersededUpdates []Identity
	// Applicability rules; nil means the element is absent.
	IsInstalled, IsInstallable, IsSuperseded *Rule
}

// Render writes the fragment exactly as WSUS puts it (before XML-escaping)
// into UpdateInfo/Xml: several top-level elements, no XML declaration.
func (c *Core) Render() string {
	var b bytes.Buffer
	writeEmpty(&b, "UpdateIdentity", c.Identity.attrs())
	writeEmpty(&b, "Properties", append([]Attr{{"UpdateType", c.UpdateType}}, c.Properties...))
	if len(c.Prerequisites)+len(c.BundledUpdates)+len(c.SupersededUpdates) > 0 {
		b.WriteString("<Relationships>")
		// Order as seen from a real WSUS: SupersededUpdates, Prerequisites,
		// BundledUpdates.
		if len(c.SupersededUpdates) > 0 {
			b.WriteString("<SupersededUpdates>")
			for _, id := range c.SupersededUpdates {
				writeEmpty(&b, "UpdateIdentity", id.attrs())
			}
			b.WriteString("</SupersededUpdates>")
		}
		if len(c.Prerequisites) > 0 {
			b.WriteString("<Prerequisites>")
			for _, p := range c.Prerequisites {
				if !p.grouped() {
					writeEmpty(&b, "UpdateIdentity", p.AnyOf[0].attrs())
					continue
				}
				var attrs []Attr
				if p.IsCategory {
					attrs = []Attr{{"IsCategory", "true"}}
				}
				if len(p.AnyOf) == 0 {
					writeEmpty(&b, "AtLeastOne", attrs)
					continue
				}
				writeStart(&b, "AtLeastOne", attrs)
				b.WriteByte('>')
				for _, id := range p.AnyOf {
					writeEmpty(&b, "UpdateIdentity", id.attrs())
				}
				b.WriteString("</AtLeastOne>")
			}
			b.WriteString("</Prerequisites>")
		}
		if len(c.BundledUpdates) > 0 {
			b.WriteString("<BundledUpdates>")
			for _, id := range c.BundledUpdates {
				writeEmpty(&b, "UpdateIdentity", id.attrs())
			}
			b.WriteString("</BundledUpdates>")
		}
		b.WriteString("</Relationships>")
	}
	if c.IsInstalled != nil || c.IsInstallable != nil || c.IsSuperseded != nil {
		b.WriteString("<ApplicabilityRules>")
		for _, x := range []struct {
			name string
			r    *Rule
		}{{"IsInstalled", c.IsInstalled}, {"IsSuperseded", c.IsSuperseded}, {"IsInstallable", c.IsInstallable}} {
			if x.r == nil {
				continue
			}
			b.WriteString("<" + x.name + ">")
			writeRule(&b, x.r)
			b.WriteString("</" + x.name + ">")
		}
		b.WriteString("</ApplicabilityRules>")
	}
	return b.String()
}

// ErrMalformed is wrapped by every parse error of the fragment parsers.
var ErrMalformed = errors.New("malformed fragment")

func malformed(what, format string, args ...any) error {
	return fmt.Errorf("updatexml: parse %s: %w: %s", what, ErrMalformed, fmt.Sprintf(format, args...))
}

// ParseCore parses a Core fragment as Render writes it and as real WSUS
// servers send it. Unknown rule elements are kept (Evaluate refuses them);
// unknown structural elements are errors.
func ParseCore(fragment string) (*Core, error) {
	const what = "core"
	nodes, err := parseFragment(fragment)
	if err != nil {
		return nil, malformed(what, "%v", err)
	}
	if len(nodes) < 2 || nodes[0].name != "UpdateIdentity" || nodes[1].name != "Properties" {
		return nil, malformed(what, "must start with UpdateIdentity and Properties")
	}
	c := &Core{}
	if c.Identity, err = identityFromNode(nodes[0], true); err != nil {
		return nil, malformed(what, "%v", err)
	}
	props := nodes[1]
	if len(props.children) > 0 || strings.TrimSpace(props.text) != "" {
		return nil, malformed(what, "Properties has content")
	}
	for _, a := range props.attrs {
		if a.Name == "UpdateType" && c.UpdateType == "" {
			c.UpdateType = a.Value
			continue
		}
		c.Properties = append(c.Properties, a)
	}
	if c.UpdateType == "" {
		return nil, malformed(what, "Properties has no UpdateType")
	}
	seen := map[string]bool{}
	for _, n := range nodes[2:] {
		if seen[n.name] {
			return nil, malformed(what, "duplicate %s", n.name)
		}
		seen[n.name] = true
		if err := checkNoText(n); err != nil {
			return nil, malformed(what, "%v", err)
		}
		switch n.name {
		case "Relationships":
			if err := c.parseRelationships(n); err != nil {
				return nil, malformed(what, "%v", err)
			}
		case "ApplicabilityRules":
			if err := c.parseApplicability(n); err != nil {
				return nil, malformed(what, "%v", err)
			}
		default:
			return nil, malformed(what, "unexpected element %s", n.name)
		}
	}
	return c, nil
}

func checkNoText(n *node) error {
	if t := strings.TrimSpace(n.text); t != "" {
		return fmt.Errorf("%s has unexpected text %q", n.name, truncate(t))
	}
	return nil
}

func identityFromNode(n *node, needRevision bool) (Identity, error) {
	if n.name != "UpdateIdentity" {
		return Identity{}, fmt.Errorf("want UpdateIdentity, got %s", n.name)
	}
	if len(n.children) > 0 {
		return Identity{}, errors.New("UpdateIdentity has children")
	}
	var id Identity
	var hasID bool
	for _, a := range n.attrs {
		switch a.Name {
		case "UpdateID":
			id.UpdateID, hasID = a.Value, true
		case "RevisionNumber":
			v, err := strconv.Atoi(a.Value)
			if err != nil || v < 0 {
				return Identity{}, fmt.Errorf("bad RevisionNumber %q", a.Value)
			}
			id.RevisionNumber = v
		default:
			return Identity{}, fmt.Errorf("UpdateIdentity has unknown attribute %s", a.Name)
		}
	}
	if !hasID || id.UpdateID == "" {
		return Identity{}, errors.New("UpdateIdentity has no UpdateID")
	}
	if needRevision && id.RevisionNumber == 0 {
		return Identity{}, fmt.Errorf("UpdateIdentity %s has no RevisionNumber", id.UpdateID)
	}
	return id, nil
}

func (c *Core) parseRelationships(rel *node) error {
	seen := map[string]bool{}
	for _, n := range rel.children {
		if seen[n.name] {
			return fmt.Errorf("duplicate %s", n.name)
		}
		seen[n.name] = true
		if err := checkNoText(n); err != nil {
			return err
		}
		switch n.name {
		case "Prerequisites":
			for _, p := range n.children {
				switch p.name {
				case "UpdateIdentity":
					id, err := identityFromNode(p, false)
					if err != nil {
						return err
					}
					c.Prerequisites = append(c.Prerequisites, Require(id))
				case "AtLeastOne":
					pre := Prerequisite{AtLeastOne: true}
					for _, a := range p.attrs {
						if a.Name != "IsCategory" {
							return fmt.Errorf("AtLeastOne has unknown attribute %s", a.Name)
						}
						pre.IsCategory = a.Value == "true"
					}
					ids, err := identities(p)
					if err != nil {
						return err
					}
					pre.AnyOf = ids
					c.Prerequisites = append(c.Prerequisites, pre)
				default:
					return fmt.Errorf("unexpected %s in Prerequisites", p.name)
				}
			}
		case "BundledUpdates":
			for _, b := range n.children {
				switch b.name {
				case "UpdateIdentity":
					id, err := identityFromNode(b, false)
					if err != nil {
						return err
					}
					c.BundledUpdates = append(c.BundledUpdates, id)
				case "AtLeastOne":
					ids, err := identities(b)
					if err != nil {
						return err
					}
					c.BundledUpdates = append(c.BundledUpdates, ids...)
				default:
					return fmt.Errorf("unexpected %s in BundledUpdates", b.name)
				}
			}
		case "SupersededUpdates":
			ids, err := identities(n)
			if err != nil {
				return err
			}
			c.SupersededUpdates = append(c.SupersededUpdates, ids...)
		default:
			return fmt.Errorf("unexpected %s in Relationships", n.name)
		}
	}
	return nil
}

func identities(parent *node) ([]Identity, error) {
	if err := checkNoText(parent); err != nil {
		return nil, err
	}
	var ids []Identity
	for _, n := range parent.children {
		id, err := identityFromNode(n, false)
		if err != nil {
			return nil, fmt.Errorf("in %s: %w", parent.name, err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func (c *Core) parseApplicability(ar *node) error {
	for _, n := range ar.children {
		var dst **Rule
		switch n.name {
		case "IsInstalled":
			dst = &c.IsInstalled
		case "IsInstallable":
			dst = &c.IsInstallable
		case "IsSuperseded":
			dst = &c.IsSuperseded
		default:
			return fmt.Errorf("unexpected %s in ApplicabilityRules", n.name)
		}
		if *dst != nil {
			return fmt.Errorf("duplicate %s", n.name)
		}
		if err := checkNoText(n); err != nil {
			return err
		}
		if len(n.attrs) > 0 || len(n.children) != 1 {
			return fmt.Errorf("%s must hold exactly one rule and no attributes", n.name)
		}
		r, err := ruleFromNode(n.children[0])
		if err != nil {
			return err
		}
		*dst = r
	}
	return nil
}
