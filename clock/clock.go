// Package clock gives the server, the agent and the scenario runner one
// injectable notion of time, so that a seeded run writes the same bytes every
// time: production code asks a Clock, never time.Now directly.
package clock

import (
	"sync"
	"time"
)

// Clock tells the current time.
type Clock interface {
	Now() time.Time
}

// Real is the wall clock.
type Real struct{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// Virtual is a manually driven clock. Every call to Now returns the current
// virtual time and then moves it forward by Step, so that successive log lines
// get distinct, increasing timestamps without any real time passing. It is
// safe for concurrent use.
type Virtual struct {
	mu   sync.Mutex
	now  time.Time
	step time.Duration
}

// NewVirtual returns a virtual clock set to start that advances by step after
// every reading (step may be zero).
func NewVirtual(start time.Time, step time.Duration) *Virtual {
	return &Virtual{now: start, step: step}
}

// Now returns the virtual time and advances it by the step.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	t := v.now
	v.now = v.now.Add(v.step)
	return t
}

// Peek returns the virtual time without advancing it.
func (v *Virtual) Peek() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// Advance moves the clock forward by d (a scenario's "wait" step).
func (v *Virtual) Advance(d time.Duration) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.now = v.now.Add(d)
}

// Set moves the clock to t.
func (v *Virtual) Set(t time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.now = t
}

// DefaultStart is the virtual time seeded runs start at: the day the client
// log excerpt of Security Advisory 954960 was written.
var DefaultStart = time.Date(2008, 6, 13, 19, 59, 53, 383_000_000, time.UTC)
