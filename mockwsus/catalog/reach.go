package catalog

import (
	"encoding/binary"
	"slices"
	"sync"
)

// maxEligibleSets bounds the cache of Eligible; when full it starts over.
// Computers of one profile send the same installed set, so a fleet needs
// one entry per profile (and per stage of its first sync).
const maxEligibleSets = 4096

// eligibleCache remembers Eligible's answer per installed set. The answer
// depends only on the catalog's updates and their prerequisites, which
// change only in Add (which resets the cache); approvals and declines are
// checked by the caller on every sync.
type eligibleCache struct {
	mu   sync.Mutex
	sets map[string][]*Update
}

func (e *eligibleCache) reset() {
	e.mu.Lock()
	e.sets = nil
	e.mu.Unlock()
}

// Eligible returns, in catalog order, the updates whose prerequisites all
// hold for a client with the given installed non-leaf revisions: Reachable
// filtered by the prerequisite rule (every prerequisite group has an
// installed member). The result is shared and must not be changed.
func (v *View) Eligible(installed []int32) []*Update {
	key := installedKey(installed)
	c := &v.c.eligible
	c.mu.Lock()
	out, ok := c.sets[string(key)]
	c.mu.Unlock()
	if ok {
		return out
	}
	inst := make(map[int32]bool, len(installed))
	for _, id := range installed {
		inst[id] = true
	}
	out = []*Update{}
	for _, u := range v.Reachable(installed) {
		if v.prerequisitesHold(u, inst) {
			out = append(out, u)
		}
	}
	c.mu.Lock()
	if c.sets == nil || len(c.sets) >= maxEligibleSets {
		c.sets = map[string][]*Update{}
	}
	c.sets[string(key)] = out
	c.mu.Unlock()
	return out
}

func (v *View) prerequisitesHold(u *Update, installed map[int32]bool) bool {
	for _, p := range u.Prerequisites {
		ok := false
		for _, id := range p.AnyOf {
			if pu := v.c.byID[id]; pu != nil && installed[pu.RevisionID] {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// installedKey is the installed set in canonical form (sorted, without
// duplicates), as bytes.
func installedKey(installed []int32) []byte {
	ids := slices.Clone(installed)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	key := make([]byte, 0, 4*len(ids))
	for _, id := range ids {
		key = binary.LittleEndian.AppendUint32(key, uint32(id))
	}
	return key
}
