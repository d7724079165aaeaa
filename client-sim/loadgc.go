package clientsim

import (
	"os"
	"runtime/debug"
)

// LoadGCPercent is the garbage collector's target a load generator runs
// with (LoadGC) when the environment sets no GOGC.
const LoadGCPercent = 400

// LoadGC sets the process's garbage-collection target for a load
// generator, `client-sim fleet` and `wsusrepro bench` against a server of
// its own process: such a process allocates fast and keeps little, so it
// trades memory for fewer collections and leaves more of the cores it
// shares with the server to the server (issue 17: a 10,000-computer fleet
// went from 1.00 to 0.89 of the server's CPU, its peak RSS from 85 to 218
// MB). A GOGC in the environment decides instead. The returned function
// restores the previous target. RunFleet and Agent never call it: the
// process is the command's to tune.
func LoadGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(LoadGCPercent)
	return func() { debug.SetGCPercent(old) }
}
