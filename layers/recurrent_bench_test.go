package layers_test

import (
	"math/rand/v2"
	"testing"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

func benchRNN(b *testing.B, l layers.Layer) {
	B, T, D, U := 32, 50, 32, 64
	rng := rand.New(rand.NewPCG(1, 2))
	shapes, _ := l.Build([]layers.Shape{{T, D}}, rng)
	x := rnnInput(rng, B, T, D, false)
	out := []*tensor.Tensor{tensor.New(B, U)}
	_ = shapes
	d := []*tensor.Tensor{tensor.New(B, U)}
	for i := range d[0].Data {
		d[0].Data[i] = 0.1
	}
	dx := []*tensor.Tensor{tensor.New(B, T, D)}
	ctx := &layers.Context{}
	for i := 0; i < b.N; i++ {
		l.Forward(ctx, []*tensor.Tensor{x}, out)
		l.Backward(ctx, []*tensor.Tensor{x}, out, d, dx)
	}
}

func BenchmarkLSTM(b *testing.B) { benchRNN(b, layers.NewLSTM(64)) }
func BenchmarkGRU(b *testing.B)  { benchRNN(b, layers.NewGRU(64)) }
