package main

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

// elementwiseKernels emits the NEON loops of the layers' output stage (the
// arm64 twins of gemm_asm.go's elementwiseKernels). Why ~120 lines: the
// routines are emitted in the order gemm_arm64.s lists them, each a
// straight run of instructions read against the generated file.
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
