package kernels

import "golang.org/x/sys/cpu"

// CPUFeatures lists the vector features of this CPU that matter to
// seqnet's kernels, whether or not this build uses them (Impl says which
// kernel runs): neon is part of every AArch64 CPU and is what the kernels
// use; sve and the half-precision extensions are not used.
func CPUFeatures() []string {
	f := []string{"neon"}
	if cpu.ARM64.HasSVE {
		f = append(f, "sve")
	}
	if cpu.ARM64.HasASIMDHP {
		f = append(f, "asimdhp")
	}
	return f
}
