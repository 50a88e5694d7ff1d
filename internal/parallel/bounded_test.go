package parallel

import (
	"sync/atomic"
	"time"
)

// passLimit bounds how long a test waits for a pass (Each, Pieces, For) or
// a Receive to return. It is not a speed check: the passes tested take
// microseconds, and the bound is thousands of times that, for a loaded
// machine and the race detector. It is there because a pass that loses an
// item or a piece never returns (its count of work left never reaches 0),
// nor does a Receive that misses a value, and without a bound such a bug
// shows up as go test's 10-minute timeout instead of a failure naming the
// pass.
const passLimit = 20 * time.Second

// returnsWithin runs f on another goroutine and reports whether it returned
// within passLimit. When it does not, f's goroutine is left blocked (and
// with it the pool's lock, so later passes of the test binary run
// serially); the caller fails the test.
func returnsWithin(f func()) bool {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	t := time.NewTimer(passLimit)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// notRun lists the items of counts still at 0, as a pass that did not
// return left them.
func notRun(counts []int32) []int {
	var idle []int
	for i := range counts {
		if atomic.LoadInt32(&counts[i]) == 0 {
			idle = append(idle, i)
		}
	}
	return idle
}
