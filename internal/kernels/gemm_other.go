//go:build purego || !(amd64 || arm64)

package kernels

// archKernels returns no assembly kernels: this build uses the generic one.
func archKernels() []*microKernel { return nil }
