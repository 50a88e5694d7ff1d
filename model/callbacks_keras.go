package model

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/seqnet/seqnet/tensor"
)

// monitorMode decides whether a monitored figure should go down or up:
// "auto" picks "max" for accuracies, "min" otherwise, as Keras does.
func monitorMode(mode, monitor string) (better func(a, b float64) bool, err error) {
	switch mode {
	case "", "auto":
		if strings.Contains(monitor, "acc") {
			mode = "max"
		} else {
			mode = "min"
		}
	}
	switch mode {
	case "min":
		return func(a, b float64) bool { return a < b }, nil
	case "max":
		return func(a, b float64) bool { return a > b }, nil
	}
	return nil, fmt.Errorf("mode %q: expected auto, min or max", mode)
}

// EarlyStopping stops training when a monitored figure has stopped
// improving, as keras.callbacks.EarlyStopping: an epoch improves when the
// figure beats the best by more than MinDelta; after Patience epochs
// without improvement training stops, and with RestoreBestWeights the
// weights of the best epoch come back.
type EarlyStopping struct {
	CallbackBase
	Monitor            string // default "val_loss"
	MinDelta           float64
	Patience           int
	Mode               string // auto, min, max
	RestoreBestWeights bool
	// StartFromEpoch ignores improvements before this epoch (warm-up).
	StartFromEpoch int
	// Verbose, when set, says when and why training stopped.
	Verbose io.Writer
	// Resume, when set, is where OnTrainBegin starts instead of afresh:
	// the State of an interrupted run's EarlyStopping, so that the
	// resumed Fit stops, and restores, as one uninterrupted Fit would.
	Resume *EarlyStoppingState

	// StoppedEpoch is the epoch training stopped at (0 when it did not).
	StoppedEpoch int
	// BestEpoch and Best are the best epoch and its figure.
	BestEpoch int
	Best      float64

	wait   int
	better func(a, b float64) bool
	best   []*tensor.Tensor
}

// OnTrainBegin resets the state.
func (e *EarlyStopping) OnTrainBegin() {
	if e.Monitor == "" {
		e.Monitor = "val_loss"
	}
	e.better, _ = monitorMode(e.Mode, e.Monitor)
	if e.better == nil {
		e.better, _ = monitorMode("auto", e.Monitor)
	}
	e.wait, e.StoppedEpoch, e.BestEpoch, e.best = 0, 0, 0, nil
	e.Best = math.Inf(1)
	if e.better(1, 0) {
		e.Best = math.Inf(-1)
	}
	if r := e.Resume; r != nil {
		e.Best, e.BestEpoch, e.wait, e.best = r.Best, r.BestEpoch, r.Wait, r.BestWeights
	}
}

// OnEpochEnd checks for improvement.
func (e *EarlyStopping) OnEpochEnd(epoch int, logs Logs) {
	v, ok := logs.Values[e.Monitor]
	if !ok || epoch < e.StartFromEpoch {
		return
	}
	delta := e.MinDelta
	if !e.better(1, 0) { // min mode: improvement is going below best - delta
		delta = -delta
	}
	if e.better(v-delta, e.Best) || (math.IsInf(e.Best, 0)) {
		e.Best, e.BestEpoch, e.wait = v, epoch, 0
		if e.RestoreBestWeights {
			e.best = e.M.Weights()
		}
		return
	}
	e.wait++
	if e.wait >= e.Patience {
		e.StoppedEpoch = epoch
		e.M.Stop()
		if e.Verbose != nil {
			fmt.Fprintf(e.Verbose, "Early stopping at epoch %d: %s has not improved for %d epochs (best %.4f at epoch %d)\n",
				epoch+1, e.Monitor, e.Patience, e.Best, e.BestEpoch+1)
		}
	}
}

// OnTrainEnd restores the best weights when asked.
func (e *EarlyStopping) OnTrainEnd() {
	if e.RestoreBestWeights && e.best != nil {
		_ = e.M.SetWeights(e.best)
	}
}

// ReduceLROnPlateau multiplies the learning rate by Factor when the
// monitored figure has not improved for Patience epochs, as
// keras.callbacks.ReduceLROnPlateau (defaults: val_loss, factor 0.1,
// patience 10, min_delta 1e-4, cooldown 0, min_lr 0).
type ReduceLROnPlateau struct {
	CallbackBase
	Monitor  string
	Factor   float64
	Patience int
	Mode     string
	MinDelta float64
	Cooldown int
	MinLR    float64
	Verbose  io.Writer

	best           float64
	wait, cooldown int
	better         func(a, b float64) bool
}

// NewReduceLROnPlateau returns the callback with Keras' defaults.
func NewReduceLROnPlateau() *ReduceLROnPlateau {
	return &ReduceLROnPlateau{Monitor: "val_loss", Factor: 0.1, Patience: 10, MinDelta: 1e-4}
}

// OnTrainBegin resets the state.
func (r *ReduceLROnPlateau) OnTrainBegin() {
	if r.Monitor == "" {
		r.Monitor = "val_loss"
	}
	if r.Factor == 0 {
		r.Factor = 0.1
	}
	r.better, _ = monitorMode(r.Mode, r.Monitor)
	if r.better == nil {
		r.better, _ = monitorMode("auto", r.Monitor)
	}
	r.best = math.Inf(1)
	if r.better(1, 0) {
		r.best = math.Inf(-1)
	}
	r.wait, r.cooldown = 0, 0
}

// OnEpochEnd lowers the rate after a plateau.
func (r *ReduceLROnPlateau) OnEpochEnd(epoch int, logs Logs) {
	v, ok := logs.Values[r.Monitor]
	if !ok || r.M.Optimizer() == nil {
		return
	}
	if r.cooldown > 0 {
		r.cooldown--
		r.wait = 0
	}
	delta := r.MinDelta
	if !r.better(1, 0) {
		delta = -delta
	}
	if r.better(v-delta, r.best) || math.IsInf(r.best, 0) {
		r.best, r.wait = v, 0
		return
	}
	if r.cooldown > 0 {
		return
	}
	r.wait++
	if r.wait >= r.Patience {
		opt := r.M.Optimizer()
		old := opt.LearningRate()
		if old > r.MinLR {
			lr := math.Max(old*r.Factor, r.MinLR)
			opt.SetLearningRate(lr)
			if r.Verbose != nil {
				fmt.Fprintf(r.Verbose, "Epoch %d: ReduceLROnPlateau reducing learning rate to %g.\n", epoch+1, lr)
			}
			r.cooldown, r.wait = r.Cooldown, 0
		}
	}
}

// LearningRateScheduler sets the learning rate at the start of each epoch
// from Schedule(epoch, current rate), as keras.callbacks.LearningRateScheduler.
type LearningRateScheduler struct {
	CallbackBase
	Schedule func(epoch int, lr float64) float64
}

// OnEpochBegin applies the schedule.
func (s *LearningRateScheduler) OnEpochBegin(epoch int) {
	if opt := s.M.Optimizer(); opt != nil && s.Schedule != nil {
		opt.SetLearningRate(s.Schedule(epoch, opt.LearningRate()))
	}
}
