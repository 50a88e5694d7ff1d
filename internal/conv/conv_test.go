package conv

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

// TestForwardMatchesDefinition checks the GEMM formulation against the
// direct sum on random shapes, paddings, strides, dilations and groups.
func TestForwardMatchesDefinition(t *testing.T) {
	inPlace := 0
	defer func() {
		if inPlace < 5 {
			t.Errorf("only %d cases took the unpadded path", inPlace)
		}
	}()
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 300; trial++ {
		groups := 1 + rng.IntN(3)
		length := 1 + rng.IntN(13)
		if trial%10 == 0 {
			length = 100 + rng.IntN(60) // long enough for several row blocks per sample
		}
		batch := 1 + rng.IntN(3)
		if trial%50 == 0 {
			batch = 40 + rng.IntN(30) // many samples in one product
		}
		d := Dims{
			Batch: batch, Length: length,
			In: groups * (1 + rng.IntN(4)), Filters: groups * (1 + rng.IntN(4)),
			Kernel: 1 + rng.IntN(4), Stride: 1 + rng.IntN(3), Dilation: 1 + rng.IntN(3), Groups: groups,
		}
		d.PadLeft, d.PadRight = rng.IntN(4), rng.IntN(4)
		if trial%6 == 0 { // the plain convolution ForwardUnpadded serves
			d.Stride, d.Dilation, d.Groups = 1, 1, 1
		}
		keff := (d.Kernel-1)*d.Dilation + 1
		if trial%3 == 0 { // 'same' padding
			d.PadLeft = (keff - 1) / 2
			d.PadRight = keff - 1 - d.PadLeft
		}
		if d.PaddedLength() < keff {
			continue
		}
		d.OutLength = (d.PaddedLength()-keff)/d.Stride + 1
		x := randSlice(rng, d.Batch*d.Length*d.In)
		w := randSlice(rng, d.Kernel*d.In/d.Groups*d.Filters)
		xp := make([]float32, d.Batch*d.PaddedLength()*d.In)
		Pad(d, x, xp)
		want := make([]float32, d.Batch*d.OutLength*d.Filters)
		ForwardRef(d, x, w, want)
		st := randStage(rng, d.Filters)
		applyStage(want, st)
		// The unpadded path, wherever its arithmetic applies (whether Conv1D
		// would choose it or the batched one).
		if d.ForwardInPlace() {
			y := randSlice(rng, d.Batch*d.OutLength*d.Filters)
			ForwardUnpadded(d, x, w, y, &Workspace{}, st)
			for i := range y {
				if math.Abs(float64(y[i]-want[i])) > 1e-4*(1+math.Abs(float64(want[i]))) {
					t.Fatalf("%+v %v unpadded: y[%d] = %g, want %g", d, st, i, y[i], want[i])
				}
			}
			inPlace++
		}
		// Both paths: per sample (no workspace) and batched (stride 1).
		for _, ws := range []*Workspace{nil, {}} {
			y := randSlice(rng, d.Batch*d.OutLength*d.Filters) // garbage: must be overwritten
			Forward(d, xp, w, y, ws, st)
			for i := range y {
				if math.Abs(float64(y[i]-want[i])) > 1e-4*(1+math.Abs(float64(want[i]))) {
					t.Fatalf("%+v %v batched=%v: y[%d] = %g, want %g", d, st, ws != nil, i, y[i], want[i])
				}
			}
		}
	}
}

