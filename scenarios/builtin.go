package scenarios

import (
	"embed"
	"fmt"
	"sort"
	"strings"
)

// The built-in library, embedded in every binary.
//
//go:embed builtin/*.yaml
var builtinFS embed.FS

// DefaultRun lists the scenarios `wsusrepro run` runs without arguments: the
// fault, then the two cures.
var DefaultRun = []string{"kb954960", "kb954960-hotfix", "kb954960-workaround"}

// BuiltinNames lists the built-in scenarios, sorted.
func BuiltinNames() []string {
	entries, err := builtinFS.ReadDir("builtin")
	if err != nil {
		panic(fmt.Sprintf("scenarios: embedded library: %v", err)) // embedded at build time
	}
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(out)
	return out
}

// Builtin returns a built-in scenario by name.
func Builtin(name string) (*Scenario, error) {
	data, err := builtinFS.ReadFile("builtin/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("scenarios: no built-in scenario %q (built-in: %s)", name, strings.Join(BuiltinNames(), ", "))
	}
	return Parse(data, "builtin:"+name)
}

// BuiltinSource returns the YAML text of a built-in scenario.
func BuiltinSource(name string) ([]byte, error) {
	return builtinFS.ReadFile("builtin/" + name + ".yaml")
}
