// Package parallel shares a pass over a range of rows or elements among the
// cores, on goroutines that live for the whole process, so that a training
// step that splits its passes allocates nothing and starts no goroutine.
//
// The layers' row passes, the executor's gradient clearing and the
// optimizers' element-wise updates use it. The GEMM keeps its own workers
// (internal/kernels): they hold packing buffers and take chunks of a
// product dynamically, which these static ranges do not need.
package parallel

import (
	"runtime"
	"sync"
)

// Pieces calls f(piece, lo, hi) for the np ranges [piece·chunk,
// (piece+1)·chunk) ∩ [0, n), chunk = ⌈n/np⌉, skipping empty ones, and
// returns when all are done. Up to GOMAXPROCS goroutines share them, this
// one included: goroutine w runs pieces w, w+nw, w+2nw, …, so a piece
// index below GOMAXPROCS (np ≤ GOMAXPROCS) can name scratch of its own.
//
// A call made while another is running (from another goroutine, or from
// inside f) runs its pieces on its own goroutine, in order, rather than
// wait: callers must not rely on the pieces running at the same time.
func Pieces(n, np int, f func(piece, lo, hi int)) {
	np = max(np, 1)
	chunk := (n + np - 1) / np
	// One piece needs no other goroutine, nor GOMAXPROCS, whose lock was
	// 5% of a small model's training step (W1), most of whose passes are
	// one piece.
	nw := 1
	if np > 1 {
		nw = min(runtime.GOMAXPROCS(0), np)
	}
	if nw <= 1 || !shared.mu.TryLock() {
		runPieces(f, 0, 1, np, chunk, n)
		return
	}
	defer shared.mu.Unlock()
	shared.start(nw - 1)
	shared.wg.Add(nw - 1)
	for w := 1; w < nw; w++ {
		shared.jobs <- job{f: f, w: w, nw: nw, np: np, chunk: chunk, n: n}
	}
	Dispatched()
	shared.wg.Add(1)
	shared.runJob(job{f: f, w: 0, nw: nw, np: np, chunk: chunk, n: n}) // this goroutine's share
	shared.wg.Wait()
	if r := shared.panicked; r != nil {
		// A worker's panic is raised again here, on the caller's
		// goroutine, where the caller can recover it (a panic on a worker
		// would end the process).
		shared.panicked = nil
		panic(r)
	}
}

// For calls f over [0, n) in one piece per core when the pass touches at
// least minWork values (work), and in one piece on this goroutine
// otherwise: below that, waking the other cores costs more than they save.
func For(n, work, minWork int, f func(piece, lo, hi int)) {
	np := 1
	if work >= minWork {
		np = max(1, runtime.GOMAXPROCS(0))
	}
	Pieces(n, np, f)
}

// runPieces runs pieces w, w+nw, w+2nw, … of a pass.
func runPieces(f func(piece, lo, hi int), w, nw, np, chunk, n int) {
	for p := w; p < np; p += nw {
		if lo, hi := p*chunk, min((p+1)*chunk, n); lo < hi {
			f(p, lo, hi)
		}
	}
}

// job is one goroutine's share of a pass: pieces w, w+nw, … of f, or
// with each set, the items of round gen of an Each pass.
type job struct {
	f                   func(piece, lo, hi int)
	w, nw, np, chunk, n int
	each                *eachPass
	gen                 uint64
}

// pool is the workers; mu is held by the one pass they serve.
type pool struct {
	mu       sync.Mutex
	jobs     chan job
	wg       sync.WaitGroup
	workers  int
	panicMu  sync.Mutex
	panicked any // the first panic of a worker in the current pass
	each     eachPass
}

var shared = &pool{jobs: make(chan job, 64)}

// start makes sure at least n workers wait for jobs. The caller holds mu.
func (p *pool) start(n int) {
	for ; p.workers < n; p.workers++ {
		go func() {
			for {
				j := Receive(p.jobs)
				if j.each == nil {
					p.runJob(j)
				} else if j.each.work(j.gen, true) {
					j.each.last <- struct{}{}
				}
			}
		}()
	}
}

// runJob runs a worker's share of a pass, keeping a panic for Pieces to
// raise on the caller's goroutine.
func (p *pool) runJob(j job) {
	defer func() {
		if r := recover(); r != nil {
			p.panicMu.Lock()
			if p.panicked == nil {
				p.panicked = r
			}
			p.panicMu.Unlock()
		}
		p.wg.Done()
	}()
	runPieces(j.f, j.w, j.nw, j.np, j.chunk, j.n)
}
