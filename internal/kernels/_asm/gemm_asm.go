//go:build ignore

// This generator writes the GEMM micro-kernels in ../gemm_amd64.s:
//
//	cd internal/kernels/_asm && go run gemm_asm.go -out ../gemm_amd64.s -stubs ../gemm_stub_amd64.go -pkg kernels
//
// Each kernel multiplies a packed MR×k panel of A (stored k-major: the MR
// values of step p are adjacent) by a packed k×NR panel of B (the NR values
// of step p are adjacent) into an MR×NR block of registers that starts at
// zero, then either stores the block to C or adds it to C.
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
	avx512Kernel(14)
	avx2Kernel()
	Generate()
}

var zmm = []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15,
	Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31}

var ymm = []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15}

// unroll is how many k steps one pass of the main loop does.
const unroll = 4

// avx512Kernel emits sgemmKernelAVX512_<mr>x32: mr rows, two ZMM columns,
// A values broadcast straight from memory into the FMAs.
func avx512Kernel(mr int) {
	const nr = 32
	name := fmt.Sprintf("sgemmKernelAVX512_%dx%d", mr, nr)
	TEXT(name, NOSPLIT, "func(k int, a *float32, b *float32, c *float32, ldc int, accum bool)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s computes the %d×%d block C = A·B (accum false) or C += A·B (accum true)", name, mr, nr),
		fmt.Sprintf("from packed panels: a holds k×%d values, b holds k×%d; ldc is in elements. Requires AVX512F.", mr, nr))
	k := Load(Param("k"), GP64())
	a := Load(Param("a"), GP64())
	b := Load(Param("b"), GP64())

	acc := func(r, j int) VecPhysical { return zmm[2*r+j] }
	b0, b1 := zmm[30], zmm[31]
	for r := 0; r < mr; r++ {
		for j := 0; j < 2; j++ {
			VPXORD(acc(r, j), acc(r, j), acc(r, j))
		}
	}
	step := func(off int) {
		VMOVUPS(Mem{Base: b, Disp: off * nr * 4}, b0)
		VMOVUPS(Mem{Base: b, Disp: off*nr*4 + 64}, b1)
		for r := 0; r < mr; r++ {
			m := Mem{Base: a, Disp: (off*mr + r) * 4}
			VFMADD231PS_BCST(m, b0, acc(r, 0))
			VFMADD231PS_BCST(m, b1, acc(r, 1))
		}
	}
	kernelLoops(k, a, b, mr, nr, step)

	c := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	accum := Load(Param("accum"), GP8())
	TESTB(accum, accum)
	JZ(LabelRef("store"))
	for r := 0; r < mr; r++ {
		for j := 0; j < 2; j++ {
			VADDPS(Mem{Base: c, Disp: 64 * j}, acc(r, j), acc(r, j))
			VMOVUPS(acc(r, j), Mem{Base: c, Disp: 64 * j})
		}
		if r < mr-1 {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()
	Label("store")
	for r := 0; r < mr; r++ {
		for j := 0; j < 2; j++ {
			VMOVUPS(acc(r, j), Mem{Base: c, Disp: 64 * j})
		}
		if r < mr-1 {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()
}

// avx2Kernel emits sgemmKernelAVX2_6x16: 12 YMM accumulators, two B
// vectors and two broadcast registers use all 16 YMM registers.
func avx2Kernel() {
	const mr, nr = 6, 16
	name := fmt.Sprintf("sgemmKernelAVX2_%dx%d", mr, nr)
	TEXT(name, NOSPLIT, "func(k int, a *float32, b *float32, c *float32, ldc int, accum bool)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s computes the %d×%d block C = A·B (accum false) or C += A·B (accum true)", name, mr, nr),
		fmt.Sprintf("from packed panels: a holds k×%d values, b holds k×%d; ldc is in elements. Requires AVX2 and FMA.", mr, nr))
	k := Load(Param("k"), GP64())
	a := Load(Param("a"), GP64())
	b := Load(Param("b"), GP64())

	acc := func(r, j int) VecPhysical { return ymm[2*r+j] }
	b0, b1 := ymm[12], ymm[13]
	bc := []VecPhysical{ymm[14], ymm[15]}
	for r := 0; r < mr; r++ {
		for j := 0; j < 2; j++ {
			VXORPS(acc(r, j), acc(r, j), acc(r, j))
		}
	}
	step := func(off int) {
		VMOVUPS(Mem{Base: b, Disp: off * nr * 4}, b0)
		VMOVUPS(Mem{Base: b, Disp: off*nr*4 + 32}, b1)
		for r := 0; r < mr; r++ {
			x := bc[r%2]
			VBROADCASTSS(Mem{Base: a, Disp: (off*mr + r) * 4}, x)
			VFMADD231PS(b0, x, acc(r, 0))
			VFMADD231PS(b1, x, acc(r, 1))
		}
	}
	kernelLoops(k, a, b, mr, nr, step)

	c := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	accum := Load(Param("accum"), GP8())
	TESTB(accum, accum)
	JZ(LabelRef("store"))
	for r := 0; r < mr; r++ {
		for j := 0; j < 2; j++ {
			VADDPS(Mem{Base: c, Disp: 32 * j}, acc(r, j), acc(r, j))
			VMOVUPS(acc(r, j), Mem{Base: c, Disp: 32 * j})
		}
		if r < mr-1 {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()
	Label("store")
	for r := 0; r < mr; r++ {
		for j := 0; j < 2; j++ {
			VMOVUPS(acc(r, j), Mem{Base: c, Disp: 32 * j})
		}
		if r < mr-1 {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()
}

// kernelLoops emits the k loop: unroll steps per pass while at least unroll
// remain, then single steps. k >= 0.
func kernelLoops(k, a, b Register, mr, nr int, step func(off int)) {
	n := GP64()
	MOVQ(k, n)
	SHRQ(U8(2), n)
	JZ(LabelRef("tail"))
	Label("loop")
	for u := 0; u < unroll; u++ {
		step(u)
	}
	ADDQ(U32(unroll*mr*4), a)
	ADDQ(U32(unroll*nr*4), b)
	DECQ(n)
	JNZ(LabelRef("loop"))
	Label("tail")
	ANDQ(U8(unroll-1), k)
	JZ(LabelRef("done"))
	Label("tailloop")
	step(0)
	ADDQ(U8(mr*4), a)
	ADDQ(U32(nr*4), b)
	DECQ(k)
	JNZ(LabelRef("tailloop"))
	Label("done")
}
