package kernels

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// kernels lists the micro-kernels usable on this machine, fastest first;
// the generic one is always last.
var kernels = append(archKernels(), genericKernel)

// active is the micro-kernel Sgemm uses.
var active atomic.Pointer[microKernel]

func init() {
	active.Store(kernels[0])
	if os.Getenv("SEQNET_NOSIMD") == "1" {
		active.Store(genericKernel)
	}
}

func current() *microKernel { return active.Load() }

// Impls returns the names of the Sgemm implementations this machine can
// run, fastest first: some of "avx512", "avx2" and always "generic".
func Impls() []string {
	names := make([]string, len(kernels))
	for i, kr := range kernels {
		names[i] = kr.name
	}
	return names
}

// Impl returns the name of the implementation Sgemm uses now.
func Impl() string { return current().name }

// Use makes Sgemm use the named implementation (one of Impls()) and
// returns a function that restores the previous one. It is meant for tests
// and benchmarks and panics on a name this machine cannot run.
func Use(name string) (restore func()) {
	for _, kr := range kernels {
		if kr.name == name {
			prev := active.Swap(kr)
			return func() { active.Store(prev) }
		}
	}
	panic(fmt.Sprintf("kernels: Use(%q): this machine runs only %s", name, strings.Join(Impls(), ", ")))
}

// threads is the number of goroutines Sgemm splits large products over;
// 0 means runtime.GOMAXPROCS(0).
var threads atomic.Int64

// SetThreads sets how many goroutines Sgemm may use; n <= 0 restores the
// default, runtime.GOMAXPROCS(0).
func SetThreads(n int) {
	threads.Store(int64(max(n, 0)))
}

// Threads returns how many goroutines Sgemm may use.
func Threads() int {
	if n := threads.Load(); n > 0 {
		return int(n)
	}
	return runtime.GOMAXPROCS(0)
}

// serialFlops is the size (2·m·n·k) below which Sgemm stays on the calling
// goroutine: handing work to another goroutine costs a few microseconds.
const serialFlops = 4 << 20

// task is one block of C for a worker goroutine.
type task struct {
	kr             *microKernel
	call           *parallelCall
	i0, i1, j0, j1 int
}

// parallelCall is the state a split Sgemm shares with its workers; it is
// pooled so that a call allocates nothing.
type parallelCall struct {
	g  gemmArgs
	wg sync.WaitGroup
}

var (
	workerMu sync.Mutex
	workers  int
	tasks    = make(chan task)
	calls    = sync.Pool{New: func() any { return new(parallelCall) }}
)

// startWorkers makes sure n goroutines are waiting for tasks. Workers live
// for the life of the process; they only ever run gemmBlock.
func startWorkers(n int) {
	workerMu.Lock()
	defer workerMu.Unlock()
	for ; workers < n; workers++ {
		go func() {
			for t := range tasks {
				ws := workspaces.Get().(*workspace)
				gemmBlock(t.kr, ws, &t.call.g, t.i0, t.i1, t.j0, t.j1)
				workspaces.Put(ws)
				t.call.wg.Done()
			}
		}()
	}
}

// gemm runs g with kernel kr, split over up to Threads() goroutines (the
// caller's included) along M, or along N when M is too short.
func gemm(kr *microKernel, g *gemmArgs) {
	nt := Threads()
	if flops := 2 * float64(g.m) * float64(g.n) * float64(g.k); flops < serialFlops {
		nt = 1
	}
	tilesM := (g.m + kr.mr - 1) / kr.mr
	tilesN := (g.n + kr.nr - 1) / kr.nr
	splitM := tilesM >= 2*nt || tilesM >= tilesN
	if splitM {
		nt = min(nt, tilesM)
	} else {
		nt = min(nt, tilesN)
	}
	if nt <= 1 {
		ws := workspaces.Get().(*workspace)
		gemmBlock(kr, ws, g, 0, g.m, 0, g.n)
		workspaces.Put(ws)
		return
	}
	startWorkers(nt - 1)
	call := calls.Get().(*parallelCall)
	call.g = *g
	call.wg.Add(nt - 1)
	// Split the tiles as evenly as possible; part 0 runs here.
	tiles, tile, dim := tilesM, kr.mr, g.m
	if !splitM {
		tiles, tile, dim = tilesN, kr.nr, g.n
	}
	bound := func(t int) int { return min(dim, tiles*t/nt*tile) }
	for t := 1; t < nt; t++ {
		lo, hi := bound(t), bound(t+1)
		if splitM {
			tasks <- task{kr, call, lo, hi, 0, g.n}
		} else {
			tasks <- task{kr, call, 0, g.m, lo, hi}
		}
	}
	ws := workspaces.Get().(*workspace)
	if splitM {
		gemmBlock(kr, ws, g, 0, bound(1), 0, g.n)
	} else {
		gemmBlock(kr, ws, g, 0, g.m, 0, bound(1))
	}
	workspaces.Put(ws)
	call.wg.Wait()
	call.g = gemmArgs{} // drop the references to the caller's slices
	calls.Put(call)
}
