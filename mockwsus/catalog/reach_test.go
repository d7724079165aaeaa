package catalog

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// eligibleUncached is Eligible's rule computed from scratch, the way
// GetSyncInfo checked prerequisites before the cache.
func eligibleUncached(v *View, installed []int32) []*Update {
	inst := map[int32]bool{}
	for _, id := range installed {
		inst[id] = true
	}
	var out []*Update
	for _, u := range v.c.updates {
		ok := true
		for _, p := range u.Prerequisites {
			if !slices.ContainsFunc(p.AnyOf, func(id string) bool { pu := v.ByID(id); return pu != nil && inst[pu.RevisionID] }) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, u)
		}
	}
	return out
}

// TestEligibleIsThePrerequisiteRule: for random installed sets (in any
// order, with duplicates and unknown IDs) the cached answer, asked twice,
// is the uncached one over the whole catalog; an Add starts the cache over.
func TestEligibleIsThePrerequisiteRule(t *testing.T) {
	for _, mk := range []func() (*Catalog, error){
		func() (*Catalog, error) { return Default(1) },
		func() (*Catalog, error) { return ManyDetectoids(1) },
		func() (*Catalog, error) { return Synthetic(1, 1000) },
	} {
		c, err := mk()
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		var nonLeaf []int32
		for _, u := range c.Updates() {
			if !u.IsLeaf() {
				nonLeaf = append(nonLeaf, u.RevisionID)
			}
		}
		for i := 0; i < 60; i++ {
			var installed []int32
			for _, id := range nonLeaf {
				if rng.IntN(3) > 0 {
					installed = append(installed, id)
				}
			}
			if i%5 == 0 {
				installed = append(installed, installed...)
				installed = append(installed, 999999999)
			}
			rng.Shuffle(len(installed), func(a, b int) { installed[a], installed[b] = installed[b], installed[a] })
			_ = c.View(func(v *View) error {
				want := eligibleUncached(v, installed)
				for pass := 0; pass < 2; pass++ {
					if got := v.Eligible(installed); !slices.Equal(got, want) {
						t.Fatalf("installed %v, pass %d: Eligible has %d updates, the rule %d", installed, pass, len(got), len(want))
					}
				}
				return nil
			})
		}
	}
	c := New()
	root := &Update{ID: "11111111-1111-1111-1111-111111111111", RevisionID: 1, Type: TypeDetectoid, Title: "root"}
	if err := c.Add(root); err != nil {
		t.Fatal(err)
	}
	var before []*Update
	_ = c.View(func(v *View) error { before = v.Eligible(nil); return nil })
	if err := c.Add(&Update{ID: "22222222-2222-2222-2222-222222222222", RevisionID: 2, Type: TypeDetectoid, Title: "second root"}); err != nil {
		t.Fatal(err)
	}
	_ = c.View(func(v *View) error {
		if got := v.Eligible(nil); len(got) != len(before)+1 {
			t.Errorf("after an Add, Eligible has %d updates, want %d: the cache was not reset", len(got), len(before)+1)
		}
		return nil
	})
}
