package kernels

// smallGemm is the size (m·n·k) up to which packing panels costs more than
// it saves: the tutorial's toy convolutions (3×1×2) and the last Dense of a
// regressor (n = 1) go straight through plain loops. Tests set it to 0 so
// that small sizes exercise the micro-kernels.
var smallGemm = 4096

// sgemmSmall computes C = alpha·op(A)·op(B) + C (C already scaled by beta,
// or cleared first when overwrite) with plain loops, for small products.
func sgemmSmall(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, overwrite bool) {
	for i := 0; i < m; i++ {
		crow := c[i*ldc : i*ldc+n]
		if overwrite {
			clear(crow)
		}
		for p := 0; p < k; p++ {
			var av float32
			if transA {
				av = a[p*lda+i]
			} else {
				av = a[i*lda+p]
			}
			av *= alpha
			if transB {
				for j := range crow {
					crow[j] += av * b[j*ldb+p]
				}
			} else {
				brow := b[p*ldb : p*ldb+n]
				for j, bv := range brow {
					crow[j] += av * bv
				}
			}
		}
	}
}

// thinGemm turns on sgemmThin; tests turn it off so that one-row and
// one-column products exercise the micro-kernels.
var thinGemm = true

// sgemmThin handles a C of one column or one row (a Dense layer with one
// unit, or a batch of one), where a 12×32 register tile would mostly
// compute padding. It reports false for the layouts it does not cover.
func sgemmThin(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, overwrite bool) bool {
	switch {
	case n == 1 && !transA && (transB || ldb == 1):
		// C[i] = alpha · (row i of A) · (the column of op(B), contiguous).
		bcol := b[:k]
		for i := 0; i < m; i++ {
			v := alpha * Dot(a[i*lda:i*lda+k], bcol)
			if overwrite {
				c[i*ldc] = v
			} else {
				c[i*ldc] += v
			}
		}
		return true
	case m == 1 && !transB:
		// The row of C = Σ_p alpha·op(A)[0][p] · (row p of B).
		crow := c[:n]
		if overwrite {
			clear(crow)
		}
		for p := 0; p < k; p++ {
			av := a[p]
			if transA {
				av = a[p*lda]
			}
			Axpy(alpha*av, b[p*ldb:p*ldb+n], crow)
		}
		return true
	}
	return false
}
