package xmlstream

import (
	"encoding/binary"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestShortDigits: shortDigits reads what the digit-by-digit loop reads of
// eight bytes, for every count of digits and every byte after them.
func TestShortDigits(t *testing.T) {
	slow := func(b []byte) (int, uint64) {
		n, v := 0, uint64(0)
		for n < len(b) && '0' <= b[n] && b[n] <= '9' {
			v = v*10 + uint64(b[n]-'0')
			n++
		}
		return n, v
	}
	check := func(b []byte) {
		t.Helper()
		n, v := shortDigits(binary.LittleEndian.Uint64(b))
		wantN, wantV := slow(b[:8])
		if n != wantN || v != wantV {
			t.Fatalf("%q: read %d digits = %d, want %d = %d", b, n, v, wantN, wantV)
		}
	}
	for c := 0; c < 256; c++ { // every byte after every count of digits
		for digits := 0; digits <= 9; digits++ {
			b := []byte(strings.Repeat("9", digits) + string(rune(0)) + "</int>xx")
			b[digits] = byte(c)
			check(b)
			b[0] = byte(c)
			check(b)
		}
	}
	r := rand.New(rand.NewSource(1))
	for range 200000 {
		b := make([]byte, 8)
		for i := range b {
			if r.Intn(3) == 0 {
				b[i] = byte(r.Intn(256))
			} else {
				b[i] = byte('0' + r.Intn(10))
			}
		}
		check(b)
	}
	for _, v := range []uint64{0, 1, 9, 10, 99, 100, 8862, 1234567, 9999999, 12345678, 99999999} {
		b := []byte(strconv.FormatUint(v, 10) + "</int><")
		check(b)
		if n, got := shortDigits(binary.LittleEndian.Uint64(b)); got != v || n != len(strconv.FormatUint(v, 10)) {
			t.Fatalf("%d read as %d (%d digits)", v, got, n)
		}
	}
}

// TestAppendIntsFastPath: AppendInts gives the values strconv gives, with
// and without the word-at-a-time path (IDs of every length, signs, at the
// end of the input).
func TestAppendIntsFastPath(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	for range 2000 {
		var sb strings.Builder
		var want []int32
		for range r.Intn(40) {
			v := int32(r.Int63n(1 << uint(1+r.Intn(31))))
			if r.Intn(4) == 0 {
				v = -v
			}
			s := strconv.Itoa(int(v))
			if v >= 0 && r.Intn(8) == 0 {
				s = "+" + s
			}
			sb.WriteString("<int>" + s + "</int>")
			want = append(want, v)
		}
		doc := "<a>" + sb.String() + "</a>"
		d := NewDecoder([]byte(doc))
		if _, ok, err := d.Child(); !ok || err != nil {
			t.Fatal(ok, err)
		}
		got := d.AppendInts(nil)
		if len(got) != len(want) {
			t.Fatalf("%s: %d values, want %d", doc, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s: value %d is %d, want %d", doc, i, got[i], want[i])
			}
		}
		if _, ok, err := d.Child(); ok || err != nil {
			t.Fatalf("%s: not at the end after the ints (%v, %v)", doc, ok, err)
		}
	}
}

// BenchmarkAppendInts reads 1,431 IDs of one to six digits, the int arrays
// of a captured SyncUpdates request (flow/000013):
//
//	go test -run '^$' -bench AppendInts -benchmem ./soap/xmlstream/
func BenchmarkAppendInts(b *testing.B) {
	r := rand.New(rand.NewSource(3))
	var sb strings.Builder
	sb.WriteString("<a>")
	for i := range 1431 {
		digits := 6
		if i%5 == 0 {
			digits = 1 + r.Intn(5)
		}
		sb.WriteString("<int>" + strconv.Itoa(int(r.Int63n(9e5) + 1e5))[:digits] + "</int>")
	}
	sb.WriteString("</a>")
	doc := []byte(sb.String())
	d := NewDecoder(doc)
	var out []int32
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		d.Reset(doc)
		if _, ok, err := d.Child(); !ok || err != nil {
			b.Fatal(ok, err)
		}
		if out = d.AppendInts(out[:0]); len(out) != 1431 {
			b.Fatalf("%d values", len(out))
		}
	}
}

// TestIntPoolLends: with an IntPool, AppendInts returns its values in an
// array of the pool, and an array given back serves the next decode; the
// values are AppendInts' own either way.
func TestIntPoolLends(t *testing.T) {
	var pool IntPool
	decode := func(doc string) []int32 {
		t.Helper()
		d := NewDecoder([]byte(doc))
		d.SetIntPool(&pool)
		if _, ok, err := d.Child(); !ok || err != nil {
			t.Fatal(ok, err)
		}
		return d.AppendInts(nil)
	}
	first := decode("<a><int>1</int><int>22</int><int>333</int></a>")
	if !slices.Equal(first, []int32{1, 22, 333}) {
		t.Fatalf("decoded %v", first)
	}
	pool.Put(first)
	second := decode("<a><int>-4</int><int>5</int></a>")
	if !slices.Equal(second, []int32{-4, 5}) {
		t.Fatalf("decoded %v", second)
	}
	if &second[0] != &first[0] {
		t.Error("the array given back was not lent again")
	}
	// An array too small for the next values is not used; a new one is.
	pool.Put(second)
	third := decode("<a>" + strings.Repeat("<int>7</int>", 10) + "</a>")
	if len(third) != 10 || third[9] != 7 || &third[0] == &second[0] {
		t.Fatalf("decoded %v into the small array", third)
	}
}
