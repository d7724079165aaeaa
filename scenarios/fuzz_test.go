package scenarios

import (
	"strings"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary text to the scenario decoder (`wsusrepro check`
// reads any file): it must answer with a scenario or an error that names
// the file, never panic, in bounded time. The seeds are every built-in
// scenario and YAML oddities; more in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, name := range BuiltinNames() {
		src, err := BuiltinSource(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(src))
	}
	f.Add(good)
	f.Add("name: a\nsteps: &s [{wait: 1h}]\nx: *s\n")
	f.Add("name: a\nclients: [{name: a, profile: xp-sp3, count: 1000000000}]\nsteps: [{sync: all}]\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		done := make(chan struct{})
		timer := time.AfterFunc(10*time.Second, func() {
			select {
			case <-done:
			default:
				panic("scenarios: Parse ran for more than 10 s")
			}
		})
		defer func() { close(done); timer.Stop() }()
		sc, err := Parse([]byte(text), "fuzz.yaml")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if sc == nil || sc.Name == "" {
			t.Fatalf("accepted a scenario without a name: %+v", sc)
		}
		if _, err := sc.ServerConfig(); err != nil {
			t.Fatalf("accepted scenario has no server configuration: %v", err)
		}
	})
}
