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

// parallelCall is the state a split Sgemm shares with its workers; it is
// pooled so that a call allocates nothing. Work is handed out in chunks
// through an atomic counter, so a core that another process slows down
// simply takes fewer chunks.
type parallelCall struct {
	kr   *microKernel
	g    gemmArgs
	wg   sync.WaitGroup
	next atomic.Int64 // next chunk to take
	// Row mode: chunks are blocks of chunk rows of C for the current
	// (jc, pc) block, all sharing the B block packed by the caller.
	rows                   bool
	bp                     []float32
	pc, kc, jc, nc, chunks int
	chunk                  int // rows (row mode) or columns per chunk
}

// work takes chunks until none are left.
func (pc *parallelCall) work(ws *workspace) {
	g := &pc.g
	for {
		i := int(pc.next.Add(1)) - 1
		if i >= pc.chunks {
			return
		}
		lo := i * pc.chunk
		if pc.rows {
			macroKernel(pc.kr, ws, pc.bp, g, lo, min(pc.chunk, g.m-lo), pc.pc, pc.kc, pc.jc, pc.nc)
		} else {
			gemmBlock(pc.kr, ws, g, 0, g.m, lo, min(lo+pc.chunk, g.n))
		}
	}
}

var (
	workerMu sync.Mutex
	workers  int
	tasks    = make(chan *parallelCall)
	calls    = sync.Pool{New: func() any { return new(parallelCall) }}
)

// startWorkers makes sure n goroutines are waiting for work. Workers live
// for the life of the process; they only ever run parallelCall.work.
func startWorkers(n int) {
	workerMu.Lock()
	defer workerMu.Unlock()
	for ; workers < n; workers++ {
		go func() {
			// A worker keeps its packing buffers for good, so that a
			// garbage collection (which empties sync.Pools) does not
			// make it allocate them again.
			ws := new(workspace)
			for call := range tasks {
				if call.rows {
					ws.prepare(call.kr, call.chunk, 0, call.kc)
				}
				call.work(ws)
				call.wg.Done()
			}
		}()
	}
}

// run hands the current round of chunks to nt-1 workers, works on it too
// and returns when all chunks are done.
func (pc *parallelCall) run(ws *workspace, nt int) {
	pc.next.Store(0)
	pc.wg.Add(nt - 1)
	for t := 1; t < nt; t++ {
		tasks <- pc
	}
	pc.work(ws)
	pc.wg.Wait()
}

// gemm runs g with kernel kr on up to Threads() goroutines, the caller's
// included. With enough rows, each (jc, pc) block of B is packed once and
// the blocks of rows of C are shared out; otherwise the columns of C are.
func gemm(kr *microKernel, g *gemmArgs) {
	nt := Threads()
	if flops := 2 * float64(g.m) * float64(g.n) * float64(g.k); flops < serialFlops {
		nt = 1
	}
	// Chunks of rows: up to kr.mc, at least 4 per thread when m allows.
	rowChunk := min(kr.mc, roundUp((g.m+4*nt-1)/(4*nt), kr.mr))
	rowChunks := (g.m + rowChunk - 1) / rowChunk
	colChunk := min(kr.nc, roundUp((g.n+4*nt-1)/(4*nt), kr.nr))
	colChunks := (g.n + colChunk - 1) / colChunk
	ws := workspaces.Get().(*workspace)
	defer workspaces.Put(ws)
	if nt <= 1 || max(rowChunks, colChunks) < 2 {
		gemmBlock(kr, ws, g, 0, g.m, 0, g.n)
		return
	}
	nt = min(nt, max(rowChunks, colChunks))
	startWorkers(nt - 1)
	call := calls.Get().(*parallelCall)
	defer calls.Put(call)
	call.kr, call.g = kr, *g
	defer func() { call.g = gemmArgs{} }() // drop the caller's slices
	if rowChunks*2 < colChunks && rowChunks < 2*nt {
		call.rows = false
		call.chunk, call.chunks = colChunk, colChunks
		call.run(ws, nt)
		return
	}
	call.rows = true
	call.chunk = rowChunk
	call.chunks = rowChunks
	kcMax := blockDepth(kr.kc, g.k)
	ws.prepare(kr, rowChunk, min(kr.nc, g.n), kcMax)
	for jc := 0; jc < g.n; jc += kr.nc {
		nc := min(kr.nc, g.n-jc)
		for pc := 0; pc < g.k; pc += kcMax {
			kc := min(kcMax, g.k-pc)
			packB(kr, ws.b, g, pc, kc, jc, nc)
			call.bp, call.pc, call.kc, call.jc, call.nc = ws.b, pc, kc, jc, nc
			call.run(ws, nt)
		}
	}
	call.bp = nil
}
