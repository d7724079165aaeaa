// Package shared locates the project's shared material: the folder named
// shared beside the repository (../shared from the module root), which holds
// the stored Security Advisory 954960 (seed/) and the real, sanitised WSUS
// captures (captures/). It is read in place, never copied into the module,
// and the tests that need it skip, saying so, where it is absent (CI runs
// with it beside the clone).
package shared

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// Advisory is the stored Security Advisory 954960: the whole page and its
// two fenced log excerpts, each exactly as published (white space as the
// rendering left it, a blank line between log lines, https:// in the
// client's Method line, "<lines removed>" in the server's stack).
type Advisory struct {
	Path   string // the seed file it was read from
	Page   string // the whole page
	Client string // the fenced WindowsUpdate.log excerpt
	Server string // the fenced SoftwareDistribution.log excerpt
}

// LoadAdvisory finds the advisory in SeedDir and cuts out its two fenced
// log excerpts. It skips tb when the shared folder is absent (and no seed
// folder was named), and fails it when the material is expected but
// missing: a broken checkout must not pass as a machine without it.
func LoadAdvisory(tb testing.TB) Advisory {
	tb.Helper()
	seed := SeedDir()
	if os.Getenv("WSUSMOCK_SEED_DIR") == "" {
		if _, err := os.Stat(Dir()); err != nil {
			tb.Skipf("skipping: the shared folder %s with the stored Security Advisory 954960 is absent (it belongs beside the repository, or set WSUSMOCK_SHARED_DIR or WSUSMOCK_SEED_DIR)", Dir())
		}
	}
	a, err := ReadAdvisory(seed)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// ErrNoAdvisory is returned when the seed folder holds no copy of Security
// Advisory 954960 with its two log excerpts.
var ErrNoAdvisory = errors.New("no copy of Security Advisory 954960 with its client and server log excerpts")

// ReadAdvisory reads the advisory from the *.txt and *.md files of dir: the first
// file that names 954960 and quotes both the client's "SyncUpdates failure"
// and the server's "Key being added", with its fenced excerpts.
func ReadAdvisory(dir string) (Advisory, error) {
	var files []string
	for _, pat := range []string{"*.txt", "*.md"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			return Advisory{}, fmt.Errorf("shared: seed %s: %w", dir, err)
		}
		files = append(files, m...)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return Advisory{}, fmt.Errorf("shared: %w", err)
		}
		if !bytes.Contains(b, []byte("954960")) || !bytes.Contains(b, []byte("SyncUpdates failure")) ||
			!bytes.Contains(b, []byte("Key being added")) {
			continue
		}
		a := Advisory{Path: f, Page: string(b)}
		parts := strings.Split(a.Page, "```")
		for i := 1; i < len(parts); i += 2 {
			switch blk := parts[i]; {
			case strings.Contains(blk, "SyncUpdates failure"):
				a.Client = blk
			case strings.Contains(blk, "Key being added"):
				a.Server = blk
			}
		}
		if a.Client == "" || a.Server == "" {
			return Advisory{}, fmt.Errorf("shared: %s mentions the advisory but its fenced client and server excerpts were not found", f)
		}
		return a, nil
	}
	return Advisory{}, fmt.Errorf("shared: %w in %s (a *.txt or *.md file quoting its client and server log lines); restore the seed folder or set WSUSMOCK_SEED_DIR", ErrNoAdvisory, dir)
}
