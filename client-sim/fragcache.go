package clientsim

import (
	"sync"
	"sync/atomic"

	"github.com/wsusmock/wsusmock/updatexml"
)

// Update metadata is immutable for one revision, and in a fleet every
// simulated computer receives the same fragments. Parsing them is most of
// the simulator's CPU, so parsed fragments are shared, read-only, by every
// agent of the process. The cache is keyed by the fragment text itself, so
// two servers with different metadata never share an entry, and it stops
// growing at maxCachedFragments (then fragments are parsed each time).
const maxCachedFragments = 200_000

type fragmentCache struct {
	m sync.Map // string -> parsed
	n atomic.Int64
}

type parsed struct {
	core  *updatexml.Core
	ext   *updatexml.Extended
	local *updatexml.LocalizedProperties
	err   error
}

var fragments fragmentCache

func (c *fragmentCache) get(frag string, parse func(string) parsed) parsed {
	if v, ok := c.m.Load(frag); ok {
		return v.(parsed)
	}
	p := parse(frag)
	if c.n.Load() < maxCachedFragments {
		if _, loaded := c.m.LoadOrStore(frag, p); !loaded {
			c.n.Add(1)
		}
	}
	return p
}

func parseCoreShared(frag string) (*updatexml.Core, error) {
	p := fragments.get(frag, func(s string) parsed {
		c, err := updatexml.ParseCore(s)
		return parsed{core: c, err: err}
	})
	return p.core, p.err
}

func parseExtendedShared(frag string) (*updatexml.Extended, error) {
	p := fragments.get(frag, func(s string) parsed {
		e, err := updatexml.ParseExtended(s)
		return parsed{ext: e, err: err}
	})
	return p.ext, p.err
}

func parseLocalizedShared(frag string) (*updatexml.LocalizedProperties, error) {
	p := fragments.get(frag, func(s string) parsed {
		l, err := updatexml.ParseLocalizedProperties(s)
		return parsed{local: l, err: err}
	})
	return p.local, p.err
}
