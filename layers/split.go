package layers

import (
	"runtime"
	"sync"
)

// rowSplit shares a pass over rows among the cores once it is large
// enough to pay for it (elems, the values it touches, at least
// parallelMin): the calling goroutine takes the first range, one helper
// each the others. Every row is handled by one goroutine with the same
// arithmetic, so the result does not depend on the split. Keep one per
// layer state and give it a row function made once (a method value), so
// that a pass allocates nothing.
type rowSplit struct {
	wg    sync.WaitGroup
	chunk int // rows per range in the pass under way: range lo is piece lo/chunk
}

// piece returns the index (0, 1, …, below GOMAXPROCS) of the range that
// starts at row lo, for row functions that keep scratch per range.
func (s *rowSplit) piece(lo int) int { return lo / s.chunk }

func (s *rowSplit) run(rows, elems int, f func(lo, hi int)) {
	nw := min(runtime.GOMAXPROCS(0), rows)
	if elems < parallelMin || nw < 2 {
		s.chunk = max(rows, 1)
		f(0, rows)
		return
	}
	chunk := (rows + nw - 1) / nw
	s.chunk = chunk
	for lo := chunk; lo < rows; lo += chunk {
		s.wg.Add(1)
		go runRange(f, lo, min(lo+chunk, rows), &s.wg)
	}
	f(0, chunk)
	s.wg.Wait()
}

func runRange(f func(lo, hi int), lo, hi int, wg *sync.WaitGroup) {
	defer wg.Done()
	f(lo, hi)
}
