package xpress

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
)

// ErrCorrupt reports compressed data that does not decode.
var ErrCorrupt = errors.New("xpress: corrupt data")

// ErrTooLarge reports data that decodes to more than the caller's limit.
var ErrTooLarge = errors.New("xpress: decoded data too large")

const (
	minMatch = 3
	// maxOffset is the farthest back a match reaches: 13 bits of offset
	// minus one.
	maxOffset = 1 << 13
	// maxMatch is the longest match Compress writes: a 16-bit length minus
	// three, the most MS-WUSP's DIRECT2 can say.
	maxMatch = 0xFFFF + minMatch

	hashBits = 14
	// maxChain bounds how many earlier positions with the same hash the
	// encoder tries: more finds slightly longer matches for much more CPU.
	maxChain = 16
)

// Compress appends the Plain LZ77 compression of src to dst and returns the
// extended buffer. The output depends on src alone (no state between calls).
// Matches reach at most 8192 bytes back, as the format allows; for the wire
// framing use Encode, which cuts the input into blocks first.
func Compress(dst, src []byte) []byte {
	t := tablesPool.Get().(*tables)
	defer tablesPool.Put(t)
	return t.compress(dst, src)
}

// tables are the match finder's hash chains, kept between calls (in
// tablesPool) so that compressing an answer allocates nothing; every call
// clears what it uses, so the output never depends on an earlier call.
type tables struct {
	head, prev []int32
}

var tablesPool = sync.Pool{New: func() any { return new(tables) }}

func (t *tables) compress(dst, src []byte) []byte {
	e := encoder{out: dst, lastNibble: -1}
	e.reserveFlags()
	if len(src) < minMatch+1 {
		for _, b := range src {
			e.literal(b)
		}
		return e.finish()
	}
	// Tables sized to the input: a small answer (most are) does not pay
	// for clearing tables made for 64 KiB.
	bits := uint(8)
	for bits < hashBits && 1<<bits < len(src) {
		bits++
	}
	if cap(t.head) < 1<<bits {
		t.head = make([]int32, 1<<hashBits)
	}
	head := t.head[:1<<bits]
	for i := range head {
		head[i] = -1
	}
	window := min(len(src), maxOffset)
	if cap(t.prev) < window {
		t.prev = make([]int32, maxOffset)
	}
	prev := t.prev[:window] // ring: prev[i%window] is the previous position with i's hash
	insert := func(i int) {
		h := hash3(src[i:], bits)
		prev[i%window] = head[h]
		head[h] = int32(i)
	}
	i := 0
	last := len(src) - minMatch // the last position a 3-byte hash can start at
	for i < len(src) {
		bestLen, bestOff := 0, 0
		if i <= last {
			limit := min(len(src)-i, maxMatch)
			cand := head[hash3(src[i:], bits)]
			for chain := 0; cand >= 0 && chain < maxChain; chain++ {
				off := i - int(cand)
				if off > maxOffset {
					break
				}
				if src[int(cand)+bestLen] == src[i+bestLen] || bestLen == 0 {
					n := matchLen(src[cand:], src[i:], limit)
					if n > bestLen {
						bestLen, bestOff = n, off
						if n == limit {
							break
						}
					}
				}
				next := prev[int(cand)%window]
				if next >= cand {
					break // the ring slot was reused by a later position
				}
				cand = next
			}
			insert(i)
		}
		if bestLen < minMatch {
			e.literal(src[i])
			i++
			continue
		}
		e.match(bestOff, bestLen)
		// Index the positions the match covers, so later matches can
		// start inside it.
		end := i + bestLen
		for i++; i < end; i++ {
			if i <= last {
				insert(i)
			}
		}
	}
	return e.finish()
}

func hash3(b []byte, bits uint) uint32 {
	v := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16
	return (v * 2654435761) >> (32 - bits)
}

// matchLen is the length of the common prefix of a and b, at most limit.
func matchLen(a, b []byte, limit int) int {
	n := 0
	for n+8 <= limit && n+8 <= len(a) {
		x := binary.LittleEndian.Uint64(a[n:]) ^ binary.LittleEndian.Uint64(b[n:])
		if x != 0 {
			for x&0xFF == 0 {
				x >>= 8
				n++
			}
			return n
		}
		n += 8
	}
	for n < limit && a[n] == b[n] {
		n++
	}
	return n
}

// encoder writes the Plain LZ77 bit stream (MS-XCA 2.3).
type encoder struct {
	out        []byte
	flags      uint32
	flagCount  int
	flagPos    int // where the current flag word goes
	lastNibble int // index of the half-used shared length byte, or -1
}

func (e *encoder) reserveFlags() {
	e.flagPos = len(e.out)
	e.out = append(e.out, 0, 0, 0, 0)
}

func (e *encoder) flag(bit uint32) {
	e.flags = e.flags<<1 | bit
	e.flagCount++
	if e.flagCount == 32 {
		binary.LittleEndian.PutUint32(e.out[e.flagPos:], e.flags)
		e.flags, e.flagCount = 0, 0
		e.reserveFlags()
	}
}

func (e *encoder) literal(b byte) {
	e.out = append(e.out, b)
	e.flag(0)
}

