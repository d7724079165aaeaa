package capture

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// side is one of the two responses a comparison looks at.
type side struct {
	label    string
	status   int
	header   Header
	body     []byte
	retained bool
	// ids maps this side's revision IDs to update identities.
	ids map[int32]identity
}

// differ accumulates the lines of one comparison.
type differ struct {
	a, b    *side
	lines   []string
	max     int
	dropped int
}

// maxListed bounds the updates listed one by one per list and side.
const maxListed = 10

func (d *differ) add(format string, args ...any) {
	if d.max > 0 && len(d.lines) >= d.max {
		d.dropped++
		return
	}
	d.lines = append(d.lines, fmt.Sprintf(format, args...))
}

// pair renders "<x> <label a>, <y> <label b>".
func (d *differ) pair(x, y string) string {
	return x + " " + d.a.label + ", " + y + " " + d.b.label
}

// diffSides compares two responses structurally and returns the
// differences as path-like lines, at most max (0: no limit) plus a line
// counting the rest.
func diffSides(a, b *side, max int) []string {
	d := &differ{a: a, b: b, max: max}
	if a.status != b.status {
		d.add("status: %s", d.pair(strconv.Itoa(a.status), strconv.Itoa(b.status)))
	}
	switch {
	case !a.retained || !b.retained:
		// A capture without bodies (content-headers): the headers that
		// describe the body are all there is to compare.
		for _, h := range []string{"Content-Length", "Content-Range", "Content-Type"} {
			if va, vb := a.header.Get(h), b.header.Get(h); va != vb {
				d.add("header %s: %s", h, d.pair(quoteOr(va), quoteOr(vb)))
			}
		}
	default:
		ea, _ := parseEnvelope(a.body)
		eb, _ := parseEnvelope(b.body)
		switch {
		case ea != nil && eb != nil:
			d.compareSOAP(ea, eb)
		case ea == nil && eb == nil:
			if !bytes.Equal(a.body, b.body) {
				d.add("body: %s", d.pair(describeBody(a, nil), describeBody(b, nil)))
			}
		default:
			d.add("body: %s", d.pair(describeBody(a, ea), describeBody(b, eb)))
		}
	}
	if d.dropped > 0 {
		d.lines = append(d.lines, fmt.Sprintf("... %d more differences", d.dropped))
	}
	return d.lines
}

func describeBody(s *side, env *envelope) string {
	if env != nil {
		return "SOAP " + env.op.Tag
	}
	ct := s.header.Get("Content-Type")
	if ct == "" {
		ct = "no Content-Type"
	}
	return fmt.Sprintf("%d bytes (%s, sha256 %.12s)", len(s.body), ct, sha256Hex(s.body))
}

func quoteOr(s string) string {
	if s == "" {
		return "absent"
	}
	return strconv.Quote(s)
}

func (d *differ) compareSOAP(ea, eb *envelope) {
	fa, fb := "none", "none"
	if ea.isFault() {
		fa = ea.faultSummary()
	}
	if eb.isFault() {
		fb = eb.faultSummary()
	}
	if fa != fb {
		d.add("fault: %s", d.pair(fa, fb))
	}
	switch {
	case ea.isFault() && eb.isFault():
		return
	case ea.isFault() || eb.isFault():
		// One side answered: what it answered with is the difference that
		// matters, so list its updates against nothing.
		var ra, rb *etree.Element
		resp := eb.op
		if eb.isFault() {
			resp = ea.op
		}
		walkPaths(resp, "", func(path string, parent, el *etree.Element) bool {
			if updateUnit(parent.Tag, el) == "" {
				return true
			}
			ra, rb = nil, nil
			if resp == ea.op {
				ra = el
			} else {
				rb = el
			}
			d.compareUpdates(path, parent.Tag, ra, rb)
			return false
		})
		return
	}
	if ea.op.Tag != eb.op.Tag {
		d.add("operation: %s", d.pair(ea.op.Tag, eb.op.Tag))
		return
	}
	d.compareChildren("", ea.op, eb.op)
}

// walkPaths visits the descendants of e with their paths relative to e;
// fn returns whether to descend into el.
func walkPaths(e *etree.Element, path string, fn func(path string, parent, el *etree.Element) bool) {
	for _, c := range e.ChildElements() {
		p := join(path, c.Tag)
		if fn(p, e, c) {
			walkPaths(c, p, fn)
		}
	}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "/" + name
}

