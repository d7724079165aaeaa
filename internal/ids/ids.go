// Package ids makes the identifiers of a run (GUIDs, numbers, key material)
// from a seed, so that one seed always gives the same bytes. Nothing in the
// project may use the global math/rand or crypto/rand for an identifier that
// ends up in an output that tests compare.
package ids

import (
	"fmt"
	"math/rand/v2"
	"sync"
)

// Source is a seeded, concurrency-safe generator of identifiers.
type Source struct {
	mu sync.Mutex
	r  *rand.Rand
}

// New returns a Source for seed. Two Sources with the same seed produce the
// same sequence.
func New(seed uint64) *Source {
	return &Source{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// Derive returns an independent Source whose sequence depends only on this
// Source's seed and label, not on how much of this Source was consumed. Use it
// to give each component (each simulated computer, the cookie key, ...) its
// own stream so that adding a call in one place does not shift every other
// output.
func Derive(seed uint64, label string) *Source {
	h := uint64(14695981039346656037)
	for i := 0; i < len(label); i++ {
		h ^= uint64(label[i])
		h *= 1099511628211
	}
	return New(seed ^ h)
}

// GUID returns a random (version 4, variant 1) GUID in the lower-case,
// hyphenated, brace-less form WSUS writes, e.g.
// c0a7445f-b989-43fa-ac20-11f8ca65fa8c.
func (s *Source) GUID() string {
	b := s.Bytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Bytes returns n seeded bytes.
func (s *Source) Bytes(n int) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(s.r.Uint32())
	}
	return b
}

// IntN returns a seeded integer in [0, n).
func (s *Source) IntN(n int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.r.IntN(n)
}

// Uint64 returns a seeded 64-bit number.
func (s *Source) Uint64() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.r.Uint64()
}
