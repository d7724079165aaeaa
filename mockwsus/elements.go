package mockwsus

import "bytes"

// countOpenings counts the '<' of raw not followed by '/': start tags,
// comments and declarations, which is what the MaxElements limit counts
// (bytes.Count of "<" minus that of "</", in one pass instead of two).
func countOpenings(raw []byte) int {
	n := 0
	for {
		i := bytes.IndexByte(raw, '<')
		if i < 0 {
			return n
		}
		if i+1 >= len(raw) || raw[i+1] != '/' {
			n++
		}
		raw = raw[i+1:]
	}
}
