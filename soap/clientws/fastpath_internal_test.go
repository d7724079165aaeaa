package clientws

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestDateTimeFastPathIsParseDateTime: UnmarshalText's fast path must give
// exactly what ParseDateTime gives (value and location), and decline
// whatever ParseDateTime refuses, on the agents' form and on near misses
// (every field at and past its range, 29 February, every byte replaced).
func TestDateTimeFastPathIsParseDateTime(t *testing.T) {
	inputs := []string{
		"2006-06-21T00:00:00Z", "2006-06-21T00:00:00", "2024-02-29T23:59:59Z", "2023-02-29T00:00:00Z",
		"2100-02-29T00:00:00", "2000-02-29T00:00:00", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
		"2006-00-21T00:00:00Z", "2006-13-21T00:00:00Z", "2006-06-00T00:00:00Z", "2006-06-31T00:00:00Z",
		"2006-06-21T24:00:00Z", "2006-06-21T23:60:00Z", "2006-06-21T23:59:60Z", "2006-06-21T00:00:00z",
		"2006-06-21 00:00:00Z", "2006-06-21T00:00:00+00:00", "2006-06-21T00:00:00.5Z", " 2006-06-21T00:00:00Z",
		"2006-6-21T00:00:00Z", "+006-06-21T00:00:00Z", "2006-06-21T00:00:0Z", "",
	}
	rng := rand.New(rand.NewPCG(17, 3))
	const alphabet = "0123456789-T:Z +.z"
	for range 20000 {
		y, mo, d := rng.IntN(10000), rng.IntN(14), rng.IntN(33)
		h, mi, s := rng.IntN(26), rng.IntN(62), rng.IntN(62)
		v := fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s)
		if rng.IntN(2) == 0 {
			v += "Z"
		}
		b := []byte(v)
		if rng.IntN(3) == 0 {
			b[rng.IntN(len(b))] = alphabet[rng.IntN(len(alphabet))]
		}
		inputs = append(inputs, string(b))
	}
	fast := 0
	for _, in := range inputs {
		want, wantErr := ParseDateTime(in)
		got, ok := parseDateTimeUTC([]byte(in))
		if !ok {
			continue
		}
		fast++
		if wantErr != nil {
			t.Fatalf("fast path accepts %q, ParseDateTime refuses it: %v", in, wantErr)
		}
		if got != want || got.Location() != want.Location() {
			t.Fatalf("fast path reads %q as %v (%v), ParseDateTime as %v (%v)", in, got, got.Location(), want, want.Location())
		}
		var d DateTime
		if err := d.UnmarshalText([]byte(in)); err != nil || d.Time != want {
			t.Fatalf("UnmarshalText(%q) = %v, %v; want %v", in, d.Time, err, want)
		}
	}
	if fast < 1000 {
		t.Fatalf("only %d inputs took the fast path: the test no longer exercises it", fast)
	}
}

// TestBase64FastPathIsSpacedPath: UnmarshalText's path for text without
// white space gives exactly what the white-space-removing path gives (the
// bytes, a non-nil empty value for empty text, the error's words) on valid,
// padded, corrupted and spaced inputs.
func TestBase64FastPathIsSpacedPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 4))
	inputs := []string{"", "=", "==", "QQ", "QQ=", "QQ==", "QUJD", "QUJD\n", " QUJD", "QU JD", "QUJD====", "Q\x80==", "QUJ\xff"}
	const alphabet = "ABCxyz019+/= \t\r\n-_\x80é"
	for range 20000 {
		raw := make([]byte, rng.IntN(40))
		for i := range raw {
			raw[i] = byte(rng.IntN(256))
		}
		b := []byte(base64.StdEncoding.EncodeToString(raw))
		if len(b) > 0 && rng.IntN(2) == 0 {
			b[rng.IntN(len(b))] = alphabet[rng.IntN(len(alphabet))]
		}
		inputs = append(inputs, string(b))
	}
	for _, in := range inputs {
		var fast, slow Base64Binary
		errFast := fast.UnmarshalText([]byte(in))
		errSlow := slow.unmarshalSpaced([]byte(in))
		if fmt.Sprint(errFast) != fmt.Sprint(errSlow) {
			t.Fatalf("%q: error %v, the spaced path's %v", in, errFast, errSlow)
		}
		if !bytes.Equal(fast, slow) || (fast == nil) != (slow == nil) {
			t.Fatalf("%q: %x (nil %v), the spaced path's %x (nil %v)", in, fast, fast == nil, slow, slow == nil)
		}
	}
}
