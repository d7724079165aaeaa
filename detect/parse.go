package detect

import (
	"fmt"
	"io"
)

// ParseClientLog reads a WindowsUpdate.log (classic or WUA 10, in any of the
// renderings the package documentation lists) and returns its KB954960
// client findings. name is used in evidence and as the computer name of
// last resort. Server lines in r are counted but not judged.
func ParseClientLog(r io.Reader, name string) (*Log, error) {
	return parse(r, name, true, false)
}

// ParseServerLog reads a SoftwareDistribution.log and returns its KB954960
// server findings and the SOAP faults it records.
func ParseServerLog(r io.Reader, name string) (*Log, error) {
	return parse(r, name, false, true)
}

// ParseLog reads a log of any kind, or a file mixing client and server
// lines, and applies both rules.
func ParseLog(r io.Reader, name string) (*Log, error) {
	return parse(r, name, true, true)
}

// countingReader counts the bytes read, for File.Size of a stream.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// parse runs one pass over r; each line is classified by its own prefix,
// so one engine serves every layout.
func parse(r io.Reader, name string, client, server bool) (*Log, error) {
	cr := &countingReader{r: r}
	lr := newLineReader(cr)
	cp := &clientParser{name: name}
	sp := &serverParser{name: name}
	var counts kindCounts
	var h header
	for {
		line, ok := lr.next()
		if !ok {
			break
		}
		k := parseHeader(line, &h)
		counts.add(k)
		if client && (k == lineClassic || k == lineWUA10) {
			cp.line(lr.n, line, k, &h)
		}
		if server {
			sp.line(lr.n, line, k, &h)
		}
	}
	if err := lr.Err(); err != nil {
		return nil, fmt.Errorf("detect: read %s: %w", name, err)
	}
	cp.finish()
	sp.finish()
	l := &Log{Name: name, Kind: counts.kind(), Lines: lr.n, Size: cr.n, Faults: sp.faults}
	l.Findings = append(cp.findings, sp.findings...)
	if l.Faults == nil {
		l.Faults = []Fault{}
	}
	return l, nil
}
