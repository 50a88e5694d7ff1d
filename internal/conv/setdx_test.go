package conv

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestBackwardSetDx checks that BackwardSetDx gives, over an input
// gradient full of NaNs (never read), what Backward adds into zeros, on
// every path (the shapes of allDims reach the same-length, whole-batch and
// per-sample paths, padded or not, with groups and dilation), unsplit and
// split into units on 1 and 3 cores, with dy given as rows or laid out by
// the caller; and the same kernel gradient, added into dw, to the bit.
// Nothing may be written around dx.
func TestBackwardSetDx(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	variants := []struct {
		name  string
		split bool
		procs int
		laid  bool
	}{
		{"unsplit", false, 1, false},
		{"unsplit, dy laid out", false, 1, true},
		{"split", true, 1, false},
		{"split on 3 cores, dy laid out", true, 3, true},
	}
	for i, d := range allDims(11, 200) {
		rng := rand.New(rand.NewPCG(uint64(i), 11))
		x := randSlice(rng, d.Batch*d.Length*d.In)
		w := randSlice(rng, d.Kernel*d.In/d.Groups*d.Filters)
		dy := randSlice(rng, d.Batch*d.OutLength*d.Filters)
		dw0 := randSlice(rng, len(w))
		for _, v := range variants {
			if v.split && d.Batch < 2 {
				continue
			}
			runtime.GOMAXPROCS(v.procs)
			run := func(set bool, dx []float32) []float32 {
				restore := func() {}
				if v.split {
					restore = splitSmall()
				}
				defer restore()
				c := New(d)
				var g Grad = Rows(dy)
				if v.laid {
					c.Forward(x, w, make([]float32, len(dy)), Stage{})
					g = &laidOut{dy: dy, filters: d.Filters}
				}
				dw := append([]float32(nil), dw0...)
				if set {
					c.BackwardSetDx(x, w, g, dw, dx)
				} else {
					c.Backward(x, w, g, dw, dx)
				}
				return dw
			}
			wantX := make([]float32, len(x))
			wantW := run(false, wantX)
			nan := make([]float32, len(x))
			for j := range nan {
				nan[j] = float32(math.NaN())
			}
			dx, check := guarded(nan)
			dw := run(true, dx)
			for j := range wantX {
				if dx[j] != wantX[j] {
					t.Fatalf("%s %+v: dx[%d] = %v, Backward into zeros gives %v", v.name, d, j, dx[j], wantX[j])
				}
			}
			for j := range wantW {
				if math.Float32bits(dw[j]) != math.Float32bits(wantW[j]) {
					t.Fatalf("%s %+v: dw[%d] = %v, Backward gives %v", v.name, d, j, dw[j], wantW[j])
				}
			}
			if err := check(); err != nil {
				t.Fatalf("%s %+v: dx: %v", v.name, d, err)
			}
		}
	}
}
