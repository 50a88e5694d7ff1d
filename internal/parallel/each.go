package parallel

import (
	"runtime"
	"sync/atomic"
)

// Each calls f(i) for every i in [0, n) and returns when all are done. Up
// to GOMAXPROCS goroutines share the items, this one included, each taking
// the next item as it comes free: a core that the operating system slows
// down (a shared machine) simply takes fewer, and the caller waits only for
// items already taken, never for a goroutine that has not started yet.
//
// Goroutines on even-numbered CPUs take items from the front (0, 1, …),
// those on odd-numbered ones from the back (n-1, n-2, …), so that passes
// over the same items one after the other (a layer chain's forward and
// backward over units of samples) run most items on the same CPU each
// time, whose cache still holds what the pass before wrote for them, while
// the sharing stays dynamic (see fromBack). Which goroutine runs an item
// still varies from call to call, so f(i) must do the same work whichever
// runs it: callers that sum partial results keep one per item and add them
// up in item order.
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
	shared.eachPass(n, nw, f)
}

// eachPass runs an Each pass of n items on up to nw goroutines, this one
// included. The caller holds shared.mu.
func (p *pool) eachPass(n, nw int, f func(i int)) {
	e := &p.each
	if e.last == nil {
		e.last = make(chan struct{}, 1)
	}
	e.f = f
	e.gen++
	e.left.Store(int64(n))
	e.state.Store(e.gen&genMask<<genShift | uint64(n)<<itemBits) // publishes f and left
	p.start(nw - 1)
	// The workers' wait group is not used: a worker joins late or not at
	// all, and only the item counts say when the pass is over.
	for w := 1; w < nw; w++ {
		select {
		case p.jobs <- job{each: e, gen: e.gen}:
		default: // the workers are swamped: do without
		}
	}
	Dispatched()
	if !e.work(e.gen, false) {
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
// are taken through state, which holds the pass's generation (bits 44-63)
// and the items not yet taken, [lo, hi): hi in bits 22-43, lo in bits 0-21.
// A worker that wakes up after its pass is over finds another generation
// and takes nothing, without reading any other field.
type eachPass struct {
	state    atomic.Uint64
	left     atomic.Int64 // items not yet finished
	gen      uint64       // the current pass's generation; caller only
	f        func(int)
	last     chan struct{} // receives one value when a worker finishes the last item
	panicked any           // the first panic of an item, raised again by Each
}

// work takes items of pass gen until none are left, from the end that
// fromBack(worker) says, and reports whether it finished the pass's last
// item.
func (e *eachPass) work(gen uint64, worker bool) bool {
	return e.take(gen, fromBack(worker))
}

// take takes items of pass gen until none are left, the last one not taken
// if back, the first one otherwise, and reports whether it finished the
// pass's last item.
func (e *eachPass) take(gen uint64, back bool) (finishedLast bool) {
	for {
		v := e.state.Load()
		lo, hi := int(v&itemMask), int(v>>itemBits&itemMask)
		if v>>genShift != gen&genMask || lo >= hi {
			return finishedLast
		}
		i, next := lo, v+1
		if back {
			i, next = hi-1, v-1<<itemBits
		}
		if !e.state.CompareAndSwap(v, next) {
			continue
		}
		e.run(i)
		if e.left.Add(-1) == 0 {
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

// fromBack reports whether this goroutine takes an Each pass's items from
// the back: where the system says which CPU it runs on (Linux), when that
// CPU's number is odd, and otherwise when it is a worker (not the caller).
// The CPU decides where it is known because goroutines trade threads, and
// so CPUs, from pass to pass: a goroutine polling for its next job yields
// to the scheduler's global queue, from which either processor may take
// it. Keyed to the caller instead, W3's chain passes ran no faster on two
// cores; keyed to the CPU, a two-core W3 training step took 4.5-8% less
// time (an in-process A/B of alternating blocks of steps, on a shared
// two-vCPU virtual machine).
func fromBack(worker bool) bool {
	if cpu, ok := currentCPU(); ok {
		return cpu&1 == 1
	}
	return worker
}