// TestBackwardMatchesAdjoint checks Backward as the adjoint of Forward:
// <dy, conv(x, w)> must equal <dx, x> and <dw, w> (the convolution is
// linear in each), on random shapes.
func TestBackwardMatchesAdjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 300; trial++ {
		groups := 1 + rng.IntN(3)
		d := Dims{
			Batch: 1 + rng.IntN(3), Length: 1 + rng.IntN(13),
			In: groups * (1 + rng.IntN(4)), Filters: groups * (1 + rng.IntN(4)),
			Kernel: 1 + rng.IntN(4), Stride: 1 + rng.IntN(3), Dilation: 1 + rng.IntN(3), Groups: groups,
		}
		d.PadLeft, d.PadRight = rng.IntN(4), rng.IntN(4)
		if trial%6 == 0 { // the plain convolution ForwardUnpadded serves
			d.Stride, d.Dilation, d.Groups = 1, 1, 1
		}
		keff := (d.Kernel-1)*d.Dilation + 1
		if trial%3 == 0 { // 'same' padding
			d.PadLeft = (keff - 1) / 2
			d.PadRight = keff - 1 - d.PadLeft
		}
		if d.PaddedLength() < keff {
			continue
		}
		d.OutLength = (d.PaddedLength()-keff)/d.Stride + 1
		x := randSlice(rng, d.Batch*d.Length*d.In)
		w := randSlice(rng, d.Kernel*d.In/d.Groups*d.Filters)
		dy := randSlice(rng, d.Batch*d.OutLength*d.Filters)
		y := make([]float32, len(dy))
		ForwardRef(d, x, w, y)
		var lhs float64
		for i := range y {
			lhs += float64(y[i]) * float64(dy[i])
		}
		xp := make([]float32, d.Batch*d.PaddedLength()*d.In)
		Pad(d, x, xp)
		var perSample [2][]float32 // dw and dx without a workspace
		for _, ws := range []*Workspace{nil, {}} {
			dw := make([]float32, len(w))
			dxp := make([]float32, len(xp))
			Backward(d, xp, w, dy, dw, dxp, ws)
			dx := make([]float32, len(x))
			Unpad(d, dxp, dx)
			// Without the kernel gradient (a frozen kernel), the same
			// input gradient.
			dxpOnly := make([]float32, len(xp))
			Backward(d, xp, w, dy, nil, dxpOnly, ws)
			for i := range dxp {
				if dxpOnly[i] != dxp[i] {
					t.Fatalf("%+v batched=%v: dxp[%d] = %g without dw, %g with", d, ws != nil, i, dxpOnly[i], dxp[i])
				}
			}
			// The whole-batch path element by element against the
			// per-sample one.
			if ws == nil {
				perSample = [2][]float32{dw, dx}
			} else {
				for i, v := range perSample[0] {
					if math.Abs(float64(dw[i]-v)) > 1e-4*(1+math.Abs(float64(v))) {
						t.Fatalf("%+v: batched dw[%d] = %g, per sample %g", d, i, dw[i], v)
					}
				}
				for i, v := range perSample[1] {
					if math.Abs(float64(dx[i]-v)) > 1e-4*(1+math.Abs(float64(v))) {
						t.Fatalf("%+v: batched dx[%d] = %g, per sample %g", d, i, dx[i], v)
					}
				}
			}
			var viaW, viaX float64
			for i := range w {
				viaW += float64(dw[i]) * float64(w[i])
			}
			for i := range x {
				viaX += float64(dx[i]) * float64(x[i])
			}
			tol := 1e-3 * (1 + math.Abs(lhs))
			if math.Abs(viaW-lhs) > tol || math.Abs(viaX-lhs) > tol {
				t.Fatalf("%+v batched=%v: <dy,y>=%g, <dw,w>=%g, <dx,x>=%g", d, ws != nil, lhs, viaW, viaX)
			}
		}
	}
}

// randSameLengthDims draws a small stride-1 convolution whose Kernel-1
// padding is split between the sides at random (same, causal, the mirror
// of causal, or in between), so its output is as long as its input.
func randSameLengthDims(rng *rand.Rand) Dims {
	k := 2 + rng.IntN(5)
	left := rng.IntN(k)
	return Dims{Batch: 1 + rng.IntN(4), Length: k + rng.IntN(9), In: 1 + rng.IntN(5), Filters: 1 + rng.IntN(5),
		Kernel: k, Stride: 1, Dilation: 1, Groups: 1, PadLeft: left, PadRight: k - 1 - left}
}

// TestForwardUnpaddedEdges sweeps the unpadded path over kernels, lengths
// and every split of the Kernel-1 padding between the sides (same, causal
// and the mirror of causal), against the definition.
func TestForwardUnpaddedEdges(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for trial := 0; trial < 200; trial++ {
		d := randSameLengthDims(rng)
		k := d.Kernel
		if !d.ForwardInPlace() {
			t.Fatalf("%+v: ForwardInPlace is false", d)
		}
		d.OutLength = d.PaddedLength() - k + 1
		x := randSlice(rng, d.Batch*d.Length*d.In)
		w := randSlice(rng, k*d.In*d.Filters)
		want := make([]float32, d.Batch*d.OutLength*d.Filters)
		ForwardRef(d, x, w, want)
		st := randStage(rng, d.Filters)
		applyStage(want, st)
		y := randSlice(rng, len(want))
		ForwardUnpadded(d, x, w, y, &Workspace{}, st)
		for i := range y {
			if math.Abs(float64(y[i]-want[i])) > 1e-4*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("%+v: y[%d] = %g, want %g", d, i, y[i], want[i])
			}
		}
	}
}

