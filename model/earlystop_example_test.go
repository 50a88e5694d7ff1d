package model_test

import (
	"fmt"
	"slices"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/optimizers"
	"github.com/seqnet/seqnet/tensor"
)

// Early stopping continued across an interrupted run: the state of the
// first Fit's EarlyStopping (what a checkpoint stores) becomes the
// resumed Fit's EarlyStopping.Resume, and the run stops and keeps the
// same epoch, with the same weights, as one uninterrupted Fit. The
// validation targets run against the training ones, so the validation
// loss soon rises.
func ExampleEarlyStopping_Resume() {
	x := tensor.New(16, 4, 1)
	y, vy := tensor.New(16, 1), tensor.New(16, 1)
	for i := range x.Data {
		x.Data[i] = float32(i%7) / 7
	}
	for i := range 16 {
		y.Data[i] = x.Data[4*i] + x.Data[4*i+3]
		vy.Data[i] = 1 - y.Data[i]/4
	}
	newModel := func() *model.Model {
		m, err := model.NewSequential(layers.Input(4, 1), layers.NewFlatten(), layers.NewDense(1, ""))
		if err != nil {
			panic(err)
		}
		if err := m.Compile(model.CompileOptions{Optimizer: optimizers.NewAdam(0.05), LossName: "mse"}); err != nil {
			panic(err)
		}
		return m
	}
	fit := func(m *model.Model, es model.Callback, epochs int, resume bool) {
		o := model.FitOptions{Epochs: epochs, BatchSize: 4, Resume: resume, Callbacks: []model.Callback{es},
			ValidationData: &model.Dataset{X: []*tensor.Tensor{x}, Y: []*tensor.Tensor{vy}}}
		if _, err := m.Fit(x, y, o); err != nil {
			panic(err)
		}
	}
	whole, esWhole := newModel(), &model.EarlyStopping{Patience: 3, RestoreBestWeights: true}
	fit(whole, esWhole, 50, false)

	cut, esCut := newModel(), &model.EarlyStopping{Patience: 3, RestoreBestWeights: true}
	// "Interrupted" after the best epoch and one more, keeping the
	// current weights (as seqnet train does) for an exact resume.
	fit(cut, interrupted{esCut}, esWhole.BestEpoch+2, false)
	state := esCut.State()
	resumed := &model.EarlyStopping{Patience: 3, RestoreBestWeights: true, Resume: &state}
	fit(cut, resumed, 50, true)

	fmt.Println("uninterrupted: stopped at epoch", esWhole.StoppedEpoch+1, "kept epoch", esWhole.BestEpoch+1)
	fmt.Println("resumed:       stopped at epoch", resumed.StoppedEpoch+1, "kept epoch", resumed.BestEpoch+1)
	fmt.Println("same weights:", slices.Equal(whole.Weights()[0].Data, cut.Weights()[0].Data))
	// Output:
	// uninterrupted: stopped at epoch 7 kept epoch 4
	// resumed:       stopped at epoch 7 kept epoch 4
	// same weights: true
}

// interrupted is EarlyStopping in a run that was cut short: the best
// weights are not restored at its end, as training is to go on.
type interrupted struct{ *model.EarlyStopping }

func (interrupted) OnTrainEnd() {}
