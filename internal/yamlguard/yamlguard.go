// Package yamlguard keeps a panic inside the YAML library from crashing the
// commands that read user files (scenarios, machine profiles).
//
// goccy/go-yaml v1.19.2 dereferences nil on a tagged scalar where a
// sequence belongs ("steps: !x 0"). FuzzParse of scenarios and of
// client-sim/profile found it; their seeds (scenarios 704f1cd14ceded55,
// profile 27c706e215370b12 and tagged-scalar-for-a-list under
// testdata/fuzz/FuzzParse) keep it covered.
package yamlguard

import "fmt"

// Call runs a call into the YAML library and turns a panic into an error
// that tells the user where to look in the file.
func Call(call func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the YAML decoder failed on this file (%v); look for a tag (!name) or an odd value where a list or a map belongs", r)
		}
	}()
	return call()
}
