package detect

import (
	"fmt"
	"io"
)

// ParseClientLog reads a WindowsUpdate.log (classic or WUA 10, in any of the
// forms the package documentation lists) and returns its KB954960 client
// findings. name is used in evidence and as the computer name of last
// resort. Server lines in r are counted but not judged.
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

// cmPID stands for the process of a CMTrace entry, which logs only the
// thread.
var cmPID = []byte("cmtrace")

// parse runs one pass over r; each record is classified by its own
// prefix, so one engine serves every layout and form.
func parse(r io.Reader, name string, client, server bool) (*Log, error) {
	cr := &countingReader{r: r}
	lr := newLineReader(cr)
	rr := newRecordReader(lr)
	cp := &clientParser{name: name}
	sp := &serverParser{name: name}
	var counts kindCounts
	var h header
	for {
		rec, ok := rr.next()
		if !ok {
			break
		}
		k := parseHeaderHint(rec.text, rec.hint, &h)
		switch {
		case k == lineServer && len(h.thread) == 0 && len(rec.cmThread) > 0:
			h.thread, h.source = rec.cmThread, rec.cmComponent
		case k != lineOther && k != lineServer && len(h.tid) == 0 && len(rec.cmThread) > 0:
			h.pid, h.tid, h.component = cmPID, rec.cmThread, rec.cmComponent
		}
		counts.add(k)
		if client && (k == lineClassic || k == lineWUA10) {
			cp.line(rec.n, rec.text, k, &h)
		}
		if server {
			sp.line(rec.n, rec.text, k, &h)
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
	if l.Findings == nil {
		l.Findings = []Finding{}
	}
	return l, nil
}