// listKeys name the child that identifies an element of a list, so lists
// are matched by key, not position.
var listKeys = map[string]string{
	"FileLocation":          "FileDigest",
	"ConfigurationProperty": "Name",
	"AuthPlugInInfo":        "PlugInID",
}

func (d *differ) compareElem(path, parent string, a, b *etree.Element) {
	el := a
	if el == nil {
		el = b
	}
	if updateUnit(parent, el) != "" {
		d.compareUpdates(path, parent, a, b)
		return
	}
	if isRevisionList(el.Tag) {
		d.compareRevisions(path, a, b)
		return
	}
	d.compareAttrs(path, a, b)
	ka, kb := len(a.ChildElements()), len(b.ChildElements())
	switch {
	case ka == 0 && kb == 0:
		va, vb := leafValue(a), leafValue(b)
		if va == vb {
			return
		}
		if a.Tag == "Xml" {
			d.add("%s: fragment differs (%s)", path, d.pair(fmt.Sprintf("%d bytes", len(va)), fmt.Sprintf("%d bytes", len(vb))))
			return
		}
		d.add("%s: %s", path, d.pair(quoteOr(clip(va, 80)), quoteOr(clip(vb, 80))))
	case ka == 0 || kb == 0:
		describe := func(e *etree.Element, n int) string {
			if n > 0 {
				return describeChildren(e)
			}
			if isEmpty(e) {
				return "none"
			}
			return quoteOr(clip(leafValue(e), 80))
		}
		d.add("%s: %s", path, d.pair(describe(a, ka), describe(b, kb)))
	default:
		d.compareChildren(path, a, b)
	}
}

func leafValue(e *etree.Element) string {
	v := strings.TrimSpace(e.Text())
	if urlTags[e.Tag] {
		v = normaliseURL(v)
	}
	return v
}

func (d *differ) compareAttrs(path string, a, b *etree.Element) {
	attrs := func(e *etree.Element) map[string]string {
		m := map[string]string{}
		for _, at := range e.Attr {
			if at.Space == "xmlns" || at.Space == "" && at.Key == "xmlns" || at.Space == "xsi" || volatileTags[at.Key] {
				continue
			}
			m[at.Key] = at.Value
		}
		return m
	}
	ma, mb := attrs(a), attrs(b)
	keys := map[string]bool{}
	for k := range ma {
		keys[k] = true
	}
	for k := range mb {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		va, oka := ma[k]
		vb, okb := mb[k]
		if va == vb && oka == okb {
			continue
		}
		show := func(v string, ok bool) string {
			if !ok {
				return "absent"
			}
			return strconv.Quote(clip(v, 80))
		}
		d.add("%s/@%s: %s", path, k, d.pair(show(va, oka), show(vb, okb)))
	}
}

// compareChildren compares the child elements of a and b, grouped by name
// in order of appearance; volatile children are skipped.
func (d *differ) compareChildren(path string, a, b *etree.Element) {
	var names []string
	groups := map[string][2][]*etree.Element{}
	for i, e := range []*etree.Element{a, b} {
		for _, c := range e.ChildElements() {
			if volatileChild(e.Tag, c.Tag) {
				continue
			}
			g, seen := groups[c.Tag]
			if !seen {
				names = append(names, c.Tag)
			}
			g[i] = append(g[i], c)
			groups[c.Tag] = g
		}
	}
	for _, name := range names {
		g := groups[name]
		la, lb := g[0], g[1]
		p := join(path, name)
		if key, ok := listKeys[name]; ok && (len(la) > 1 || len(lb) > 1 || len(la) != len(lb)) {
			d.compareKeyed(p, a.Tag, key, la, lb)
			continue
		}
		if len(la) != len(lb) {
			if len(la)+len(lb) == 1 {
				var ea, eb *etree.Element
				if len(la) == 1 {
					ea = la[0]
				} else {
					eb = lb[0]
				}
				present := append(la, lb...)[0]
				switch {
				case isEmpty(present):
					// An empty list and no list are the same to a client.
				case updateUnit(a.Tag, present) != "":
					d.compareUpdates(p, a.Tag, ea, eb)
				case isRevisionList(present.Tag):
					d.compareRevisions(p, ea, eb)
				default:
					d.add("%s: %s", p, d.pair(describePresence(ea), describePresence(eb)))
				}
				continue
			}
			d.add("%s: %s", p, d.pair(strconv.Itoa(len(la)), strconv.Itoa(len(lb))))
		}
		n := min(len(la), len(lb))
		for i := 0; i < n; i++ {
			ip := p
			if len(la) > 1 || len(lb) > 1 {
				ip = fmt.Sprintf("%s[%d]", p, i+1)
			}
			d.compareElem(ip, a.Tag, la[i], lb[i])
		}
	}
}

