package kernels

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/seqnet/seqnet/internal/parallel"
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
// run, fastest first: "avx512" and "avx2" on amd64 when the CPU has them,
// "neon" on arm64, and always "generic". The first is the default, unless
// the environment variable SEQNET_NOSIMD=1 made "generic" the default; Use
// can still force the others.
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
// goroutine: handing work to another goroutine costs microseconds, and on
// this project's 2-core machine products of about 4 MFLOP ran slower split
// while those of about 8 MFLOP and more ran faster. Tests lower it.
var serialFlops = float64(8 << 20)

// parallelCall is the state a split Sgemm shares with its workers; it is
// pooled so that a call allocates nothing.
//
// Work goes out in rounds of chunks taken through an atomic counter, so a
// core that another process slows down simply takes fewer chunks. The
// caller works on the round itself and waits only for chunks that a worker
// has taken and not finished: a worker that the operating system has not
// run yet when the round is over finds the round's generation changed and
// does nothing, so it never holds the caller up.
type parallelCall struct {
	kr *microKernel
	g  gemmArgs
	// state packs the round's generation (bits 40-63), its number of
	// chunks (bits 20-39) and the next chunk to take (bits 0-19).
	state atomic.Uint64
	gen   uint64       // generation of the current round; caller only
	done  atomic.Int64 // chunks of the current round finished
	// last receives one value from the worker that finishes a round's
	// last chunk, when that is not the caller.
	last chan struct{}
	// What a chunk of the current round is:
	//   roundRows: chunk rows of C for the (jc, pc) block, multiplied by
	//     the shared packed B block bp;
	//   roundRowsWholeB: chunk rows of C through all of op(B): the pack
	//     made beforehand (g.pb), or else one that each goroutine makes for
	//     itself (into its workspace's own) the first time it takes a chunk
	//     of the round;
	//   roundPackB: chunk columns of that B block, packed into bp;
	//   roundCols: chunk columns of C, each a whole gemmBlock.
	round          int
	bp             []float32
	pc, kc, jc, nc int
	chunk          int
}

const (
	roundRows = iota
	roundPackB
	roundCols
	roundRowsWholeB
)

const (
	genShift   = 40
	chunkShift = 20
	fieldMask  = 1<<20 - 1
	genMask    = 1<<24 - 1
)

// work takes chunks of round gen until none are left and reports whether
// it finished the round's last chunk.
func (pc *parallelCall) work(ws *workspace, gen uint64) (finishedRound bool) {
	for {
		v := pc.state.Load()
		next, chunks := v&fieldMask, v>>chunkShift&fieldMask
		if v>>genShift != gen&genMask || next >= chunks {
			return finishedRound
		}
		if !pc.state.CompareAndSwap(v, v+1) {
			continue
		}
		// The round's fields stay put until all its chunks are done.
		g := &pc.g
		lo := int(next) * pc.chunk
		switch pc.round {
		case roundRows:
			mc := min(pc.chunk, g.m-lo)
			ws.prepareA(pc.kr, mc, pc.kc)
			macroKernel(pc.kr, ws, pc.bp, g, lo, mc, pc.pc, pc.kc, pc.jc, pc.nc)
		case roundPackB:
			packB(pc.kr, pc.bp[lo*pc.kc:], g, pc.pc, pc.kc, pc.jc+lo, min(pc.chunk, pc.nc-lo))
		case roundCols:
			gemmBlock(pc.kr, ws, g, 0, g.m, lo, min(lo+pc.chunk, g.n))
		case roundRowsWholeB:
			own := *g
			if own.pb == nil {
				if ws.ownFor != pc || ws.ownGen != gen {
					ws.own.packFor(pc.kr, g.transB, g.k, g.n, g.b, g.ldb)
					ws.ownFor, ws.ownGen = pc, gen
				}
				own.pb = &ws.own
			}
			gemmBlock(pc.kr, ws, &own, lo, min(lo+pc.chunk, g.m), 0, g.n)
		}
		if pc.done.Add(1) == int64(chunks) {
			finishedRound = true
		}
	}
}

// task asks a worker to join round gen of a call.
type task struct {
	call *parallelCall
	gen  uint64
}

var (
	workerMu sync.Mutex
	workers  int
	tasks    = make(chan task, 64)
	calls    = freeList[parallelCall]{fresh: func() *parallelCall { return &parallelCall{last: make(chan struct{}, 1)} }}
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
			for {
				t := parallel.Receive(tasks)
				if t.call.work(ws, t.gen) {
					t.call.last <- struct{}{}
				}
			}
		}()
	}
}

// run starts a round of chunks, offers it to nt-1 workers, works on it too
// and returns when all its chunks are done.
func (pc *parallelCall) run(ws *workspace, nt, chunks int) {
	pc.gen++
	pc.done.Store(0)
	pc.state.Store((pc.gen&genMask)<<genShift | uint64(chunks)<<chunkShift)
	for t := 1; t < nt; t++ {
		select {
		case tasks <- task{pc, pc.gen}:
		default: // the workers are swamped: do without
		}
	}
	parallel.Dispatched()
	if !pc.work(ws, pc.gen) {
		parallel.Receive(pc.last)
	}
}

