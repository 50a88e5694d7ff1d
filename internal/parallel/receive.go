package parallel

import (
	"runtime"
	"sync/atomic"
	"time"
)

// spinFor is how long a worker keeps polling for its next job before it
// blocks. A blocked goroutine whose thread went to sleep takes tens of
// microseconds to wake on a virtual machine (the thread is woken through
// the OS, then has to take the goroutine from the sender's processor),
// which is a third of a 40-MFLOP product split over two cores (a Conv1D
// on one sample); passes of a training step come microseconds apart. So
// workers poll a little first, as OpenMP runtimes and ONNX Runtime's
// thread pool do, yielding to any other goroutine all the while: an idle
// worker costs at most spinFor of CPU time after each job.
//
// 200 µs covers the gaps between the passes of a small model's training
// step and the wait of a pass's caller for its last item (half of a
// 200-µs unit of W3's chain, on average): at 50 µs a two-core W3 step
// took 2-3% longer (in-process A/B of alternating blocks of steps on a
// shared two-vCPU virtual machine: 100, 200, 400 and 1000 µs all gave
// 100-230 µs less per 6-7 ms step, most of it in Dense(50)'s products,
// whose workers had stopped polling in the 60 µs since the layer's
// forward pass, and in the chain's passes). OpenMP runtimes keep
// polling for 200 ms by default (KMP_BLOCKTIME).
const spinFor = 200 * time.Microsecond

// handOffs counts the passes handed to workers (see Dispatched).
var handOffs atomic.Uint64

// Dispatched records that a pass was just handed to workers (its jobs are
// already sent). A polling worker of another pool then stops polling and
// blocks: while it polls it holds a processor, and the runtime would give
// a woken worker of the other pool that processor only once it gives up.
func Dispatched() { handOffs.Add(1) }

// Receive returns the next value sent on ch, polling for up to spinFor,
// or until another pool's pass is handed out (Dispatched), before it
// blocks. The pools' workers (this package's and the GEMM's)
// wait for their jobs with it, and callers for the last piece of a pass.
func Receive[T any](ch <-chan T) T {
	var start time.Time
	seen := handOffs.Load()
	for i := 0; ; i++ {
		select {
		case v := <-ch:
			return v
		default:
		}
		if handOffs.Load() != seen {
			// A pass was handed out after its jobs were sent: if it was
			// ours, ch holds a job now.
			select {
			case v := <-ch:
				return v
			default:
				return <-ch
			}
		}
		if i%16 == 0 {
			if i == 0 {
				start = time.Now()
			} else if time.Since(start) > spinFor {
				return <-ch
			}
		}
		runtime.Gosched()
	}
}
