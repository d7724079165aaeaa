package profile_test

import (
	"testing"

	"github.com/wsusmock/wsusmock/client-sim/profile"
)

// acceptXpress in a profile file sets AcceptXpress; without it a file keeps
// its base's value (false for the WUA 7 built-ins).
func TestAcceptXpressField(t *testing.T) {
	tests := []struct {
		yaml string
		want bool
	}{
		{"base: xp-sp3\n", false},
		{"base: xp-sp3\nacceptXpress: true\n", true},
		{"base: xp-sp3\nacceptXpress: false\n", false},
	}
	for _, tt := range tests {
		p, err := profile.Parse([]byte(tt.yaml), "p.yaml")
		if err != nil {
			t.Fatalf("%q: %v", tt.yaml, err)
		}
		if p.AcceptXpress != tt.want {
			t.Errorf("%q: AcceptXpress %t, want %t", tt.yaml, p.AcceptXpress, tt.want)
		}
	}
	if _, err := profile.Parse([]byte("base: xp-sp3\nacceptXpress: sometimes\n"), "p.yaml"); err == nil {
		t.Error("acceptXpress: sometimes was accepted")
	}
}
