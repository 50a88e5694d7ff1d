// This generator writes the amd64 assembly of package kernels,
// ../gemm_amd64.s and its Go declarations ../gemm_stub_amd64.go (run
// `go generate` in ../, or the command there):
//
//	cd internal/kernels/_asm && go run gemm_asm.go -out ../gemm_amd64.s -stubs ../gemm_stub_amd64.go -pkg kernels
//
// The GEMM micro-kernels multiply a packed MR×k panel of A (stored k-major:
// the MR values of step p are adjacent) by a packed k×NR panel of B (the NR
// values of step p are adjacent) into an MR×NR block of registers that
// starts at zero, then either store the block to C or add it to C:
// AVX-512F 12×32 (plus variants reading A in place, and the first 4 or 8
// rows of the tile for a last, partial panel) and AVX2+FMA 6×16 (and its
// first 2 or 4 rows).
// The packers (AVX) lay A and B out for them, and Dot and Axpy have AVX2
// loops. Which CPU features each routine needs is written above it in the
// .s file; gemm_amd64.go checks them at run time.
//
// Why one file of ~1000 lines (issue 18 asks for ~600): it is run as
// `go run gemm_asm.go` by go:generate (../gemm_amd64.go) and by .ci/run,
// and avo writes that command into the header of both generated files, so
// splitting it would change the command and the generated files that other
// work edits beside. Its parts, in order: the GEMM micro-kernels and their
// store/prefetch/loop helpers; the packers; the direct (in-place) kernels;
// then the vector loops (Dot, Axpy, the element-wise and epilogue loops,
// Adam, the equality checks, AddRows, the FMA peak).
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

func main() {
	ConstraintExpr("!purego")
	avx512Kernel(12)
	avx512PartKernel(8, 12)
	avx512PartKernel(4, 12)
	avx512DirectKernel(12)
	avx512DirectTKernel(12)
	for _, gw := range []int{2, 3, 4, 6} {
		avx512WinKernel(12, gw)
	}
	avx2Kernel()
	avx2PartKernel(2)
	avx2PartKernel(4)
	packAKernel(12)
	packAKernel(6)
	packATKernel(12)
	packATKernel(6)
	for _, gw := range []int{2, 3, 4, 6} {
		packWinKernel(gw)
	}
	packBKernel(32)
	packBKernel(16)
	dotKernel()
	axpyKernel()
	elementwiseKernels()
	epilogueKernel()
	adamKernel()
	equalKernels()
	addRowsKernel()
	fmaPeakKernels()
	Generate()
}

var zmm = []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15,
	Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31}

var ymm = []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15}

// unroll is how many k steps one pass of the main loop does.
const unroll = 4

// avx512Kernel emits sgemmKernelAVX512_<mr>x32: mr rows of two ZMM
// accumulators each; every A value is broadcast once into one of the spare
// registers and feeds two FMAs. mr <= 14.
func avx512Kernel(mr int) {
	const nr = 32
	name := fmt.Sprintf("sgemmKernelAVX512_%dx%d", mr, nr)
	TEXT(name, NOSPLIT, "func(k int, a *float32, b *float32, c *float32, ldc int, accum bool, bias *float32, relu bool)")
	Pragma("noescape")
	packedKernelDoc(name, mr, nr, "AVX512F")
	avx512KernelBody(mr, mr)
}

// avx512PartKernel emits sgemmKernelAVX512_<rows>of<mr>x32: the first rows
// rows of sgemmKernelAVX512_<mr>x32's tile, from the same packed A panels
// (mr values a step), with the same arithmetic for each element. The last,
// partial panel of a block of rows (a Dense on a batch of 8, or of 256:
// 21 panels and 4 rows) then costs about rows/mr of a whole tile, not a
// whole tile.
func avx512PartKernel(rows, mr int) {
	const nr = 32
	name := fmt.Sprintf("sgemmKernelAVX512_%dof%dx%d", rows, mr, nr)
	TEXT(name, NOSPLIT, "func(k int, a *float32, b *float32, c *float32, ldc int, accum bool, bias *float32, relu bool)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is the first %d rows of sgemmKernelAVX512_%dx%d: a holds k×%d values, of which it reads %d a step; c holds %d rows.", name, rows, mr, nr, mr, rows, rows),
		"Requires AVX512F.")
	avx512KernelBody(rows, mr)
}

// avx512KernelBody is the body of the packed AVX-512 kernels: a tile of
// rows rows from A panels of mr values a step.
func avx512KernelBody(rows, mr int) {
	const nr = 32
	k := Load(Param("k"), GP64())
	a := Load(Param("a"), GP64())
	b := Load(Param("b"), GP64())

	prefetchC(rows, 2)
	t := newZmmTile(rows)
	step := func(off int) {
		// Software prefetch, 8 steps ahead for B and 16 for A, keeps the
		// panels streaming from L2 (measured: +5% on 1024³ and on the
		// Conv1D kernel-gradient shape, one thread).
		t.step(b, off, 1024, func() {
			if off%4 != 3 {
				// 48 bytes of A a step: three lines every four steps.
				PREFETCHT0(Mem{Base: a, Disp: off*64 + 768})
			}
		}, func(r int) Mem { return Mem{Base: a, Disp: (off*mr + r) * 4} })
	}
	kernelLoops(k, step, func(steps int) {
		addImm(steps*mr*4, a)
		ADDQ(U32(steps*nr*4), b)
	})

	storeTile(rows, 64, t.acc, t.spare())
}

// avx512WinKernel emits sgemmKernelAVX512Win<gw>_<mr>x32, the packed
// kernel reading A from a convolution's windows packed by group
// (winpack.go): A[r][p] = a[p*gw+r], the mr/gw taps of gw channels, so a
// step advances A by gw values, not mr. directT reads the same layout
// with lda in a register, which costs two additions and a prefetch a
// step; with gw known here the addresses are displacements, as in the
// packed kernel, and A (gw*4 bytes a step) is prefetched once a line.
func avx512WinKernel(mr, gw int) {
	const nr = 32
	name := fmt.Sprintf("sgemmKernelAVX512Win%d_%dx%d", gw, mr, nr)
	TEXT(name, NOSPLIT, "func(k int, a *float32, b *float32, c *float32, ldc int, accum bool, bias *float32, relu bool)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is sgemmKernelAVX512_%dx%d with A[r][p] = a[p*%d+r] (windows packed by group).", name, mr, nr, gw),
		"Requires AVX512F.")
	k := Load(Param("k"), GP64())
	a := Load(Param("a"), GP64())
	b := Load(Param("b"), GP64())

	prefetchC(mr, 2)
	t := newZmmTile(mr)
	step := func(off int) {
		t.step(b, off, 1024, func() {
			// The lines of A that start within this pass of unroll
			// steps, 16 steps ahead.
			for l := 0; l < (unroll*gw*4+63)/64; l++ {
				if off == l {
					PREFETCHT0(Mem{Base: a, Disp: 16*gw*4 + 64*l})
				}
			}
		}, func(r int) Mem { return Mem{Base: a, Disp: (off*gw + r) * 4} })
	}
	kernelLoops(k, step, func(steps int) {
		addImm(steps*gw*4, a)
		ADDQ(U32(steps*nr*4), b)
	})

	storeTile(mr, 64, t.acc, t.spare())
}

