package parallel

import (
	"slices"
	"testing"
)

// startPass sets e up for pass gen over n items with f, as Each does.
func startPass(e *eachPass, gen uint64, n int, f func(int)) {
	e.f, e.gen = f, gen
	e.left.Store(int64(n))
	e.state.Store(gen&genMask<<genShift | uint64(n)<<itemBits)
}

// TestTakeFromBothEnds checks that a goroutine taking from the front takes
// the first item not taken and one taking from the back the last, that the
// two meet without taking an item twice, that only the goroutine finishing
// the pass's last item reports it, and that a goroutine of another pass
// takes nothing.
func TestTakeFromBothEnds(t *testing.T) {
	var e eachPass
	for _, back := range []bool{false, true} {
		var got []int
		startPass(&e, 1, 6, func(i int) { got = append(got, i) })
		last := e.take(1, back)
		want := []int{0, 1, 2, 3, 4, 5}
		if back {
			slices.Reverse(want)
		}
		if !last || !slices.Equal(got, want) {
			t.Errorf("back=%v: took %v, finished last %v; want %v, true", back, got, last, want)
		}
	}

	// The back's first item takes every other item from the front before
	// it finishes, so the front's goroutine does not finish the last one.
	var got []int
	var innerLast bool
	startPass(&e, 2, 7, func(i int) {
		got = append(got, i)
		if i == 6 {
			innerLast = e.take(2, false)
		}
	})
	outerLast := e.take(2, true)
	if want := []int{6, 0, 1, 2, 3, 4, 5}; !slices.Equal(got, want) || innerLast || !outerLast {
		t.Errorf("interleaved: took %v, front finished last %v, back %v; want %v, false, true",
			got, innerLast, outerLast, want)
	}

	got = nil
	startPass(&e, 4, 5, func(i int) { got = append(got, i) })
	if e.take(3, true) || e.take(3, false) || len(got) != 0 {
		t.Errorf("a goroutine of pass 3 took items %v of pass 4", got)
	}
}
