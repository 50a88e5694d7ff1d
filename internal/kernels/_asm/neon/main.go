// Command neon writes gemm_arm64.s, the arm64 (NEON) kernels of package
// kernels: the 8×12 GEMM micro-kernel, its packing routines, Dot and Axpy,
// the element-wise loops of the layers' output stage and the FMA peak loop.
//
// There is no avo for arm64, so this is a small printer of Go assembly.
// Go's arm64 assembler knows VFMLA (vector by vector), loads, stores and the
// bitwise operations, but not the floating-point vector instructions FMLA
// by element, FADD, FMUL by element and the compares; those are emitted as
// WORD with their encoding computed here and the instruction in a comment
// (`go tool objdump` on an arm64 binary shows them decoded).
//
// Run from internal/kernels: go generate (see gemm_arm64.go), or
//
//	cd _asm && go run ./neon -out ../gemm_arm64.s
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
)

var out bytes.Buffer

// The encodings (Arm ARM, "Advanced SIMD"), all on 4 lanes of float32.

const (
	mr = 8  // rows of the GEMM tile: two vectors of A per step
	nr = 12 // columns: three vectors of B per step
)

// acc is the register of the accumulator of tile row r, column vector j:
// V8 … V31, the three of a row consecutive (one VST1 stores a row).
func acc(r, j int) int { return 8 + 3*r + j }

// gemmKernel emits the 8×12 micro-kernel. Per step of k it loads 8 values
// of A (V0, V1) and 12 of B (V2-V4) and issues 24 FMLA by element: 26
// instructions for 24 FMAs, and 0.5 more for the loop (unrolled 4 times).
func gemmKernel() {
	name := fmt.Sprintf("sgemmKernelNEON_%dx%d", mr, nr)
	text(name, 57,
		"func "+name+"(k int, a *float32, b *float32, c *float32, ldc int, accum bool, bias *float32, relu bool)")
	gemmKernelBody(mr)
}

// gemmPartKernel emits sgemmKernelNEON_<rows>of8x12: the first rows rows
// of the 8×12 kernel's tile, from the same packed A panels (8 values a
// step, of which it uses rows) and with the same arithmetic for each
// element, for the last, partial panel of a block of rows: 4 rows cost 2
// loads and 12 FMLA a step instead of 24.
func gemmPartKernel(rows int) {
	name := fmt.Sprintf("sgemmKernelNEON_%dof%dx%d", rows, mr, nr)
	text(name, 57,
		"func "+name+"(k int, a *float32, b *float32, c *float32, ldc int, accum bool, bias *float32, relu bool)")
	gemmKernelBody(rows)
}

