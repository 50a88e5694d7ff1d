package layers

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/seqnet/seqnet/tensor"
)

// TestMaxPoolingSplitOverCores checks MaxPooling1D on a batch large enough
// to be shared among the cores, with windows of 2 (the vector path) and 3,
// against plain loops: the maximum of each window, and each output
// gradient added to the first step of its window equal to the maximum;
// the same on 1 and 4 cores.
func TestMaxPoolingSplitOverCores(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	const B, L, C = 64, 40, 32
	rng := rand.New(rand.NewPCG(4, 4))
	x := tensor.New(B, L, C)
	for i := range x.Data {
		x.Data[i] = float32(rng.IntN(5)) // ties, so that the first maximum matters
	}
	for _, size := range []int{2, 3} {
		p := NewMaxPooling1D(size)
		shapes, err := p.Build([]Shape{{L, C}}, rng)
		if err != nil {
			t.Fatal(err)
		}
		O := shapes[0][0]
		dy := tensor.New(B, O, C)
		for i := range dy.Data {
			dy.Data[i] = float32(rng.NormFloat64())
		}
		wantY, wantDx := make([]float32, B*O*C), make([]float32, B*L*C)
		for b := 0; b < B; b++ {
			for o := 0; o < O; o++ {
				for c := 0; c < C; c++ {
					best := o * size
					for s := o * size; s < min(o*size+size, L); s++ {
						if x.Data[(b*L+s)*C+c] > x.Data[(b*L+best)*C+c] {
							best = s
						}
					}
					wantY[(b*O+o)*C+c] = x.Data[(b*L+best)*C+c]
					wantDx[(b*L+best)*C+c] += dy.Data[(b*O+o)*C+c]
				}
			}
		}
		for _, procs := range []int{1, 4} {
			runtime.GOMAXPROCS(procs)
			y, dx := tensor.New(B, O, C), tensor.New(B, L, C)
			ctx := &Context{}
			p.Forward(ctx, []*tensor.Tensor{x}, []*tensor.Tensor{y})
			p.Backward(ctx, []*tensor.Tensor{x}, []*tensor.Tensor{y}, []*tensor.Tensor{dy}, []*tensor.Tensor{dx})
			for i := range wantY {
				if y.Data[i] != wantY[i] {
					t.Fatalf("pool %d, %d cores: y[%d] = %v, want %v", size, procs, i, y.Data[i], wantY[i])
				}
			}
			for i := range wantDx {
				if dx.Data[i] != wantDx[i] {
					t.Fatalf("pool %d, %d cores: dx[%d] = %v, want %v", size, procs, i, dx.Data[i], wantDx[i])
				}
			}
		}
	}
}
