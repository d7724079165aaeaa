package profile

import (
	"strings"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary text to the profile decoder, which reads files
// users write by hand: it must answer with a profile or an error that names
// the file (never a panic), in bounded time, and a profile it accepts must
// be usable as a machine (its rule lookups must not panic). The seeds are a
// full profile, a base profile, and YAML oddities (anchors and aliases,
// tags, flow style, documents); more in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add(fullProfile)
	f.Add("base: xp-sp3\nname: x\nmsiProducts: ['{90110409-6000-11D3-8CFE-0150048383C9}']\n")
	f.Add("a: &a [1, 2]\nb: *a\n")
	f.Add("name: !!binary aGVsbG8=\n")
	f.Add("--- \nname: a\n---\nname: b\n")
	f.Add("{name: x, os: {major: 99999999999999999999}}")
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		done := make(chan struct{})
		timer := time.AfterFunc(10*time.Second, func() {
			select {
			case <-done:
			default:
				panic("profile: Parse ran for more than 10 s")
			}
		})
		defer func() { close(done); timer.Stop() }()
		p, err := Parse([]byte(text), "fuzz.yaml")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if p == nil {
			t.Fatal("no profile and no error")
		}
		_ = p.Clone()
		_ = p.RegistryKeyExists(`HKEY_LOCAL_MACHINE`, `SOFTWARE\Microsoft\Office\11.0\Common\InstallRoot`)
		_, _ = p.RegistryValue(`HKEY_LOCAL_MACHINE`, `SOFTWARE\Test`, "Count")
	})
}
