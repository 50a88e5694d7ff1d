//go:build !amd64 && !arm64

package kernels

// CPUFeatures lists the vector features that matter to seqnet's kernels:
// none on this architecture, which runs the plain-Go kernel.
func CPUFeatures() []string { return nil }
