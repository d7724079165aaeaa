package behaviour

import (
	"fmt"
	"strings"
	"testing"
)

// compareVersionsScanf is CompareVersions as it was written first (every
// component read with fmt.Sscanf), the reference of the fast one.
func compareVersionsScanf(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			fmt.Sscanf(as[i], "%d", &x)
		}
		if i < len(bs) {
			fmt.Sscanf(bs[i], "%d", &y)
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

func TestCompareVersionsAsScanf(t *testing.T) {
	vs := []string{"", "3", "3.0", "3.1", "3.1.6001.65", "3.1.6001.66", "3.2.7600.226", "10.0", "3.01", "3..1", "3.x", "3.1a", "-1", "+2",
		" 3.1", "3. 1", "99999999999", "3.1.6001.66.0", ".", "3.", "1234567890", "0.0.0", "abc", "3.1e2"}
	for _, a := range vs {
		for _, b := range vs {
			if got, want := CompareVersions(a, b), compareVersionsScanf(a, b); got != want {
				t.Errorf("CompareVersions(%q, %q) = %d, want %d", a, b, got, want)
			}
		}
	}
}

func FuzzCompareVersions(f *testing.F) {
	f.Add("3.1.6001.66", "3.2")
	f.Fuzz(func(t *testing.T, a, b string) {
		if got, want := CompareVersions(a, b), compareVersionsScanf(a, b); got != want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", a, b, got, want)
		}
	})
}
