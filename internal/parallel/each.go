package parallel

import (
	"runtime"
	"sync/atomic"
)

// Each calls f(i) for every i in [0, n) and returns when all are done. Up
// to GOMAXPROCS goroutines share the items, this one included, each taking
// the next item as it comes free: a core that the operating system slows
// down (a shared machine) simply takes fewer, and the caller waits only for
// items already taken, never for a goroutine that has not started yet. Which
// goroutine runs an item varies from call to call, so f(i) must do the
// same work whichever runs it: callers that sum partial results keep one
// per item and add them up in item order.
//
// n must be below 1<<22. As with Pieces, a call made while another pass is running (from another
// goroutine, or from inside f) runs its items on its own goroutine, in
// order.
func Each(n int, f func(i int)) {
	if n >= maxItems {
		panic("parallel: Each of 1<<22 items or more")
	}
	nw := min(runtime.GOMAXPROCS(0), n)
	if nw <= 1 || !shared.mu.TryLock() {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	defer shared.mu.Unlock()
	e := &shared.each
	if e.last == nil {
		e.last = make(chan struct{}, 1)
	}
	e.f = f
	e.gen++
	e.done.Store(0)
	e.state.Store(e.gen&genMask<<genShift | uint64(n)<<itemBits) // publishes f and n
	shared.start(nw - 1)
	// The workers' wait group is not used: a worker joins late or not at
	// all, and only the item counts say when the pass is over.
	for w := 1; w < nw; w++ {
		select {
		case shared.jobs <- job{each: e, gen: e.gen}:
		default: // the workers are swamped: do without
		}
	}
	Dispatched()
	if !e.work(e.gen) {
		Receive(e.last) // a worker finishes the last item
	}
	e.f = nil
	if r := e.panicked; r != nil {
		e.panicked = nil
		panic(r)
	}
}

// maxItems bounds an Each pass's items, which state counts in itemBits.
const maxItems = 1 << itemBits

const (
	itemBits = 22
	genShift = 2 * itemBits
	genMask  = 1<<(64-genShift) - 1
	itemMask = 1<<itemBits - 1
)

// eachPass is the state of an Each pass that its goroutines share. Items
// are taken through state, which holds the pass's generation (bits 44-63),
// its number of items (bits 22-43) and the next item (bits 0-21): a worker
// that wakes up after its pass is over finds another generation and takes
// nothing, without reading any other field.
type eachPass struct {
	state    atomic.Uint64
	done     atomic.Int64 // items finished
	gen      uint64       // the current pass's generation; caller only
	f        func(int)
	last     chan struct{} // receives one value when a worker finishes the last item
	panicked any           // the first panic of an item, raised again by Each
}

// work takes items of pass gen until none are left and reports whether it
// finished the pass's last item.
func (e *eachPass) work(gen uint64) (finishedLast bool) {
	for {
		v := e.state.Load()
		i, n := int(v&itemMask), int(v>>itemBits&itemMask)
		if v>>genShift != gen&genMask || i >= n {
			return finishedLast
		}
		if !e.state.CompareAndSwap(v, v+1) {
			continue
		}
		e.run(i)
		if e.done.Add(1) == int64(n) {
			finishedLast = true
		}
	}
}

// run calls f(i), keeping a panic for Each to raise on the caller's
// goroutine.
func (e *eachPass) run(i int) {
	defer func() {
		if r := recover(); r != nil {
			shared.panicMu.Lock()
			if e.panicked == nil {
				e.panicked = r
			}
			shared.panicMu.Unlock()
		}
	}()
	e.f(i)
}
