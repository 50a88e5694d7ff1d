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
	"strings"
)

var out bytes.Buffer

// emit writes one instruction line.
func emit(format string, args ...any) {
	fmt.Fprintf(&out, "\t"+format+"\n", args...)
}

func label(name string) { fmt.Fprintf(&out, "%s:\n", name) }

// word emits an instruction by its encoding, with its assembly as comment.
func word(enc uint32, asm string, args ...any) {
	emit("WORD $0x%08x // %s", enc, fmt.Sprintf(asm, args...))
}

// The encodings (Arm ARM, "Advanced SIMD"), all on 4 lanes of float32.

// fmlaElem: FMLA Vd.4S, Vn.4S, Vm.S[i] (Vd += Vn * Vm[i]).
func fmlaElem(d, n, m, i int) {
	enc := uint32(0x4f801000) | uint32(i&1)<<21 | uint32(m)<<16 | uint32(i>>1)<<11 | uint32(n)<<5 | uint32(d)
	word(enc, "FMLA V%d.4S, V%d.4S, V%d.S[%d]", d, n, m, i)
}

// fmulElem: FMUL Vd.4S, Vn.4S, Vm.S[i].
func fmulElem(d, n, m, i int) {
	enc := uint32(0x4f809000) | uint32(i&1)<<21 | uint32(m)<<16 | uint32(i>>1)<<11 | uint32(n)<<5 | uint32(d)
	word(enc, "FMUL V%d.4S, V%d.4S, V%d.S[%d]", d, n, m, i)
}

func threeSame(base uint32, name string, d, n, m int) {
	word(base|uint32(m)<<16|uint32(n)<<5|uint32(d), "%s V%d.4S, V%d.4S, V%d.4S", name, d, n, m)
}

// fadd: FADD Vd.4S, Vn.4S, Vm.4S.
func fadd(d, n, m int) { threeSame(0x4e20d400, "FADD", d, n, m) }

// fsub: FSUB Vd.4S, Vn.4S, Vm.4S (Vn - Vm).
func fsub(d, n, m int) { threeSame(0x4ea0d400, "FSUB", d, n, m) }

// fmul: FMUL Vd.4S, Vn.4S, Vm.4S.
func fmul(d, n, m int) { threeSame(0x6e20dc00, "FMUL", d, n, m) }

// fdiv: FDIV Vd.4S, Vn.4S, Vm.4S (Vn / Vm).
func fdiv(d, n, m int) { threeSame(0x6e20fc00, "FDIV", d, n, m) }

// fsqrt: FSQRT Vd.4S, Vn.4S.
func fsqrt(d, n int) {
	word(0x6ea1f800|uint32(n)<<5|uint32(d), "FSQRT V%d.4S, V%d.4S", d, n)
}

// fcmgt: FCMGT Vd.4S, Vn.4S, Vm.4S (all ones where Vn > Vm).
func fcmgt(d, n, m int) { threeSame(0x6ea0e400, "FCMGT", d, n, m) }

// fcmeq: FCMEQ Vd.4S, Vn.4S, Vm.4S (all ones where Vn == Vm).
func fcmeq(d, n, m int) { threeSame(0x4e20e400, "FCMEQ", d, n, m) }

// bic: BIC Vd.16B, Vn.16B, Vm.16B (Vn AND NOT Vm).
func bic(d, n, m int) {
	word(0x4e601c00|uint32(m)<<16|uint32(n)<<5|uint32(d), "BIC V%d.16B, V%d.16B, V%d.16B", d, n, m)
}

// fcmltz: FCMLT Vd.4S, Vn.4S, #0.0 (all ones where Vn < 0; not for NaN or -0).
func fcmltz(d, n int) {
	word(0x4ea0e800|uint32(n)<<5|uint32(d), "FCMLT V%d.4S, V%d.4S, #0.0", d, n)
}

// fcmgtz: FCMGT Vd.4S, Vn.4S, #0.0 (all ones where Vn > 0).
func fcmgtz(d, n int) {
	word(0x4ea0c800|uint32(n)<<5|uint32(d), "FCMGT V%d.4S, V%d.4S, #0.0", d, n)
}

// relu clamps Vv at 0 the way the Go loops do (if 0 > v { v = 0 }): a NaN
// and -0 stay as they are. Vt is scratch.
func relu(v, t int) {
	fcmltz(t, v)
	bic(v, v, t)
}

