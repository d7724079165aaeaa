package mockwsus

import (
	"bytes"
	"testing"
)

func TestCountOpenings(t *testing.T) {
	for _, s := range []string{"", "<", "</", "<a>", "<a></a>", "<a/><b><!-- c --><?p?></b>", "x<", "<</", "<<//", "</<"} {
		want := bytes.Count([]byte(s), []byte("<")) - bytes.Count([]byte(s), []byte("</"))
		if got := countOpenings([]byte(s)); got != want {
			t.Errorf("countOpenings(%q) = %d, want %d", s, got, want)
		}
	}
}
