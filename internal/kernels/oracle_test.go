package kernels

// sgemmRef is the oracle every GEMM path is tested against: the textbook
// definition C = alpha·op(A)·op(B) + beta·C, each element's dot product
// summed in float64 and rounded once. It shares no code and no loop order
// with the production paths (gemm_small.go's loop is float32, p-outer),
// so a mistake there cannot hide in the reference. With beta = 0, C is
// not read (as BLAS).
func sgemmRef(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	at := func(i, p int) float64 {
		if transA {
			return float64(a[p*lda+i])
		}
		return float64(a[i*lda+p])
	}
	bt := func(p, j int) float64 {
		if transB {
			return float64(b[j*ldb+p])
		}
		return float64(b[p*ldb+j])
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var dot float64
			for p := 0; p < k; p++ {
				dot += at(i, p) * bt(p, j)
			}
			v := float64(alpha) * dot
			if beta != 0 {
				v += float64(beta) * float64(c[i*ldc+j])
			}
			c[i*ldc+j] = float32(v)
		}
	}
}
