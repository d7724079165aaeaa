package clientsim

import (
	"runtime/debug"
	"testing"
)

// gcPercent reads the collector's target.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// TestLoadGC: without GOGC in the environment a load generator runs with
// LoadGCPercent, and restore brings back what was there; with GOGC set,
// the target is left alone.
func TestLoadGC(t *testing.T) {
	before := gcPercent()
	t.Setenv("GOGC", "")
	restore := LoadGC()
	if got := gcPercent(); got != LoadGCPercent {
		t.Errorf("without GOGC the target is %d, want %d", got, LoadGCPercent)
	}
	restore()
	if got := gcPercent(); got != before {
		t.Errorf("restore left %d, want %d", got, before)
	}
	t.Setenv("GOGC", "150")
	restore = LoadGC()
	if got := gcPercent(); got != before {
		t.Errorf("with GOGC set the target became %d, want it left at %d", got, before)
	}
	restore()
}