// packedKernelDoc writes the doc comment of a packed-panel micro-kernel
// that requires the CPU features req.
func packedKernelDoc(name string, mr, nr int, req string) {
	Doc(fmt.Sprintf("%s computes the %d×%d block C = A·B (accum false) or C += A·B (accum true)", name, mr, nr),
		fmt.Sprintf("from packed panels: a holds k×%d values, b holds k×%d; ldc is in elements. Then, when bias is not nil,", mr, nr),
		fmt.Sprintf("it adds bias[j] (%d values) to column j, and with relu clamps at 0. Requires %s.", nr, req))
}

// zmmTile is the register tile of the AVX-512 kernels: mr rows of two ZMM
// accumulators, two registers for the step's B vectors and the rest for
// broadcasting A values (row r into bc[r%len(bc)]).
type zmmTile struct {
	mr     int
	b0, b1 VecPhysical
	bc     []VecPhysical
}

// newZmmTile zeroes the accumulators of an mr×32 tile.
func newZmmTile(mr int) *zmmTile {
	t := &zmmTile{mr: mr, b0: zmm[30], b1: zmm[31], bc: zmm[2*mr : 30]}
	for r := 0; r < mr; r++ {
		for j := 0; j < 2; j++ {
			VPXORD(t.acc(r, j), t.acc(r, j), t.acc(r, j))
		}
	}
	return t
}

func (t *zmmTile) acc(r, j int) VecPhysical { return zmm[2*r+j] }

// spare returns three registers free after the k loop, for storeTile.
func (t *zmmTile) spare() [3]VecPhysical { return [3]VecPhysical{t.b0, t.b1, t.bc[0]} }

// step emits k step off: load B's two vectors from b, prefetch B pf bytes
// ahead, run extra (more prefetches, or nil), then feed each row's A value
// from aMem(r) to two FMAs.
//
// Most rows broadcast their A value into a register (one load, three
// instructions). Every third row (0, 3, 6, 9: the rows the Direct kernel
// addresses without an index register, which keeps the FMA one fused
// instruction) instead broadcasts it from memory inside both FMAs
// (VFMADD231PS.BCST: two loads, two instructions). A step then issues 36
// instructions instead of 40 for its 24 FMAs, with 20 loads instead of 16.
// Measured against the FMA-only loop in alternation (20 ms slices, one
// thread, W4's shapes): the median ratio rose from 0.69 to 0.74 for the
// Direct kernel and 0.70 to 0.74 for the packed one, the best of 4, 6, 8
// and 12 such rows; in the machine's slow spells, when another tenant
// seems to share the core, the front end is what runs short, and the FMA
// loop (one instruction per FMA) keeps its speed. All rows from memory
// would need more than the two loads a cycle Intel cores can issue.
func (t *zmmTile) step(b Register, off, pf int, extra func(), aMem func(r int) Mem) {
	const nr = 32
	VMOVUPS(Mem{Base: b, Disp: off * nr * 4}, t.b0)
	VMOVUPS(Mem{Base: b, Disp: off*nr*4 + 64}, t.b1)
	PREFETCHT0(Mem{Base: b, Disp: off*nr*4 + pf})
	PREFETCHT0(Mem{Base: b, Disp: off*nr*4 + 64 + pf})
	if extra != nil {
		extra()
	}
	for r := 0; r < t.mr; r++ {
		if r%3 == 0 {
			VFMADD231PS_BCST(aMem(r), t.b0, t.acc(r, 0))
			VFMADD231PS_BCST(aMem(r), t.b1, t.acc(r, 1))
			continue
		}
		x := t.bc[r%len(t.bc)]
		VBROADCASTSS(aMem(r), x)
		VFMADD231PS(t.b0, x, t.acc(r, 0))
		VFMADD231PS(t.b1, x, t.acc(r, 1))
	}
}

// avx2Kernel emits sgemmKernelAVX2_6x16: 12 YMM accumulators, two B
// vectors and two broadcast registers use all 16 YMM registers.
func avx2Kernel() {
	const mr, nr = 6, 16
	name := fmt.Sprintf("sgemmKernelAVX2_%dx%d", mr, nr)
	TEXT(name, NOSPLIT, "func(k int, a *float32, b *float32, c *float32, ldc int, accum bool, bias *float32, relu bool)")
	Pragma("noescape")
	packedKernelDoc(name, mr, nr, "AVX2 and FMA")
	avx2KernelBody(mr)
}

// avx2PartKernel emits sgemmKernelAVX2_<rows>of6x16: the first rows rows
// of sgemmKernelAVX2_6x16's tile, from the same packed A panels (6 values a
// step) and with the same arithmetic for each element, for the last,
// partial panel of a block of rows (see avx512PartKernel).
func avx2PartKernel(rows int) {
	name := fmt.Sprintf("sgemmKernelAVX2_%dof6x16", rows)
	TEXT(name, NOSPLIT, "func(k int, a *float32, b *float32, c *float32, ldc int, accum bool, bias *float32, relu bool)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is the first %d rows of sgemmKernelAVX2_6x16: a holds k×6 values, of which it reads %d a step; c holds %d rows.", name, rows, rows, rows),
		"Requires AVX2 and FMA.")
	avx2KernelBody(rows)
}

