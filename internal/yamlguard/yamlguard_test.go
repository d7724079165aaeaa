package yamlguard

import (
	"errors"
	"strings"
	"testing"
)

func TestCall(t *testing.T) {
	if err := Call(func() error { return nil }); err != nil {
		t.Errorf("a call that succeeds: %v", err)
	}
	want := errors.New("line 3: bad")
	if err := Call(func() error { return want }); err != want {
		t.Errorf("a call's own error: %v, want it unchanged", err)
	}
	err := Call(func() error {
		var m map[string]*int
		return errors.New(string(rune(*m["x"])))
	})
	if err == nil || !strings.Contains(err.Error(), "YAML decoder failed") || !strings.Contains(err.Error(), "nil pointer") {
		t.Errorf("a panicking call: %v, want an error that names the failure", err)
	}
}
