package scenarios_test

import (
	"errors"
	"fmt"

	"github.com/wsusmock/wsusmock/scenarios"
)

// A scenario is YAML: a server, simulated clients, and steps with what must
// hold after each. Parse checks every name and expectation before anything
// runs.
func ExampleParse() {
	sc, err := scenarios.Parse([]byte(`
name: office-only
server:
  version: 3.1.6001.65
clients:
  - name: xp-office
    profile: xp-sp3-office2003
steps:
  - name: detection on the buggy server
    sync: all
    expect:
      xp-office: {hresult: "0x8024400E"}
  - name: install the fix
    version: 3.1.6001.66
  - name: next detection cycle
    wait: 22h
`), "office-only.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, st := range sc.Steps {
		fmt.Printf("%s: sync=%v version=%q wait=%q\n", st.Name, st.Sync != nil, st.Version, st.Wait)
	}

	_, err = scenarios.Parse([]byte("name: bad\nclients:\n  - name: a\n    profile: no-such-profile\n"), "bad.yaml")
	fmt.Println(errors.Is(err, scenarios.ErrInvalid))
	// Output:
	// detection on the buggy server: sync=true version="" wait=""
	// install the fix: sync=false version="3.1.6001.66" wait=""
	// next detection cycle: sync=false version="" wait="22h"
	// true
}

// The built-in library holds the reproductions `wsusrepro run` runs.
func ExampleBuiltin() {
	sc, err := scenarios.Builtin("kb954960-hotfix")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sc.File, len(sc.Clients), "clients,", len(sc.Steps), "steps")
	// Output:
	// builtin:kb954960-hotfix 2 clients, 4 steps
}
