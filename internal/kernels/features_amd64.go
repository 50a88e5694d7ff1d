package kernels

import "golang.org/x/sys/cpu"

// CPUFeatures lists the vector features of this CPU that matter to
// seqnet's kernels, widest first, whether or not this build uses them
// (Impl says which kernel runs): the float32 kernels use avx512f, or avx2
// with fma; avx512bf16 and amx-bf16 would allow bfloat16 products, which
// seqnet does not use (its results stay exact float32).
func CPUFeatures() []string {
	var f []string
	for _, x := range []struct {
		has  bool
		name string
	}{
		{cpu.X86.HasAMXBF16, "amx-bf16"},
		{cpu.X86.HasAVX512BF16, "avx512bf16"},
		{cpu.X86.HasAVX512F, "avx512f"},
		{cpu.X86.HasAVX2, "avx2"},
		{cpu.X86.HasFMA, "fma"},
		{cpu.X86.HasAVX, "avx"},
	} {
		if x.has {
			f = append(f, x.name)
		}
	}
	return f
}
