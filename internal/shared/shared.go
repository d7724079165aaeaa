// Package shared locates the project's shared material: the folder named
// shared beside the repository (../shared from the module root), which holds
// the stored Security Advisory 954960 (seed/) and the real, sanitised WSUS
// captures (captures/). It is read in place, never copied into the module,
// and the tests that need it skip, saying so, where it is absent (CI runs
// with it beside the clone).
package shared

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir is the shared folder: $WSUSMOCK_SHARED_DIR, else ../shared beside the
// module root, found by walking up from the working directory (a package's
// directory under go test) to go.mod.
func Dir() string {
	if d := os.Getenv("WSUSMOCK_SHARED_DIR"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return filepath.Join("..", "shared")
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(dir), "shared")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return filepath.Join("..", "shared")
		}
		dir = parent
	}
}

// SeedDir is the folder of the stored advisory: $WSUSMOCK_SEED_DIR, else
// Dir()/seed.
func SeedDir() string {
	if d := os.Getenv("WSUSMOCK_SEED_DIR"); d != "" {
		return d
	}
	return filepath.Join(Dir(), "seed")
}

// Captures returns Dir()/captures/wsus2025-native/sub (sub is "flow" or
// "content-headers"). It skips tb when the shared folder is absent, and
// fails it when the folder is there but the captures are not: a broken
// checkout must not pass as a machine without the material.
func Captures(tb testing.TB, sub string) string {
	tb.Helper()
	root := Dir()
	if _, err := os.Stat(root); err != nil {
		tb.Skipf("skipping: the shared folder %s with the real WSUS captures is absent (it belongs beside the repository, or set WSUSMOCK_SHARED_DIR)", root)
	}
	dir := filepath.Join(root, "captures", "wsus2025-native", sub)
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		tb.Fatalf("the shared folder %s is there but %s holds no captures (%v)", root, dir, err)
	}
	return dir
}

// FlowDir is Captures(tb, "flow"): the exchanges of one agent's session.
func FlowDir(tb testing.TB) string {
	tb.Helper()
	return Captures(tb, "flow")
}