// isEmpty reports whether e carries nothing: no children, no text, no
// attributes but namespace ones (xsi:nil included). Serialisers differ on
// writing an empty array or leaving it out; a client reads both alike.
func isEmpty(e *etree.Element) bool {
	if len(e.ChildElements()) > 0 || strings.TrimSpace(e.Text()) != "" {
		return false
	}
	for _, a := range e.Attr {
		if a.Space != "xmlns" && a.Space != "xsi" && !(a.Space == "" && a.Key == "xmlns") {
			return false
		}
	}
	return true
}

// describePresence renders an element present on one side only: its value
// when it is a leaf, a count of its children otherwise.
func describePresence(e *etree.Element) string {
	switch {
	case e == nil:
		return "absent"
	case len(e.ChildElements()) > 0:
		return describeChildren(e)
	}
	return quoteOr(clip(leafValue(e), 80))
}

// describeChildren counts e's children, by name when they share one.
func describeChildren(e *etree.Element) string {
	kids := e.ChildElements()
	for _, k := range kids[1:] {
		if k.Tag != kids[0].Tag {
			return fmt.Sprintf("%d child elements", len(kids))
		}
	}
	return fmt.Sprintf("%d %s", len(kids), kids[0].Tag)
}

func (d *differ) compareKeyed(path, parent, key string, la, lb []*etree.Element) {
	index := func(list []*etree.Element) ([]string, map[string]*etree.Element) {
		var order []string
		m := map[string]*etree.Element{}
		for _, e := range list {
			k := childText(e, key)
			if urlTags[key] {
				k = normaliseURL(k)
			}
			for base, n := k, 2; m[k] != nil; n++ {
				k = fmt.Sprintf("%s#%d", base, n)
			}
			order = append(order, k)
			m[k] = e
		}
		return order, m
	}
	oa, ma := index(la)
	ob, mb := index(lb)
	if len(la) != len(lb) {
		d.add("%s: %s", path, d.pair(strconv.Itoa(len(la)), strconv.Itoa(len(lb))))
	}
	for _, k := range oa {
		if eb, ok := mb[k]; ok {
			d.compareElem(fmt.Sprintf("%s[%s]", path, k), parent, ma[k], eb)
		} else {
			d.add("%s[%s]: %s", path, k, d.pair("present", "absent"))
		}
	}
	for _, k := range ob {
		if _, ok := ma[k]; !ok {
			d.add("%s[%s]: %s", path, k, d.pair("absent", "present"))
		}
	}
}

// updateUnit tells whether el (a child of parent) is a list of updates
// and what its items are called: the lists that carry server-local revision
// IDs, compared by update identity instead of position.
func updateUnit(parent string, el *etree.Element) string {
	if el == nil {
		return ""
	}
	switch {
	case el.Tag == "NewUpdates" || el.Tag == "ChangedUpdates":
		return "updates"
	case el.Tag == "Updates" && parent == "ExtendedUpdateInfo", el.Tag == "Updates" && parent == "GetExtendedUpdateInfoResult":
		return "fragments"
	case el.Tag == "RefreshCacheResult" && parent == "RefreshCacheResponse":
		return "updates"
	}
	return ""
}

func isRevisionList(tag string) bool {
	return strings.HasSuffix(strings.ToLower(tag), "revisionids")
}

// listItem is an update of a list, keyed by identity.
type listItem struct {
	key string
	el  *etree.Element
	// show is what the item is in a line: its deployment action, or
	// "present" for items without one.
	show string
	// rev is its revision ID on its side, shown for people (the identity
	// is what is compared).
	rev string
}

func (d *differ) items(s *side, list *etree.Element) ([]listItem, map[string]listItem) {
	var out []listItem
	by := map[string]listItem{}
	if list == nil {
		return out, by
	}
	for _, c := range list.ChildElements() {
		key := ""
		switch c.Tag {
		case "UpdateInfo", "Update":
			xml := childText(c, "Xml")
			id, ok := coreIdentity(xml)
			rev, _ := strconv.ParseInt(childText(c, "ID"), 10, 32)
			if !ok {
				id, ok = s.ids[int32(rev)]
			}
			if ok {
				key = id.String()
			} else {
				key = "rev " + childText(c, "ID")
			}
			if c.Tag == "Update" {
				key += " " + fragmentKind(xml)
			}
		case "RefreshCacheResult":
			g := child(c, "GlobalID")
			key = strings.ToLower(childText(g, "UpdateID")) + "/" + childText(g, "RevisionNumber")
		default:
			continue
		}
		for base, n := key, 2; ; n++ {
			if _, dup := by[key]; !dup {
				break
			}
			key = fmt.Sprintf("%s#%d", base, n)
		}
		show := childText(child(c, "Deployment"), "Action")
		if show == "" {
			show = "present"
		}
		it := listItem{key: key, el: c, show: show, rev: childText(c, "ID") + childText(c, "RevisionID")}
		out = append(out, it)
		by[key] = it
	}
	return out, by
}

