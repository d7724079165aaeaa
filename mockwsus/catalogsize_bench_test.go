package mockwsus

import (
	"fmt"
	"testing"

	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
)

// BenchmarkGetSyncInfoCatalogSize measures GetSyncInfo for a Windows XP +
// Office 2003 computer on catalogs of 1,000, 10,000 and 50,000 synthetic
// updates: its first leaf page (nothing cached) and a delta sync (every
// applicable update cached). The cost follows what the client can reach and
// sends, not the catalog: XP and Office are 2 of the 5 product families.
func BenchmarkGetSyncInfoCatalogSize(b *testing.B) {
	for _, n := range []int{1000, 10000, 50000} {
		cat, err := catalog.Synthetic(1, n)
		if err != nil {
			b.Fatal(err)
		}
		var installed, leaves []int32
		for _, u := range cat.Updates() {
			switch {
			case u.Type == catalog.TypeCategory, u.RevisionID == 1002, u.RevisionID == 1020:
				installed = append(installed, u.RevisionID)
			case u.IsLeaf():
				for _, p := range u.Prerequisites {
					if d := cat.ByID(p.AnyOf[0]); d != nil && (d.RevisionID == 1002 || d.RevisionID == 1020) {
						leaves = append(leaves, u.RevisionID)
						break
					}
				}
			}
		}
		groups := []string{catalog.GroupAllComputers, catalog.GroupUnassignedComputers}
		for _, c := range []struct {
			name   string
			cached []int32
		}{{"first-page", nil}, {"delta", leaves}} {
			b.Run(fmt.Sprintf("updates=%d/%s", n, c.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					err := cat.View(func(v *catalog.View) error {
						_, err := getSyncInfo(v, syncRequest{Groups: groups, Installed: installed, Cached: c.cached, PageSize: DefaultPageSize,
							Table: behaviour.KB954960{}.NewDeploymentTable(behaviour.Fixed)})
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(c.cached)), "cachedIDs")
			})
		}
	}
}
