package model

import "github.com/seqnet/seqnet/tensor"

// EarlyStoppingState is EarlyStopping's progress after an epoch: what a
// checkpoint of an interrupted run stores (package checkpoint) and what
// EarlyStopping.Resume starts from, so that an interrupted and resumed
// run keeps the same best epoch, waits the same epochs and restores the
// same weights as one uninterrupted Fit. Keras' EarlyStopping holds the
// same as its best, best_epoch, wait and best_weights attributes.
type EarlyStoppingState struct {
	// Monitor is the figure watched (e.g. "val_loss").
	Monitor string
	// Best is the best figure so far and BestEpoch its epoch (0-based);
	// Best is +Inf (min mode) or -Inf (max mode) while no epoch was seen.
	Best      float64
	BestEpoch int
	// Wait counts the epochs since the best one without improvement.
	Wait int
	// BestWeights are the best epoch's weights in Model.Weights' order,
	// nil unless RestoreBestWeights kept them.
	BestWeights []*tensor.Tensor
}

// State returns the progress so far. BestWeights is shared, not copied:
// EarlyStopping replaces it, never writes into it.
func (e *EarlyStopping) State() EarlyStoppingState {
	mon := e.Monitor
	if mon == "" {
		mon = "val_loss"
	}
	return EarlyStoppingState{Monitor: mon, Best: e.Best, BestEpoch: e.BestEpoch, Wait: e.wait, BestWeights: e.best}
}