// regs formats the register list [Va.S4, Va+1.S4, …] of n registers.
func regs(first, n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf("V%d.S4", first+i)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// text starts a function. frame is the size of its arguments and results.
func text(name string, frame int, doc ...string) {
	out.WriteString("\n")
	for _, d := range doc {
		out.WriteString("// " + d + "\n")
	}
	fmt.Fprintf(&out, "TEXT ·%s(SB), NOSPLIT, $0-%d\n", name, frame)
}

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
	emit("MOVD k+0(FP), R0")
	emit("MOVD a+8(FP), R1")
	emit("MOVD b+16(FP), R2")
	emit("MOVD c+24(FP), R3")
	emit("MOVD ldc+32(FP), R4")
	emit("LSL $2, R4, R4")
	emit("MOVBU accum+40(FP), R5")
	emit("MOVD bias+48(FP), R6")
	emit("MOVBU relu+56(FP), R7")
	for r := 0; r < mr; r++ {
		for j := 0; j < 3; j++ {
			v := acc(r, j)
			emit("VEOR V%d.B16, V%d.B16, V%d.B16", v, v, v)
		}
	}
	step := func() {
		emit("VLD1.P 32(R1), %s", regs(0, 2))
		emit("VLD1.P 48(R2), %s", regs(2, 3))
		for r := 0; r < mr; r++ {
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
	for r := 0; r < mr; r++ {
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

// dotKernel emits dotNEON: 32 values a step into 8 vector sums, added at
// the end.
func dotKernel() {
	text("dotNEON", 28, "func dotNEON(x *float32, y *float32, n int) float32")
	emit("MOVD x+0(FP), R0")
	emit("MOVD y+8(FP), R1")
	emit("MOVD n+16(FP), R2")
	for v := 16; v < 24; v++ {
		emit("VEOR V%d.B16, V%d.B16, V%d.B16", v, v, v)
	}
	emit("CBZ R2, done")
	label("loop")
	emit("VLD1.P 64(R0), %s", regs(0, 4))
	emit("VLD1.P 64(R0), %s", regs(4, 4))
	emit("VLD1.P 64(R1), %s", regs(8, 4))
	emit("VLD1.P 64(R1), %s", regs(12, 4))
	for i := 0; i < 8; i++ {
		emit("VFMLA V%d.S4, V%d.S4, V%d.S4", 8+i, i, 16+i)
	}
	emit("SUBS $1, R2, R2")
	emit("BNE loop")
	label("done")
	fadd(16, 16, 17)
	fadd(18, 18, 19)
	fadd(20, 20, 21)
	fadd(22, 22, 23)
	fadd(16, 16, 18)
	fadd(20, 20, 22)
	fadd(16, 16, 20)
	// Sum the 4 lanes: (l0+l1) + (l2+l3) with FADDP twice.
	word(0x6e20d400|16<<16|16<<5|16, "FADDP V16.4S, V16.4S, V16.4S")
	word(0x7e30d800|16<<5|16, "FADDP S16, V16.2S")
	emit("FMOVS F16, ret+24(FP)")
	emit("RET")
}

// axpyKernel emits axpyNEON: y += alpha*x, 32 values a step, fused.
func axpyKernel() {
	text("axpyNEON", 32, "func axpyNEON(alpha float32, x *float32, y *float32, n int)")
	emit("FMOVS alpha+0(FP), F31")
	emit("VDUP V31.S[0], V31.S4")
	emit("MOVD x+8(FP), R0")
	emit("MOVD y+16(FP), R1")
	emit("MOVD n+24(FP), R2")
	emit("CBZ R2, done")
	label("loop")
	emit("VLD1.P 64(R0), %s", regs(0, 4))
	emit("VLD1.P 64(R0), %s", regs(4, 4))
	emit("VLD1 (R1), %s", regs(8, 4))
	emit("ADD $64, R1, R3")
	emit("VLD1 (R3), %s", regs(12, 4))
	for i := 0; i < 8; i++ {
		emit("VFMLA V%d.S4, V31.S4, V%d.S4", i, 8+i)
	}
	emit("VST1.P %s, 64(R1)", regs(8, 4))
	emit("VST1.P %s, 64(R1)", regs(12, 4))
	emit("SUBS $1, R2, R2")
	emit("BNE loop")
	label("done")
	emit("RET")
}

// loop8 emits the loop of an element-wise kernel: body once for each of
// the n blocks of 8 values (body advances the pointers).
func loop8(n string, body func()) {
	emit("CBZ %s, done", n)
	label("loop")
	body()
	emit("SUBS $1, %s, %s", n, n)
	emit("BNE loop")
	label("done")
	emit("RET")
}

func elementwiseKernels() {
	text("reluNEON", 16, "func reluNEON(y *float32, n int)")
	emit("MOVD y+0(FP), R0")
	emit("MOVD n+8(FP), R1")
	loop8("R1", func() {
		emit("VLD1 (R0), %s", regs(0, 2))
		relu(0, 2)
		relu(1, 3)
		emit("VST1.P %s, 32(R0)", regs(0, 2))
	})

	text("addReluNEON", 24, "func addReluNEON(y *float32, b *float32, n int)")
	emit("MOVD y+0(FP), R0")
	emit("MOVD b+8(FP), R1")
	emit("MOVD n+16(FP), R2")
	loop8("R2", func() {
		emit("VLD1 (R0), %s", regs(0, 2))
		emit("VLD1.P 32(R1), %s", regs(2, 2))
		fadd(0, 0, 2)
		fadd(1, 1, 3)
		relu(0, 2)
		relu(1, 3)
		emit("VST1.P %s, 32(R0)", regs(0, 2))
	})

	text("reluGradNEON", 32, "func reluGradNEON(dz *float32, dy *float32, y *float32, n int)")
	emit("MOVD dz+0(FP), R0")
	emit("MOVD dy+8(FP), R1")
	emit("MOVD y+16(FP), R2")
	emit("MOVD n+24(FP), R3")
	loop8("R3", func() {
		emit("VLD1.P 32(R2), %s", regs(0, 2))
		emit("VLD1.P 32(R1), %s", regs(2, 2))
		fcmgtz(0, 0) // y > 0 (false for NaN)
		fcmgtz(1, 1)
		emit("VAND V0.B16, V2.B16, V2.B16")
		emit("VAND V1.B16, V3.B16, V3.B16")
		emit("VST1.P %s, 32(R0)", regs(2, 2))
	})

	text("maxIntoNEON", 24, "func maxIntoNEON(y *float32, x *float32, n int)")
	emit("MOVD y+0(FP), R0")
	emit("MOVD x+8(FP), R1")
	emit("MOVD n+16(FP), R2")
	loop8("R2", func() {
		emit("VLD1 (R0), %s", regs(0, 2))
		emit("VLD1.P 32(R1), %s", regs(2, 2))
		fcmgt(4, 2, 0) // x > y
		fcmgt(5, 3, 1)
		emit("VBIT V4.B16, V2.B16, V0.B16") // y = x where x > y
		emit("VBIT V5.B16, V3.B16, V1.B16")
		emit("VST1.P %s, 32(R0)", regs(0, 2))
	})

	text("pool2GradNEON", 48, "func pool2GradNEON(d0 *float32, d1 *float32, x0 *float32, y *float32, grad *float32, n int)")
	emit("MOVD d0+0(FP), R0")
	emit("MOVD d1+8(FP), R1")
	emit("MOVD x0+16(FP), R2")
	emit("MOVD y+24(FP), R3")
	emit("MOVD grad+32(FP), R4")
	emit("MOVD n+40(FP), R5")
	loop8("R5", func() {
		emit("VLD1.P 32(R2), %s", regs(0, 2))
		emit("VLD1.P 32(R3), %s", regs(2, 2))
		emit("VLD1.P 32(R4), %s", regs(4, 2))
		fcmeq(0, 0, 2) // x0 == y: the first step won
		fcmeq(1, 1, 3)
		emit("VAND V0.B16, V4.B16, V2.B16") // g where the first step won
		emit("VAND V1.B16, V5.B16, V3.B16")
		bic(4, 4, 0) // g elsewhere
		bic(5, 5, 1)
		emit("VLD1 (R0), %s", regs(6, 2))
		emit("VLD1 (R1), %s", regs(8, 2))
		fadd(6, 6, 2)
		fadd(7, 7, 3)
		fadd(8, 8, 4)
		fadd(9, 9, 5)
		emit("VST1.P %s, 32(R0)", regs(6, 2))
		emit("VST1.P %s, 32(R1)", regs(8, 2))
	})

	text("eqCountNEON", 36, "func eqCountNEON(cnt *float32, x *float32, y *float32, n int, one float32)")
	emit("MOVD cnt+0(FP), R0")
	emit("MOVD x+8(FP), R1")
	emit("MOVD y+16(FP), R2")
	emit("MOVD n+24(FP), R3")
	emit("FMOVS one+32(FP), F31")
	emit("VDUP V31.S[0], V31.S4")
	loop8("R3", func() {
		emit("VLD1.P 32(R1), %s", regs(0, 2))
		emit("VLD1.P 32(R2), %s", regs(2, 2))
		fcmeq(0, 0, 2)
		fcmeq(1, 1, 3)
		emit("VAND V0.B16, V31.B16, V0.B16")
		emit("VAND V1.B16, V31.B16, V1.B16")
		emit("VLD1 (R0), %s", regs(4, 2))
		fadd(4, 4, 0)
		fadd(5, 5, 1)
		emit("VST1.P %s, 32(R0)", regs(4, 2))
	})

	text("eqAddNEON", 40, "func eqAddNEON(dx *float32, x *float32, y *float32, share *float32, n int)")
	emit("MOVD dx+0(FP), R0")
	emit("MOVD x+8(FP), R1")
	emit("MOVD y+16(FP), R2")
	emit("MOVD share+24(FP), R3")
	emit("MOVD n+32(FP), R4")
	loop8("R4", func() {
		emit("VLD1.P 32(R1), %s", regs(0, 2))
		emit("VLD1.P 32(R2), %s", regs(2, 2))
		emit("VLD1.P 32(R3), %s", regs(4, 2))
		fcmeq(0, 0, 2)
		fcmeq(1, 1, 3)
		emit("VAND V0.B16, V4.B16, V0.B16")
		emit("VAND V1.B16, V5.B16, V1.B16")
		emit("VLD1 (R0), %s", regs(6, 2))
		fadd(6, 6, 0)
		fadd(7, 7, 1)
		emit("VST1.P %s, 32(R0)", regs(6, 2))
	})
}

// adamKernel emits adamNEON, the Adam step of package optimizers over
// blocks of 8: the operations of its Go loop in the same order, each
// rounded (no fused multiply-add), so the bits agree with it and with the
// AVX loop. Vector FSQRT is the correctly rounded float32 root, as is
// float32(math.Sqrt(float64(v))).
func adamKernel() {
	text("adamNEON", 56, "func adamNEON(w *float32, grad *float32, m *float32, v *float32, n int, alpha float32, b1 float32, b2 float32, eps float32)")
	emit("MOVD w+0(FP), R0")
	emit("MOVD grad+8(FP), R1")
	emit("MOVD m+16(FP), R2")
	emit("MOVD v+24(FP), R3")
	emit("MOVD n+32(FP), R4")
	for i, name := range []string{"alpha", "b1", "b2", "eps"} {
		r := 28 + i // V28 alpha, V29 b1, V30 b2, V31 eps
		emit("FMOVS %s+%d(FP), F%d", name, 40+4*i, r)
		emit("VDUP V%d.S[0], V%d.S4", r, r)
	}
	loop8("R4", func() {
		emit("VLD1.P 32(R1), %s", regs(0, 2)) // g
		emit("VLD1 (R2), %s", regs(2, 2))     // m
		emit("VLD1 (R3), %s", regs(4, 2))     // v
		for h := 0; h < 2; h++ {
			g, m, v, t := h, 2+h, 4+h, 6+h
			fsub(t, g, m) // g - m
			fmul(t, t, 29)
			fadd(m, m, t) // m + (g-m)*b1
			fmul(t, g, g) // g*g
			fsub(t, t, v)
			fmul(t, t, 30)
			fadd(v, v, t) // v + (g*g-v)*b2
		}
		emit("VST1.P %s, 32(R2)", regs(2, 2))
		emit("VST1.P %s, 32(R3)", regs(4, 2))
		emit("VLD1 (R0), %s", regs(8, 2)) // w
		for h := 0; h < 2; h++ {
			m, v, t, w := 2+h, 4+h, 6+h, 8+h
			fsqrt(v, v)
			fadd(v, v, 31) // sqrt(v) + eps
			fmul(t, m, 28) // m*alpha
			fdiv(t, t, v)  // m*alpha / (sqrt(v)+eps)
			fsub(w, w, t)
		}
		emit("VST1.P %s, 32(R0)", regs(8, 2))
	})
}

// epilogueKernel emits biasReluRowsNEON, Sgemm's output stage for the
// tiles the micro-kernel does not finish in its registers.
func epilogueKernel() {
	text("biasReluRowsNEON", 41, "func biasReluRowsNEON(c *float32, ldc int, bias *float32, rows int, n int, relu bool)")
	emit("MOVD c+0(FP), R0")
	emit("MOVD ldc+8(FP), R1")
	emit("LSL $2, R1, R1")
	emit("MOVD bias+16(FP), R2")
	emit("MOVD rows+24(FP), R3")
	emit("MOVD n+32(FP), R4")
	emit("MOVBU relu+40(FP), R5")
	emit("CBZ R3, done")
	emit("CBZ R4, done")
	label("row")
	emit("MOVD R4, R6")
	emit("MOVD R0, R7")
	emit("MOVD R2, R8")
	label("col")
	emit("VLD1 (R7), %s", regs(0, 2))
	emit("CBZ R8, nobias")
	emit("VLD1.P 32(R8), %s", regs(2, 2))
	fadd(0, 0, 2)
	fadd(1, 1, 3)
	label("nobias")
	emit("CBZ R5, norelu")
	relu(0, 2)
	relu(1, 3)
	label("norelu")
	emit("VST1.P %s, 32(R7)", regs(0, 2))
	emit("SUBS $1, R6, R6")
	emit("BNE col")
	emit("ADD R1, R0, R0")
	emit("SUBS $1, R3, R3")
	emit("BNE row")
	label("done")
	emit("RET")
}

// addRowsKernel emits addRowsNEON: column sums of rows added into acc, each
// block of 8 columns kept in registers while the rows are added in order.
func addRowsKernel() {
	text("addRowsNEON", 40, "func addRowsNEON(acc *float32, z *float32, rows int, ld int, n int)")
	emit("MOVD acc+0(FP), R0")
	emit("MOVD z+8(FP), R1")
	emit("MOVD rows+16(FP), R2")
	emit("MOVD ld+24(FP), R3")
	emit("LSL $2, R3, R3")
	emit("MOVD n+32(FP), R4")
	emit("CBZ R4, done")
	emit("CBZ R2, done")
	label("col")
	emit("VLD1 (R0), %s", regs(0, 2))
	emit("MOVD R1, R5")
	emit("MOVD R2, R6")
	label("row")
	emit("VLD1 (R5), %s", regs(2, 2))
	fadd(0, 0, 2)
	fadd(1, 1, 3)
	emit("ADD R3, R5, R5")
	emit("SUBS $1, R6, R6")
	emit("BNE row")
	emit("VST1.P %s, 32(R0)", regs(0, 2))
	emit("ADD $32, R1, R1")
	emit("SUBS $1, R4, R4")
	emit("BNE col")
	label("done")
	emit("RET")
}

// fmaPeakKernel emits fmaPeakNEON: iters passes of 24 independent vector
// FMAs (enough to cover a 4-cycle latency on 4 pipes, as Apple's cores
// have), acc += b*c with c tiny so the values stay bounded.
func fmaPeakKernel() {
	text("fmaPeakNEON", 20, "func fmaPeakNEON(iters int, b float32, c float32) float32")
	emit("MOVD iters+0(FP), R0")
	emit("FMOVS b+8(FP), F0")
	emit("FMOVS c+12(FP), F1")
	emit("VDUP V0.S[0], V0.S4")
	emit("VDUP V1.S[0], V1.S4")
	for v := 8; v < 32; v++ {
		emit("VMOV V1.B16, V%d.B16", v)
	}
	emit("CBZ R0, done")
	label("loop")
	for v := 8; v < 32; v++ {
		emit("VFMLA V0.S4, V1.S4, V%d.S4", v)
	}
	emit("SUBS $1, R0, R0")
	emit("BNE loop")
	label("done")
	for v := 9; v < 32; v++ {
		fadd(8, 8, v)
	}
	emit("FMOVS F8, ret+16(FP)")
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
