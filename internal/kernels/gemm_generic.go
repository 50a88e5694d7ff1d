package kernels

// genericKernel is the plain Go micro-kernel: it runs everywhere and is
// what -tags purego and SEQNET_NOSIMD=1 select. Its 2×4 tile keeps the 8
// accumulators, 2 values of A and 4 of B in the 15 floating-point
// registers the Go compiler has on amd64.
var genericKernel = &microKernel{
	name: "generic",
	mr:   2, nr: 4,
	kc: 256, mc: 128, nc: 2048,
	fn: kernelGeneric2x4,
}

// kernelGeneric2x4 computes the 2×4 block of A·B from packed panels a
// (k×2) and b (k×4) and writes it to c with the stage out.
func kernelGeneric2x4(k int, a, b, c []float32, ldc int, out tileOut) {
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	a = a[:2*k]
	b = b[:4*k]
	for p := 0; p < k; p++ {
		ap := (*[2]float32)(a[2*p:])
		bp := (*[4]float32)(b[4*p:])
		a0, a1 := ap[0], ap[1]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
	}
	r0 := (*[4]float32)(c[:4])
	r1 := (*[4]float32)(c[ldc : ldc+4])
	if out.accum {
		c00, c01, c02, c03 = r0[0]+c00, r0[1]+c01, r0[2]+c02, r0[3]+c03
		c10, c11, c12, c13 = r1[0]+c10, r1[1]+c11, r1[2]+c12, r1[3]+c13
	}
	*r0 = [4]float32{c00, c01, c02, c03}
	*r1 = [4]float32{c10, c11, c12, c13}
	if out.bias != nil || out.relu {
		biasRelu(c, ldc, 2, 4, out.bias, out.relu)
	}
}
