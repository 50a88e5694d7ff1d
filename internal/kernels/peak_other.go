//go:build purego || !(amd64 || arm64)

package kernels

// fmaPeakLoop: no vector assembly in this build, so the plain-Go scalar
// loop, the ceiling of the generic kernel that runs here.
func fmaPeakLoop() (func(iters int), float64, string) { return goPeakLoop() }