// avx2KernelBody is the body of the AVX2 kernels: a tile of rows rows from
// A panels of 6 values a step.
func avx2KernelBody(rows int) {
	const mr, nr = 6, 16
	k := Load(Param("k"), GP64())
	a := Load(Param("a"), GP64())
	b := Load(Param("b"), GP64())

	prefetchC(rows, 1)
	acc := func(r, j int) VecPhysical { return ymm[2*r+j] }
	b0, b1 := ymm[12], ymm[13]
	bc := []VecPhysical{ymm[14], ymm[15]}
	for r := 0; r < rows; r++ {
		for j := 0; j < 2; j++ {
			VXORPS(acc(r, j), acc(r, j), acc(r, j))
		}
	}
	step := func(off int) {
		VMOVUPS(Mem{Base: b, Disp: off * nr * 4}, b0)
		VMOVUPS(Mem{Base: b, Disp: off*nr*4 + 32}, b1)
		for r := 0; r < rows; r++ {
			x := bc[r%2]
			VBROADCASTSS(Mem{Base: a, Disp: (off*mr + r) * 4}, x)
			VFMADD231PS(b0, x, acc(r, 0))
			VFMADD231PS(b1, x, acc(r, 1))
		}
	}
	kernelLoops(k, step, func(steps int) {
		addImm(steps*mr*4, a)
		ADDQ(U32(steps*nr*4), b)
	})

	storeTile(rows, 32, acc, [3]VecPhysical{b0, b1, bc[0]})
}

// storeTile ends a micro-kernel with the tile's output stage: it adds C to
// the mr×2 accumulator registers (each width bytes) when accum is set, then
// bias[j] to column j when bias is not nil, then with relu clamps at 0
// (VMAXPS with 0 first, so that a NaN stays NaN as in Go's "if 0 > v"),
// and stores the result over C. The order of the additions is that of the
// separate pass it replaces (C + acc, then + bias), so the bits are the
// same; the stage costs a few instructions a tile instead of a second
// sweep over C (2% of the W4 Conv1D forward pass, one thread). spare are
// three vector registers the k loop no longer needs.
func storeTile(mr, width int, acc func(r, j int) VecPhysical, spare [3]VecPhysical) {
	c := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	each := func(f func(r, j int)) {
		for r := 0; r < mr; r++ {
			for j := 0; j < 2; j++ {
				f(r, j)
			}
		}
	}
	accum := Load(Param("accum"), GP8())
	TESTB(accum, accum)
	JZ(LabelRef("added"))
	p := GP64()
	MOVQ(c, p)
	for r := 0; r < mr; r++ {
		for j := 0; j < 2; j++ {
			VADDPS(Mem{Base: p, Disp: width * j}, acc(r, j), acc(r, j))
		}
		if r < mr-1 {
			ADDQ(ldc, p)
		}
	}
	Label("added")
	bias := Load(Param("bias"), GP64())
	TESTQ(bias, bias)
	JZ(LabelRef("biased"))
	VMOVUPS(Mem{Base: bias}, spare[0])
	VMOVUPS(Mem{Base: bias, Disp: width}, spare[1])
	each(func(r, j int) { VADDPS(spare[j], acc(r, j), acc(r, j)) })
	Label("biased")
	relu := Load(Param("relu"), GP8())
	TESTB(relu, relu)
	JZ(LabelRef("clamped"))
	if width == 64 {
		VPXORD(spare[2], spare[2], spare[2])
	} else {
		VXORPS(spare[2], spare[2], spare[2])
	}
	each(func(r, j int) { VMAXPS(acc(r, j), spare[2], acc(r, j)) })
	Label("clamped")
	for r := 0; r < mr; r++ {
		for j := 0; j < 2; j++ {
			VMOVUPS(acc(r, j), Mem{Base: c, Disp: width * j})
		}
		if r < mr-1 {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()
}

// prefetchC asks for the lines cols of the mr rows of the C block, so that
// the loads and stores after the k loop do not wait for memory.
func prefetchC(mr, lines int) {
	c := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	for r := 0; r < mr; r++ {
		for l := 0; l < lines; l++ {
			PREFETCHT0(Mem{Base: c, Disp: 64 * l})
		}
		if r < mr-1 {
			ADDQ(ldc, c)
		}
	}
}

// addImm emits reg += v with the shortest immediate.
func addImm(v int, reg Register) {
	if v < 128 {
		ADDQ(U8(v), reg)
		return
	}
	ADDQ(U32(v), reg)
}

// kernelLoops emits the k loop: unroll steps per pass while at least unroll
// remain, then single steps; advance(n) moves the pointers past n steps
// (what step itself does not). k >= 0.
func kernelLoops(k Register, step func(off int), advance func(steps int)) {
	n := GP64()
	MOVQ(k, n)
	SHRQ(U8(2), n)
	JZ(LabelRef("tail"))
	Label("loop")
	for u := 0; u < unroll; u++ {
		step(u)
	}
	advance(unroll)
	DECQ(n)
	JNZ(LabelRef("loop"))
	Label("tail")
	ANDQ(U8(unroll-1), k)
	JZ(LabelRef("done"))
	Label("tailloop")
	step(0)
	advance(1)
	DECQ(k)
	JNZ(LabelRef("tailloop"))
	Label("done")
}

// packAKernel emits sgemmPackA<mr>AVX: it copies alpha times an mr×(8·n)
// block of row-major A (rows lda elements apart, possibly overlapping) into
// the k-major layout of a packed A micro-panel, dst[p*mr+r] =
// alpha*src[r*lda+p], by transposing 4×8 blocks in YMM registers.
func packAKernel(mr int) {
	name := fmt.Sprintf("sgemmPackA%dAVX", mr)
	TEXT(name, NOSPLIT, "func(n int, src *float32, lda int, dst *float32, alpha float32)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets dst[p*%d+r] = alpha*src[r*lda+p] for r < %d, p < 8*n. Requires AVX.", name, mr, mr))
	n := Load(Param("n"), GP64())
	src := Load(Param("src"), GP64())
	lda := Load(Param("lda"), GP64())
	SHLQ(U8(2), lda)
	dst := Load(Param("dst"), GP64())
	alpha := Y15
	VBROADCASTSS(NewParamAddr("alpha", 32), alpha)
	// bases[i] points at row 3i; rows 3i+1 and 3i+2 are bases[i]+lda and +2·lda.
	nb := (mr + 2) / 3
	bases := make([]Register, nb)
	bases[0] = src
	for i := 1; i < nb; i++ {
		bases[i] = GP64()
		LEAQ(Mem{Base: bases[i-1], Index: lda, Scale: 2}, bases[i])
		ADDQ(lda, bases[i])
	}
	row := func(r int) Mem {
		m := Mem{Base: bases[r/3]}
		if r%3 > 0 {
			m.Index, m.Scale = lda, uint8(r%3)
		}
		return m
	}
	TESTQ(n, n)
	JZ(LabelRef("done"))
	Label("loop")
	for r0 := 0; r0 < mr; r0 += 4 {
		rows := min(4, mr-r0)
		x := []VecPhysical{Y0, Y1, Y2, Y3}
		for j := 0; j < rows; j++ {
			VMULPS(row(r0+j), alpha, x[j])
		}
		if rows == 4 {
			// t0 = r0p0 r1p0 r0p1 r1p1 | p4 p5, t1 = p2 p3 | p6 p7, t2/t3 for r2, r3.
			VUNPCKLPS(Y1, Y0, Y4)
			VUNPCKHPS(Y1, Y0, Y5)
			VUNPCKLPS(Y3, Y2, Y6)
			VUNPCKHPS(Y3, Y2, Y7)
			// u[p] holds rows r0..r0+3 of step p in its low lane, step p+4 in the high lane.
			u := []VecPhysical{Y8, Y9, Y10, Y11}
			VUNPCKLPD(Y6, Y4, u[0])
			VUNPCKHPD(Y6, Y4, u[1])
			VUNPCKLPD(Y7, Y5, u[2])
			VUNPCKHPD(Y7, Y5, u[3])
			for p := 0; p < 4; p++ {
				VMOVUPS(u[p].AsX(), Mem{Base: dst, Disp: (p*mr + r0) * 4})
				VEXTRACTF128(U8(1), u[p], Mem{Base: dst, Disp: ((p+4)*mr + r0) * 4})
			}
			continue
		}
		// Two rows: t0 = r0p0 r1p0 r0p1 r1p1 | p4 p5, t1 = p2 p3 | p6 p7.
		VUNPCKLPS(Y1, Y0, Y4)
		VUNPCKHPS(Y1, Y0, Y5)
		VEXTRACTF128(U8(1), Y4, X6)
		VEXTRACTF128(U8(1), Y5, X7)
		for i, t := range []VecPhysical{X4, X5, X6, X7} {
			p := []int{0, 2, 4, 6}[i]
			VMOVLPS(t, Mem{Base: dst, Disp: (p*mr + r0) * 4})
			VMOVHPS(t, Mem{Base: dst, Disp: ((p+1)*mr + r0) * 4})
		}
	}
	for _, b := range bases {
		ADDQ(U8(32), b)
	}
	ADDQ(U32(8*mr*4), dst)
	DECQ(n)
	JNZ(LabelRef("loop"))
	Label("done")
	VZEROUPPER()
	RET()
}

// packATKernel emits sgemmPackAT<mr>AVX, the packer for transposed A,
// where the mr values of one step are already adjacent in memory:
// dst[p*mr+r] = alpha*src[p*lda+r].
func packATKernel(mr int) {
	name := fmt.Sprintf("sgemmPackAT%dAVX", mr)
	TEXT(name, NOSPLIT, "func(k int, src *float32, lda int, dst *float32, alpha float32)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets dst[p*%d+r] = alpha*src[p*lda+r] for r < %d, p < k. Requires AVX.", name, mr, mr))
	k := Load(Param("k"), GP64())
	src := Load(Param("src"), GP64())
	lda := Load(Param("lda"), GP64())
	SHLQ(U8(2), lda)
	dst := Load(Param("dst"), GP64())
	VBROADCASTSS(NewParamAddr("alpha", 32), Y15)
	TESTQ(k, k)
	JZ(LabelRef("done"))
	Label("loop")
	switch mr {
	case 12:
		VMULPS(Mem{Base: src}, Y15, Y0)
		VMULPS(Mem{Base: src, Disp: 32}, X15, X1)
		VMOVUPS(Y0, Mem{Base: dst})
		VMOVUPS(X1, Mem{Base: dst, Disp: 32})
	case 6:
		VMULPS(Mem{Base: src}, X15, X0)
		VMOVQ(Mem{Base: src, Disp: 16}, X1)
		VMULPS(X1, X15, X1)
		VMOVUPS(X0, Mem{Base: dst})
		VMOVQ(X1, Mem{Base: dst, Disp: 16})
	default:
		panic("packATKernel: mr must be 12 or 6")
	}
	ADDQ(lda, src)
	ADDQ(U8(mr*4), dst)
	DECQ(k)
	JNZ(LabelRef("loop"))
	Label("done")
	VZEROUPPER()
	RET()
}

