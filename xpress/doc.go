// Package xpress implements the Xpress compression WSUS uses on the wire:
// MS-XCA's Plain LZ77 ("Xpress") bit stream, and the block framing of
// MS-WUSP section 2.1.1 that carries it in HTTP bodies sent with
// Content-Encoding: xpress.
//
// Which variant. MS-XCA defines three algorithms: Plain LZ77, LZ77+Huffman
// and LZNT1. WSUS uses Plain LZ77:
//
//   - MS-WUSP 2.1.1 has the server cut the body into blocks of at most
//     65535 bytes, each compressed with CompressOrDecompressWin2k3 (2.1.1.1:
//     LZ77 plus the DIRECT2 encoding) and prefixed with two little-endian
//     32-bit sizes, original then compressed. DIRECT2's bit stream is the
//     one MS-XCA 2.3/2.4 call Plain LZ77: 32-bit flag words read from the
//     most significant bit (0 a literal byte, 1 a match), a 16-bit match
//     word holding a 13-bit offset minus one and a 3-bit length minus
//     three, lengths of 10 and more continued in a half byte shared by two
//     matches, then a byte, then 16 bits, and a final 1 flag after the last
//     element.
//   - The captures agree (../shared/captures/wsus2025-native, meta.json's
//     wire_response_content_length): a 406-byte ReportEventBatch answer
//     went on the wire as 275 bytes. LZ77+Huffman spends 256 bytes on its
//     Huffman table alone, which would leave 11 bytes for 406 bytes of XML;
//     Plain LZ77 fits (this package makes 264 bytes of it plus the 8-byte
//     header).
//
// MS-XCA (2.4) lets a 16-bit length of 0 announce a 32-bit length; MS-WUSP
// does not have it (its matches stop at 65538 bytes). Decompress reads it as
// MS-XCA says; Compress never needs it, because it never writes a match
// longer than 65538 bytes.
//
// A block whose two sizes are equal holds its bytes stored, uncompressed:
// MS-DRSR's DecompressMessage reads the Win2k3 framing that way, and a
// Windows Server 2025 WSUS was seen sending a stored final block (observed
// by the wsus-rs project, the source of the captures). Encode stores a block
// whenever compressing it would not make it smaller.
//
// Decoding is bounded: Decode takes the largest decoded size the caller
// accepts and fails with ErrTooLarge before producing more, so a small
// body cannot expand without limit (a compression bomb). Malformed input is
// an error wrapping ErrCorrupt, never a panic or a hang.
package xpress
