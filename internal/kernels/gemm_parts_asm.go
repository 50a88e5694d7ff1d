//go:build (amd64 || arm64) && !purego

package kernels

// asmTile is the signature of the assembly micro-kernels (gemm_amd64.s,
// gemm_arm64.s).
type asmTile func(k int, a *float32, b *float32, c *float32, ldc int, accum bool, bias *float32, relu bool)

// tileKernel returns the assembly kernel fn as a microKernel's tile
// function: it checks the slice bounds the assembly relies on and runs
// it. fn reads k steps of A, aStep values apart, the last step's aRows
// values; nr values of B a step; and writes rows rows of C, nr values each.
func tileKernel(aStep, aRows, rows, nr int, fn asmTile) func(k int, a, b, c []float32, ldc int, out tileOut) {
	return func(k int, a, b, c []float32, ldc int, out tileOut) {
		_, _, _ = a[(k-1)*aStep+aRows-1], b[nr*k-1], c[(rows-1)*ldc+nr-1]
		fn(k, &a[0], &b[0], &c[0], ldc, out.accum, out.biasPtr(nr), out.relu)
	}
}

// partOf returns the part kernel fn, the first rows rows of an mr×nr
// kernel's tile, reading its whole mr-wide A panels.
func partOf(rows, mr, nr int, fn asmTile) partKernel {
	return partKernel{rows: rows, fn: tileKernel(mr, mr, rows, nr, fn)}
}
