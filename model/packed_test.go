package model

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// packNet is a model whose Conv1D and Dense keep their kernels packed
// between Predict calls (batch 1 and batch 3).
func packNet(t *testing.T) *Model {
	t.Helper()
	m, err := NewSequential(layers.Input(40, 6),
		layers.NewConv1D(20, 3, layers.ConvActivation("relu")),
		layers.NewDense(13, "relu"),
		layers.NewDense(5, ""))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(CompileOptions{OptimizerName: "sgd", LearningRate: 0.1, LossName: "mse"}); err != nil {
		t.Fatal(err)
	}
	return m
}

// weightsOf copies m's weights.
func weightsOf(m *Model) []*tensor.Tensor {
	var w []*tensor.Tensor
	for _, p := range m.Params() {
		w = append(w, p.Value.Clone())
	}
	return w
}

// TestPackedWeightsNeverStale: after every way of writing the weights
// (an optimizer step, SetWeights, a direct write followed by Changed),
// Predict gives the bits of a new model holding the same weights, which
// packs them afresh; so a packed kernel from before the write is never
// used. Each write moves the prediction, so a stale pack would show.
func TestPackedWeightsNeverStale(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	m := packNet(t)
	for _, batch := range []int{1, 3} {
		x := tensor.New(batch, 40, 6)
		y := tensor.New(batch, 38, 5)
		for i := range x.Data {
			x.Data[i] = float32(rng.NormFloat64())
		}
		for i := range y.Data {
			y.Data[i] = float32(rng.NormFloat64())
		}
		var prev *tensor.Tensor
		check := func(what string, moved bool) {
			t.Helper()
			got, err := m.Predict(x, batch)
			if err != nil {
				t.Fatal(err)
			}
			fresh := packNet(t)
			if err := fresh.SetWeights(weightsOf(m)); err != nil {
				t.Fatal(err)
			}
			want, err := fresh.Predict(x, batch)
			if err != nil {
				t.Fatal(err)
			}
			for i := range want.Data {
				if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
					t.Fatalf("batch %d, after %s: output %d = %v, a new model with the same weights gives %v", batch, what, i, got.Data[i], want.Data[i])
				}
			}
			if moved && slices.Equal(prev.Data, got.Data) {
				t.Fatalf("batch %d, after %s: the prediction did not move", batch, what)
			}
			prev = got
		}
		check("the first call", false)
		check("nothing", false) // the pack is reused
		if _, err := m.TrainOnBatch(x, y); err != nil {
			t.Fatal(err)
		}
		check("a training step", true)
		w := weightsOf(m)
		for _, wi := range w {
			for i := range wi.Data {
				wi.Data[i] = float32(rng.NormFloat64() * 0.3)
			}
		}
		if err := m.SetWeights(w); err != nil {
			t.Fatal(err)
		}
		check("SetWeights", true)
		for _, p := range m.Params() {
			for i := range p.Value.Data {
				p.Value.Data[i] *= -1.5
			}
			p.Changed()
		}
		check("a direct write and Changed", true)
	}
}
