package xmlstream

import (
	"sync"
	"sync/atomic"
)

// Interner shares the strings of long texts that recur: the update
// fragments a server sends to every computer of a fleet. A text already
// seen is returned without being unescaped or copied again, as the same
// string, which also makes comparing it with a kept copy cheap. It holds at
// most MaxBytes of text (escaped and unescaped forms counted) and then
// only looks up. Safe for concurrent use.
type Interner struct {
	// MinLen is the shortest text interned; shorter ones are copied as
	// usual.
	MinLen int
	// MaxBytes bounds what the interner keeps.
	MaxBytes int

	mu    sync.RWMutex
	m     map[string]string
	bytes int
	// full is set once a text did not fit: from then on the interner only
	// looks up, and a text not seen before costs no exclusive lock.
	full atomic.Bool
}

func (in *Interner) lookup(raw []byte) (string, bool) {
	in.mu.RLock()
	s, ok := in.m[string(raw)]
	in.mu.RUnlock()
	return s, ok
}

func (in *Interner) store(raw []byte, s string) {
	if in.full.Load() {
		return
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.bytes+len(raw)+len(s) > in.MaxBytes {
		in.full.Store(true)
		return
	}
	if in.m == nil {
		in.m = map[string]string{}
	}
	if _, ok := in.m[string(raw)]; !ok {
		key := s
		if s != string(raw) {
			key = string(raw) // escaped: the key is the raw form
		}
		in.m[key] = s
		in.bytes += len(raw) + len(s)
	}
}

// SetInterner makes TextString share long texts through in (nil: never).
func (d *Decoder) SetInterner(in *Interner) { d.intern = in }

// Len is the number of texts the interner keeps.
func (in *Interner) Len() int {
	in.mu.RLock()
	defer in.mu.RUnlock()
	return len(in.m)
}

// IntPool lends the backing arrays of decoded int arrays (AppendInts) to
// a caller that gives them back once it has read them: a server decodes
// about 1,400 revision IDs per SyncUpdates request and needs them only
// while it answers (issue 17: they were a quarter of its allocations per
// request). Safe for concurrent use; the zero value is ready.
type IntPool struct{ p sync.Pool }

// maxPooledInts bounds the arrays kept: a real request sends about 1,300
// to 4,000 IDs, a hostile one may send far more.
const maxPooledInts = 1 << 16

// get returns an empty slice with room for n values.
func (ip *IntPool) get(n int) []int32 {
	if s, ok := ip.p.Get().(*[]int32); ok && cap(*s) >= n {
		return (*s)[:0]
	}
	return make([]int32, 0, n)
}

// Put gives back a slice that came from a decode with this pool (or any
// other), which the caller must not use after.
func (ip *IntPool) Put(s []int32) {
	if cap(s) == 0 || cap(s) > maxPooledInts {
		return
	}
	s = s[:0]
	ip.p.Put(&s)
}

// SetIntPool makes AppendInts take the arrays it returns from ip (nil: new
// ones).
func (d *Decoder) SetIntPool(ip *IntPool) { d.intPool = ip }
