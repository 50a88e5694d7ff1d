//go:build !unix

package kernels

// processCPU is not measured on this system.
func processCPU() float64 { return 0 }
