//go:build !purego && (amd64 || arm64)

package kernels

// prefetchIsAsm says that Prefetch issues prefetch instructions.
const prefetchIsAsm = true

// prefetch issues a prefetch of each of x's cache lines (64 bytes).
func prefetch(x []float32) float32 {
	prefetchLines(&x[0], (len(x)+15)/16)
	return 0
}

// prefetchLines prefetches lines cache lines of 64 bytes from p on (the
// last may start inside x and end past it: a prefetch never faults).
//
//go:noescape
func prefetchLines(p *float32, lines int)