// ownPackMax bounds the op(B) (in floats, packed) that every goroutine of
// a split product packs for itself rather than sharing one pack, packed
// a block at a time in rounds of its own: 1 MB, an L2 cache. A pack that one
// core wrote, the other cores read from that core's cache, which cost
// more than packing again: at 2 threads, W3's Dense(50) products (B of
// 96,000 values) ran 8–28% faster with their own packs, a 512³ product
// 18% (BenchmarkSgemmOwnPack).
var ownPackMax = 1 << 18 // a variable: BenchmarkSgemmOwnPack sets it to 0 for the shared pack

// rowChunkFor returns the rows of C a chunk of a product of m rows split
// over nt threads gets: a multiple of kr.mr, at most kr.mc, such that the
// thread with the most chunks has close to the fewest rows possible (within
// 3%) and there are at least two chunks a thread (a thread that starts
// late, the machine being shared, leaves its chunks to the others), and
// the largest such (each chunk streams the B block once more).
// A Conv1D over one sample of 252 steps (21 panels of 12 rows) on 2
// threads had chunks of 3 panels: 4 chunks against 3, 57% of the work on
// one thread; chunks of one panel give 11 against 10. The split does not
// change the result, only who computes which rows.
func rowChunkFor(kr *microKernel, m, nt int) int {
	panels := (m + kr.mr - 1) / kr.mr
	load := func(p int) int { return ((panels+p-1)/p + nt - 1) / nt * p }
	least := load(1)
	for p := 2; p*kr.mr <= kr.mc; p++ {
		least = min(least, load(p))
	}
	best := 1
	for p := 2; p*kr.mr <= kr.mc; p++ {
		if 100*load(p) <= 103*least && (panels+p-1)/p >= 2*nt {
			best = p
		}
	}
	return best * kr.mr
}

// gemm runs g with kernel kr on up to Threads() goroutines, the caller's
// included. With enough rows, each (jc, pc) block of B is packed once and
// the blocks of rows of C are shared out; otherwise the columns of C are.
func gemm(kr *microKernel, g *gemmArgs) {
	nt := Threads()
	if flops := 2 * float64(g.m) * float64(g.n) * float64(g.k); flops < serialFlops || g.serial {
		nt = 1
	}
	// Chunks of rows: see rowChunkFor; no more than parallelCall.state
	// can count.
	rowChunk := max(rowChunkFor(kr, g.m, nt), roundUp((g.m+fieldMask-1)/fieldMask, kr.mr))
	rowChunks := (g.m + rowChunk - 1) / rowChunk
	colChunk := min(kr.nc, roundUp((g.n+4*nt-1)/(4*nt), kr.nr))
	colChunk = max(colChunk, roundUp((g.n+fieldMask-1)/fieldMask, kr.nr))
	colChunks := (g.n + colChunk - 1) / colChunk
	ws := workspaces.get()
	defer workspaces.put(ws)
	if nt <= 1 || max(rowChunks, colChunks) < 2 {
		gemmBlock(kr, ws, g, 0, g.m, 0, g.n)
		return
	}
	nt = min(nt, max(rowChunks, colChunks))
	startWorkers(nt - 1)
	call := calls.get()
	defer calls.put(call)
	call.kr, call.g = kr, *g
	defer func() { call.g = gemmArgs{} }() // drop the caller's slices
	if rowChunks*2 < colChunks && rowChunks < 2*nt {
		call.round, call.chunk = roundCols, colChunk
		call.run(ws, nt, colChunks)
		return
	}
	if g.pb != nil || roundUp(g.n, kr.nr)*g.k <= ownPackMax {
		// One round: each chunk of rows goes through every block of op(B).
		call.round, call.chunk = roundRowsWholeB, rowChunk
		call.run(ws, nt, rowChunks)
		return
	}
	kcMax := blockDepth(kr.kc, g.k)
	ws.prepare(kr, rowChunk, min(kr.nc, g.n), kcMax)
	// B is packed in columns of 4 micro-panels, at least 2 per thread.
	packChunk := kr.nr * max(1, min(4, min(kr.nc, g.n)/(2*nt*kr.nr)))
	for jc := 0; jc < g.n; jc += kr.nc {
		nc := min(kr.nc, g.n-jc)
		for pc := 0; pc < g.k; pc += kcMax {
			kc := min(kcMax, g.k-pc)
			call.bp, call.pc, call.kc, call.jc, call.nc = ws.b, pc, kc, jc, nc
			if g.pb != nil {
				call.bp = g.pb.block(jc, pc, kc)
			} else {
				call.round, call.chunk = roundPackB, packChunk
				call.run(ws, nt, (nc+packChunk-1)/packChunk)
			}
			call.round, call.chunk = roundRows, rowChunk
			call.run(ws, nt, rowChunks)
		}
	}
	call.bp = nil
}
