package layers

import (
	"runtime"
	"sync"
)

// rowSplit shares a pass over rows among the cores. Every row is handled
// by one goroutine with the same arithmetic, so the result does not depend
// on the split. Keep one per layer state and give it a row function made
// once (a method value or a closure stored in the state), so that a pass
// allocates nothing.
type rowSplit struct {
	wg sync.WaitGroup
}

// run shares rows among the cores, one range each, once the pass is large
// enough to pay for it (elems, the values it touches, at least
// parallelMin), and runs it on this goroutine otherwise. f gets the range
// and its index, below GOMAXPROCS, for scratch kept per range.
func (s *rowSplit) run(rows, elems int, f func(piece, lo, hi int)) {
	np := 1
	if elems >= parallelMin {
		np = max(1, min(runtime.GOMAXPROCS(0), rows))
	}
	s.pieces(rows, np, f)
}

// pieces calls f(piece, lo, hi) for each of np equal row ranges, the
// pieces shared among up to GOMAXPROCS goroutines (this one included).
func (s *rowSplit) pieces(rows, np int, f func(piece, lo, hi int)) {
	chunk := (rows + np - 1) / np
	nw := min(runtime.GOMAXPROCS(0), np)
	if nw <= 1 {
		for p := 0; p < np; p++ {
			f(p, p*chunk, min((p+1)*chunk, rows))
		}
		return
	}
	for w := 1; w < nw; w++ {
		s.wg.Add(1)
		go runPieces(f, w, nw, np, chunk, rows, &s.wg)
	}
	s.wg.Add(1)
	runPieces(f, 0, nw, np, chunk, rows, &s.wg)
	s.wg.Wait()
}

// runPieces runs pieces w, w+nw, w+2nw, … of a pass.
func runPieces(f func(piece, lo, hi int), w, nw, np, chunk, rows int, wg *sync.WaitGroup) {
	defer wg.Done()
	for p := w; p < np; p += nw {
		if lo, hi := p*chunk, min((p+1)*chunk, rows); lo < hi {
			f(p, lo, hi)
		}
	}
}
