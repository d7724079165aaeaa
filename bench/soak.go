package bench

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// DefaultSoakSample is how often a soak run samples the server's memory.
const DefaultSoakSample = 30 * time.Second

// SoakSample is the server's state at one moment of a soak run, from its
// /debug/memory (heap after a garbage collection).
type SoakSample struct {
	Seconds        float64 `json:"seconds"`
	HeapAllocBytes uint64  `json:"heapAllocBytes"`
	HeapInuseBytes uint64  `json:"heapInuseBytes"`
	SysBytes       uint64  `json:"sysBytes"`
	Goroutines     int     `json:"goroutines"`
	Computers      int     `json:"computers"`
	JournalEntries int     `json:"journalEntries"`
	Requests       uint64  `json:"requests"`
}

// SoakReport is what a soak run found: the samples, and how the heap moved
// from the first sample after the warm-up to the last.
type SoakReport struct {
	Duration float64      `json:"durationSeconds"`
	Passes   int          `json:"passes"`
	Failed   int          `json:"failed"`
	Samples  []SoakSample `json:"samples"`
	// FirstHeap, LastHeap and MaxHeap are HeapAllocBytes of the samples;
	// Growth is (LastHeap-FirstHeap)/FirstHeap.
	FirstHeap uint64  `json:"firstHeapBytes"`
	LastHeap  uint64  `json:"lastHeapBytes"`
	MaxHeap   uint64  `json:"maxHeapBytes"`
	Growth    float64 `json:"growth"`
}

// soak repeats delta-sync passes over every computer until d has passed,
// sampling the server's memory every interval (and once more at the end).
func soak(ctx context.Context, d, interval time.Duration, tgt *target, pass func(name string) (Phase, error), progress io.Writer) (*SoakReport, error) {
	if interval <= 0 {
		interval = DefaultSoakSample
	}
	rep := &SoakReport{}
	start := time.Now()
	var mu sync.Mutex
	sample := func() {
		m, ok := tgt.memory()
		if !ok {
			return
		}
		s := SoakSample{Seconds: time.Since(start).Seconds(), HeapAllocBytes: m.HeapAllocBytes, HeapInuseBytes: m.HeapInuseBytes,
			SysBytes: m.SysBytes, Goroutines: m.Goroutines, Computers: m.Computers, JournalEntries: m.JournalEntries, Requests: m.Requests}
		mu.Lock()
		rep.Samples = append(rep.Samples, s)
		mu.Unlock()
		fmt.Fprintf(progress, "bench: soak %5.0fs heap %.1f MiB, %d goroutines, %d requests\n", s.Seconds, float64(s.HeapAllocBytes)/(1<<20), s.Goroutines, s.Requests)
	}
	sample()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				sample()
			case <-stop:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	var err error
	for time.Since(start) < d && ctx.Err() == nil {
		var ph Phase
		ph, err = pass(fmt.Sprintf("soak pass %d", rep.Passes+1))
		rep.Passes++
		rep.Failed += ph.Failed
		if err != nil {
			break
		}
	}
	close(stop)
	wg.Wait()
	sample()
	rep.Duration = time.Since(start).Seconds()
	if n := len(rep.Samples); n > 0 {
		rep.FirstHeap, rep.LastHeap = rep.Samples[0].HeapAllocBytes, rep.Samples[n-1].HeapAllocBytes
		for _, s := range rep.Samples {
			rep.MaxHeap = max(rep.MaxHeap, s.HeapAllocBytes)
		}
		if rep.FirstHeap > 0 {
			rep.Growth = (float64(rep.LastHeap) - float64(rep.FirstHeap)) / float64(rep.FirstHeap)
		}
	}
	return rep, err
}

// writeSoak prints the soak samples.
func (r *SoakReport) writeText(w io.Writer) {
	fmt.Fprintf(w, "  soak: %.0fs, %d passes, %d failed searches; heap after GC %.1f MiB first, %.1f MiB last (%+.1f%%), %.1f MiB max\n",
		r.Duration, r.Passes, r.Failed, float64(r.FirstHeap)/(1<<20), float64(r.LastHeap)/(1<<20), 100*r.Growth, float64(r.MaxHeap)/(1<<20))
	fmt.Fprintf(w, "  %8s %10s %10s %10s %10s %10s\n", "seconds", "heap MiB", "inuse MiB", "sys MiB", "goroutines", "requests")
	for _, s := range r.Samples {
		fmt.Fprintf(w, "  %8.0f %10.1f %10.1f %10.1f %10d %10d\n", s.Seconds, float64(s.HeapAllocBytes)/(1<<20), float64(s.HeapInuseBytes)/(1<<20), float64(s.SysBytes)/(1<<20), s.Goroutines, s.Requests)
	}
}
