package bench

import (
	"math/rand/v2"
	"testing"

	"github.com/seqnet/seqnet/internal/kernels"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// BenchmarkW4 is torch_bench.py's W4 conv1d-layer: one Conv1D, batch 32,
// length 512, 256→256 channels, kernel 3, same padding, with bias, on one
// and two threads. For example:
//
//	go test -run NONE -bench 'W4/fwd/threads=1' ./bench
func BenchmarkW4(b *testing.B) {
	const B, L, C, K = 32, 512, 256, 3
	for _, pass := range []string{"fwd", "fwdbwd"} {
		for _, threads := range []int{1, 2} {
			b.Run(pass+"/threads="+string(rune('0'+threads)), func(b *testing.B) {
				defer kernels.SetThreads(kernels.Threads())
				kernels.SetThreads(threads)
				conv := layers.NewConv1D(C, K, layers.Padding("same"))
				rng := rand.New(rand.NewPCG(3, 3))
				if _, err := conv.Build([]layers.Shape{{L, C}}, rng); err != nil {
					b.Fatal(err)
				}
				x, y := randNormal(rng, B, L, C), tensor.New(B, L, C)
				gout, dx := randNormal(rng, B, L, C), tensor.New(B, L, C)
				ctx := &layers.Context{}
				in, out := []*tensor.Tensor{x}, []*tensor.Tensor{y}
				params := conv.Common().Params()
				step := func() {
					conv.Forward(ctx, in, out)
					if pass == "fwd" {
						return
					}
					for _, p := range params {
						p.Grad.Zero()
					}
					dx.Zero()
					conv.Backward(ctx, in, out, []*tensor.Tensor{gout}, []*tensor.Tensor{dx})
				}
				step()
				b.ReportAllocs()
				for b.Loop() {
					step()
				}
				flop := 2.0 * B * L * C * C * K
				if pass == "fwdbwd" {
					flop *= 3
				}
				b.ReportMetric(flop*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