// compareUpdates compares two update lists (either may be nil) by
// identity: counts, updates on one side only, and for the updates on both
// their deployment and other fields.
func (d *differ) compareUpdates(path, parent string, a, b *etree.Element) {
	el := a
	if el == nil {
		el = b
	}
	unit := updateUnit(parent, el)
	ia, ma := d.items(d.a, a)
	ib, mb := d.items(d.b, b)
	if len(ia) != len(ib) {
		d.add("%s: %d %s %s, %d %s", path, len(ia), unit, d.a.label, len(ib), d.b.label)
	}
	only := func(list []listItem, other map[string]listItem, left bool) {
		var missing []listItem
		for _, it := range list {
			if _, ok := other[it.key]; !ok {
				missing = append(missing, it)
			}
		}
		for i, it := range missing {
			if i == maxListed {
				label := d.a.label
				if !left {
					label = d.b.label
				}
				n := len(missing) - maxListed
				u := unit
				if n == 1 {
					u = strings.TrimSuffix(u, "s")
				}
				d.add("%s: %d more %s only %s", path, n, u, label)
				break
			}
			rev := ""
			if it.rev != "" && !strings.HasPrefix(it.key, "rev ") {
				label := d.a.label
				if !left {
					label = d.b.label
				}
				rev = fmt.Sprintf(" (%s revision ID %s)", label, it.rev)
			}
			if left {
				d.add("%s[%s]: %s%s", path, it.key, d.pair(it.show, "absent"), rev)
			} else {
				d.add("%s[%s]: %s%s", path, it.key, d.pair("absent", it.show), rev)
			}
		}
	}
	only(ia, mb, true)
	only(ib, ma, false)
	for _, it := range ia {
		if other, ok := mb[it.key]; ok {
			d.compareChildren(fmt.Sprintf("%s[%s]", path, it.key), it.el, other.el)
		}
	}
}

// compareRevisions compares lists of revision IDs through the identities
// each side knows them by (a revision nobody described stays "rev N").
func (d *differ) compareRevisions(path string, a, b *etree.Element) {
	names := func(s *side, e *etree.Element) []string {
		var out []string
		if e == nil {
			return out
		}
		for _, c := range e.ChildElements() {
			t := strings.TrimSpace(c.Text())
			n, err := strconv.ParseInt(t, 10, 32)
			if id, ok := s.ids[int32(n)]; err == nil && ok {
				out = append(out, id.String())
			} else {
				out = append(out, "rev "+t)
			}
		}
		return out
	}
	na, nb := names(d.a, a), names(d.b, b)
	ca, cb := map[string]int{}, map[string]int{}
	for _, n := range na {
		ca[n]++
	}
	for _, n := range nb {
		cb[n]++
	}
	var onlyA, onlyB []string
	for _, n := range na {
		if cb[n] > 0 {
			cb[n]--
		} else {
			onlyA = append(onlyA, n)
		}
	}
	for _, n := range nb {
		if ca[n] > 0 {
			ca[n]--
		} else {
			onlyB = append(onlyB, n)
		}
	}
	if len(onlyA) == 0 && len(onlyB) == 0 {
		return
	}
	if len(na) != len(nb) {
		d.add("%s: %d revision IDs %s, %d %s", path, len(na), d.a.label, len(nb), d.b.label)
	}
	list := func(xs []string) string {
		if len(xs) > maxListed {
			return strings.Join(xs[:maxListed], ", ") + fmt.Sprintf(" and %d more", len(xs)-maxListed)
		}
		return strings.Join(xs, ", ")
	}
	if len(onlyA) > 0 {
		d.add("%s: only %s: %s", path, d.a.label, list(onlyA))
	}
	if len(onlyB) > 0 {
		d.add("%s: only %s: %s", path, d.b.label, list(onlyB))
	}
}
