package model

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// chainStack is a W3-like model whose Conv1D → Conv1D → MaxPooling1D the
// executor runs as one layers.UnitChain on batches of 40 (both Conv1Ds
// split them into 15 units), each layer wrapped by w.
func chainStack(w func(layers.Layer) layers.Layer) (*Model, error) {
	in := Input(104, 2)
	h := Call(w(layers.NewConv1D(8, 3, layers.ConvActivation("relu"))), in)
	h = Call(w(layers.NewConv1D(8, 3, layers.Padding("same"), layers.ConvActivation("relu"))), h)
	h = Call(w(layers.NewMaxPooling1D(2)), h)
	h = Call(w(layers.NewFlatten()), h)
	h = Call(w(layers.NewDense(6, "relu")), h)
	return NewModel([]*Tensor{in}, []*Tensor{Call(w(layers.NewDense(1, "")), h)}, 7)
}

// TestChainTrainsLikeTheLayers checks that a model whose Conv1D →
// Conv1D → MaxPooling1D runs as a chain predicts the same bits as, and
// trains step after step to the same weights (to rounding: the chain sums
// the bias gradients unit by unit) as, the same model whose layers the
// executor cannot see through (addsOnly: no chain). And that the chained
// model trains to the same bits on 1 and 3 cores.
func TestChainTrainsLikeTheLayers(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rng := rand.New(rand.NewPCG(3, 4))
	x, y := randTensor(rng, 40, 104, 2), randTensor(rng, 40, 1)
	d := Dataset{X: []*tensor.Tensor{x}, Y: []*tensor.Tensor{y}}
	var onOne []*tensor.Tensor
	for _, procs := range []int{1, 3} {
		runtime.GOMAXPROCS(procs)
		chained, plain := gradSetModels(t, chainStack)
		for step := 0; step < 4; step++ {
			for _, m := range []*Model{chained, plain} {
				if _, err := m.FitData(d, FitOptions{Epochs: 1, BatchSize: 40, NoShuffle: true}); err != nil {
					t.Fatal(err)
				}
			}
			wc, wp := chained.Weights(), plain.Weights()
			for i := range wc {
				for j, v := range wc[i].Data {
					if p := wp[i].Data[j]; !(math.Abs(float64(v-p)) <= 1e-5*(1+math.Abs(float64(p)))) {
						t.Fatalf("%d cores, step %d: weight %d[%d] = %v chained, %v layer by layer", procs, step, i, j, v, p)
					}
				}
			}
		}
		e := chained.train.get(40)
		if e.chains == nil || e.chains[1] == nil || e.chains[1] != e.chains[3] || e.chains[4] != nil {
			t.Fatalf("%d cores: the Conv1Ds and MaxPooling1D do not run as one chain", procs)
		}
		if newExecutor(chained, 40, false, false).chains == nil {
			t.Fatalf("%d cores: no chain at inference", procs)
		}
		if procs == 1 {
			onOne = chained.Weights()
		} else {
			for i, w := range chained.Weights() {
				if !sameFloats(w.Data, onOne[i].Data) {
					t.Fatalf("weight %d: different bits on 3 cores than on one", i)
				}
			}
		}
		// With the same weights, the same predictions to the bit.
		if err := chained.SetWeights(plain.Weights()); err != nil {
			t.Fatal(err)
		}
		pc, err := chained.Predict(x, 40)
		if err != nil {
			t.Fatal(err)
		}
		pp, err := plain.Predict(x, 40)
		if err != nil {
			t.Fatal(err)
		}
		if !sameFloats(pc.Data, pp.Data) {
			t.Fatalf("%d cores: chained predictions differ from the layers'", procs)
		}
	}
}

func sameFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}