// packWinKernel emits sgemmPackWin<gw>AVX, the packer of a convolution's
// windows for its kernel gradient (winpack.go): it copies the gw
// channels of each of groups channel groups of steps rows of x, row by
// row, into one run per group, dst[g*stride+s*gw+c] = src[s*ld+g*gw+c],
// so that the kernels that read transposed A in place find the taps of a
// group's channels at lda gw. Each row is read front to back. The gw
// values move with plain loads and stores of 16, 8 and 4 bytes: AVX-512
// masked moves of the same values took twice as long as the whole
// transposed packing they replace (Zen 5).
func packWinKernel(gw int) {
	const winAheadLog = 4 // prefetch 16 rows ahead
	name := fmt.Sprintf("sgemmPackWin%dAVX", gw)
	TEXT(name, NOSPLIT, "func(steps int, src *float32, ld int, groups int, dst *float32, stride int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets dst[g*stride+s*%d+c] = src[s*ld+g*%d+c] for s < steps, g < groups, c < %d. Requires AVX.", name, gw, gw, gw))
	steps := Load(Param("steps"), GP64())
	src := Load(Param("src"), GP64())
	ld := Load(Param("ld"), GP64())
	SHLQ(U8(2), ld)
	groups := Load(Param("groups"), GP64())
	dst := Load(Param("dst"), GP64())
	stride := Load(Param("stride"), GP64())
	SHLQ(U8(2), stride)
	TESTQ(steps, steps)
	JZ(LabelRef("done"))
	TESTQ(groups, groups)
	JZ(LabelRef("done"))
	// The rows are ld apart, and each is read only once: prefetch
	// winAhead rows ahead, every group (most of them lines already asked
	// for).
	ahead := GP64()
	MOVQ(ld, ahead)
	SHLQ(U8(winAheadLog), ahead)
	p, q, n := GP64(), GP64(), GP64()
	Label("row")
	MOVQ(src, p)
	MOVQ(dst, q)
	MOVQ(groups, n)
	Label("group")
	PREFETCHT0(Mem{Base: p, Index: ahead, Scale: 1})
	for off := 0; off < gw; {
		switch {
		case gw-off >= 4:
			VMOVUPS(Mem{Base: p, Disp: 4 * off}, X0)
			VMOVUPS(X0, Mem{Base: q, Disp: 4 * off})
			off += 4
		case gw-off >= 2:
			VMOVSD(Mem{Base: p, Disp: 4 * off}, X1)
			VMOVSD(X1, Mem{Base: q, Disp: 4 * off})
			off += 2
		default:
			VMOVSS(Mem{Base: p, Disp: 4 * off}, X2)
			VMOVSS(X2, Mem{Base: q, Disp: 4 * off})
			off++
		}
	}
	ADDQ(U8(4*gw), p)
	ADDQ(stride, q)
	DECQ(n)
	JNZ(LabelRef("group"))
	ADDQ(ld, src)
	ADDQ(U8(4*gw), dst)
	DECQ(steps)
	JNZ(LabelRef("row"))
	Label("done")
	VZEROUPPER()
	RET()
}

