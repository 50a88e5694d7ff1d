package layers

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/seqnet/seqnet/tensor"
)

// TestBiasActSplitEqualsSerial: the output stage split over the cores
// (large tensors) gives the same bits as on one core, for each kind of
// activation, forward and backward with the bias gradient.
func TestBiasActSplitEqualsSerial(t *testing.T) {
	for _, act := range []string{"relu", "linear", "tanh"} {
		run := func(procs int) (y, dz, db []float32) {
			prev := runtime.GOMAXPROCS(procs)
			defer runtime.GOMAXPROCS(prev)
			rng := rand.New(rand.NewPCG(7, 7))
			c := NewConv1D(64, 3, ConvActivation(act), Padding("same"))
			if _, err := c.Build([]Shape{{150, 5}}, rng); err != nil {
				t.Fatal(err)
			}
			for i := range c.Bias().Value.Data {
				c.Bias().Value.Data[i] = float32(rng.NormFloat64())
			}
			x := tensor.New(8, 150, 5)
			for i := range x.Data {
				x.Data[i] = float32(rng.NormFloat64())
			}
			out := tensor.New(8, 150, 64)
			dOut := tensor.New(8, 150, 64)
			for i := range dOut.Data {
				dOut.Data[i] = float32(rng.NormFloat64())
			}
			dx := tensor.New(8, 150, 5)
			ctx := &Context{}
			c.Forward(ctx, []*tensor.Tensor{x}, []*tensor.Tensor{out})
			c.Backward(ctx, []*tensor.Tensor{x}, []*tensor.Tensor{out}, []*tensor.Tensor{dOut}, []*tensor.Tensor{dx})
			return out.Data, dx.Data, c.Bias().Grad.Data
		}
		y1, dx1, db1 := run(1)
		y2, dx2, db2 := run(2)
		for name, pair := range map[string][2][]float32{"y": {y1, y2}, "dx": {dx1, dx2}, "bias grad": {db1, db2}} {
			for i := range pair[0] {
				if pair[0][i] != pair[1][i] {
					t.Fatalf("%s: %s[%d] = %g on one core, %g on two", act, name, i, pair[0][i], pair[1][i])
				}
			}
		}
	}
}
