package catalog_test

import (
	"fmt"

	"github.com/wsusmock/wsusmock/mockwsus/catalog"
)

// The default catalog holds the database state of Security Advisory 954960:
// the Office 2003 SP1 revision (8862) has two approval rows for All
// Computers where every other update has one.
func Example() {
	c, err := catalog.Default(1)
	if err != nil {
		fmt.Println(err)
		return
	}
	u := c.ByRevision(catalog.RevOffice2003SP1)
	fmt.Println(u.Title)
	for _, d := range c.DeploymentRows(catalog.RevOffice2003SP1, []string{catalog.GroupAllComputers}) {
		fmt.Println(d.Action, d.GroupID == catalog.GroupAllComputers)
	}
	// Output:
	// Office 2003 Service Pack 1
	// Install true
	// Install true
}

// Synthetic adds n software updates to the default catalog, for load runs;
// the same seed gives the same update IDs.
func ExampleSynthetic() {
	base, _ := catalog.Default(7)
	a, _ := catalog.Synthetic(7, 500)
	b, _ := catalog.Synthetic(7, 500)
	fmt.Println(len(a.Updates())-len(base.Updates()), a.Updates()[100].ID == b.Updates()[100].ID)
	// Output:
	// 500 true
}
