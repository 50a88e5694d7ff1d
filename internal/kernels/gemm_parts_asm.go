//go:build (amd64 || arm64) && !purego

package kernels

// asmTile is the signature of the assembly micro-kernels (gemm_amd64.s,
// gemm_arm64.s).
type asmTile func(k int, a *float32, b *float32, c *float32, ldc int, accum bool, bias *float32, relu bool)

// partOf returns the part kernel fn, the first rows rows of an mr×nr
// kernel's tile: it checks the slice bounds the assembly relies on (k steps
// of the mr-wide A panel and the nr-wide B panel, rows rows of C) and runs
// it.
func partOf(rows, mr, nr int, fn asmTile) partKernel {
	return partKernel{rows: rows, fn: func(k int, a, b, c []float32, ldc int, out tileOut) {
		_ = a[mr*k-1]
		_ = b[nr*k-1]
		_ = c[(rows-1)*ldc+nr-1]
		fn(k, &a[0], &b[0], &c[0], ldc, out.accum, out.biasPtr(nr), out.relu)
	}}
}
