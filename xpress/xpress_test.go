package xpress_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/xpress"
)

// The Plain LZ77 examples of MS-XCA section 3: the alphabet (literals
// only, the end mark in the same flag word) and "abc" 100 times (three
// literals, then one overlapping match of 297 bytes, 3 back, whose length
// takes the half byte, the extra byte and the 16-bit form).
var specVectors = []struct {
	name       string
	plain      string
	compressed []byte
}{
	{"literals", "abcdefghijklmnopqrstuvwxyz", append([]byte{0x3f, 0x00, 0x00, 0x00}, "abcdefghijklmnopqrstuvwxyz"...)},
	{"overlapping match", strings.Repeat("abc", 100), []byte{0xff, 0xff, 0xff, 0x1f, 0x61, 0x62, 0x63, 0x17, 0x00, 0x0f, 0xff, 0x26, 0x01}},
}

func TestSpecExamplesDecompress(t *testing.T) {
	for _, tt := range specVectors {
		t.Run(tt.name, func(t *testing.T) {
			got, err := xpress.Decompress(nil, tt.compressed, len(tt.plain))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.plain {
				t.Errorf("got %q, want %q", got, tt.plain)
			}
		})
	}
}

// The encoder finds the same elements as the specification's examples, so
// its bytes are the specification's bytes.
func TestSpecExamplesCompress(t *testing.T) {
	for _, tt := range specVectors {
		t.Run(tt.name, func(t *testing.T) {
			if got := xpress.Compress(nil, []byte(tt.plain)); !bytes.Equal(got, tt.compressed) {
				t.Errorf("got  % x\nwant % x", got, tt.compressed)
			}
		})
	}
}

// Hand-made streams for the length forms the examples do not use: two long
// matches sharing one half byte (low nibble first, then high), a length in
// the extra byte, and MS-XCA's 32-bit length after a 16-bit 0.
func TestLengthForms(t *testing.T) {
	flags := func(bits string) []byte {
		var v uint32
		for i, c := range bits {
			if c == '1' {
				v |= 1 << (31 - i)
			}
		}
		return binary.LittleEndian.AppendUint32(nil, v)
	}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name  string
		in    []byte
		plain string
	}{
		{
			// "a", match(1, 12): nibble 2 (low), match(1, 14): nibble 4 (high).
			name:  "shared half byte",
			in:    cat(flags("0111111111111111111111111111111"), []byte("a"), []byte{0x07, 0x00, 0x42, 0x07, 0x00}),
			plain: strings.Repeat("a", 1+12+14),
		},
		{
			// "ab", match(2, 40): 40-3=37 = 7 + 15 + 15 in the extra byte.
			name:  "extra byte",
			in:    cat(flags("0011111111111111111111111111111"), []byte("ab"), []byte{0x0f, 0x00, 0x0f, 0x0f}),
			plain: strings.Repeat("ab", 21),
		},
		{
			// "x", match(1, 1003) with 16-bit 0 then 32-bit 1000.
			name:  "32-bit length",
			in:    cat(flags("0111111111111111111111111111111"), []byte("x"), []byte{0x07, 0x00, 0x0f, 0xff, 0x00, 0x00, 0xe8, 0x03, 0x00, 0x00}),
			plain: strings.Repeat("x", 1004),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := xpress.Decompress(nil, tt.in, len(tt.plain))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.plain {
				t.Errorf("got %d bytes %.40q..., want %d", len(got), got, len(tt.plain))
			}
		})
	}
}

func samples() map[string][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 70000)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	var xml strings.Builder
	for i := range 3000 {
		xml.WriteString(`<UpdateInfo><ID>`)
		xml.WriteString(strings.Repeat("7", i%5+1))
		xml.WriteString(`</ID><Deployment><Action>Evaluate</Action><IsAssigned>true</IsAssigned></Deployment><IsLeaf>false</IsLeaf></UpdateInfo>`)
	}
	return map[string][]byte{
		"empty":   {},
		"one":     {'a'},
		"three":   []byte("aaa"),
		"four":    []byte("aaaa"),
		"zeros":   make([]byte, 200000),
		"random":  random,
		"xml":     []byte(xml.String()),
		"mixed":   append(append([]byte(xml.String()[:30000]), random[:20000]...), xml.String()[:50000]...),
		"32 elts": []byte(strings.Repeat("q", 31)), // the end mark needs a new flag word
	}
}

func TestCompressRoundTrip(t *testing.T) {
	for name, data := range samples() {
		t.Run(name, func(t *testing.T) {
			c := xpress.Compress(nil, data)
			got, err := xpress.Decompress(nil, c, len(data))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Fatal("round trip changed the data")
			}
		})
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	for name, data := range samples() {
		t.Run(name, func(t *testing.T) {
			wire := xpress.Encode(nil, data)
			if !bytes.Equal(wire, xpress.Encode(nil, data)) {
				t.Error("Encode is not deterministic")
			}
			got, err := xpress.Decode(wire, len(data))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Fatal("round trip changed the data")
			}
			// Blocks: BlockSize each but the last, every size in range, a
			// stored block only where compressing did not help.
			left := len(data)
			for at := 0; at < len(wire); {
				orig := int(binary.LittleEndian.Uint32(wire[at:]))
				comp := int(binary.LittleEndian.Uint32(wire[at+4:]))
				if want := min(left, xpress.BlockSize); orig != want {
					t.Errorf("block at %d: original %d, want %d", at, orig, want)
				}
				if comp > orig {
					t.Errorf("block at %d: compressed %d > original %d (it should be stored)", at, comp, orig)
				}
				left -= orig
				at += 8 + comp
			}
		})
	}
}

