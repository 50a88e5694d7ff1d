package kernels

import (
	"runtime"
	"sync"
	"time"
)

// FMAPeak measures the machine's vector FMA rate in GFLOP/s on threads
// goroutines (each on its own OS thread) for about d: the widest FMA this
// CPU runs (AVX-512 or AVX2; NEON on arm64), in a loop of independent
// accumulators, as shared/bench/reference/peak/peak.c measures it. seqnet bench times it
// next to a workload, so that the workload's fraction of the peak comes
// from two measurements taken at the same moment on a machine whose speed
// drifts.
//
// Where there is no vector assembly (-tags purego, GOARCHes other than
// amd64 and arm64, wasm, amd64 CPUs without AVX2) it times a plain-Go
// loop of scalar multiply-adds instead: the ceiling of the generic
// kernel, which runs there, and far below the hardware's vector peak.
// PeakLoop says which loop it is.
func FMAPeak(threads int, d time.Duration) float64 {
	run, flopsPerIter, _ := fmaPeakLoop()
	if run == nil || threads < 1 {
		return 0
	}
	const chunk = 1 << 16 // iterations between clock reads
	var wg sync.WaitGroup
	iters := make([]int, threads)
	t0 := time.Now()
	for t := 0; t < threads; t++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			// At least one chunk each, however late the goroutine
			// starts on a busy machine: a rate of 0 would be wrong.
			for {
				run(chunk)
				iters[t] += chunk
				if time.Since(t0) >= d {
					break
				}
			}
		}()
	}
	wg.Wait()
	total := 0
	for _, n := range iters {
		total += n
	}
	return float64(total) * flopsPerIter / time.Since(t0).Seconds() / 1e9
}

// PeakLoop names the loop FMAPeak times on this build and CPU: "avx512",
// "avx2" or "neon" for the vector FMA peak, or "go-scalar" for the
// plain-Go scalar multiply-add loop of builds without vector assembly.
func PeakLoop() string {
	_, _, name := fmaPeakLoop()
	return name
}
