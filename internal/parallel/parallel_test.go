package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// TestPiecesCoverEachIndexOnce checks that every index of [0, n) is handed
// to exactly one call, with the piece bounds the doc promises, for sizes
// that divide evenly, that leave tails and empty pieces, and for n = 0. A
// pass that loses a piece fails it, naming the indices, rather than
// hanging.
func TestPiecesCoverEachIndexOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for _, n := range []int{0, 1, 2, 3, 7, 64, 1000, 1001} {
		for _, np := range []int{0, 1, 2, 3, 4, 5, 8, 13} {
			seen := make([]int32, n)
			var calls atomic.Int32
			if !returnsWithin(func() {
				Pieces(n, np, func(piece, lo, hi int) {
					calls.Add(1)
					chunk := (n + max(np, 1) - 1) / max(np, 1)
					if lo != piece*chunk || hi != min(lo+chunk, n) || lo >= hi {
						t.Errorf("n=%d np=%d: piece %d got [%d,%d)", n, np, piece, lo, hi)
					}
					for i := lo; i < hi; i++ {
						atomic.AddInt32(&seen[i], 1)
					}
				})
			}) {
				t.Fatalf("n=%d np=%d: Pieces did not return within %v; indices not handled: %v", n, np, passLimit, notRun(seen))
			}
			for i, c := range seen {
				if c != 1 {
					t.Fatalf("n=%d np=%d: index %d handled %d times", n, np, i, c)
				}
			}
			if want := min(max(np, 1), n); n > 0 && int(calls.Load()) > want {
				t.Errorf("n=%d np=%d: %d calls, want at most %d", n, np, calls.Load(), want)
			}
		}
	}
}

// TestForSplitsOnlyLargePasses checks the threshold: a small pass is one
// piece, a large one a piece per core.
func TestForSplitsOnlyLargePasses(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	count := func(work int) int {
		var calls atomic.Int32
		if !returnsWithin(func() { For(90, work, 100, func(piece, lo, hi int) { calls.Add(1) }) }) {
			t.Fatalf("For(90, %d, 100) did not return within %v (%d pieces run)", work, passLimit, calls.Load())
		}
		return int(calls.Load())
	}
	if got := count(99); got != 1 {
		t.Errorf("work below the threshold: %d pieces, want 1", got)
	}
	if got := count(100); got != 3 {
		t.Errorf("work at the threshold: %d pieces, want 3 (one per core)", got)
	}
}

// TestNestedAndConcurrentCalls checks that a call from inside a piece and
// calls from many goroutines at once finish (no deadlock) and still cover
// their ranges exactly once.
func TestNestedAndConcurrentCalls(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	const n = 500
	var total atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				Pieces(n, 2, func(piece, lo, hi int) {
					Pieces(hi-lo, 2, func(_, a, b int) { total.Add(int64(b - a)) })
				})
			}
		}()
	}
	if !returnsWithin(wg.Wait) {
		t.Fatalf("8 goroutines' 50 nested passes each did not return within %v (%d indices covered)", passLimit, total.Load())
	}
	if want := int64(8 * 50 * n); total.Load() != want {
		t.Fatalf("covered %d indices, want %d", total.Load(), want)
	}
}

// TestPiecesAllocatesNothing checks that a split pass with a function made
// once allocates nothing once the workers run.
func TestPiecesAllocatesNothing(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	x := make([]float32, 1<<12)
	f := func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			x[i]++
		}
	}
	var a float64
	if !returnsWithin(func() {
		Pieces(len(x), 2, f)
		a = testing.AllocsPerRun(100, func() { Pieces(len(x), 2, f) })
	}) {
		t.Fatalf("102 passes of 2 pieces did not return within %v", passLimit)
	}
	if a != 0 {
		t.Errorf("Pieces allocated %v times a call", a)
	}
	if x[0] != 102 || x[len(x)-1] != 102 {
		t.Errorf("x[0], x[n-1] = %v, %v after 102 passes", x[0], x[len(x)-1])
	}
}

// TestWorkerPanicReachesTheCaller checks that a panic in a piece run by a
// worker goroutine is raised on the caller's goroutine, where it can be
// recovered, and that the pool still works afterwards.
func TestWorkerPanicReachesTheCaller(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for _, bad := range []int{0, 1, 3} {
		var got any
		if !returnsWithin(func() {
			defer func() { got = recover() }()
			Pieces(4, 4, func(piece, lo, hi int) {
				if piece == bad {
					panic("piece failed")
				}
			})
		}) {
			t.Fatalf("bad piece %d: the pass did not return within %v", bad, passLimit)
		}
		if got != "piece failed" {
			t.Fatalf("bad piece %d: recovered %v, want the piece's panic", bad, got)
		}
	}
	var calls atomic.Int32
	if !returnsWithin(func() { Pieces(8, 4, func(_, lo, hi int) { calls.Add(1) }) }) {
		t.Fatalf("after a panic, a pass of 4 pieces did not return within %v (%d run)", passLimit, calls.Load())
	}
	if calls.Load() != 4 {
		t.Errorf("after a panic, a pass ran %d pieces, want 4", calls.Load())
	}
}