// avx512DirectKernel emits sgemmKernelAVX512Direct_<mr>x32, which reads A
// straight from row-major memory (row r at a + r·lda) instead of a packed
// panel: for untransposed A with alpha 1, such as Conv1D's overlapping
// windows, it saves packing A.
func avx512DirectKernel(mr int) {
	const nr = 32
	k, a, lda, b := inPlaceKernel("Direct", mr, "a[r*lda+p]")
	nb := (mr + 2) / 3
	bases := []Register{a}
	for i := 1; i < nb; i++ {
		r := GP64()
		LEAQ(Mem{Base: bases[i-1], Index: lda, Scale: 2}, r)
		ADDQ(lda, r)
		bases = append(bases, r)
	}
	row := func(r, disp int) Mem {
		m := Mem{Base: bases[r/3], Disp: disp}
		if r%3 > 0 {
			m.Index, m.Scale = lda, uint8(r%3)
		}
		return m
	}
	prefetchC(mr, 2)
	t := newZmmTile(mr)
	step := func(off int) {
		// B streams from L2 (the rows of A, overlapping in a
		// convolution, mostly stay in L1): prefetching it 4 steps ahead
		// measured +6% on the W4 Conv1D shape, one thread.
		t.step(b, off, 512, nil, func(r int) Mem { return row(r, off*4) })
	}
	kernelLoops(k, step, func(steps int) {
		for _, r := range bases {
			ADDQ(U8(steps*4), r)
		}
		ADDQ(U32(steps*nr*4), b)
	})

	storeTile(mr, 64, t.acc, t.spare())
}

// inPlaceKernel starts sgemmKernelAVX512<kind>_<mr>x32, an AVX-512 kernel
// that reads A in place with A[r][p] = elem, and loads its k, a, lda (in
// bytes) and b.
func inPlaceKernel(kind string, mr int, elem string) (k, a, lda, b Register) {
	const nr = 32
	name := fmt.Sprintf("sgemmKernelAVX512%s_%dx%d", kind, mr, nr)
	TEXT(name, NOSPLIT, "func(k int, a *float32, lda int, b *float32, c *float32, ldc int, accum bool, bias *float32, relu bool)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is sgemmKernelAVX512_%dx%d with A read in place: A[r][p] = %s.", name, mr, nr, elem),
		"Requires AVX512F.")
	k = Load(Param("k"), GP64())
	a = Load(Param("a"), GP64())
	lda = Load(Param("lda"), GP64())
	SHLQ(U8(2), lda)
	b = Load(Param("b"), GP64())
	return k, a, lda, b
}

// packBKernel emits sgemmPackB<nr>AVX, the packer for full panels of
// untransposed B: dst[p*nr+j] = src[p*ldb+j] for j < nr, p < k.
func packBKernel(nr int) {
	name := fmt.Sprintf("sgemmPackB%dAVX", nr)
	TEXT(name, NOSPLIT, "func(k int, src *float32, ldb int, dst *float32)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets dst[p*%d+j] = src[p*ldb+j] for j < %d, p < k. Requires AVX.", name, nr, nr))
	k := Load(Param("k"), GP64())
	src := Load(Param("src"), GP64())
	ldb := Load(Param("ldb"), GP64())
	SHLQ(U8(2), ldb)
	dst := Load(Param("dst"), GP64())
	// Prefetch 16 rows ahead: B's rows are ldb apart, and a large B (the
	// output gradient of a convolution's kernel gradient) comes from
	// memory (W4's kernel gradient on two threads: 169–173 against
	// 161–170 GFLOP per CPU-second, three alternating runs on a loaded
	// machine).
	ahead := GP64()
	MOVQ(ldb, ahead)
	SHLQ(U8(4), ahead)
	TESTQ(k, k)
	JZ(LabelRef("done"))
	Label("loop")
	regs := []VecPhysical{Y0, Y1, Y2, Y3}
	for l := 0; l < nr*4/64; l++ {
		PREFETCHT0(Mem{Base: src, Index: ahead, Scale: 1, Disp: 64 * l})
	}
	for v := 0; v < nr/8; v++ {
		VMOVUPS(Mem{Base: src, Disp: 32 * v}, regs[v])
	}
	for v := 0; v < nr/8; v++ {
		VMOVUPS(regs[v], Mem{Base: dst, Disp: 32 * v})
	}
	ADDQ(ldb, src)
	ADDQ(U8(nr*4), dst)
	DECQ(k)
	JNZ(LabelRef("loop"))
	Label("done")
	VZEROUPPER()
	RET()
}

// dotKernel emits dotAVX2: the sum of x[i]*y[i] for i < 32*n in four YMM
// accumulators (lane j of accumulator q sums the i with i mod 32 = 8q+j).
func dotKernel() {
	TEXT("dotAVX2", NOSPLIT, "func(x, y *float32, n int) float32")
	Pragma("noescape")
	Doc("dotAVX2 returns the sum of x[i]*y[i] for i < 32*n. Requires AVX2 and FMA.")
	x := Load(Param("x"), GP64())
	y := Load(Param("y"), GP64())
	n := Load(Param("n"), GP64())
	acc := []VecPhysical{Y0, Y1, Y2, Y3}
	for _, r := range acc {
		VXORPS(r, r, r)
	}
	TESTQ(n, n)
	JZ(LabelRef("reduce"))
	Label("loop")
	for q, r := range acc {
		t := []VecPhysical{Y4, Y5, Y6, Y7}[q]
		VMOVUPS(Mem{Base: x, Disp: 32 * q}, t)
		VFMADD231PS(Mem{Base: y, Disp: 32 * q}, t, r)
	}
	ADDQ(U8(128), x)
	ADDQ(U8(128), y)
	DECQ(n)
	JNZ(LabelRef("loop"))
	Label("reduce")
	VADDPS(Y1, Y0, Y0)
	VADDPS(Y3, Y2, Y2)
	VADDPS(Y2, Y0, Y0)
	VEXTRACTF128(U8(1), Y0, X1)
	VADDPS(X1, X0, X0)
	VHADDPS(X0, X0, X0)
	VHADDPS(X0, X0, X0)
	VZEROUPPER()
	Store(X0, ReturnIndex(0))
	RET()
}

