package kernels

// genericKernel is the plain Go micro-kernel: it runs everywhere and is
// what -tags purego and SEQNET_NOSIMD=1 select. Its 2×4 tile keeps the 8
// accumulators and 4 values of B in the 15 floating-point registers the
// Go compiler has on amd64.
var genericKernel = &microKernel{
	name: "generic",
	mr:   2, nr: 4,
	kc: 256, mc: 128, nc: 2048,
	fn: kernelGeneric2x4,
}

// kernelGeneric2x4 computes the 2×4 block of A·B from packed panels a
// (k×2) and b (k×4) and writes it to c with the stage out.
//
// Written for what the Go compiler makes of it: the loops shrink a and b
// instead of indexing them (no bounds checks inside), the values of A are
// read straight into the multiplies (a memory operand on amd64: one
// register fewer, no spills), and four steps a turn cut the loop overhead.
// Each multiply-add still takes three instructions (load or copy,
// multiply, add): on a Zen 5 core this runs at 75–88% of plain Go's
// scalar peak (goScalarPeak, about 4 flops a cycle). Tiles of 2×2 to 8×1
// all measured within 10% of this one, and 1×6 to 3×2 tiles and deeper
// unrolls (to 8 steps) no faster; 3×4 or 4×4 spill accumulators on amd64,
// and so does 1×8 or wider: Go's scheduler places the adds that only the
// next iteration reads at the end of the loop body, so the last step's
// products all stay live there (the few spills of this loop's fourth step;
// storing the sums to c every turn instead, which removes them, measured
// 5% slower, so they are not what holds this loop back).
func kernelGeneric2x4(k int, a, b, c []float32, ldc int, out tileOut) {
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	a = a[:2*k]
	b = b[:4*k]
	for len(a) >= 8 && len(b) >= 16 {
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		c00 += a[0] * b0
		c01 += a[0] * b1
		c02 += a[0] * b2
		c03 += a[0] * b3
		c10 += a[1] * b0
		c11 += a[1] * b1
		c12 += a[1] * b2
		c13 += a[1] * b3
		b0, b1, b2, b3 = b[4], b[5], b[6], b[7]
		c00 += a[2] * b0
		c01 += a[2] * b1
		c02 += a[2] * b2
		c03 += a[2] * b3
		c10 += a[3] * b0
		c11 += a[3] * b1
		c12 += a[3] * b2
		c13 += a[3] * b3
		b0, b1, b2, b3 = b[8], b[9], b[10], b[11]
		c00 += a[4] * b0
		c01 += a[4] * b1
		c02 += a[4] * b2
		c03 += a[4] * b3
		c10 += a[5] * b0
		c11 += a[5] * b1
		c12 += a[5] * b2
		c13 += a[5] * b3
		b0, b1, b2, b3 = b[12], b[13], b[14], b[15]
		c00 += a[6] * b0
		c01 += a[6] * b1
		c02 += a[6] * b2
		c03 += a[6] * b3
		c10 += a[7] * b0
		c11 += a[7] * b1
		c12 += a[7] * b2
		c13 += a[7] * b3
		a, b = a[8:], b[16:]
	}
	for len(a) >= 2 && len(b) >= 4 {
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		c00 += a[0] * b0
		c01 += a[0] * b1
		c02 += a[0] * b2
		c03 += a[0] * b3
		c10 += a[1] * b0
		c11 += a[1] * b1
		c12 += a[1] * b2
		c13 += a[1] * b3
		a, b = a[2:], b[4:]
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
