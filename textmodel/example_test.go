package textmodel_test

import (
	"fmt"

	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
	"github.com/seqnet/seqnet/textmodel"
)

func ExampleFitLinear() {
	// Token 2 = "free", 3 = "win", 4 = "meeting", 5 = "notes"; 0 pads.
	x := tensor.FromSlice([]float32{
		2, 3, 0, 3, 2, 2, 4, 5, 0, 5, 4, 4,
		2, 2, 0, 3, 3, 0, 4, 4, 0, 5, 5, 0,
		2, 0, 0, 3, 0, 0, 4, 0, 0, 5, 0, 0}, 12, 3)
	y := tensor.FromSlice([]float32{1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0}, 12)
	o := textmodel.Options{SeqLen: 3, Vocab: 6, Classes: 2, EmbeddingDim: 4, Filters: 4, KernelSize: 2, Seed: 1}
	m, _ := textmodel.New(o)
	// (Train m's CNN here, as in ExampleNewTrainer.) Then blend it with
	// the linear classifiers, weights fitted on the validation texts.
	r, _ := textmodel.FitLinear(o, x.Rows(0, 8), y.Rows(0, 8), x.Rows(8, 12), y.Rows(8, 12))
	_ = r.AddCNN(m, o, x.Rows(8, 12), y.Rows(8, 12))
	_ = r.Refit(m, o, x, y)
	p, _ := m.Predict(tensor.FromSlice([]float32{3, 3, 0, 4, 0, 0}, 2, 3), 2)
	fmt.Printf("CNN used: %v; spam: %v, %v\n", r.CNN > 0, p.Data[0] > 0.5, p.Data[1] > 0.5)
	// Output: CNN used: false; spam: true, false
}

func ExampleNewTrainer() {
	// Token 2 = "free", 3 = "win", 4 = "meeting", 5 = "notes"; 0 pads.
	x := tensor.FromSlice([]float32{
		2, 3, 0, 3, 2, 2, 4, 5, 0, 5, 4, 4,
		2, 2, 0, 3, 3, 0, 4, 4, 0, 5, 5, 0,
		2, 0, 0, 3, 0, 0, 4, 0, 0, 5, 0, 0}, 12, 3)
	y := tensor.FromSlice([]float32{1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0}, 12)
	o := textmodel.Options{SeqLen: 3, Vocab: 6, Classes: 2, EmbeddingDim: 4, Filters: 4, KernelSize: 2, Seed: 1}
	m, _ := textmodel.New(o)
	// The bag of words' out-of-fold logits, then the CNN trained on top
	// of them in the two-input model, its weights moved into m.
	r, _ := textmodel.FitLinear(o, x.Rows(0, 8), y.Rows(0, 8), x.Rows(8, 12), y.Rows(8, 12))
	off, voff, _ := r.Offsets(o)
	tm, _ := textmodel.NewTrainer(o)
	_ = tm.SetWeights(m.Weights())
	_ = tm.Compile(model.CompileOptions{OptimizerName: "adam", LossName: "binary_crossentropy"})
	_, _ = tm.FitData(model.Dataset{X: []*tensor.Tensor{x.Rows(0, 8), off}, Y: []*tensor.Tensor{y.Rows(0, 8)}},
		model.FitOptions{Epochs: 5, BatchSize: 4, ValidationData: &model.Dataset{X: []*tensor.Tensor{x.Rows(8, 12), voff}, Y: []*tensor.Tensor{y.Rows(8, 12)}}})
	_ = m.SetWeights(tm.Weights())
	_ = r.AddCNN(m, o, x.Rows(8, 12), y.Rows(8, 12))
	_ = r.Refit(m, o, x, y)
	fmt.Println(off.Shape, voff.Shape, len(m.InputShapes()), len(tm.InputShapes()))
	p, _ := m.Predict(tensor.FromSlice([]float32{3, 3, 0, 4, 0, 0}, 2, 3), 2)
	fmt.Printf("spam: %v, %v\n", p.Data[0] > 0.5, p.Data[1] > 0.5)
	// Output:
	// [8 1] [4 1] 1 2
	// spam: true, false
}
