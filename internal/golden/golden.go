// Package golden compares test output with files under testdata. Set the
// environment variable UPDATE_GOLDEN=1 to rewrite them; an environment
// variable rather than a test flag, because a custom flag breaks
// `go test ./...` for every package that does not define it.
package golden

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Update reports whether golden files are being rewritten.
func Update() bool { return os.Getenv("UPDATE_GOLDEN") != "" }

// Assert compares got with the file at path (relative to the test's package
// directory), or rewrites the file when UPDATE_GOLDEN is set.
func Assert(t testing.TB, path string, got []byte) {
	t.Helper()
	if Update() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file %s: %v (run with UPDATE_GOLDEN=1 to create it)", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run with UPDATE_GOLDEN=1 to accept the new output)\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}
