package main

import (
	"reflect"
	"testing"

	"github.com/wsusmock/wsusmock/bench"
	"github.com/wsusmock/wsusmock/internal/cli"
	"github.com/wsusmock/wsusmock/internal/jsonout"
	"github.com/wsusmock/wsusmock/scenarios"
)

// TestJSONOutputs: every --json output of wsusrepro (but detect's and
// score's, whose JSON the detector's own tests cover) has camelCase field
// names and no null (an empty list is []).
func TestJSONOutputs(t *testing.T) {
	tests := []struct {
		name string
		args []string
		typ  reflect.Type
	}{
		{"run", []string{"run", "kb954960", "--out", "", "--json"}, reflect.TypeFor[scenarios.Summary]()},
		{"bench", []string{"bench", "--clients", "2", "--concurrency", "1", "--delta", "0", "--json"}, reflect.TypeFor[bench.Report]()},
		{"version", []string{"version", "--json"}, reflect.TypeFor[cli.BuildInfo]()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runSplit(tt.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, p := range jsonout.Lint(tt.typ, []byte(stdout)) {
				t.Error(p)
			}
		})
	}
}
