package mockwsus

import (
	"math/rand"
	"testing"
	"time"
)

// TestISODateIsFormat: isoDate writes what Format("2006-01-02") writes, in
// every zone and across the years it writes by hand and beyond.
func TestISODateIsFormat(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	zones := []*time.Location{time.UTC, time.FixedZone("east", 14*3600), time.FixedZone("west", -12*3600)}
	check := func(tm time.Time) {
		t.Helper()
		if got, want := isoDate(tm), tm.UTC().Format("2006-01-02"); got != want {
			t.Fatalf("%v: %q, want %q", tm, got, want)
		}
	}
	for range 100000 {
		check(time.Unix(r.Int63n(400000*86400)-200000*86400, 0).In(zones[r.Intn(len(zones))]))
	}
	for _, y := range []int{-1, 0, 1, 999, 1000, 2008, 9999, 10000, 12345} {
		for _, z := range zones {
			check(time.Date(y, time.December, 31, 23, 59, 59, 0, z))
			check(time.Date(y, time.January, 1, 0, 0, 0, 0, z))
		}
	}
}
