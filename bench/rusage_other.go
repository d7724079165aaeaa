//go:build !unix && !windows

package bench

// selfCPUSeconds is 0: the platform has no getrusage.
func selfCPUSeconds() float64 { return 0 }

// selfPeakRSS is 0: the platform has no getrusage.
func selfPeakRSS() uint64 { return 0 }
