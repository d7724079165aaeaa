package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/wsusmock/wsusmock/bench"
	"github.com/wsusmock/wsusmock/detect"
	"github.com/wsusmock/wsusmock/internal/cli"
	"github.com/wsusmock/wsusmock/internal/jsonout"
	"github.com/wsusmock/wsusmock/scenarios"
)

// TestJSONOutputs: every --json output of wsusrepro has camelCase field
// names and no null (an empty list is []).
func TestJSONOutputs(t *testing.T) {
	logs := t.TempDir()
	os.WriteFile(filepath.Join(logs, "WindowsUpdate.log"), []byte("2008-06-13\t19:59:53:383\t 51c\t1fa4\tAgent\t*************\n"), 0o644)
	tests := []struct {
		name string
		args []string
		typ  reflect.Type
	}{
		{"run", []string{"run", "kb954960", "--out", "", "--json"}, reflect.TypeFor[scenarios.Summary]()},
		{"bench", []string{"bench", "--clients", "2", "--concurrency", "1", "--delta", "0", "--json"}, reflect.TypeFor[bench.Report]()},
		{"version", []string{"version", "--json"}, reflect.TypeFor[cli.BuildInfo]()},
		{"detect", []string{"detect", "--json", logs}, reflect.TypeFor[detect.Report]()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runSplit(tt.args...)
			if code == 2 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, p := range jsonout.Lint(tt.typ, []byte(stdout)) {
				t.Error(p)
			}
		})
	}
}
