package mockwsus

import (
	"testing"

	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
)

// BenchmarkGetSyncInfo runs the leaf stage of the default catalog for a
// request of the real captures' size (fixed mode: the buggy one throws).
func BenchmarkGetSyncInfo(b *testing.B) {
	cat, err := catalog.Default(1)
	if err != nil {
		b.Fatal(err)
	}
	installed, cached := RealisticSyncIDs()
	groups := []string{catalog.GroupAllComputers, catalog.GroupUnassignedComputers}
	b.ReportAllocs()
	for b.Loop() {
		var res *syncResult
		err := cat.View(func(v *catalog.View) error {
			var err error
			res, err = getSyncInfo(v, syncRequest{Groups: groups, Installed: installed, Cached: cached, PageSize: DefaultPageSize, Table: behaviour.KB954960{}.NewDeploymentTable(behaviour.Fixed)})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		if !res.Leaf || len(res.NewUpdates) == 0 || len(res.OutOfScope) != len(cached)-3 {
			b.Fatalf("leaf=%t %d new, %d out of scope", res.Leaf, len(res.NewUpdates), len(res.OutOfScope))
		}
	}
}
