package xpress_test

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/wsusmock/wsusmock/xpress"
)

// Encode frames a body the way a WSUS sends it with Content-Encoding:
// xpress, and Decode reads it back, refusing more than the limit it is given.
func Example() {
	body := bytes.Repeat([]byte("<UpdateInfo><ID>1</ID></UpdateInfo>"), 100)
	wire := xpress.Encode(nil, body)
	fmt.Println(len(body), "bytes,", len(wire), "on the wire")

	back, err := xpress.Decode(wire, 1<<20)
	fmt.Println(bytes.Equal(back, body), err)

	_, err = xpress.Decode(wire, 1000)
	fmt.Println(errors.Is(err, xpress.ErrTooLarge))
	// Output:
	// 3500 bytes, 43 on the wire
	// true <nil>
	// true
}

// Compress and Decompress are the bare MS-XCA Plain LZ77 stream, without the
// MS-WUSP block headers: the caller keeps the original size.
func ExampleDecompress() {
	text := []byte("abcabcabcabcabcabc")
	packed := xpress.Compress(nil, text)
	out, err := xpress.Decompress(nil, packed, len(text))
	fmt.Println(string(out), err)

	_, err = xpress.Decompress(nil, packed[:3], len(text))
	fmt.Println(errors.Is(err, xpress.ErrCorrupt))
	// Output:
	// abcabcabcabcabcabc <nil>
	// true
}