// gemmKernelBody is the body of the GEMM kernels: a tile of rows rows.
func gemmKernelBody(rows int) {
	emit("MOVD k+0(FP), R0")
	emit("MOVD a+8(FP), R1")
	emit("MOVD b+16(FP), R2")
	emit("MOVD c+24(FP), R3")
	emit("MOVD ldc+32(FP), R4")
	emit("LSL $2, R4, R4")
	emit("MOVBU accum+40(FP), R5")
	emit("MOVD bias+48(FP), R6")
	emit("MOVBU relu+56(FP), R7")
	for r := 0; r < rows; r++ {
		for j := 0; j < 3; j++ {
			v := acc(r, j)
			emit("VEOR V%d.B16, V%d.B16, V%d.B16", v, v, v)
		}
	}
	step := func() {
		emit("VLD1.P 32(R1), %s", regs(0, 2))
		emit("VLD1.P 48(R2), %s", regs(2, 3))
		for r := 0; r < rows; r++ {
			for j := 0; j < 3; j++ {
				fmlaElem(acc(r, j), 2+j, r/4, r%4)
			}
		}
	}
	emit("LSR $2, R0, R8")
	emit("AND $3, R0, R9")
	emit("CBZ R8, tail")
	label("loop4")
	for range 4 {
		step()
	}
	emit("SUBS $1, R8, R8")
	emit("BNE loop4")
	label("tail")
	emit("CBZ R9, store")
	label("loop1")
	step()
	emit("SUBS $1, R9, R9")
	emit("BNE loop1")
	label("store")
	// The output stage in registers: C (accum) + A·B, + bias, relu.
	emit("CBZ R6, nobias")
	emit("VLD1 (R6), %s", regs(5, 3))
	label("nobias")
	for r := 0; r < rows; r++ {
		first := acc(r, 0)
		emit("CBZ R5, noaccum%d", r)
		emit("VLD1 (R3), %s", regs(0, 3))
		for j := 0; j < 3; j++ {
			fadd(acc(r, j), 0+j, acc(r, j))
		}
		label(fmt.Sprintf("noaccum%d", r))
		emit("CBZ R6, nobias%d", r)
		for j := 0; j < 3; j++ {
			fadd(acc(r, j), acc(r, j), 5+j)
		}
		label(fmt.Sprintf("nobias%d", r))
		emit("CBZ R7, norelu%d", r)
		for j := 0; j < 3; j++ {
			relu(acc(r, j), j)
		}
		label(fmt.Sprintf("norelu%d", r))
		emit("VST1 %s, (R3)", regs(first, 3))
		emit("ADD R4, R3, R3")
	}
	emit("RET")
}

// packAKernel emits the packing of 8 rows of A: 8×8 blocks transposed in
// registers (4×4 at a time with TRN1/TRN2), scaled by alpha.
func packAKernel() {
	text("sgemmPackA8NEON", 36,
		"func sgemmPackA8NEON(n int, src *float32, lda int, dst *float32, alpha float32)")
	emit("MOVD n+0(FP), R0")
	emit("MOVD src+8(FP), R1")
	emit("MOVD lda+16(FP), R2")
	emit("LSL $2, R2, R2")
	emit("MOVD dst+24(FP), R3")
	emit("MOVWU alpha+32(FP), R5")
	emit("CBZ R0, done")
	label("loop")
	// Rows 0-7, 8 values each: row r in V(2r), V(2r+1).
	emit("MOVD R1, R4")
	for r := 0; r < 8; r++ {
		emit("VLD1 (R4), %s", regs(2*r, 2))
		if r < 7 {
			emit("ADD R2, R4, R4")
		}
	}
	emit("ADD $32, R1, R1")
	// For each half h of the 8 columns and each group g of 4 rows,
	// transpose the 4×4 block: column p of it, 4 rows, lands in
	// out(p, g), so that dst gets, per column, rows 0-3 then rows 4-7.
	// out registers V16-V31: column p (0-7) rows group g at 16+2p+g.
	for h := 0; h < 2; h++ {
		for g := 0; g < 2; g++ {
			row := func(i int) int { return 2*(4*g+i) + h } // register of row 4g+i, half h
			// t0..t3 in scratch: the outputs of the other blocks are
			// not written yet where we put them (V16+...), so use the
			// final registers of this block as scratch.
			o := func(p int) int { return 16 + 2*(4*h+p) + g }
			emit("VTRN1 V%d.S4, V%d.S4, V%d.S4", row(1), row(0), o(0)) // t0 = trn1(r0, r1)
			emit("VTRN2 V%d.S4, V%d.S4, V%d.S4", row(1), row(0), o(1)) // t1 = trn2(r0, r1)
			emit("VTRN1 V%d.S4, V%d.S4, V%d.S4", row(3), row(2), o(2)) // t2 = trn1(r2, r3)
			emit("VTRN2 V%d.S4, V%d.S4, V%d.S4", row(3), row(2), o(3)) // t3 = trn2(r2, r3)
			// columns: c0 = trn1.2d(t0, t2), c2 = trn2.2d(t0, t2),
			// c1 = trn1.2d(t1, t3), c3 = trn2.2d(t1, t3). Rows 4g.. of
			// this half are read no more, so their registers are scratch.
			s0, s1 := row(0), row(1)
			emit("VTRN1 V%d.D2, V%d.D2, V%d.D2", o(2), o(0), s0)
			emit("VTRN2 V%d.D2, V%d.D2, V%d.D2", o(2), o(0), o(2))
			emit("VTRN1 V%d.D2, V%d.D2, V%d.D2", o(3), o(1), s1)
			emit("VTRN2 V%d.D2, V%d.D2, V%d.D2", o(3), o(1), o(3))
			emit("VMOV V%d.B16, V%d.B16", s0, o(0))
			emit("VMOV V%d.B16, V%d.B16", s1, o(1))
		}
	}
	// All 32 registers were busy; the inputs' are free now.
	emit("VDUP R5, V0.S4")
	for v := 16; v < 32; v++ {
		fmulElem(v, v, 0, 0)
	}
	for v := 16; v < 32; v += 4 {
		emit("VST1.P %s, 64(R3)", regs(v, 4))
	}
	emit("SUBS $1, R0, R0")
	emit("BNE loop")
	label("done")
	emit("RET")
}

