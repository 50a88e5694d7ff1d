// Package kernels holds seqnet's compute kernels: the float32 GEMM that
// Conv1D and Dense reduce to, and the small vector loops around it (Axpy,
// Dot, relu and its derivative, bias sums, pooling's maxima and ties, the
// Adam step) and the FMA peak loop seqnet bench compares against.
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
// go through the same micro-kernel into a scratch tile. The AVX-512 kernel
// also comes in two variants that read A where it is, without packing:
// rows lda apart (Conv1D's overlapping input windows, lda <= 512) and
// transposed A with its 12 values of a step adjacent (the windows read
// for the kernel gradient, lda <= 128).
//
// SgemmOut adds two things on the way into C: the output stage of a layer
// (bias and relu, applied to each tile in the micro-kernel's registers
// before its one store) and a row map that drops some rows of the product
// (a Conv1D over a whole batch computes rows straddling two samples and
// writes the rest straight into
// its output).
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
// and callers take theirs from a free list that, unlike a sync.Pool,
// garbage collections do not empty.
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
	SgemmOut(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, Output{})
}

// Output says what Sgemm does with the product on its way into C, for
// SgemmOut. The zero Output is plain Sgemm.
type Output struct {
	// Bias, when not nil, holds n values added to every row of C, after
	// beta*C; then Relu, when set, clamps C at 0 (max(·, 0), a NaN staying
	// NaN). The micro-kernel applies them to a tile in its registers
	// before storing it (edge tiles get them right after, while still in
	// L1), which saves a pass over C through memory; the bits are those of
	// Sgemm followed by that pass.
	Bias []float32
	Relu bool
	// Period and Keep, when Period > 0, thin out the rows of the product:
	// of each Period consecutive rows, the first Keep (0 < Keep <= Period)
	// go to C, product row i to row (i/Period)*Keep + i%Period of C, and
	// the others are computed but dropped. Conv1D computes a whole batch as
	// one product whose rows straddling two samples mean nothing, and
	// writes it straight into its output this way.
	Period, Keep int
}

// rowsOfC is how many rows of C a product of m rows fills.
func (o Output) rowsOfC(m int) int {
	if o.Period == 0 {
		return m
	}
	return m/o.Period*o.Keep + min(m%o.Period, o.Keep)
}

// SgemmOut is Sgemm with the output stage and row layout of out (see
// Output). C holds out's rows: C = act(alpha*op(A)*op(B) + beta*C + bias)
// on the rows out keeps.
func SgemmOut(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, out Output) {
	if out.Period < 0 || out.Period > 0 && (out.Keep <= 0 || out.Keep > out.Period) {
		panic(fmt.Sprintf("kernels: SgemmOut Period=%d Keep=%d: need 0 < Keep <= Period", out.Period, out.Keep))
	}
	mc := out.rowsOfC(m)
	checkGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, mc)
	if out.Bias != nil && len(out.Bias) < n {
		panic(fmt.Sprintf("kernels: SgemmOut bias has %d elements, need n=%d", len(out.Bias), n))
	}
	if m == 0 || n == 0 {
		return
	}
	small := m*n*k <= smallGemm || (m == 1 || n == 1) && thinGemm
	if out.Period > 0 && (small || k == 0 || alpha == 0) {
		// The plain-loop paths know no row map: one product per run of
		// kept rows.
		inner := Output{Bias: out.Bias, Relu: out.Relu}
		for i0 := 0; i0 < m; i0 += out.Period {
			rows := min(out.Keep, m-i0)
			ai := i0 * lda
			if transA {
				ai = i0
			}
			ci := i0 / out.Period * out.Keep * ldc
			arows := a // empty when k is 0
			if len(a) > 0 {
				arows = a[ai:]
			}
			SgemmOut(transA, transB, rows, n, k, alpha, arows, lda, b, ldb, beta, c[ci:], ldc, inner)
		}
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		biasRelu(c, ldc, m, n, out.Bias, out.Relu)
		return
	}
	overwrite := beta == 0
	if !overwrite && beta != 1 {
		scaleC(mc, n, beta, c, ldc)
	}
	if out.Period == 0 {
		if m*n*k <= smallGemm {
			sgemmSmall(transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc, overwrite)
			biasRelu(c, ldc, m, n, out.Bias, out.Relu)
			return
		}
		if (m == 1 || n == 1) && thinGemm && sgemmThin(transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc, overwrite) {
			biasRelu(c, ldc, m, n, out.Bias, out.Relu)
			return
		}
	}
	g := gemmArgs{transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc, overwrite, out.Bias, out.Relu, out.Period, out.Keep}
	gemm(current(), &g)
}

// checkGemm panics with a message naming the argument when the dimensions
// and slices do not fit together.
func checkGemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc, rowsC int) {
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
	if rowsC > 0 && n > 0 && len(c) < (rowsC-1)*ldc+n {
		panic(fmt.Sprintf("kernels: Sgemm C has %d elements, need %d for %d×%d with ldc=%d", len(c), (rowsC-1)*ldc+n, rowsC, n, ldc))
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