// randStage returns no stage, a bias, relu, or both, at random.
func randStage(rng *rand.Rand, filters int) Stage {
	var st Stage
	if rng.IntN(2) == 0 {
		st.Bias = randSlice(rng, filters)
	}
	st.Relu = rng.IntN(2) == 0
	return st
}

// applyStage applies st to y (rows of len(st.Bias) filters) the plain way.
func applyStage(y []float32, st Stage) {
	for i := range y {
		if st.Bias != nil {
			y[i] += st.Bias[i%len(st.Bias)]
		}
		if st.Relu && y[i] < 0 {
			y[i] = 0
		}
	}
}

// TestBackwardUnpadded checks BackwardUnpadded element by element against
// Backward on the padded input, both adding into random gradients, over
// kernels, lengths, every split of the padding, and sizes large enough for
// the micro-kernels.
func TestBackwardUnpadded(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	for trial := 0; trial < 200; trial++ {
		d := randSameLengthDims(rng)
		k := d.Kernel
		if trial%10 == 0 {
			d.Batch, d.Length, d.In, d.Filters = 3+rng.IntN(4), 40+rng.IntN(30), 13+rng.IntN(20), 30+rng.IntN(40)
		}
		d.OutLength = d.Length
		x := randSlice(rng, d.Batch*d.Length*d.In)
		w := randSlice(rng, k*d.In*d.Filters)
		dy := randSlice(rng, d.Batch*d.OutLength*d.Filters)
		dw0, dx0 := randSlice(rng, len(w)), randSlice(rng, len(x))

		xp := make([]float32, d.Batch*d.PaddedLength()*d.In)
		Pad(d, x, xp)
		wantW := append([]float32(nil), dw0...)
		dxp := make([]float32, len(xp))
		Backward(d, xp, w, dy, wantW, dxp, nil)
		wantX := append([]float32(nil), dx0...)
		Unpad(d, dxp, wantX)

		gotW, gotX := append([]float32(nil), dw0...), append([]float32(nil), dx0...)
		x0, w0, dyc := append([]float32(nil), x...), append([]float32(nil), w...), append([]float32(nil), dy...)
		BackwardUnpadded(d, x, w, dy, gotW, gotX, &Workspace{})
		// Rounding bound: the same sums over absolute values.
		abs := func(s []float32) []float32 {
			r := make([]float32, len(s))
			for i, v := range s {
				r[i] = float32(math.Abs(float64(v)))
			}
			return r
		}
		boundW, boundXp := abs(dw0), make([]float32, len(xp))
		Backward(d, abs(xp), abs(w), abs(dy), boundW, boundXp, nil)
		boundX := abs(dx0)
		Unpad(d, boundXp, boundX)
		for i := range gotW {
			if math.Abs(float64(gotW[i]-wantW[i])) > 1e-5*float64(boundW[i]) {
				t.Fatalf("%+v: dw[%d] = %g, want %g", d, i, gotW[i], wantW[i])
			}
		}
		for i := range gotX {
			if math.Abs(float64(gotX[i]-wantX[i])) > 1e-5*float64(boundX[i]) {
				t.Fatalf("%+v: dx[%d] = %g, want %g", d, i, gotX[i], wantX[i])
			}
		}
		for i := range x {
			if x[i] != x0[i] {
				t.Fatalf("%+v: x changed", d)
			}
		}
		for i := range w {
			if w[i] != w0[i] {
				t.Fatalf("%+v: w changed", d)
			}
		}
		for i := range dy {
			if dy[i] != dyc[i] {
				t.Fatalf("%+v: dy changed", d)
			}
		}
		// Without the kernel gradient (a frozen kernel), the same dx.
		onlyX := append([]float32(nil), dx0...)
		BackwardUnpadded(d, x, w, dy, nil, onlyX, &Workspace{})
		for i := range onlyX {
			if onlyX[i] != gotX[i] {
				t.Fatalf("%+v: dx without dw differs at %d", d, i)
			}
		}
		// Without the input gradient, the kernel gradient alone.
		onlyW := append([]float32(nil), dw0...)
		BackwardUnpadded(d, x, w, dy, onlyW, nil, &Workspace{})
		for i := range onlyW {
			if onlyW[i] != gotW[i] {
				t.Fatalf("%+v: dw without dx differs at %d", d, i)
			}
		}
	}
}
