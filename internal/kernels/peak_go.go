package kernels

// goPeakChains is the number of independent multiply-add chains in
// goScalarPeak. A chain's step (acc = acc·b + c) waits for a multiply and
// then an add: 5–6 cycles on Zen 4 and Zen 5, which issue two scalar
// multiplies and two scalar adds a cycle, so 12 chains keep all four
// units busy; Intel cores run both on the same two ports, 8 cycles for
// 16 operations, so 12 cover them too. 12 accumulators with b and c fill
// 14 of the 15 floating-point registers the Go compiler allocates on
// amd64: more would spill to memory. The loop compiles to 12 MULSS and 12
// ADDSS on registers and the counter (go tool objdump -s goScalarPeak);
// on a Zen 5 core it ran at 11.5–12.7 GFLOP per CPU-second, about 4 flops
// a cycle, where the generic kernel on data in L1 ran at 9.7–11.1.
const goPeakChains = 12

// goPeakLoop returns the plain-Go scalar loop and the flops of one of its
// passes (chains × 2). It measures the ceiling of code without vector
// instructions, which is what the generic kernel is, not the machine's
// vector FMA peak.
func goPeakLoop() (func(iters int), float64, string) {
	run := func(n int) {
		// The starting values differ so that the compiler cannot
		// merge chains that would otherwise compute the same thing.
		var x [goPeakChains]float32
		for i := range x {
			x[i] = 1 + float32(i)/64
		}
		goScalarPeak(n, &x, 0.9999999, 1e-7)
	}
	return run, goPeakChains * 2, "go-scalar"
}

// goScalarPeak runs iters passes of 12 independent chains acc = acc·b + c
// starting from x, and stores the results back in x, so that none of the
// work is dead code. With b just below 1 and c small the values stay near
// c/(1-b) = 1: no overflow, no subnormals to slow the units down. Go
// neither reassociates float arithmetic nor (on amd64 before GOAMD64=v3)
// fuses it, so each step is one multiply and one add on registers; with
// GOAMD64=v3 and on arm64 it becomes one FMA, which the flops count the
// same way.
//
//go:noinline
func goScalarPeak(iters int, x *[goPeakChains]float32, b, c float32) {
	a0, a1, a2, a3, a4, a5 := x[0], x[1], x[2], x[3], x[4], x[5]
	a6, a7, a8, a9, a10, a11 := x[6], x[7], x[8], x[9], x[10], x[11]
	for ; iters > 0; iters-- {
		a0 = a0*b + c
		a1 = a1*b + c
		a2 = a2*b + c
		a3 = a3*b + c
		a4 = a4*b + c
		a5 = a5*b + c
		a6 = a6*b + c
		a7 = a7*b + c
		a8 = a8*b + c
		a9 = a9*b + c
		a10 = a10*b + c
		a11 = a11*b + c
	}
	*x = [goPeakChains]float32{a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11}
}
