package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// TestEachRunsEveryItemOnce checks that every item of [0, n) is run exactly
// once, for several core counts, and that passes run back to back, each
// with its own function, never run an item of one pass with another's
// function (a worker that wakes up late must not take items of the next
// pass). A pass that skips an item fails it, naming the pass, rather than
// hanging.
func TestEachRunsEveryItemOnce(t *testing.T) {
	for _, procs := range []int{1, 2, 3, 8} {
		func() {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			for pass := 0; pass < 300; pass++ {
				n := pass % 37
				seen := make([]int32, n)
				if !returnsWithin(func() { Each(n, func(i int) { atomic.AddInt32(&seen[i], 1) }) }) {
					t.Fatalf("GOMAXPROCS=%d pass %d n=%d did not return within %v; items not run: %v", procs, pass, n, passLimit, notRun(seen))
				}
				for i, c := range seen {
					if c != 1 {
						t.Fatalf("GOMAXPROCS=%d pass %d n=%d: item %d run %d times", procs, pass, n, i, c)
					}
				}
			}
		}()
	}
}

// TestEachNestedAndConcurrent checks that Each and Pieces called from
// inside items and from many goroutines at once finish and cover their
// ranges exactly once.
func TestEachNestedAndConcurrent(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	var total atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 40 {
				Each(10, func(int) {
					Each(7, func(int) { total.Add(1) })
					Pieces(5, 5, func(_, lo, hi int) { total.Add(int64(hi - lo)) })
				})
			}
		}()
	}
	if !returnsWithin(wg.Wait) {
		t.Fatalf("6 goroutines' 40 nested passes each did not return within %v (%d items run)", passLimit, total.Load())
	}
	if want := int64(6 * 40 * 10 * 12); total.Load() != want {
		t.Fatalf("ran %d items, want %d", total.Load(), want)
	}
}

// TestEachAllocatesNothing checks that a pass with a function made once
// allocates nothing once the workers run.
func TestEachAllocatesNothing(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	x := make([]float32, 64)
	f := func(i int) { x[i]++ }
	var a float64
	if !returnsWithin(func() {
		Each(len(x), f)
		a = testing.AllocsPerRun(100, func() { Each(len(x), f) })
	}) {
		t.Fatalf("102 passes of 64 items did not return within %v", passLimit)
	}
	if a != 0 {
		t.Errorf("Each allocated %v times a call", a)
	}
	for i, v := range x {
		if v != 102 {
			t.Fatalf("x[%d] = %v after 102 passes", i, v)
		}
	}
}

// TestEachPanicReachesTheCaller checks that an item's panic, on whichever
// goroutine it ran, is raised on the caller's, after the other items ran,
// and that the pool still works afterwards.
func TestEachPanicReachesTheCaller(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for _, bad := range []int{0, 5, 15} {
		var ran atomic.Int32
		var got any
		if !returnsWithin(func() {
			defer func() { got = recover() }()
			Each(16, func(i int) {
				ran.Add(1)
				if i == bad {
					panic("item failed")
				}
			})
		}) {
			t.Fatalf("bad item %d: the pass did not return within %v (%d of 16 items run)", bad, passLimit, ran.Load())
		}
		if got != "item failed" || ran.Load() != 16 {
			t.Fatalf("bad item %d: recovered %v after %d items, want the item's panic after 16", bad, got, ran.Load())
		}
	}
	var calls atomic.Int32
	if !returnsWithin(func() { Each(8, func(int) { calls.Add(1) }) }) {
		t.Fatalf("after a panic, a pass of 8 items did not return within %v (%d run)", passLimit, calls.Load())
	}
	if calls.Load() != 8 {
		t.Errorf("after a panic, a pass ran %d items, want 8", calls.Load())
	}
}
