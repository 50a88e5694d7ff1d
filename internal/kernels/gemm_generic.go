package kernels

// genericKernel is the plain Go micro-kernel: it runs everywhere and is
// what -tags purego and SEQNET_NOSIMD=1 select.
var genericKernel = &microKernel{
	name: "generic",
	mr:   4, nr: 16,
	kc: 256, mc: 128, nc: 2048,
	fn: kernelGeneric4x16,
}

// kernelGeneric4x16 computes the 4×16 block of A·B from packed panels a
// (k×4) and b (k×16) and stores it to c (accum false) or adds it to c.
func kernelGeneric4x16(k int, a, b, c []float32, ldc int, accum bool) {
	var acc [4][16]float32
	a = a[:4*k]
	b = b[:16*k]
	for p := 0; p < k; p++ {
		ap := (*[4]float32)(a[4*p:])
		bp := (*[16]float32)(b[16*p:])
		for r := range ap {
			av := ap[r]
			row := &acc[r]
			for j, bv := range bp {
				row[j] += av * bv
			}
		}
	}
	for r := range acc {
		dst := (*[16]float32)(c[r*ldc:])
		if accum {
			for j, v := range acc[r] {
				dst[j] += v
			}
		} else {
			*dst = acc[r]
		}
	}
}
