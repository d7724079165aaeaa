// Package clock is the former home of the clock types, now in the public
// package github.com/wsusmock/wsusmock/clock so that modules outside this
// one can pass a Clock to mockwsus.Config and clientsim.Config. The names
// here are aliases of those, kept so that code written against the old
// path still compiles; new code imports the public package.
package clock

import (
	"time"

	"github.com/wsusmock/wsusmock/clock"
)

// Clock is clock.Clock.
type Clock = clock.Clock

// Real is clock.Real.
type Real = clock.Real

// Virtual is clock.Virtual.
type Virtual = clock.Virtual

// NewVirtual is clock.NewVirtual.
func NewVirtual(start time.Time, step time.Duration) *Virtual { return clock.NewVirtual(start, step) }

// DefaultStart is clock.DefaultStart.
var DefaultStart = clock.DefaultStart
