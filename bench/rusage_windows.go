package bench

import "syscall"

// selfCPUSeconds is this process's user+kernel CPU time (GetProcessTimes),
// 0 when unknown.
func selfCPUSeconds() float64 {
	var creation, exit, kernel, user syscall.Filetime
	h, err := syscall.GetCurrentProcess()
	if err != nil || syscall.GetProcessTimes(h, &creation, &exit, &kernel, &user) != nil {
		return 0
	}
	// Filetimes of durations count 100 ns intervals.
	ticks := func(f syscall.Filetime) float64 { return float64(uint64(f.HighDateTime)<<32 | uint64(f.LowDateTime)) }
	return (ticks(kernel) + ticks(user)) / 1e7
}

// selfPeakRSS is 0: the peak working set needs psapi, which the standard
// library does not wrap; the report then shows no RSS figure.
func selfPeakRSS() uint64 { return 0 }
