package model

import (
	"math/rand/v2"
	"testing"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// addsOnly hides a layer's optional interfaces (InputGradSetter,
// SharesInput): the model then zeroes every gradient buffer and the layer
// adds into it, the way every step ran before setGrads.
type addsOnly struct{ layers.Layer }

// gradSetModels returns two models of the same weights, the second with
// every layer wrapped in addsOnly. wrap builds the model from a layer
// constructor that wraps or not.
func gradSetModels(t *testing.T, build func(w func(layers.Layer) layers.Layer) (*Model, error)) (set, adds *Model) {
	t.Helper()
	set, err := build(func(l layers.Layer) layers.Layer { return l })
	if err != nil {
		t.Fatal(err)
	}
	adds, err = build(func(l layers.Layer) layers.Layer { return addsOnly{l} })
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*Model{set, adds} {
		if err := m.Compile(CompileOptions{OptimizerName: "adam", LearningRate: 1e-2, LossName: "mse"}); err != nil {
			t.Fatal(err)
		}
	}
	return set, adds
}

// TestSetGradsTrainsTheSame checks that a model whose layers write their
// input gradients (skipping the zeroing) trains to the same weights, step
// after step, as the same model whose layers add into zeroed buffers: a
// W3-like stack (Conv1D valid and same, MaxPooling1D, Flatten, Dense) and a
// graph where a tensor feeds two layers (its buffer must still be zeroed)
// and an output feeds another layer.
func TestSetGradsTrainsTheSame(t *testing.T) {
	stack := func(w func(layers.Layer) layers.Layer) (*Model, error) {
		in := Input(20, 3)
		h := Call(w(layers.NewConv1D(8, 3, layers.ConvActivation("relu"))), in)
		h = Call(w(layers.NewConv1D(8, 3, layers.Padding("same"), layers.ConvActivation("relu"))), h)
		h = Call(w(layers.NewMaxPooling1D(2)), h)
		h = Call(w(layers.NewFlatten()), h)
		h = Call(w(layers.NewDense(6, "relu")), h)
		return NewModel([]*Tensor{in}, []*Tensor{Call(w(layers.NewDense(1, "")), h)}, 7)
	}
	branches := func(w func(layers.Layer) layers.Layer) (*Model, error) {
		in := Input(16, 4)
		c := Call(w(layers.NewConv1D(6, 3, layers.Padding("causal"))), in)
		a := Call(w(layers.NewConv1D(6, 3, layers.Padding("same"), layers.ConvActivation("relu"))), c) // c feeds two layers
		pool := layers.NewMaxPooling1D(2)
		pool.Strides, pool.Padding = 1, "same"
		b := Call(w(pool), c)
		s := Call(w(layers.NewAdd()), a, b)
		f := Call(w(layers.NewFlatten()), s)
		o1 := Call(w(layers.NewDense(3, "tanh")), f)
		o2 := Call(w(layers.NewDense(1, "")), o1) // o1 is an output and feeds o2
		return NewModel([]*Tensor{in}, []*Tensor{o1, o2}, 9)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for name, build := range map[string]func(func(layers.Layer) layers.Layer) (*Model, error){"stack": stack, "branches": branches} {
		set, adds := gradSetModels(t, build)
		d := Dataset{X: []*tensor.Tensor{randTensor(rng, append([]int{16}, set.InputShapes()[0]...)...)}}
		for _, s := range set.OutputShapes() {
			d.Y = append(d.Y, randTensor(rng, append([]int{16}, s...)...))
		}
		for step := 0; step < 3; step++ {
			for _, m := range []*Model{set, adds} {
				if _, err := m.FitData(d, FitOptions{Epochs: 1, BatchSize: 16, NoShuffle: true}); err != nil {
					t.Fatal(err)
				}
			}
			ws, wa := set.Weights(), adds.Weights()
			for i := range ws {
				for j, v := range ws[i].Data {
					if v != wa[i].Data[j] {
						t.Fatalf("%s step %d: weight %d[%d] = %v, %v when every gradient is zeroed and added into", name, step, i, j, v, wa[i].Data[j])
					}
				}
			}
		}
		e := set.train.get(16)
		if got := len(e.toZero) - len(set.params); got >= len(e.m.nodes) {
			t.Errorf("%s: %d activation gradients zeroed each step, none skipped", name, got)
		}
	}
}
