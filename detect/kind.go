package detect

import "bytes"

// Kind is what a file holds, as Sniff and the parsers classify it. The
// values are stable: they appear in JSON reports.
type Kind string

// The kinds of file the detector knows.
const (
	KindUnknown Kind = "unknown"               // no log lines: prose, another log, or not read
	KindClassic Kind = "windowsupdate-classic" // WindowsUpdate.log, WUA 5-7 / Windows 8.x text
	KindWUA10   Kind = "windowsupdate-wua10"   // WindowsUpdate.log decoded by Get-WindowsUpdateLog
	KindServer  Kind = "softwaredistribution"  // WSUS SoftwareDistribution.log
	KindMixed   Kind = "mixed"                 // client and server lines in one file (a pasted report)
)

// sniffHeadSize is how much of a file Sniff looks at.
const sniffHeadSize = 64 << 10

// IsClient reports whether k holds WindowsUpdate.log lines.
func (k Kind) IsClient() bool { return k == KindClassic || k == KindWUA10 || k == KindMixed }

// IsServer reports whether k holds SoftwareDistribution.log lines.
func (k Kind) IsServer() bool { return k == KindServer || k == KindMixed }

// kindCounts counts line prefixes; its kind is the classification.
type kindCounts struct{ classic, wua10, server int }

func (c *kindCounts) add(k lineKind) {
	switch k {
	case lineClassic:
		c.classic++
	case lineWUA10:
		c.wua10++
	case lineServer:
		c.server++
	}
}

func (c kindCounts) kind() Kind {
	client := c.classic + c.wua10
	switch {
	case client > 0 && c.server > 0:
		return KindMixed
	case c.server > 0:
		return KindServer
	case client == 0:
		return KindUnknown
	case c.classic >= c.wua10:
		return KindClassic
	}
	return KindWUA10
}

// Sniff classifies a file from its head (the first 64 KiB are enough; more
// is ignored) by counting the lines that carry a classic, WUA 10 or server
// prefix, or a known message after placeholder columns. One such line is
// enough, because a pasted excerpt may be a few log lines inside prose; a
// file with none is KindUnknown. The head is decoded first (UTF-16 with
// or without a byte order mark, UTF-8 with one).
func Sniff(head []byte) Kind {
	if len(head) > sniffHeadSize {
		head = head[:sniffHeadSize]
	}
	rr := newRecordReader(newLineReader(bytes.NewReader(head)))
	var c kindCounts
	var h header
	for {
		rec, ok := rr.next()
		if !ok {
			break
		}
		c.add(parseHeader(rec.text, &h))
	}
	return c.kind()
}
