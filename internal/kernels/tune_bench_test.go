//go:build linux

package kernels

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// threadCPU returns the CPU time of the calling OS thread in seconds, which
// other processes on a shared machine do not inflate.
func threadCPU() float64 {
	var ts syscall.Timespec
	const clockThreadCPUTimeID = 3
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	return float64(ts.Sec) + float64(ts.Nsec)*1e-9
}

// BenchmarkTune sweeps the cache blocking of the fastest kernel on one
// thread and reports the best GFLOP/s by thread CPU time. Set
// SEQNET_TUNE=1 to run it.
func BenchmarkTune(b *testing.B) {
	if os.Getenv("SEQNET_TUNE") == "" {
		b.Skip("set SEQNET_TUNE=1")
	}
	rng := rand.New(rand.NewPCG(1, 1))
	kcs := envInts("SEQNET_TUNE_KC", []int{128, 192, 256, 320, 384, 512})
	mcs := envInts("SEQNET_TUNE_MC", []int{48, 96, 144, 240, 480})
	ncs := envInts("SEQNET_TUNE_NC", []int{4096})
	if d := envInts("SEQNET_TUNE_DIRECT", nil); d != nil {
		defer func(v int) { directMaxLda = v }(directMaxLda)
		directMaxLda = d[0]
	}
	for _, s := range []struct {
		name           string
		transA, transB bool
		m, n, k, l     int
	}{
		{"sq1024", false, false, 1024, 1024, 1024, 1024},
		{"conv", false, false, 8192, 256, 768, 256},
		{"sq2048", false, false, 2048, 2048, 2048, 2048},
		{"convdX", false, true, 8192, 768, 256, 256},
		{"convdW", true, false, 768, 256, 8192, 256},
	} {
		if !strings.Contains(os.Getenv("SEQNET_TUNE_SHAPES"), s.name) && os.Getenv("SEQNET_TUNE_SHAPES") != "" {
			continue
		}
		a := randSlice(rng, (max(s.m, s.k)-1)*s.l+max(s.m, s.k))
		bm := randSlice(rng, s.k*s.n)
		c := make([]float32, s.m*s.n)
		list := append([]*microKernel{}, kernels[:len(kernels)-1]...)
		for _, kr0 := range list {
			for _, kc := range kcs {
				for _, x := range cross(mcs, ncs) {
					kr := *kr0
					kr.kc, kr.mc, kr.nc = kc, roundUp(x[0], kr.mr), x[1]
					b.Run(fmt.Sprintf("%s/%s/kc=%d/mc=%d/nc=%d", kr.name, s.name, kc, kr.mc, kr.nc), func(b *testing.B) {
						runtime.LockOSThread()
						defer runtime.UnlockOSThread()
						SetThreads(1)
						defer SetThreads(0)
						prev := active.Swap(&kr)
						defer active.Store(prev)
						best := 1e9
						for b.Loop() {
							t0 := threadCPU()
							ldb := s.n
							if s.transB {
								ldb = s.k
							}
							Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, s.l, bm, ldb, 0, c, s.n)
							best = min(best, threadCPU()-t0)
						}
						b.ReportMetric(2*float64(s.m*s.n*s.k)/best/1e9, "GFLOP/s")
					})
				}
			}
		}
	}
}

func envInts(name string, def []int) []int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	var r []int
	for _, f := range strings.Split(v, ",") {
		var x int
		fmt.Sscan(f, &x)
		r = append(r, x)
	}
	return r
}

func cross(a, b []int) [][2]int {
	var r [][2]int
	for _, x := range a {
		for _, y := range b {
			r = append(r, [2]int{x, y})
		}
	}
	return r
}

// BenchmarkMicroKernel times each micro-kernel on panels that stay in L1,
// by thread CPU time (best of batches of 1000 calls).
func BenchmarkMicroKernel(b *testing.B) {
	for _, kr := range kernels {
		for _, kc := range []int{128, 256, 512} {
			b.Run(fmt.Sprintf("%s/kc=%d", kr.name, kc), func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				a := make([]float32, kc*kr.mr)
				bb := make([]float32, kc*kr.nr)
				c := make([]float32, kr.mr*kr.nr)
				best := 1e9
				for b.Loop() {
					t0 := threadCPU()
					for range 1000 {
						kr.fn(kc, a, bb, c, kr.nr, tileOut{accum: true})
					}
					best = min(best, threadCPU()-t0)
				}
				b.ReportMetric(2*float64(kr.mr*kr.nr*kc)*1000/best/1e9, "GFLOP/s")
			})
		}
	}
}
