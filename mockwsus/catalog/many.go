package catalog

import (
	"fmt"

	x "github.com/wsusmock/wsusmock/updatexml"
)

// ManyDetectoidsCount is how many extra detectoids ManyDetectoids adds: more
// than the 400 InstalledNonLeafUpdateIDs that maxInstalledPrerequisites
// allows as shipped.
const ManyDetectoidsCount = 420

// ManyDetectoids is the default catalog plus ManyDetectoidsCount detectoids
// for Windows XP components (language packs, optional features), each
// installed on every Windows XP computer. An XP agent that evaluates them
// reports more installed non-leaf updates than maxInstalledPrerequisites
// allows: the data that triggers the max-installed-prerequisites look-alike
// (KB4096317).
func ManyDetectoids(seed uint64) (*Catalog, error) {
	c, err := Default(seed)
	if err != nil {
		return nil, err
	}
	b := &builder{c: c, src: idsFor(seed, "many-detectoids"), t0: c.Updates()[0].Created}
	for i := 0; i < ManyDetectoidsCount; i++ {
		b.detectoid(int32(20001+i), fmt.Sprintf("Windows XP component detectoid %03d", i+1), x.WindowsVersion(x.EqualTo, 5, 1))
	}
	if b.err != nil {
		return nil, b.err
	}
	return c, nil
}
