//go:build purego || !(amd64 || arm64)

package kernels

// fmaPeakLoop: no assembly in this build.
func fmaPeakLoop() (func(iters int), float64) { return nil, 0 }
