package capture

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// envelope is a parsed SOAP message.
type envelope struct {
	doc *etree.Document
	// op is the Body's first child: the operation, its response, or Fault.
	op *etree.Element
}

var errNotSOAP = errors.New("not a SOAP envelope")

// parseEnvelope parses data as a SOAP 1.1 or 1.2 envelope. Namespaces are
// not checked: the comparison is about WSUS content, and the soap package
// already judges envelopes.
func parseEnvelope(data []byte) (*envelope, error) {
	if len(data) == 0 {
		return nil, errNotSOAP
	}
	doc := etree.NewDocument()
	doc.ReadSettings.Permissive = false
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, err
	}
	root := doc.Root()
	if root == nil || root.Tag != "Envelope" {
		return nil, errNotSOAP
	}
	for _, c := range root.ChildElements() {
		if c.Tag != "Body" {
			continue
		}
		kids := c.ChildElements()
		if len(kids) == 0 {
			return nil, errNotSOAP
		}
		return &envelope{doc: doc, op: kids[0]}, nil
	}
	return nil, errNotSOAP
}

// isFault reports whether the message is a fault.
func (e *envelope) isFault() bool { return e.op.Tag == "Fault" }

// faultSummary is what a comparison looks at in a fault: the code (SOAP
// 1.2 Sender and Receiver read as Client and Server) and the WSUS
// ErrorCode. The faultstring and the detail's ID and Message are not
// compared: the ID is fresh per fault, and the texts are for humans.
func (e *envelope) faultSummary() string {
	code := ""
	if c := child(e.op, "faultcode"); c != nil {
		code = c.Text()
	} else if c := child(child(e.op, "Code"), "Value"); c != nil {
		code = c.Text()
	}
	code = strings.TrimSpace(code)
	if i := strings.LastIndexByte(code, ':'); i >= 0 {
		code = code[i+1:]
	}
	switch code {
	case "Sender":
		code = "Client"
	case "Receiver":
		code = "Server"
	}
	detail := child(e.op, "detail")
	if detail == nil {
		detail = child(e.op, "Detail")
	}
	if ec := child(detail, "ErrorCode"); ec != nil && strings.TrimSpace(ec.Text()) != "" {
		return code + " " + strings.TrimSpace(ec.Text())
	}
	return code
}

// child returns e's first child element with local name tag (nil-safe).
func child(e *etree.Element, tag string) *etree.Element {
	if e == nil {
		return nil
	}
	for _, c := range e.ChildElements() {
		if c.Tag == tag {
			return c
		}
	}
	return nil
}

func childText(e *etree.Element, tag string) string {
	if c := child(e, tag); c != nil {
		return strings.TrimSpace(c.Text())
	}
	return ""
}

// identity is an update revision's global identity: what stays the same
// when a server renumbers its local revision IDs.
type identity struct {
	UpdateID string
	Revision int
}

func (id identity) String() string { return id.UpdateID + "/" + strconv.Itoa(id.Revision) }

var (
	identityTag   = regexp.MustCompile(`^\s*<UpdateIdentity\b[^>]*>`)
	updateIDAttr  = regexp.MustCompile(`\bUpdateID\s*=\s*["']([^"']*)["']`)
	revisionAttr  = regexp.MustCompile(`\bRevisionNumber\s*=\s*["']([^"']*)["']`)
	fragmentStart = regexp.MustCompile(`^\s*<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)`)
)

// coreIdentity reads the UpdateIdentity a Core fragment starts with.
func coreIdentity(xml string) (identity, bool) {
	tag := identityTag.FindString(xml)
	if tag == "" {
		return identity{}, false
	}
	id := updateIDAttr.FindStringSubmatch(tag)
	rev := revisionAttr.FindStringSubmatch(tag)
	if id == nil || rev == nil {
		return identity{}, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(rev[1]))
	if err != nil {
		return identity{}, false
	}
	return identity{UpdateID: strings.ToLower(strings.TrimSpace(id[1])), Revision: n}, true
}

// fragmentKind names a fragment by its first element: UpdateIdentity for
// Core, ExtendedProperties, LocalizedProperties, ...
func fragmentKind(xml string) string {
	m := fragmentStart.FindStringSubmatch(xml)
	if m == nil {
		return "text"
	}
	if m[2] == "UpdateIdentity" {
		return "Core"
	}
	return m[2]
}

// isCategory tells a category from its Core fragment.
func isCategory(xml string) bool { return strings.Contains(xml, `UpdateType="Category"`) }

// learnRevisions adds the revision ID -> identity pairs a message carries:
// UpdateInfo and Update elements (ID and a Core fragment in Xml) and
// RefreshCacheResult (RevisionID and GlobalID).
func learnRevisions(e *etree.Element, m map[int32]identity) {
	if e == nil {
		return
	}
	walk(e, func(el *etree.Element) {
		switch el.Tag {
		case "UpdateInfo", "Update":
			rev, err := strconv.ParseInt(childText(el, "ID"), 10, 32)
			if err != nil {
				return
			}
			if id, ok := coreIdentity(childText(el, "Xml")); ok {
				m[int32(rev)] = id
			}
		case "RefreshCacheResult":
			rev, err := strconv.ParseInt(childText(el, "RevisionID"), 10, 32)
			g := child(el, "GlobalID")
			if err != nil || g == nil {
				return
			}
			n, err := strconv.Atoi(childText(g, "RevisionNumber"))
			if err != nil {
				return
			}
			m[int32(rev)] = identity{UpdateID: strings.ToLower(childText(g, "UpdateID")), Revision: n}
		}
	})
}

func walk(e *etree.Element, fn func(*etree.Element)) {
	fn(e)
	for _, c := range e.ChildElements() {
		walk(c, fn)
	}
}

// Volatile fields: values that differ between two runs of the same
// exchange against correct servers, and are therefore never compared.
var volatileTags = map[string]bool{
	// Cookie contents: sealed by each server with its own key.
	"EncryptedData": true, "Expiration": true, "CookieData": true,
	// Times.
	"LastChange": true, "lastChange": true, "LastChangeTime": true, "Deadline": true,
	"currentTime": true, "clientTime": true, "TimeAtTarget": true,
	// Signatures and their timestamps.
	"Verification": true,
	// A fresh GUID per reporting event.
	"EventInstanceID": true,
}

// urlTags carry content URLs, whose host is the server's name as the
// client used it.
var urlTags = map[string]bool{"Url": true, "PiecesHashUrl": true, "BlockMapUrl": true}

// volatileChild reports whether the child tag of an element parent is not
// compared: volatile fields, and server-local numbering (revision and
// deployment IDs, the fault ID), which the comparison replaces by update
// identities.
func volatileChild(parent, tag string) bool {
	if volatileTags[tag] {
		return true
	}
	switch {
	case tag == "ID" && (parent == "UpdateInfo" || parent == "Update" || parent == "Deployment" || parent == "detail" || parent == "Detail"):
		return true
	case tag == "RevisionID" && parent == "RefreshCacheResult":
		return true
	}
	return false
}

// urlHost replaces the scheme and authority of a URL with a placeholder.
var urlAuthority = regexp.MustCompile(`(?i)^(https?://)[^/]*`)

func normaliseURL(s string) string { return urlAuthority.ReplaceAllString(s, "${1}HOST") }
