//go:build unix

package bench

import (
	"runtime"
	"syscall"
	"time"
)

// selfCPUSeconds is this process's user+system CPU time, 0 when unknown.
func selfCPUSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// selfPeakRSS is this process's peak resident set in bytes, 0 when
// unknown. getrusage's ru_maxrss is in kilobytes on Linux and the BSDs, in
// bytes on macOS.
func selfPeakRSS() uint64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return uint64(ru.Maxrss)
	}
	return uint64(ru.Maxrss) * 1024
}
