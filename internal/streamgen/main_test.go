package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestGeneratedFilesAreCurrent fails when a message type changed and its
// stream_gen.go was not regenerated (go generate ./soap/...).
func TestGeneratedFilesAreCurrent(t *testing.T) {
	for _, pkg := range []string{"clientws", "simpleauth", "reporting"} {
		want, err := Generate(pkg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("..", "..", "soap", pkg, "stream_gen.go"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("soap/%s/stream_gen.go is stale: run go generate ./soap/%s/", pkg, pkg)
		}
	}
}
