package parallel

import (
	"runtime"
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
const spinFor = 50 * time.Microsecond

// Receive returns the next value sent on ch, polling for up to spinFor
// before it blocks. The pools' workers (this package's and the GEMM's)
// wait for their jobs with it, and callers for the last piece of a pass.
func Receive[T any](ch <-chan T) T {
	var start time.Time
	for i := 0; ; i++ {
		select {
		case v := <-ch:
			return v
		default:
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
