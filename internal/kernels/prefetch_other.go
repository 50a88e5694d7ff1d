//go:build purego || !(amd64 || arm64)

package kernels

// prefetchIsAsm says that Prefetch issues prefetch instructions.
const prefetchIsAsm = false

// prefetch reads one value of each of x's 64-byte cache lines and returns
// their sum: plain loads, which Go cannot issue as prefetches.
func prefetch(x []float32) float32 {
	var s float32
	for j := 0; j < len(x); j += 16 {
		s += x[j]
	}
	return s
}
