package scenarios

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const good = `name: t
server: {version: 3.1.6001.65}
clients:
  - {name: a, profile: xp-sp3-office2003}
steps:
  - sync: all
    expect:
      a: {hresult: "0x8024400E"}
`

func TestParseRefusesBadScenarios(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		// want is a regexp the error must match: position and hint.
		want string
	}{
		{"unknown field", strings.Replace(good, "server:", "servr:", 1), `t.yaml.*unknown field "servr"`},
		{"bad value type", strings.Replace(good, "steps:", "steps: 3\nx:", 1), `t.yaml`},
		{"unknown behaviour", strings.Replace(good, "{version: 3.1.6001.65}", "{behaviours: {kb9549600: buggy}}", 1), `t.yaml:2:\d+: .*unknown behaviour "kb9549600" \(known: .*kb954960`},
		{"bad mode", strings.Replace(good, "{version: 3.1.6001.65}", "{behaviours: {kb954960: broken}}", 1), `t.yaml:2:\d+: .*unknown mode "broken"`},
		{"unknown profile", strings.Replace(good, "xp-sp3-office2003", "xp-sp4", 1), `t.yaml:4:\d+: unknown profile "xp-sp4" \(built-in: `},
		{"unknown client in sync", strings.Replace(good, "sync: all", "sync: [b]", 1), `t.yaml:6:\d+: unknown client "b" \(clients: a\)`},
		{"expectation before its sync", good[:strings.Index(good, "steps:")] + "steps:\n  - wait: 1h\n    expect:\n      a: {hresult: S_OK}\n", `t.yaml:8:\d+: .*has not synced by this step: it cannot be checked`},
		{"two actions in one step", strings.Replace(good, "  - sync: all\n", "  - sync: all\n    wait: 1h\n", 1), `t.yaml:6:\d+: a step has exactly one action`},
		{"unknown update", strings.Replace(good, "  - sync: all", "  - decline: KB999999\n  - sync: all", 1), `t.yaml:6:\d+: catalog: unknown update: "KB999999" \(give a GUID`},
		{"unknown group", strings.Replace(good, "profile: xp-sp3-office2003}", "profile: xp-sp3-office2003, group: Labs}", 1), `t.yaml:4:\d+: unknown target group "Labs" \(define it under server.groups\)`},
		{"bad hresult", strings.Replace(good, `"0x8024400E"`, "banana", 1), `hresult "banana" is not 0x`},
		{"fault id on success", strings.Replace(good, `{hresult: "0x8024400E"}`, `{hresult: S_OK, faultIdMatchesServer: true}`, 1), `a successful sync has no fault ID`},
		{"bad wait", strings.Replace(good, "  - sync: all", "  - wait: soon\n  - sync: all", 1), `wait "soon" is not a positive duration`},
		{"bad regexp", good + "    serverLog: {matches: ['(']}\n", `not a regular expression`},
		{"no name", strings.Replace(good, "name: t\n", "", 1), `has no name`},
		{"no steps", good[:strings.Index(good, "steps:")], `has no steps`},
		{"bad version", strings.Replace(good, "3.1.6001.65", "three", 1), `t.yaml:2:\d+: version "three" is not a WSUS version`},
		{"expectation for a stranger", strings.Replace(good, "      a: {", "      zz: {", 1), `neither a client nor a profile`},
		{"transport fault for one group", strings.Replace(good, "  - sync: all", "  - switch: {behaviour: inject-reset, mode: on, group: Workstations}\n  - sync: all", 1), `t.yaml:6:\d+: inject-reset is a transport fault: .*switch it for the whole server`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), "t.yaml")
			if err == nil {
				t.Fatalf("accepted:\n%s", tt.yaml)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid: %v", err)
			}
			if !regexp.MustCompile(tt.want).MatchString(err.Error()) {
				t.Errorf("error %q does not match %q", err, tt.want)
			}
		})
	}
}

func TestParseAcceptsGood(t *testing.T) {
	sc, err := Parse([]byte(good), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Name != "t" || len(sc.Steps) != 1 || !sc.Steps[0].Sync.All {
		t.Errorf("decoded %+v", sc)
	}
}

// Every built-in scenario and every scenario file in the repository parses.
func TestEveryScenarioInTheRepository(t *testing.T) {
	for _, n := range BuiltinNames() {
		if _, err := Builtin(n); err != nil {
			t.Errorf("built-in %s: %v", n, err)
		}
	}
	for _, n := range DefaultRun {
		if _, err := Builtin(n); err != nil {
			t.Errorf("default run scenario %s: %v", n, err)
		}
	}
	root := filepath.Join("..")
	count := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || d.Name() == "wsusrepro-out") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !regexp.MustCompile(`(?m)^steps:`).Match(data) {
			return nil // not a scenario (a profile file, say)
		}
		count++
		if _, err := Parse(data, path); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if count < len(BuiltinNames()) {
		t.Errorf("found %d scenario files, fewer than the %d built-ins", count, len(BuiltinNames()))
	}
}
