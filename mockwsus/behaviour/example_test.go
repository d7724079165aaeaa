package behaviour_test

import (
	"errors"
	"fmt"

	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
)

// Behaviours are looked up by name in the one registry; each says what bug
// it reproduces and which server versions have it.
func ExampleLookup() {
	b, err := behaviour.Lookup(behaviour.KB954960Name)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(b.Info().Name)
	fmt.Println(b.DefaultMode("3.1.6001.65"), b.DefaultMode("3.1.6001.66"))

	_, err = behaviour.Lookup("no-such-bug")
	fmt.Println(errors.Is(err, behaviour.ErrUnknown))
	// Output:
	// kb954960
	// buggy fixed
	// true
}
