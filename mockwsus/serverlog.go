package mockwsus

import (
	"bytes"
	"io"
	"sync"
)

// DefaultServerLogLimit is how many bytes of SoftwareDistribution.log the
// server keeps in memory for the admin API: about 8,000 KB954960 faults
// (an exception with its stack and ThrowException line is about 2 KiB).
const DefaultServerLogLimit = 16 << 20

// logTail keeps the newest bytes of SoftwareDistribution.log, addressed by
// their offset since the server started (offsets never go back, not even on
// Reset, as the file's do not), so a remote reader can ask for what was
// written after a point it noted before.
type logTail struct {
	mu    sync.Mutex
	limit int
	buf   []byte
	base  int64 // offset of buf[0]
}

func newLogTail(limit int) *logTail {
	if limit <= 0 {
		limit = DefaultServerLogLimit
	}
	return &logTail{limit: limit}
}

// Write keeps p; past the limit it drops the oldest half at a line end, so
// appends stay amortised O(1) and what is kept starts with a whole line.
func (l *logTail) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	if len(l.buf) > l.limit {
		cut := len(l.buf) - l.limit/2
		if nl := bytes.IndexByte(l.buf[cut:], '\n'); nl >= 0 {
			cut += nl + 1
		}
		l.base += int64(cut)
		l.buf = append(l.buf[:0], l.buf[cut:]...)
	}
	return len(p), nil
}

// from returns the bytes kept from offset on, the offset they start at
// (later than offset when older bytes were dropped) and the log's size. ok
// is false when offset is past the size (a reader of another process, or
// of this one before a restart).
func (l *logTail) from(offset int64) (data []byte, start, size int64, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	size = l.base + int64(len(l.buf))
	if offset > size || offset < 0 {
		return nil, 0, size, false
	}
	start = max(offset, l.base)
	return bytes.Clone(l.buf[start-l.base:]), start, size, true
}

// size is the log's size since the server started.
func (l *logTail) size() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.base + int64(len(l.buf))
}

// teeWriter gives SoftwareDistribution.log to the memory tail first, then
// to the configured writer, whose error is the one reported: the copy in
// memory never fails.
type teeWriter struct {
	mem *logTail
	w   io.Writer
}

func (t teeWriter) Write(p []byte) (int, error) {
	t.mem.Write(p)
	return t.w.Write(p)
}

// ServerLog returns SoftwareDistribution.log from offset (bytes since the
// server started) as GET /logs/SoftwareDistribution.log serves it: the bytes
// still in memory from there, the offset they start at, and the log's size.
// ok is false when offset is past the size.
func (s *Server) ServerLog(offset int64) (data []byte, start, size int64, ok bool) {
	return s.serverLog.from(offset)
}
