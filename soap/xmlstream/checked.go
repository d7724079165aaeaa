package xmlstream

import (
	"bytes"
	"sync"
	"sync/atomic"
)

// Checked remembers element contents that a check accepted, so that the
// same content met again is passed over after a byte comparison instead of
// being decoded again. A server gives it the parts of a request that it
// checks as strictly as the rest but never reads: a driver scan's
// SystemSpec (tens of KB of hardware IDs and driver records), which a
// computer sends again, byte for byte, on every scan, as do the computers
// of one model with the same drivers. It holds at most MaxBytes of content
// and then only looks up. Safe for concurrent use.
//
// Why passing over is exact: the decoder's walk of an element's content
// depends only on the content's bytes and the depth (maxDepth), and ends
// at the "</" of the element's end tag. A content remembered at a depth was
// walked to its end without error; the same bytes at the same depth walk
// the same way, so only the end tag that follows them is left to read,
// with the same checks as ever. A content that merely starts like a
// remembered one is not a hit: the key is the whole content up to the
// first end tag of the element's name, so a content holding such an end
// tag (an element of the same name inside) is never remembered and always
// checked.
type Checked struct {
	// MaxBytes bounds the content kept, over all fields.
	MaxBytes int

	mu    sync.RWMutex
	m     map[string]map[string]int // field -> content -> depth
	bytes int
	full  atomic.Bool
}

func (c *Checked) has(field string, content []byte, depth int) bool {
	c.mu.RLock()
	dp, ok := c.m[field][string(content)]
	c.mu.RUnlock()
	return ok && dp == depth
}

func (c *Checked) store(field string, content []byte, depth int) {
	if c.full.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bytes+len(content) > c.MaxBytes {
		c.full.Store(true)
		return
	}
	if c.m == nil {
		c.m = map[string]map[string]int{}
	}
	byContent := c.m[field]
	if byContent == nil {
		byContent = map[string]int{}
		c.m[field] = byContent
	}
	if _, ok := byContent[string(content)]; !ok {
		byContent[string(content)] = depth
		c.bytes += len(content)
	}
}

// Len is the number of contents remembered.
func (c *Checked) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := 0
	for _, byContent := range c.m {
		n += len(byContent)
	}
	return n
}

// SetChecked makes the decoder check, and not keep, the fields its caller
// does not read (Discarding), remembering what passed in c (nil: every
// field is decoded and kept).
func (d *Decoder) SetChecked(c *Checked) { d.checked = c }

// Discarding reports whether the caller asked for the fields it does not
// read to be checked and not kept (SetChecked): the generated decoders
// then read such a field with SkipChecked and leave it unset.
func (d *Decoder) Discarding() bool { return d.checked != nil }

// SkipChecked reads the content of the current element, named field among
// the checked ones, through its end tag: with check, which decodes it with
// every check of the kept field's decoder and throws the value away, or,
// when the same content at the same depth passed check before, by
// comparing its bytes and reading the end tag. Its result is check's.
func (d *Decoder) SkipChecked(field string, check func(*Decoder) error) error {
	c := d.checked
	if c == nil || d.empty {
		return check(d)
	}
	depth := len(d.stack)
	start := d.pos
	qname := d.bytes(d.stack[depth-1])
	if end := d.endTagIndex(d.data[start:], qname); end >= 0 && c.has(field, d.data[start:start+end], depth) {
		d.pos = start + end
		return d.endTag()
	}
	if err := check(d); err != nil {
		return err
	}
	// check read through the element's end tag, which began at lastEnd.
	c.store(field, d.data[start:d.lastEnd], depth)
	return nil
}

// endTagIndex is the offset in b of the first "</" followed by qname, or
// -1. It need not be the element's end: a content remembered under another
// length does not match, and the end tag is read as ever.
func (d *Decoder) endTagIndex(b, qname []byte) int {
	d.endPattern = append(append(d.endPattern[:0], '<', '/'), qname...)
	return bytes.Index(b, d.endPattern)
}
