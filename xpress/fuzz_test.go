package xpress_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/wsusmock/wsusmock/xpress"
)

// FuzzDecode feeds arbitrary bytes to Decode, which must return data within
// its limit or an error wrapping ErrCorrupt or ErrTooLarge (never panic,
// never hang), and to Encode, whose output must decode back to them.
func FuzzDecode(f *testing.F) {
	for _, v := range specVectors {
		f.Add(xpress.Encode(nil, []byte(v.plain)))
		f.Add(v.compressed)
	}
	f.Add([]byte{})
	f.Add(block(5, 5, []byte("tail!")))
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 1 << 20
		out, err := xpress.Decode(data, limit)
		switch {
		case err == nil && len(out) > limit:
			t.Fatalf("decoded %d bytes, over the limit %d", len(out), limit)
		case err != nil && !errors.Is(err, xpress.ErrCorrupt) && !errors.Is(err, xpress.ErrTooLarge):
			t.Fatalf("error %v wraps neither ErrCorrupt nor ErrTooLarge", err)
		}
		// The raw stream decoder on the same bytes, asked for a size the
		// input could plausibly give.
		if _, err := xpress.Decompress(nil, data, 8*len(data)); err != nil && !errors.Is(err, xpress.ErrCorrupt) {
			t.Fatalf("Decompress error %v does not wrap ErrCorrupt", err)
		}
		back, err := xpress.Decode(xpress.Encode(nil, data), len(data))
		if err != nil {
			t.Fatalf("decoding what Encode made: %v", err)
		}
		if !bytes.Equal(back, data) {
			t.Fatalf("round trip changed %d bytes into %d", len(data), len(back))
		}
	})
}
