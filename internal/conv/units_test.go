package conv

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// splitSmall makes every convolution of two samples or more split into
// units, and returns the function that restores the sizes.
func splitSmall() (restore func()) {
	rows, least := unitRows, minUnits
	unitRows, minUnits = 1, 2
	return func() { unitRows, minUnits = rows, least }
}

// TestUnitsSizes checks the split's choices on the workloads' shapes: the
// small convolutions split, W4's large one keeps the GEMM's split, a batch
// of one never splits.
func TestUnitsSizes(t *testing.T) {
	for _, c := range []struct {
		name string
		d    Dims
		want int
	}{
		{"W3 Conv1D(64,3) on (256,64,9)", Dims{Batch: 256, Length: 64, In: 9, Filters: 64, Kernel: 3, Groups: 1, OutLength: 62}, 32},
		{"W3 Conv1D(64,3) on (256,62,64)", Dims{Batch: 256, Length: 62, In: 64, Filters: 64, Kernel: 3, Groups: 1, OutLength: 60}, 32},
		{"W2 Conv1D(128,5) on (64,256,128)", Dims{Batch: 64, Length: 256, In: 128, Filters: 128, Kernel: 5, Groups: 1, OutLength: 252}, 12},
		{"W4 Conv1D(256,3,same) on (32,512,256)", Dims{Batch: 32, Length: 512, In: 256, Filters: 256, Kernel: 3, Groups: 1, PadLeft: 1, PadRight: 1, OutLength: 512}, 1},
		{"layers' TestConv1DGradientsBatchSplit, valid", Dims{Batch: 9, Length: 260, In: 2, Filters: 3, Kernel: 3, Groups: 1, OutLength: 258}, 9},
		{"layers' TestConv1DGradientsBatchSplit, strides 2", Dims{Batch: 9, Length: 520, In: 2, Filters: 3, Kernel: 3, Groups: 1, Stride: 2, OutLength: 259}, 9},
		{"batch of one", Dims{Batch: 1, Length: 4096, In: 8, Filters: 8, Kernel: 3, Groups: 1, OutLength: 4094}, 1},
	} {
		if got := c.d.units(); got != c.want {
			t.Errorf("%s: %d units, want %d", c.name, got, c.want)
		}
	}
}

// TestUnitsSameBitsOnAnyCores checks that a split pass gives the same
// bits whatever the number of cores (1, 2, 3, 8): each unit does the same
// arithmetic wherever it runs, and the kernel gradients are added in unit
// order.
func TestUnitsSameBitsOnAnyCores(t *testing.T) {
	defer splitSmall()()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for i, d := range allDims(9, 120) {
		if d.Batch < 2 {
			continue
		}
		rng := rand.New(rand.NewPCG(uint64(i), 9))
		x := randSlice(rng, d.Batch*d.Length*d.In)
		w := randSlice(rng, d.Kernel*d.In/d.Groups*d.Filters)
		dy := randSlice(rng, d.Batch*d.OutLength*d.Filters)
		st := randStage(rng, d.Filters)
		run := func(procs int) (y, dw, dx []float32) {
			runtime.GOMAXPROCS(procs)
			c := New(d)
			if c.units < 2 {
				t.Fatalf("%+v: %d units", d, c.units)
			}
			y, dw, dx = make([]float32, len(dy)), make([]float32, len(w)), make([]float32, len(x))
			c.Forward(x, w, y, st)
			c.Backward(x, w, Rows(dy), dw, dx)
			return y, dw, dx
		}
		y1, dw1, dx1 := run(1)
		for _, procs := range []int{2, 3, 8} {
			y, dw, dx := run(procs)
			for name, pair := range map[string][2][]float32{"y": {y1, y}, "dw": {dw1, dw}, "dx": {dx1, dx}} {
				for j := range pair[0] {
					if math.Float32bits(pair[0][j]) != math.Float32bits(pair[1][j]) {
						t.Fatalf("%+v: %s[%d] = %v on %d cores, %v on one", d, name, j, pair[1][j], procs, pair[0][j])
					}
				}
			}
		}
	}
}

// TestUnitsAllocateNothing checks that a split training pass allocates
// nothing once its buffers exist.
func TestUnitsAllocateNothing(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	d := Dims{Batch: 64, Length: 64, In: 16, Filters: 16, Kernel: 3, Groups: 1, Stride: 1, Dilation: 1, PadLeft: 2, OutLength: 64}
	if d.units() < 2 {
		t.Fatalf("%+v does not split", d)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	x, w := randSlice(rng, d.Batch*d.Length*d.In), randSlice(rng, d.Kernel*d.In*d.Filters)
	y, dy := make([]float32, d.Batch*d.OutLength*d.Filters), randSlice(rng, d.Batch*d.OutLength*d.Filters)
	dw, dx := make([]float32, len(w)), make([]float32, len(x))
	c := New(d)
	var g Grad = Rows(dy) // made once: making it allocates
	step := func() {
		c.Forward(x, w, y, Stage{})
		c.Backward(x, w, g, dw, dx)
	}
	step()
	if a := testing.AllocsPerRun(20, step); a != 0 {
		t.Errorf("a split pass allocated %v times", a)
	}
}