// axpyKernel emits axpyAVX2: y[i] += alpha*x[i] for i < 32*n.
func axpyKernel() {
	TEXT("axpyAVX2", NOSPLIT, "func(alpha float32, x, y *float32, n int)")
	Pragma("noescape")
	Doc("axpyAVX2 sets y[i] += alpha*x[i] for i < 32*n. Requires AVX2 and FMA.")
	x := Load(Param("x"), GP64())
	y := Load(Param("y"), GP64())
	n := Load(Param("n"), GP64())
	VBROADCASTSS(NewParamAddr("alpha", 0), Y8)
	TESTQ(n, n)
	JZ(LabelRef("done"))
	Label("loop")
	for q := 0; q < 4; q++ {
		t := []VecPhysical{Y0, Y1, Y2, Y3}[q]
		VMOVUPS(Mem{Base: y, Disp: 32 * q}, t)
		VFMADD231PS(Mem{Base: x, Disp: 32 * q}, Y8, t)
		VMOVUPS(t, Mem{Base: y, Disp: 32 * q})
	}
	ADDQ(U8(128), x)
	ADDQ(U8(128), y)
	DECQ(n)
	JNZ(LabelRef("loop"))
	Label("done")
	VZEROUPPER()
	RET()
}

// elementwiseKernels emits the AVX loops of the layers' output stage, each
// over n blocks of 8 floats: relu, bias+relu, relu's derivative and a
// running maximum (global max pooling). VMAXPS(a, b) returns b when either
// is NaN, so a NaN comes out of relu as 0 or NaN depending on the operand
// order; the Go fallbacks match the non-NaN results exactly.
//
// Why ~125 lines: it emits five small routines in the order the .s file
// lists them, each a straight run of avo calls that is read against the
// generated assembly; splitting it would only scatter that order.
func elementwiseKernels() {
	TEXT("reluAVX", NOSPLIT, "func(y *float32, n int)")
	Pragma("noescape")
	Doc("reluAVX sets y[i] = max(y[i], 0) for i < 8*n. Requires AVX.")
	{
		y := Load(Param("y"), GP64())
		n := Load(Param("n"), GP64())
		VXORPS(Y15, Y15, Y15)
		TESTQ(n, n)
		JZ(LabelRef("done"))
		Label("loop")
		VMAXPS(Mem{Base: y}, Y15, Y0)
		VMOVUPS(Y0, Mem{Base: y})
		ADDQ(U8(32), y)
		DECQ(n)
		JNZ(LabelRef("loop"))
		Label("done")
		VZEROUPPER()
		RET()
	}

	TEXT("addReluAVX", NOSPLIT, "func(y, b *float32, n int)")
	Pragma("noescape")
	Doc("addReluAVX sets y[i] = max(y[i]+b[i], 0) for i < 8*n. Requires AVX.")
	{
		y := Load(Param("y"), GP64())
		b := Load(Param("b"), GP64())
		n := Load(Param("n"), GP64())
		VXORPS(Y15, Y15, Y15)
		TESTQ(n, n)
		JZ(LabelRef("done"))
		Label("loop")
		VMOVUPS(Mem{Base: y}, Y0)
		VADDPS(Mem{Base: b}, Y0, Y0)
		VMAXPS(Y0, Y15, Y0)
		VMOVUPS(Y0, Mem{Base: y})
		ADDQ(U8(32), y)
		ADDQ(U8(32), b)
		DECQ(n)
		JNZ(LabelRef("loop"))
		Label("done")
		VZEROUPPER()
		RET()
	}

	TEXT("reluGradAVX", NOSPLIT, "func(dz, dy, y *float32, n int)")
	Pragma("noescape")
	Doc("reluGradAVX sets dz[i] = dy[i] where y[i] > 0, else 0, for i < 8*n. Requires AVX.")
	{
		dz := Load(Param("dz"), GP64())
		dy := Load(Param("dy"), GP64())
		y := Load(Param("y"), GP64())
		n := Load(Param("n"), GP64())
		VXORPS(Y15, Y15, Y15)
		TESTQ(n, n)
		JZ(LabelRef("done"))
		Label("loop")
		VMOVUPS(Mem{Base: y}, Y0)
		VCMPPS(U8(0x1e), Y15, Y0, Y1) // y > 0 (ordered, quiet)
		VANDPS(Mem{Base: dy}, Y1, Y1)
		VMOVUPS(Y1, Mem{Base: dz})
		ADDQ(U8(32), dz)
		ADDQ(U8(32), dy)
		ADDQ(U8(32), y)
		DECQ(n)
		JNZ(LabelRef("loop"))
		Label("done")
		VZEROUPPER()
		RET()
	}

	TEXT("pool2GradAVX", NOSPLIT, "func(d0, d1, x0, y, grad *float32, n int)")
	Pragma("noescape")
	Doc("pool2GradAVX adds grad[i] to d0[i] where x0[i] == y[i], else to d1[i], for i < 8*n. Requires AVX.")
	{
		d0 := Load(Param("d0"), GP64())
		d1 := Load(Param("d1"), GP64())
		x0 := Load(Param("x0"), GP64())
		y := Load(Param("y"), GP64())
		g := Load(Param("grad"), GP64()) // "g" is the goroutine register in Go assembly
		n := Load(Param("n"), GP64())
		TESTQ(n, n)
		JZ(LabelRef("done"))
		Label("loop")
		VMOVUPS(Mem{Base: x0}, Y0)
		VCMPPS(U8(0x00), Mem{Base: y}, Y0, Y1) // x0 == y (ordered, quiet)
		VMOVUPS(Mem{Base: g}, Y2)
		VANDPS(Y2, Y1, Y3)  // g where the first step won
		VANDNPS(Y2, Y1, Y4) // g elsewhere
		VADDPS(Mem{Base: d0}, Y3, Y3)
		VADDPS(Mem{Base: d1}, Y4, Y4)
		VMOVUPS(Y3, Mem{Base: d0})
		VMOVUPS(Y4, Mem{Base: d1})
		for _, r := range []Register{d0, d1, x0, y, g} {
			ADDQ(U8(32), r)
		}
		DECQ(n)
		JNZ(LabelRef("loop"))
		Label("done")
		VZEROUPPER()
		RET()
	}

	TEXT("maxIntoAVX", NOSPLIT, "func(y, x *float32, n int)")
	Pragma("noescape")
	Doc("maxIntoAVX sets y[i] = max(y[i], x[i]) for i < 8*n. Requires AVX.")
	{
		y := Load(Param("y"), GP64())
		x := Load(Param("x"), GP64())
		n := Load(Param("n"), GP64())
		TESTQ(n, n)
		JZ(LabelRef("done"))
		Label("loop")
		VMOVUPS(Mem{Base: x}, Y0)
		VMAXPS(Mem{Base: y}, Y0, Y0) // x > y ? x : y; equal: y
		VMOVUPS(Y0, Mem{Base: y})
		ADDQ(U8(32), y)
		ADDQ(U8(32), x)
		DECQ(n)
		JNZ(LabelRef("loop"))
		Label("done")
		VZEROUPPER()
		RET()
	}
}

