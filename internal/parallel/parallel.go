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
// returns when all are done. Up to nw = min(GOMAXPROCS, np) goroutines
// share them, this one included, in nw sets: set s is pieces s, s+nw,
// s+2nw, …, run in order on one goroutine, so a piece index below
// GOMAXPROCS (np ≤ GOMAXPROCS) can name scratch of its own. The sets are
// an Each pass's items: the same set runs on the same CPU from pass to
// pass (see Each), whose cache still holds what the set's pieces read and
// wrote in the pass before (an optimizer's moments, a layer's rows), and
// a goroutine that starts late leaves its set to the others.
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
	ps := &shared.pieces
	ps.f, ps.nw, ps.np, ps.chunk, ps.n = f, nw, np, chunk, n
	if ps.set == nil {
		ps.set = ps.runSet // made once: a pass allocates nothing
	}
	defer func() { ps.f = nil }()
	// A worker's panic is raised again here, on the caller's goroutine,
	// where the caller can recover it (a panic on a worker would end the
	// process).
	shared.eachPass(nw, nw, ps.set)
}

// piecesPass is the Pieces pass under way, whose sets an Each pass runs.
type piecesPass struct {
	f                func(piece, lo, hi int)
	nw, np, chunk, n int
	set              func(s int)
}

// runSet runs set s of the pass: pieces s, s+nw, ….
func (ps *piecesPass) runSet(s int) { runPieces(ps.f, s, ps.nw, ps.np, ps.chunk, ps.n) }

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

// job is a worker's call to round gen of an Each pass.
type job struct {
	each *eachPass
	gen  uint64
}

// pool is the workers; mu is held by the one pass they serve.
type pool struct {
	mu      sync.Mutex
	jobs    chan job
	workers int
	panicMu sync.Mutex
	each    eachPass
	pieces  piecesPass
}

var shared = &pool{jobs: make(chan job, 64)}

// start makes sure at least n workers wait for jobs. The caller holds mu.
func (p *pool) start(n int) {
	for ; p.workers < n; p.workers++ {
		go func() {
			for {
				j := Receive(p.jobs)
				if j.each.work(j.gen, true) {
					j.each.last <- struct{}{}
				}
			}
		}()
	}
}
