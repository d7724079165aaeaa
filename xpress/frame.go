package xpress

import (
	"encoding/binary"
	"fmt"
)

// MaxBlock is the largest block MS-WUSP 2.1.1 allows, before and after
// compression.
const MaxBlock = 65535

// BlockSize is the uncompressed size of the blocks Encode writes (the last
// one holds the rest). A Windows Server 2025 WSUS cut a 20302-byte answer
// into 16352 and 3950 bytes (observed by the wsus-rs project; the sizes add
// up to the capture's wire length of 4431 bytes with two 8-byte headers),
// so Encode does the same.
const BlockSize = 16352

const headerSize = 8

// Encode appends the MS-WUSP framing of src to dst: blocks of BlockSize
// bytes, each with its original and compressed sizes (little-endian, 32
// bits) and then its Plain LZ77 stream, or its bytes stored when
// compression would not make them smaller. An empty src adds nothing.
func Encode(dst, src []byte) []byte {
	t := tablesPool.Get().(*tables)
	defer tablesPool.Put(t)
	for len(src) > 0 {
		block := src[:min(len(src), BlockSize)]
		src = src[len(block):]
		at := len(dst)
		dst = append(dst, 0, 0, 0, 0, 0, 0, 0, 0)
		dst = t.compress(dst, block)
		n := len(dst) - at - headerSize
		if n >= len(block) {
			dst = append(dst[:at+headerSize], block...)
			n = len(block)
		}
		binary.LittleEndian.PutUint32(dst[at:], uint32(len(block)))
		binary.LittleEndian.PutUint32(dst[at+4:], uint32(n))
	}
	return dst
}

// Decode returns what the MS-WUSP framed body src decodes to, at most limit
// bytes. A body whose block headers add up to more fails with an error
// wrapping ErrTooLarge before anything is decoded; a malformed body (a header or block cut short, a size of 0 or
// above MaxBlock, a block that does not decode to its announced size) fails
// with an error wrapping ErrCorrupt. An empty body decodes to nothing.
func Decode(src []byte, limit int) ([]byte, error) {
	// First the headers: they are checked, and the output sized once,
	// before anything is decoded or allocated.
	total := 0
	for at := 0; at < len(src); {
		orig, comp, err := header(src, at)
		if err != nil {
			return nil, err
		}
		if orig > limit-total {
			return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
		}
		total += orig
		at += headerSize + comp
	}
	out := make([]byte, 0, total)
	for at := 0; at < len(src); {
		orig, comp, _ := header(src, at)
		body := src[at+headerSize : at+headerSize+comp]
		if comp == orig {
			out = append(out, body...)
		} else {
			var err error
			if out, err = Decompress(out, body, orig); err != nil {
				return nil, fmt.Errorf("block at byte %d: %w", at, err)
			}
		}
		at += headerSize + comp
	}
	return out, nil
}

// header reads and checks the block header at src[at:]: both sizes from 1
// to MaxBlock, the compressed bytes all there.
func header(src []byte, at int) (orig, comp int, err error) {
	if len(src)-at < headerSize {
		return 0, 0, fmt.Errorf("%w: block header at byte %d cut short (%d bytes left)", ErrCorrupt, at, len(src)-at)
	}
	o := int32(binary.LittleEndian.Uint32(src[at:]))
	c := int32(binary.LittleEndian.Uint32(src[at+4:]))
	if o <= 0 || o > MaxBlock || c <= 0 || c > MaxBlock {
		return 0, 0, fmt.Errorf("%w: block at byte %d has sizes %d (original) and %d (compressed), each must be 1 to %d", ErrCorrupt, at, o, c, MaxBlock)
	}
	if left := len(src) - at - headerSize; int(c) > left {
		return 0, 0, fmt.Errorf("%w: block at byte %d announces %d compressed bytes, %d are left", ErrCorrupt, at, c, left)
	}
	return int(o), int(c), nil
}
