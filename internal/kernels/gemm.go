// Package kernels holds seqnet's compute kernels: the float32 GEMM that
// Conv1D and Dense reduce to, and the small vector loops around it (Axpy,
// Dot, AddBias).
//
// Every kernel has a plain Go version that is the reference; faster
// versions must give the same results within float32 rounding.
//
// # Sgemm
//
// Sgemm is a cache-blocked GEMM in the style of Goto and BLIS. For each
// block of K (a few hundred deep) and N, a panel of op(B) is packed into a
// contiguous buffer; for each block of rows of C, a panel of op(A) (scaled
// by alpha) is packed next to it; a register-blocked micro-kernel then runs
// over the packed panels, one tile of C at a time. Tiles at the edges of C
// go through the same micro-kernel into a scratch tile.
//
// The micro-kernels, fastest first:
//
//	avx512   12×32 tile in 24 ZMM accumulators (AVX-512F)
//	avx2     6×16 tile in 12 YMM accumulators (AVX2 and FMA)
//	generic  2×4 tile in plain Go
//
// The assembly (gemm_amd64.s) is generated with avo by _asm/gemm_asm.go;
// gemm_amd64.go checks the CPU with golang.org/x/sys/cpu. Builds with
// -tags purego and other architectures use the generic kernel, and so does
// a process started with SEQNET_NOSIMD=1 (for comparing against the fast
// path when a result looks suspicious). Impls lists what the machine can
// run and Use forces one, for tests and benchmarks. Products of at most
// 4096 multiply-adds skip the packing and go through plain loops, and so
// do most products with a C of one row or one column, through Dot and Axpy
// (gemm_small.go), whatever the implementation.
//
// # Threads
//
// Products of more than about eight million flops are split across
// Threads() goroutines (SetThreads changes it; the default is GOMAXPROCS):
// each block of B is packed once, by all of them, and the blocks of rows of
// C are handed out one at a time, or the blocks of columns when C is short.
// A goroutine that the operating system does not run in time (the machine
// is shared) just takes fewer blocks; the caller never waits for it to
// start. Each element of C is computed the same way whatever the split, so
// the result does not depend on the number of threads, bit for bit. After
// warm-up Sgemm does not allocate: the workers keep their packing buffers
// and callers take theirs from a sync.Pool.
package kernels

import (
	"fmt"
	"strings"
)

// Sgemm computes C = alpha*op(A)*op(B) + beta*C, where op(X) is X or its
// transpose, op(A) is m×k, op(B) is k×n and C is m×n, all row-major with
// leading dimensions lda, ldb and ldc (the distance between rows).
//
// With beta == 0, C is overwritten without being read (NaNs in C do not
// propagate), as in BLAS. With alpha == 0 or k == 0, A and B are not read
// and C becomes beta*C.
//
// A and B are only read, so their rows may overlap: Conv1D passes the
// channels-last input with lda = strides*channels < k, so that row t of A
// is the kernel_size×channels window of output step t. Only the m×n block
// of C is written; elements between rows (ldc > n) are left alone. C must
// not share memory with A or B.
//
// Large products are split across Threads() goroutines; the result does not
// depend on the number of threads. Sgemm panics if a slice is too short for
// its dimensions and leading dimension (a programming error).
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	SgemmBias(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, nil, false)
}

// SgemmBias is Sgemm with the output stage of a Dense or Conv1D layer fused
// in: C = act(alpha*op(A)*op(B) + beta*C + bias), where bias (n values, or
// nil for none) is added to every row of C and act is relu (max(·, 0), a
// NaN staying NaN) when relu is true, the identity otherwise. Each tile of
// C gets its bias and relu right after the micro-kernel has stored it,
// while it is still in cache, which saves a pass over C through memory;
// the bits are those of Sgemm followed by that pass.
func SgemmBias(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, bias []float32, relu bool) {
	checkGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if bias != nil && len(bias) < n {
		panic(fmt.Sprintf("kernels: SgemmBias bias has %d elements, need n=%d", len(bias), n))
	}
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		biasRelu(c, ldc, m, n, bias, relu)
		return
	}
	overwrite := beta == 0
	if !overwrite && beta != 1 {
		scaleC(m, n, beta, c, ldc)
	}
	if m*n*k <= smallGemm {
		sgemmSmall(transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc, overwrite)
		biasRelu(c, ldc, m, n, bias, relu)
		return
	}
	if (m == 1 || n == 1) && thinGemm && sgemmThin(transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc, overwrite) {
		biasRelu(c, ldc, m, n, bias, relu)
		return
	}
	g := gemmArgs{transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc, overwrite, bias, relu}
	gemm(current(), &g)
}

// checkGemm panics with a message naming the argument when the dimensions
// and slices do not fit together.
func checkGemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("kernels: Sgemm dimensions must not be negative, got m=%d n=%d k=%d", m, n, k))
	}
	rowsA, colsA := m, k
	if transA {
		rowsA, colsA = k, m
	}
	rowsB, colsB := k, n
	if transB {
		rowsB, colsB = n, k
	}
	checkMatrix("A", rowsA, colsA, a, lda)
	checkMatrix("B", rowsB, colsB, b, ldb)
	if ldc < n {
		panic(fmt.Sprintf("kernels: Sgemm ldc=%d is smaller than n=%d", ldc, n))
	}
	if m > 0 && n > 0 && len(c) < (m-1)*ldc+n {
		panic(fmt.Sprintf("kernels: Sgemm C has %d elements, need %d for %d×%d with ldc=%d", len(c), (m-1)*ldc+n, m, n, ldc))
	}
}

// checkMatrix checks a rows×cols matrix with leading dimension ld. ld may
// be smaller than cols (overlapping rows), but not negative.
func checkMatrix(name string, rows, cols int, x []float32, ld int) {
	if ld < 0 {
		panic(fmt.Sprintf("kernels: Sgemm ld%s=%d must not be negative", strings.ToLower(name), ld))
	}
	if rows > 0 && cols > 0 && len(x) < (rows-1)*ld+cols {
		panic(fmt.Sprintf("kernels: Sgemm %s has %d elements, need %d for %d×%d with ld=%d", name, len(x), (rows-1)*ld+cols, rows, cols, ld))
	}
}

// scaleC sets C = beta*C, without reading C when beta is 0.
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// sgemmRef is the plain triple loop every fast path is tested against.
func sgemmRef(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		crow := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(crow)
		} else if beta != 1 {
			for j := range crow {
				crow[j] *= beta
			}
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