// epilogueKernel emits biasReluRowsAVX, Sgemm's output stage for the tiles
// a micro-kernel cannot finish in its registers (partial tiles, tiles the
// row map splits, the plain-Go kernel's): it runs on such a tile right
// after it is written, while it is still in L1.
func epilogueKernel() {
	TEXT("biasReluRowsAVX", NOSPLIT, "func(c *float32, ldc int, bias *float32, rows, n int, relu bool)")
	Pragma("noescape")
	Doc("biasReluRowsAVX sets c[r*ldc+i] = c[r*ldc+i] + bias[i] for r < rows and i < 8*n,",
		"then (relu) max(·, 0) as reluAVX does; bias nil adds nothing. Requires AVX.")
	c := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	bias := Load(Param("bias"), GP64())
	rows := Load(Param("rows"), GP64())
	n := Load(Param("n"), GP64())
	relu := Load(Param("relu"), GP8())
	VXORPS(Y15, Y15, Y15)
	TESTQ(rows, rows)
	JZ(LabelRef("done"))
	TESTQ(n, n)
	JZ(LabelRef("done"))
	i, p, q := GP64(), GP64(), GP64()
	Label("row")
	MOVQ(n, i)
	MOVQ(c, p)
	MOVQ(bias, q)
	Label("col")
	VMOVUPS(Mem{Base: p}, Y0)
	TESTQ(q, q)
	JZ(LabelRef("nobias"))
	VADDPS(Mem{Base: q}, Y0, Y0)
	ADDQ(U8(32), q)
	Label("nobias")
	TESTB(relu, relu)
	JZ(LabelRef("norelu"))
	VMAXPS(Y0, Y15, Y0)
	Label("norelu")
	VMOVUPS(Y0, Mem{Base: p})
	ADDQ(U8(32), p)
	DECQ(i)
	JNZ(LabelRef("col"))
	ADDQ(ldc, c)
	DECQ(rows)
	JNZ(LabelRef("row"))
	Label("done")
	VZEROUPPER()
	RET()
}

// adamKernel emits adamAVX, the Adam step of package optimizers over
// blocks of 8: the same operations in the same order as its Go loop
// (multiplies and adds apart, no FMA: Go does not fuse them on amd64), so
// the bits agree.
func adamKernel() {
	TEXT("adamAVX", NOSPLIT, "func(w, grad, m, v *float32, n int, alpha, b1, b2, eps float32)")
	Pragma("noescape")
	Doc("adamAVX sets, for i < 8*n and g = grad: m += (g-m)*b1; v += (g*g-v)*b2; w -= m*alpha / (sqrt(v)+eps).",
		"Requires AVX.")
	w := Load(Param("w"), GP64())
	g := Load(Param("grad"), GP64()) // "g" is the goroutine register in Go assembly
	m := Load(Param("m"), GP64())
	v := Load(Param("v"), GP64())
	n := Load(Param("n"), GP64())
	alpha, b1, b2, eps := Y12, Y13, Y14, Y15
	// Four pointers and an int (40 bytes), then the four float32s.
	for i, p := range []struct {
		name string
		r    VecPhysical
	}{{"alpha", alpha}, {"b1", b1}, {"b2", b2}, {"eps", eps}} {
		VBROADCASTSS(NewParamAddr(p.name, 40+4*i), p.r)
	}
	TESTQ(n, n)
	JZ(LabelRef("done"))
	Label("loop")
	VMOVUPS(Mem{Base: g}, Y0)
	VMOVUPS(Mem{Base: m}, Y1)
	VSUBPS(Y1, Y0, Y2) // g - m
	VMULPS(b1, Y2, Y2)
	VADDPS(Y2, Y1, Y1) // m + (g-m)*b1
	VMOVUPS(Y1, Mem{Base: m})
	VMOVUPS(Mem{Base: v}, Y3)
	VMULPS(Y0, Y0, Y4) // g*g
	VSUBPS(Y3, Y4, Y4)
	VMULPS(b2, Y4, Y4)
	VADDPS(Y4, Y3, Y3)
	VMOVUPS(Y3, Mem{Base: v})
	VSQRTPS(Y3, Y3)
	VADDPS(eps, Y3, Y3)
	VMULPS(alpha, Y1, Y1) // m*alpha
	VDIVPS(Y3, Y1, Y1)
	VMOVUPS(Mem{Base: w}, Y5)
	VSUBPS(Y1, Y5, Y5)
	VMOVUPS(Y5, Mem{Base: w})
	for _, r := range []Register{w, g, m, v} {
		ADDQ(U8(32), r)
	}
	DECQ(n)
	JNZ(LabelRef("loop"))
	Label("done")
	VZEROUPPER()
	RET()
}

// avx512DirectTKernel emits sgemmKernelAVX512DirectT_<mr>x32: the 12×32
// kernel with transposed A read in place, A[r][p] = a[p*lda+r]: the mr
// values of step p are adjacent (Conv1D's kernel gradient reads its input
// windows this way), so the kernel walks a with stride lda instead of
// packing it.
func avx512DirectTKernel(mr int) {
	const nr = 32
	k, a, lda, b := inPlaceKernel("DirectT", mr, "a[p*lda+r]")
	prefetchC(mr, 2)
	t := newZmmTile(mr)
	pf := GP64() // 8 steps of A ahead
	LEAQ(Mem{Base: a, Index: lda, Scale: 8}, pf)
	step := func(off int) {
		t.step(b, off, 1024, func() { PREFETCHT0(Mem{Base: pf}) },
			func(r int) Mem { return Mem{Base: a, Disp: r * 4} })
		ADDQ(lda, a)
		ADDQ(lda, pf)
	}
	kernelLoops(k, step, func(steps int) { ADDQ(U32(steps*nr*4), b) })

	storeTile(mr, 64, t.acc, t.spare())
}