// match writes a match of length n (minMatch..maxMatch) at distance off
// (1..maxOffset).
func (e *encoder) match(off, n int) {
	l := n - minMatch
	word := uint16(off-1) << 3
	if l < 7 {
		e.out = binary.LittleEndian.AppendUint16(e.out, word|uint16(l))
		e.flag(1)
		return
	}
	e.out = binary.LittleEndian.AppendUint16(e.out, word|7)
	rest := l - 7
	nibble := byte(min(rest, 15))
	if e.lastNibble < 0 {
		e.lastNibble = len(e.out)
		e.out = append(e.out, nibble)
	} else {
		e.out[e.lastNibble] |= nibble << 4
		e.lastNibble = -1
	}
	if rest >= 15 {
		rest -= 15
		if rest < 255 {
			e.out = append(e.out, byte(rest))
		} else {
			e.out = append(e.out, 255)
			e.out = binary.LittleEndian.AppendUint16(e.out, uint16(l))
		}
	}
	e.flag(1)
}

// finish fills the rest of the last flag word with ones: the first of them
// ends the stream.
func (e *encoder) finish() []byte {
	free := 32 - e.flagCount
	flags := e.flags<<free | (1<<free - 1)
	binary.LittleEndian.PutUint32(e.out[e.flagPos:], flags)
	return e.out
}

// Decompress appends to dst the size bytes that the Plain LZ77 stream src
// decodes to and returns the extended buffer. src must decode to exactly size
// bytes: less, more, a match reaching before the start of the output, or a
// stream cut short is an error wrapping ErrCorrupt. The output never grows
// past size, whatever src says.
func Decompress(dst, src []byte, size int) ([]byte, error) {
	if size < 0 {
		return dst, fmt.Errorf("%w: negative size %d", ErrCorrupt, size)
	}
	base := len(dst)
	end := base + size
	dst = growTo(dst, end)
	out := base
	in := 0
	var flags uint32
	flagCount := 0
	lastNibble := -1
	for {
		if flagCount == 0 {
			if len(src)-in < 4 {
				if out == end && in == len(src) {
					break // the stream ended with the output complete
				}
				return dst[:out], fmt.Errorf("%w: flag word cut short at input byte %d", ErrCorrupt, in)
			}
			flags = binary.LittleEndian.Uint32(src[in:])
			in += 4
			flagCount = 32
		}
		flagCount--
		if flags&(1<<flagCount) == 0 {
			if in == len(src) {
				if out == end {
					break
				}
				return dst[:out], fmt.Errorf("%w: literal missing at input byte %d", ErrCorrupt, in)
			}
			if out == end {
				return dst[:out], fmt.Errorf("%w: decodes to more than the %d bytes announced", ErrCorrupt, size)
			}
			dst[out] = src[in]
			out++
			in++
			continue
		}
		if in == len(src) {
			break // a 1 flag with nothing left: the end mark
		}
		if len(src)-in < 2 {
			return dst[:out], fmt.Errorf("%w: match cut short at input byte %d", ErrCorrupt, in)
		}
		word := int(binary.LittleEndian.Uint16(src[in:]))
		in += 2
		off := word>>3 + 1
		n := word & 7
		if n == 7 {
			if lastNibble < 0 {
				if in == len(src) {
					return dst[:out], fmt.Errorf("%w: match length cut short at input byte %d", ErrCorrupt, in)
				}
				n = int(src[in] & 0x0F)
				lastNibble = in
				in++
			} else {
				n = int(src[lastNibble] >> 4)
				lastNibble = -1
			}
			if n == 15 {
				if in == len(src) {
					return dst[:out], fmt.Errorf("%w: match length cut short at input byte %d", ErrCorrupt, in)
				}
				n = int(src[in])
				in++
				if n == 255 {
					if len(src)-in < 2 {
						return dst[:out], fmt.Errorf("%w: match length cut short at input byte %d", ErrCorrupt, in)
					}
					n = int(binary.LittleEndian.Uint16(src[in:]))
					in += 2
					if n == 0 {
						if len(src)-in < 4 {
							return dst[:out], fmt.Errorf("%w: match length cut short at input byte %d", ErrCorrupt, in)
						}
						n = int(binary.LittleEndian.Uint32(src[in:]))
						in += 4
					}
					if n < 15+7 {
						return dst[:out], fmt.Errorf("%w: long match length %d below 22 at input byte %d", ErrCorrupt, n, in)
					}
					n -= 15 + 7
				}
				n += 15
			}
			n += 7
		}
		n += minMatch
		if off > out-base {
			return dst[:out], fmt.Errorf("%w: match %d bytes back with only %d decoded", ErrCorrupt, off, out-base)
		}
		if n > end-out {
			return dst[:out], fmt.Errorf("%w: decodes to more than the %d bytes announced", ErrCorrupt, size)
		}
		from := out - off
		if off >= n {
			copy(dst[out:out+n], dst[from:from+n])
		} else {
			// Overlapping: the match repeats what it is still producing.
			for k := range n {
				dst[out+k] = dst[from+k]
			}
		}
		out += n
	}
	if out != end {
		return dst[:out], fmt.Errorf("%w: decodes to %d bytes, %d announced", ErrCorrupt, out-base, size)
	}
	return dst, nil
}

// growTo returns b extended to length n, reusing its capacity when it can.
func growTo(b []byte, n int) []byte {
	if cap(b) >= n {
		return b[:n]
	}
	nb := make([]byte, n, max(n, 2*cap(b)))
	copy(nb, b)
	return nb
}
