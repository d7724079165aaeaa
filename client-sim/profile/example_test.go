package profile_test

import (
	"fmt"

	"github.com/wsusmock/wsusmock/client-sim/profile"
	"github.com/wsusmock/wsusmock/updatexml"
)

// A profile is a simulated computer, and an updatexml.Machine: the agent
// evaluates applicability rules against it. A profile file starts from a
// built-in and changes what it says.
func ExampleParse() {
	office, err := profile.Builtin("xp-sp3-office2003")
	if err != nil {
		fmt.Println(err)
		return
	}
	hasOffice := updatexml.MsiProductInstalled(profile.Office2003ProductCode)
	fmt.Println(updatexml.Evaluate(hasOffice, office))

	plain, err := profile.Parse([]byte("base: xp-sp3\nname: lab-xp\n"), "lab-xp.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(plain.Name, plain.OS.Major, plain.OS.Minor, plain.OS.SPMajor)
	fmt.Println(updatexml.Evaluate(hasOffice, plain))
	// Output:
	// true <nil>
	// lab-xp 5 1 3
	// false <nil>
}
