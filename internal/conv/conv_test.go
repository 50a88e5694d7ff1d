package conv

import (
	"fmt"
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

// guard is the value around the outputs the paths write: none may touch it.
const guard = 1234.5

// guarded returns a copy of s with guard values on both sides, as a slice
// of len(s) whose capacity runs into the trailing guard, and a check that
// reports a touched guard.
func guarded(s []float32) ([]float32, func() error) {
	const n = 17
	buf := make([]float32, n+len(s)+n)
	for i := range buf {
		buf[i] = guard
	}
	copy(buf[n:], s)
	return buf[n : n+len(s)], func() error {
		for i := 0; i < n; i++ {
			if buf[i] != guard || buf[n+len(s)+i] != guard {
				return fmt.Errorf("a guard value around the output was overwritten")
			}
		}
		return nil
	}
}

// randDims draws a convolution with odd sizes: random paddings, strides,
// dilations and groups, with every third one 'same' padded, every sixth one
// plain (stride 1, no dilation or groups: the same-length path's), every
// tenth long enough for several row blocks per sample, and every fiftieth
// with many samples in one product. ok is false when the kernel does not
// fit the padded input.
func randDims(rng *rand.Rand, trial int) (d Dims, ok bool) {
	groups := 1 + rng.IntN(3)
	length := 1 + rng.IntN(13)
	if trial%10 == 0 {
		length = 100 + rng.IntN(60)
	}
	batch := 1 + rng.IntN(3)
	if trial%50 == 0 {
		batch = 40 + rng.IntN(30)
	}
	d = Dims{
		Batch: batch, Length: length,
		In: groups * (1 + rng.IntN(4)), Filters: groups * (1 + rng.IntN(4)),
		Kernel: 1 + rng.IntN(4), Stride: 1 + rng.IntN(3), Dilation: 1 + rng.IntN(3), Groups: groups,
	}
	d.PadLeft, d.PadRight = rng.IntN(4), rng.IntN(4)
	if trial%6 == 0 {
		d.Stride, d.Dilation, d.Groups = 1, 1, 1
	}
	keff := (d.Kernel-1)*d.Dilation + 1
	if trial%3 == 0 {
		d.PadLeft = (keff - 1) / 2
		d.PadRight = keff - 1 - d.PadLeft
	}
	if d.PaddedLength() < keff {
		return d, false
	}
	d.OutLength = (d.PaddedLength()-keff)/d.Stride + 1
	return d, true
}

// randSameLengthDims draws a stride-1 convolution whose Kernel-1 padding
// is split between the sides at random (same, causal, the mirror of
// causal, or in between), so its output is as long as its input; one in
// ten is large enough for the micro-kernels.
func randSameLengthDims(rng *rand.Rand, trial int) Dims {
	k := 2 + rng.IntN(5)
	left := rng.IntN(k)
	d := Dims{Batch: 1 + rng.IntN(4), Length: k + rng.IntN(9), In: 1 + rng.IntN(5), Filters: 1 + rng.IntN(5),
		Kernel: k, Stride: 1, Dilation: 1, Groups: 1, PadLeft: left, PadRight: k - 1 - left}
	if trial%10 == 0 {
		d.Batch, d.Length, d.In, d.Filters = 3+rng.IntN(4), 40+rng.IntN(30), 13+rng.IntN(20), 30+rng.IntN(40)
	}
	d.OutLength = d.Length
	return d
}

// allDims is randDims' draws followed by randSameLengthDims', n of each.
func allDims(seed uint64, n int) []Dims {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	var out []Dims
	for trial := 0; trial < n; trial++ {
		if d, ok := randDims(rng, trial); ok {
			out = append(out, d)
		}
	}
	for trial := 0; trial < n; trial++ {
		out = append(out, randSameLengthDims(rng, trial))
	}
	return out
}

// dirty returns a workspace larger than any path needs for d, filled with
// garbage, as a workspace reused from an earlier call would be: the paths
// must clear what they rely on being zero.
func dirty(d Dims) *workspace {
	lead, k := (d.Kernel-1)*d.Dilation, d.Kernel
	n := 2 * ((lead+d.Batch*d.PaddedLength())*(d.Filters+d.In) + k*d.Filters*d.In + d.Batch*k*k*(d.In+d.Filters))
	ws := &workspace{big: make([]float32, n)}
	for i := range ws.big {
		ws.big[i] = 7
	}
	return ws
}

// padded returns x padded as d says.
func padded(d Dims, x []float32) []float32 {
	xp := make([]float32, d.Batch*d.PaddedLength()*d.In)
	Pad(d, x, xp)
	return xp
}

// A path is one way of computing the convolution, with the dims it serves.
type path[F any] struct {
	name   string
	serves func(Dims) bool
	run    F
}

func always(Dims) bool       { return true }
func batched(d Dims) bool    { return d.Batch > 1 }
func stride1(d Dims) bool    { return d.Stride == 1 }
func sameLength(d Dims) bool { return d.sameLength() }

// forwardPaths are every path of Forward, each forced, and Forward itself.
var forwardPaths = []path[func(d Dims, x, w, y []float32, st Stage)]{
	{"same length", sameLength, func(d Dims, x, w, y []float32, st Stage) {
		sameLengthForward(d, x, w, y, false, st, dirty(d).buf(edgeScratch(d)))
	}},
	{"whole batch", stride1, func(d Dims, x, w, y []float32, st Stage) {
		wholeBatchForward(d, padded(d, x), w, y, st)
	}},
	{"per sample", always, func(d Dims, x, w, y []float32, st Stage) {
		perSampleForward(d, padded(d, x), w, y, st)
	}},
	{"Conv.Forward", always, func(d Dims, x, w, y []float32, st Stage) {
		c := New(d)
		c.ws = *dirty(d)
		c.Forward(x, w, y, st)
	}},
	{"Conv.Forward split into units", batched, func(d Dims, x, w, y []float32, st Stage) {
		defer splitSmall()()
		c := New(d)
		c.Forward(x, w, y, st)
	}},
	{"Conv.Forward the second time, on another input", always, func(d Dims, x, w, y []float32, st Stage) {
		c := New(d)
		c.ws = *dirty(d)
		other := make([]float32, len(x))
		for i, v := range x {
			other[i] = -v
		}
		c.Forward(other, w, y, st)
		c.Forward(x, w, y, st)
	}},
}

// TestForwardPaths checks every forward path, forced wherever its
// arithmetic applies (whether Forward would choose it or not), against
// ForwardRef with the stage applied the plain way: the output overwritten
// (it starts as garbage), nothing written around it, the inputs unchanged.
func TestForwardPaths(t *testing.T) {
	runs := map[string]int{}
	for _, d := range allDims(1, 300) {
		rng := rand.New(rand.NewPCG(uint64(d.Length), uint64(d.In)))
		x := randSlice(rng, d.Batch*d.Length*d.In)
		w := randSlice(rng, d.Kernel*d.In/d.Groups*d.Filters)
		x0, w0 := append([]float32(nil), x...), append([]float32(nil), w...)
		want := make([]float32, d.Batch*d.OutLength*d.Filters)
		ForwardRef(d, x, w, want)
		st := randStage(rng, d.Filters)
		applyStage(want, st)
		for _, p := range forwardPaths {
			if !p.serves(d) {
				continue
			}
			runs[p.name]++
			y, check := guarded(randSlice(rng, len(want)))
			p.run(d, x, w, y, st)
			for i := range y {
				if math.Abs(float64(y[i]-want[i])) > 1e-4*(1+math.Abs(float64(want[i]))) {
					t.Fatalf("%s %+v %v: y[%d] = %g, want %g", p.name, d, st, i, y[i], want[i])
				}
			}
			if err := check(); err != nil {
				t.Fatalf("%s %+v: %v", p.name, d, err)
			}
			if !equal(x, x0) || !equal(w, w0) {
				t.Fatalf("%s %+v: an input changed", p.name, d)
			}
		}
	}
	for _, p := range forwardPaths {
		if runs[p.name] < 50 {
			t.Errorf("%s ran on only %d convolutions", p.name, runs[p.name])
		}
	}
}

// TestBackwardRefIsAdjoint checks BackwardRef against ForwardRef: the
// convolution is linear in x and in w, so <dy, conv(x, w)> must equal
// <dw, w> and <dx, x> for the gradients of <dy, y>.
func TestBackwardRefIsAdjoint(t *testing.T) {
	for _, d := range allDims(3, 300) {
		rng := rand.New(rand.NewPCG(uint64(d.Kernel), uint64(d.Filters)))
		x := randSlice(rng, d.Batch*d.Length*d.In)
		w := randSlice(rng, d.Kernel*d.In/d.Groups*d.Filters)
		dy := randSlice(rng, d.Batch*d.OutLength*d.Filters)
		y := make([]float32, len(dy))
		ForwardRef(d, x, w, y)
		dw, dx := make([]float32, len(w)), make([]float32, len(x))
		BackwardRef(d, x, w, dy, dw, dx)
		lhs, viaW, viaX := dot(y, dy), dot(dw, w), dot(dx, x)
		tol := 1e-3 * (1 + math.Abs(lhs))
		if math.Abs(viaW-lhs) > tol || math.Abs(viaX-lhs) > tol {
			t.Fatalf("%+v: <dy,y>=%g, <dw,w>=%g, <dx,x>=%g", d, lhs, viaW, viaX)
		}
	}
}

// backwardPaths are every path of Backward, each forced, and Backward
// itself: each adds into dw and dx (either may be nil).
var backwardPaths = []path[func(d Dims, x, w, dy, dw, dx []float32)]{
	{"same length", sameLength, func(d Dims, x, w, dy, dw, dx []float32) {
		sameLengthBackward(d, x, w, dy, dw, dx, false, dirty(d))
	}},
	{"whole batch", stride1, func(d Dims, x, w, dy, dw, dx []float32) {
		var dxp []float32
		if dx != nil {
			dxp = make([]float32, d.Batch*d.PaddedLength()*d.In)
		}
		ws := dirty(d)
		z, lay := gradBuffer(d, ws, dxp != nil)
		for r := 0; r < d.Batch*d.OutLength; r++ {
			copy(z[lay.Row(r)*d.Filters:][:d.Filters], dy[r*d.Filters:])
		}
		wholeBatchBackward(d, padded(d, x), w, z, dw, dxp, flipped(d, w, ws, dxp != nil), nil, false)
		if dx != nil {
			Unpad(d, dxp, dx, false)
		}
	}},
	{"per sample", always, func(d Dims, x, w, dy, dw, dx []float32) {
		var dxp []float32
		if dx != nil {
			dxp = make([]float32, d.Batch*d.PaddedLength()*d.In)
		}
		perSampleBackward(d, padded(d, x), w, dy, dw, dxp)
		if dx != nil {
			Unpad(d, dxp, dx, false)
		}
	}},
	{"Conv.Backward", always, func(d Dims, x, w, dy, dw, dx []float32) {
		c := New(d)
		c.ws = *dirty(d)
		c.Backward(x, w, Rows(dy), dw, dx)
	}},
	{"Conv.Backward split into units", batched, func(d Dims, x, w, dy, dw, dx []float32) {
		defer splitSmall()()
		New(d).Backward(x, w, Rows(dy), dw, dx)
	}},
	{"Conv.Backward split into units, after Forward, dy laid out by the caller", batched, func(d Dims, x, w, dy, dw, dx []float32) {
		defer splitSmall()()
		c := New(d)
		c.Forward(x, w, make([]float32, len(dy)), Stage{})
		c.Backward(x, w, &laidOut{dy: dy, filters: d.Filters}, dw, dx)
	}},
	{"Conv.Backward the second time, after Forward, dy laid out by the caller", always, func(d Dims, x, w, dy, dw, dx []float32) {
		c := New(d)
		c.ws = *dirty(d)
		c.Backward(x, w, Rows(dy), make([]float32, len(w)), make([]float32, len(x))) // leaves its buffers used
		c.Forward(x, w, make([]float32, len(dy)), Stage{})
		c.Backward(x, w, &laidOut{dy: dy, filters: d.Filters}, dw, dx)
	}},
}

// laidOut is a Grad that writes dy into the whole-batch layout itself, as
// Conv1D's relu stage does, and counts the calls.
type laidOut struct {
	dy      []float32
	filters int
	calls   int
}

func (g *laidOut) Rows() []float32 { g.calls++; return g.dy }

func (g *laidOut) WriteLaidOut(dst []float32, lay GradLayout) bool {
	g.calls++
	f := g.filters
	for r := 0; r < len(g.dy)/f; r++ {
		copy(dst[lay.Row(r)*f:][:f], g.dy[r*f:])
	}
	return true
}

// TestBackwardTakesDyOnce checks that Backward calls its Grad exactly once,
// whichever the path and whichever gradients are asked for (none
// included: a layer's bias gradient comes from that call).
func TestBackwardTakesDyOnce(t *testing.T) {
	for _, d := range allDims(7, 60) {
		x := make([]float32, d.Batch*d.Length*d.In)
		w := make([]float32, d.Kernel*d.In/d.Groups*d.Filters)
		for _, want := range []struct{ w, x bool }{{true, true}, {false, true}, {true, false}, {false, false}} {
			var dw, dx []float32
			if want.w {
				dw = make([]float32, len(w))
			}
			if want.x {
				dx = make([]float32, len(x))
			}
			g := &laidOut{dy: make([]float32, d.Batch*d.OutLength*d.Filters), filters: d.Filters}
			New(d).Backward(x, w, g, dw, dx)
			if g.calls != 1 {
				t.Fatalf("%+v (dw %v, dx %v): %d calls of the Grad, want 1", d, want.w, want.x, g.calls)
			}
		}
	}
}

// TestBackwardPaths checks every backward path, forced wherever its
// arithmetic applies, against BackwardRef, element by element, adding
// into random gradients; with dw or dx nil (a frozen kernel, the model's
// input) it must give the same other gradient. Nothing may be written
// around the gradients, and x, w and dy must be left unchanged.
func TestBackwardPaths(t *testing.T) {
	runs := map[string]int{}
	for _, d := range allDims(5, 300) {
		rng := rand.New(rand.NewPCG(uint64(d.OutLength), uint64(d.Batch)))
		x := randSlice(rng, d.Batch*d.Length*d.In)
		w := randSlice(rng, d.Kernel*d.In/d.Groups*d.Filters)
		dy := randSlice(rng, d.Batch*d.OutLength*d.Filters)
		dw0, dx0 := randSlice(rng, len(w)), randSlice(rng, len(x))
		x0, w0, dyc := append([]float32(nil), x...), append([]float32(nil), w...), append([]float32(nil), dy...)
		wantW, wantX := append([]float32(nil), dw0...), append([]float32(nil), dx0...)
		BackwardRef(d, x, w, dy, wantW, wantX)
		// Rounding bound: the same sums over absolute values.
		boundW, boundX := abs(dw0), abs(dx0)
		BackwardRef(d, abs(x), abs(w), abs(dy), boundW, boundX)
		for _, p := range backwardPaths {
			if !p.serves(d) {
				continue
			}
			runs[p.name]++
			for _, want := range []struct{ w, x bool }{{true, true}, {false, true}, {true, false}} {
				var dw, dx []float32
				checkW, checkX := func() error { return nil }, func() error { return nil }
				if want.w {
					dw, checkW = guarded(dw0)
				}
				if want.x {
					dx, checkX = guarded(dx0)
				}
				p.run(d, x, w, dy, dw, dx)
				if err := closeTo(dw, wantW, boundW); err != nil {
					t.Fatalf("%s %+v (dw %v, dx %v): dw%v", p.name, d, want.w, want.x, err)
				}
				if err := closeTo(dx, wantX, boundX); err != nil {
					t.Fatalf("%s %+v (dw %v, dx %v): dx%v", p.name, d, want.w, want.x, err)
				}
				if err := checkW(); err != nil {
					t.Fatalf("%s %+v: dw: %v", p.name, d, err)
				}
				if err := checkX(); err != nil {
					t.Fatalf("%s %+v: dx: %v", p.name, d, err)
				}
				if !equal(x, x0) || !equal(w, w0) || !equal(dy, dyc) {
					t.Fatalf("%s %+v: an input changed", p.name, d)
				}
			}
		}
	}
	for _, p := range backwardPaths {
		if runs[p.name] < 50 {
			t.Errorf("%s ran on only %d convolutions", p.name, runs[p.name])
		}
	}
}

// closeTo reports the first element of got (nil: none asked) further from
// want than rounding allows, bound being the same sums over absolute
// values.
func closeTo(got, want, bound []float32) error {
	for i := range got {
		if math.Abs(float64(got[i]-want[i])) > 1e-5*float64(bound[i]) {
			return fmt.Errorf("[%d] = %g, want %g", i, got[i], want[i])
		}
	}
	return nil
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

func abs(s []float32) []float32 {
	r := make([]float32, len(s))
	for i, v := range s {
		r[i] = float32(math.Abs(float64(v)))
	}
	return r
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func equal(a, b []float32) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}