// packATKernel emits the packing of 8 columns of transposed A: each step's
// 8 values are contiguous; scaled by alpha.
func packATKernel() {
	text("sgemmPackAT8NEON", 36,
		"func sgemmPackAT8NEON(k int, src *float32, lda int, dst *float32, alpha float32)")
	emit("MOVD k+0(FP), R0")
	emit("MOVD src+8(FP), R1")
	emit("MOVD lda+16(FP), R2")
	emit("LSL $2, R2, R2")
	emit("MOVD dst+24(FP), R3")
	emit("FMOVS alpha+32(FP), F31")
	emit("CBZ R0, done")
	label("loop")
	emit("VLD1 (R1), %s", regs(0, 2))
	emit("ADD R2, R1, R1")
	fmulElem(0, 0, 31, 0)
	fmulElem(1, 1, 31, 0)
	emit("VST1.P %s, 32(R3)", regs(0, 2))
	emit("SUBS $1, R0, R0")
	emit("BNE loop")
	label("done")
	emit("RET")
}

// packBKernel emits the packing of 12 columns of B: a copy of 12 values
// per row.
func packBKernel() {
	text("sgemmPackB12NEON", 32,
		"func sgemmPackB12NEON(k int, src *float32, ldb int, dst *float32)")
	emit("MOVD k+0(FP), R0")
	emit("MOVD src+8(FP), R1")
	emit("MOVD ldb+16(FP), R2")
	emit("LSL $2, R2, R2")
	emit("MOVD dst+24(FP), R3")
	emit("CBZ R0, done")
	label("loop")
	emit("VLD1 (R1), %s", regs(0, 3))
	emit("ADD R2, R1, R1")
	emit("VST1.P %s, 48(R3)", regs(0, 3))
	emit("SUBS $1, R0, R0")
	emit("BNE loop")
	label("done")
	emit("RET")
}

func main() {
	outPath := flag.String("out", "gemm_arm64.s", "the assembly file to write")
	flag.Parse()
	out.WriteString("// Code generated by command: go run ./neon -out ../gemm_arm64.s. DO NOT EDIT.\n\n")
	out.WriteString("//go:build !purego\n\n")
	out.WriteString("// The arm64 kernels of package kernels; AArch64's Advanced SIMD (NEON)\n")
	out.WriteString("// is always present. WORD lines are the instructions Go's assembler does\n")
	out.WriteString("// not spell; each carries its disassembly.\n\n")
	out.WriteString("#include \"textflag.h\"\n")
	gemmKernel()
	gemmPartKernel(4)
	packAKernel()
	packATKernel()
	packBKernel()
	dotKernel()
	axpyKernel()
	elementwiseKernels()
	adamKernel()
	epilogueKernel()
	addRowsKernel()
	fmaPeakKernel()
	if err := os.WriteFile(*outPath, out.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