// equalKernels emits the loops of GlobalMaxPooling1D's backward pass,
// which shares each gradient among the steps equal to the maximum:
// eqCountAVX counts the ties, eqAddAVX adds the shares. Both compare with
// VCMPPS EQ_OQ (a NaN equals nothing, as == in Go) and add the masked
// value everywhere (0 where unequal), as their Go versions do.
func equalKernels() {
	TEXT("eqCountAVX", NOSPLIT, "func(cnt, x, y *float32, n int, one float32)")
	Pragma("noescape")
	Doc("eqCountAVX adds one (1, from the caller) to cnt[i] where x[i] == y[i], for i < 8*n. Requires AVX.")
	{
		cnt := Load(Param("cnt"), GP64())
		x := Load(Param("x"), GP64())
		y := Load(Param("y"), GP64())
		n := Load(Param("n"), GP64())
		VBROADCASTSS(NewParamAddr("one", 32), Y15)
		TESTQ(n, n)
		JZ(LabelRef("done"))
		Label("loop")
		VMOVUPS(Mem{Base: x}, Y0)
		VCMPPS(U8(0x00), Mem{Base: y}, Y0, Y1) // x == y (ordered, quiet)
		VANDPS(Y15, Y1, Y1)
		VADDPS(Mem{Base: cnt}, Y1, Y1)
		VMOVUPS(Y1, Mem{Base: cnt})
		for _, r := range []Register{cnt, x, y} {
			ADDQ(U8(32), r)
		}
		DECQ(n)
		JNZ(LabelRef("loop"))
		Label("done")
		VZEROUPPER()
		RET()
	}

	TEXT("eqAddAVX", NOSPLIT, "func(dx, x, y, share *float32, n int)")
	Pragma("noescape")
	Doc("eqAddAVX adds share[i] to dx[i] where x[i] == y[i] (and 0 elsewhere), for i < 8*n. Requires AVX.")
	{
		dx := Load(Param("dx"), GP64())
		x := Load(Param("x"), GP64())
		y := Load(Param("y"), GP64())
		sh := Load(Param("share"), GP64())
		n := Load(Param("n"), GP64())
		TESTQ(n, n)
		JZ(LabelRef("done"))
		Label("loop")
		VMOVUPS(Mem{Base: x}, Y0)
		VCMPPS(U8(0x00), Mem{Base: y}, Y0, Y1) // x == y (ordered, quiet)
		VANDPS(Mem{Base: sh}, Y1, Y1)
		VADDPS(Mem{Base: dx}, Y1, Y1)
		VMOVUPS(Y1, Mem{Base: dx})
		for _, r := range []Register{dx, x, y, sh} {
			ADDQ(U8(32), r)
		}
		DECQ(n)
		JNZ(LabelRef("loop"))
		Label("done")
		VZEROUPPER()
		RET()
	}
}

// addRowsKernel emits addRowsAVX, the bias gradient of a layer's output
// stage: column sums of a block of rows, added into acc. Each column block
// stays in a register while the rows are added in order, so every element
// of acc sees the same additions in the same order as adding the rows one
// by one.
func addRowsKernel() {
	TEXT("addRowsAVX", NOSPLIT, "func(acc, z *float32, rows, ld, n int)")
	Pragma("noescape")
	Doc("addRowsAVX sets acc[i] += z[r*ld+i] for r < rows in order, for i < 8*n (ld in elements). Requires AVX.")
	acc := Load(Param("acc"), GP64())
	z := Load(Param("z"), GP64())
	rows := Load(Param("rows"), GP64())
	ld := Load(Param("ld"), GP64())
	SHLQ(U8(2), ld)
	n := Load(Param("n"), GP64())
	TESTQ(n, n)
	JZ(LabelRef("done"))
	TESTQ(rows, rows)
	JZ(LabelRef("done"))
	p, r := GP64(), GP64()
	Label("col")
	VMOVUPS(Mem{Base: acc}, Y0)
	MOVQ(z, p)
	MOVQ(rows, r)
	Label("row")
	VADDPS(Mem{Base: p}, Y0, Y0)
	ADDQ(ld, p)
	DECQ(r)
	JNZ(LabelRef("row"))
	VMOVUPS(Y0, Mem{Base: acc})
	ADDQ(U8(32), acc)
	ADDQ(U8(32), z)
	DECQ(n)
	JNZ(LabelRef("col"))
	Label("done")
	VZEROUPPER()
	RET()
}

// fmaPeakKernels emits fmaPeakAVX512 and fmaPeakAVX2, the machine's FMA
// peak as shared/bench/reference/peak/peak.c measures it: independent
// accumulators (enough to cover the FMA latency on two pipes), each
// a = a*b + c with b just below 1, so the values stay bounded. seqnet
// bench times them next to a workload to report it as a fraction of the
// peak measured at the same moment.
func fmaPeakKernels() {
	for _, isa := range []struct {
		name string
		regs []VecPhysical
		n    int
	}{{"fmaPeakAVX512", zmm, 24}, {"fmaPeakAVX2", ymm, 12}} {
		TEXT(isa.name, NOSPLIT, "func(iters int, b, c float32) float32")
		Pragma("noescape")
		req := "AVX512F"
		if isa.name == "fmaPeakAVX2" {
			req = "AVX2 and FMA"
		}
		Doc(fmt.Sprintf("%s runs iters passes of %d independent vector FMAs and returns a value", isa.name, isa.n),
			"that depends on all of them (so none is dead code). Requires "+req+".")
		iters := Load(Param("iters"), GP64())
		bv, cv := isa.regs[isa.n], isa.regs[isa.n+1]
		VBROADCASTSS(NewParamAddr("b", 8), bv)
		VBROADCASTSS(NewParamAddr("c", 12), cv)
		for i := 0; i < isa.n; i++ {
			VMOVAPS(cv, isa.regs[i])
		}
		TESTQ(iters, iters)
		JZ(LabelRef("done"))
		Label("loop")
		for i := 0; i < isa.n; i++ {
			VFMADD213PS(cv, bv, isa.regs[i]) // a = a*b + c
		}
		DECQ(iters)
		JNZ(LabelRef("loop"))
		Label("done")
		for i := 1; i < isa.n; i++ {
			VADDPS(isa.regs[i], isa.regs[0], isa.regs[0])
		}
		Store(isa.regs[0].AsX(), ReturnIndex(0))
		VZEROUPPER()
		RET()
	}
}
