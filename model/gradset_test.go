package model

import (
	"math"
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

// TestInputGradNotCleared checks that a training step leaves the model
// input's gradient buffer alone (nothing writes or reads it unless input
// gradients are asked for): it is not among the buffers cleared each
// step, and the model trains the same with it full of NaNs; Gradients
// still gives the input gradients.
func TestInputGradNotCleared(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x, y := randTensor(rng, 16, 12, 3), randTensor(rng, 16, 2)
	a, b := smallNet(t, 5), smallNet(t, 5)
	for step := 0; step < 3; step++ {
		for _, m := range []*Model{a, b} {
			if _, err := m.TrainOnBatch(x, y); err != nil {
				t.Fatal(err)
			}
		}
		e := b.train.get(16)
		g := e.inputGrad(0).Data
		for _, buf := range e.toZero {
			if &buf[0] == &g[0] {
				t.Fatal("the input's gradient is cleared every training step")
			}
		}
		for i := range g {
			g[i] = float32(math.NaN())
		}
		wa, wb := a.Weights(), b.Weights()
		for i := range wa {
			for j, v := range wa[i].Data {
				if v != wb[i].Data[j] {
					t.Fatalf("step %d: weight %d[%d] = %v with NaNs in the input's gradient buffer, %v without", step, i, j, wb[i].Data[j], v)
				}
			}
		}
	}
	p, err := b.Gradients([]*tensor.Tensor{x}, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	nonzero := false
	for _, v := range p.InputGrads[0].Data {
		if v != v {
			t.Fatal("Gradients' input gradient holds NaN")
		}
		nonzero = nonzero || v != 0
	}
	if !nonzero {
		t.Fatal("Gradients' input gradient is all zeros")
	}
}
