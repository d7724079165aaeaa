package capture

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A HAR import is all or nothing: one that fails on its second entry (a
// name taken twice, a disk that fills while the second exchange is
// written) leaves no exchange of it behind, neither in a new folder (which
// is removed) nor in an existing capture (whose exchanges stay as they
// were).
func TestImportHARIsAllOrNothing(t *testing.T) {
	named := func(name string) string {
		return strings.Replace(harGet, `"request":`, `"_exchange":"`+name+`","request":`, 1)
	}
	twoGets := harHead + harGet + "," + harGet + "]}}"
	diskFullOnSecond := func() func(string) error {
		files := 0
		return func(file string) error {
			files++
			if files > 1 && file == FileRequestHeaders {
				return errors.New("no space left on device")
			}
			return nil
		}
	}
	tests := []struct {
		name       string
		har        string
		beforeFile func() func(string) error
		existing   bool // import into a capture that holds one exchange
		want       string
	}{
		{"the second entry takes the first one's name", harHead + named("000007") + "," + named("000007") + "]}}", nil, false, "har entry 1: capture: exchange 000007 exists already"},
		{"the second entry takes an existing exchange's name", harHead + named("000009") + "," + named("000001") + "]}}", nil, true, "har entry 1: capture: exchange 000001 exists already"},
		{"the disk fills while the second exchange is written, new folder", twoGets, diskFullOnSecond, false, "har entry 1"},
		{"the disk fills while the second exchange is written, existing capture", twoGets, diskFullOnSecond, true, "har entry 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "capture")
			var before []string
			if tt.existing {
				if _, err := ImportHAR(strings.NewReader(harHead+harGet+"]}}"), dir); err != nil {
					t.Fatal(err)
				}
				before = folderNames(t, dir)
			}
			var hook func(string) error
			if tt.beforeFile != nil {
				hook = tt.beforeFile()
			}
			_, err := importHAR(strings.NewReader(tt.har), dir, hook)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("import: %v, want an error with %q", err, tt.want)
			}
			if !tt.existing {
				if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("the failed import left its new folder (%v): %v", err, folderNames(t, dir))
				}
				return
			}
			if after := folderNames(t, dir); strings.Join(after, ",") != strings.Join(before, ",") {
				t.Errorf("capture after the failed import: %v, want it as it was: %v", after, before)
			}
		})
	}
}

// folderNames lists dir's entries, hidden ones included.
func folderNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}