func TestEncodeCompresses(t *testing.T) {
	data := samples()["xml"]
	if wire := xpress.Encode(nil, data); len(wire) > len(data)/4 {
		t.Errorf("%d bytes of repetitive XML encode to %d", len(data), len(wire))
	}
	random := samples()["random"]
	if wire := xpress.Encode(nil, random); len(wire) != len(random)+8*((len(random)+xpress.BlockSize-1)/xpress.BlockSize) {
		t.Errorf("random data: %d bytes, want every block stored", len(wire))
	}
}

func block(orig, comp uint32, payload []byte) []byte {
	b := binary.LittleEndian.AppendUint32(nil, orig)
	b = binary.LittleEndian.AppendUint32(b, comp)
	return append(b, payload...)
}

func TestDecodeRefuses(t *testing.T) {
	good := xpress.Encode(nil, []byte(strings.Repeat("hello, hello ", 40)))
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"header cut short", good[:5], xpress.ErrCorrupt},
		{"block cut short", good[:len(good)-1], xpress.ErrCorrupt},
		{"trailing bytes", append(append([]byte{}, good...), 1, 2, 3), xpress.ErrCorrupt},
		{"zero original", block(0, 4, []byte{1, 2, 3, 4}), xpress.ErrCorrupt},
		{"zero compressed", block(4, 0, nil), xpress.ErrCorrupt},
		{"original above 65535", block(65536, 4, []byte{0, 0, 0, 0}), xpress.ErrCorrupt},
		{"negative sizes", block(0xFFFFFFFF, 0xFFFFFFFF, nil), xpress.ErrCorrupt},
		{"compressed past the end", block(100, 1000, []byte{0, 0}), xpress.ErrCorrupt},
		{"match before the start", block(10, 6, []byte{0, 0, 0, 0x80, 0x08, 0x00}), xpress.ErrCorrupt},
		{"decodes short", block(100, 6, append([]byte{0xff, 0xff, 0xff, 0x3f}, 'a', 'b')), xpress.ErrCorrupt},
		{"decodes long", block(2, 7, []byte{0xff, 0xff, 0xff, 0x1f, 'a', 'b', 'c'}), xpress.ErrCorrupt},
		{"over the limit", xpress.Encode(nil, make([]byte, 4097)), xpress.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := xpress.Decode(tt.in, 4096)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decode = %d bytes, %v; want an error wrapping %v", len(got), err, tt.want)
			}
		})
	}
}

// A body of a few kilobytes that would expand to a gigabyte is refused from
// its headers, without decoding (or allocating) past the limit.
func TestDecodeBomb(t *testing.T) {
	one := xpress.Encode(nil, make([]byte, xpress.MaxBlock))
	var bomb []byte
	for range 16384 { // 16384 blocks of 65535 zero bytes: 1 GiB
		bomb = append(bomb, one...)
	}
	allocs := testing.AllocsPerRun(1, func() {
		if _, err := xpress.Decode(bomb, 1<<20); !errors.Is(err, xpress.ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
	})
	if allocs > 64 {
		t.Errorf("%v allocations refusing a bomb", allocs)
	}
}

func TestDecompressRefuses(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		size int
	}{
		{"empty input, bytes announced", nil, 1},
		{"flag word cut short", []byte{0, 0}, 1},
		{"literal missing", []byte{0, 0, 0, 0}, 1},
		{"match cut short", []byte{0, 0, 0, 0x40, 'a', 0x00}, 5},
		{"nibble missing", []byte{0, 0, 0, 0x40, 'a', 0x07, 0x00}, 20},
		{"extra byte missing", []byte{0, 0, 0, 0x40, 'a', 0x07, 0x00, 0x0f}, 40},
		{"16-bit length missing", []byte{0, 0, 0, 0x40, 'a', 0x07, 0x00, 0x0f, 0xff, 0x01}, 400},
		{"32-bit length missing", []byte{0, 0, 0, 0x40, 'a', 0x07, 0x00, 0x0f, 0xff, 0x00, 0x00, 0x01}, 400},
		{"long length below 22", []byte{0, 0, 0, 0x40, 'a', 0x07, 0x00, 0x0f, 0xff, 0x05, 0x00}, 400},
		{"negative size", nil, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := xpress.Decompress(nil, tt.in, tt.size); !errors.Is(err, xpress.ErrCorrupt) {
				t.Fatalf("Decompress = %q, %v; want ErrCorrupt", got, err)
			}
		})
	}
}

// Decompress appends to what dst holds and matches reach only into what it
// decodes, never into dst's earlier bytes.
func TestDecompressAppends(t *testing.T) {
	got, err := xpress.Decompress([]byte("prefix:"), specVectors[1].compressed, 300)
	if err != nil || string(got) != "prefix:"+strings.Repeat("abc", 100) {
		t.Fatalf("got %q, %v", got, err)
	}
	// A match 1 back as the first element: dst holds bytes, the stream none.
	if _, err := xpress.Decompress([]byte("x"), []byte{0xff, 0xff, 0xff, 0xbf, 0x00, 0x00}, 3); !errors.Is(err, xpress.ErrCorrupt) {
		t.Errorf("a match into dst's earlier bytes: %v, want ErrCorrupt", err)
	}
}

// The match finder's tables are reused between calls: what one call
// compressed never shows in the next one's output.
func TestCompressForgetsEarlierCalls(t *testing.T) {
	s := samples()
	a, b := s["xml"][:20000], s["mixed"][:20000]
	xpress.Compress(nil, a)
	afterA := xpress.Compress(nil, b)
	xpress.Compress(nil, b)
	afterB := xpress.Compress(nil, b)
	if !bytes.Equal(afterA, afterB) {
		t.Error("Compress output depends on the call before")
	}
}
