package engine

import (
	"fmt"
	"math"

	"github.com/seqnet/seqnet/internal/tutorial"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// ExperimentInfo describes one of the tutorial's experiments for the page.
type ExperimentInfo struct {
	Title   string `json:"title"`
	Meaning string `json:"meaning"`
	// X is the sample (steps, channels); Y the target (out, filters).
	X [][]float32 `json:"x"`
	Y [][]float32 `json:"y"`
	// KernelShape is (kernel_size, channels, filters); Want is the kernel
	// that generated Y, flat in that layout.
	KernelShape []int     `json:"kernel_shape"`
	Want        []float32 `json:"want"`
	// Pairs are the kernel's 2-D views: the two taps of one channel of one
	// filter, as flat indices into the kernel, with a label.
	Pairs []Pair `json:"pairs"`
}

// Pair is two weights shown as a point in a plane.
type Pair struct {
	I     int    `json:"i"`
	J     int    `json:"j"`
	Label string `json:"label"`
}

// Experiments describes tutorial.Experiments.
func Experiments() []ExperimentInfo {
	var out []ExperimentInfo
	for _, e := range tutorial.Experiments() {
		steps, ch := e.X.Shape[1], e.X.Shape[2]
		info := ExperimentInfo{Title: e.Title, Meaning: e.Meaning, X: rows(e.X.Data, steps, ch),
			Y: rows(e.Y.Data, e.Y.Shape[1], e.Y.Shape[2]), KernelShape: []int{2, ch, e.Filters}, Want: e.Want}
		for f := range e.Filters {
			for c := range ch {
				// Keras layout (kernel_size, channels, filters): tap j at (j*ch+c)*filters+f.
				info.Pairs = append(info.Pairs, Pair{I: c*e.Filters + f, J: (ch+c)*e.Filters + f,
					Label: fmt.Sprintf("filter %d, channel %d: kernel[0][%d][%d] and kernel[1][%d][%d]", f, c, c, f, c, f)})
			}
		}
		out = append(out, info)
	}
	return out
}

func rows(d []float32, n, w int) [][]float32 {
	out := make([][]float32, n)
	for i := range out {
		out[i] = append([]float32(nil), d[i*w:(i+1)*w]...)
	}
	return out
}

// Trainer runs one experiment one epoch at a time: the tutorial's model
// (Conv1D, kernel_size 2, no bias) with Adam(learning_rate=0.05) and MAE,
// one sample per epoch, exactly as tutorial.Experiment.Run.
type Trainer struct {
	exp    tutorial.Experiment
	m      *model.Model
	kernel *tensor.Tensor
	epoch  int
	// probe is a second model of the same shape for the loss surface.
	probe       *model.Model
	probeKernel *tensor.Tensor
}

// State is the model after an epoch.
type State struct {
	Epoch int `json:"epoch"`
	// Kernel is flat in Keras layout (kernel_size, channels, filters).
	Kernel []float32 `json:"kernel"`
	// Loss is the epoch's training loss (MAE before its update, as Keras
	// reports it); at epoch 0 it is the loss of the initial weights.
	Loss float64 `json:"loss"`
	// Prediction is the model's output for the sample after the epoch,
	// (out, filters).
	Prediction [][]float32 `json:"prediction"`
}

// NewTrainer builds experiment i (0, 1 or 2) with the given seed.
func NewTrainer(i int, seed uint64) (*Trainer, error) {
	exps := tutorial.Experiments()
	if i < 0 || i >= len(exps) {
		return nil, fmt.Errorf("experiment %d does not exist: expected 1 to %d", i+1, len(exps))
	}
	e := exps[i]
	m, err := e.Build(seed)
	if err != nil {
		return nil, err
	}
	probe, err := e.Build(seed)
	if err != nil {
		return nil, err
	}
	return &Trainer{exp: e, m: m, kernel: m.Layer("c1d").(*layers.Conv1D).Kernel().Value,
		probe: probe, probeKernel: probe.Layer("c1d").(*layers.Conv1D).Kernel().Value}, nil
}

// Start returns the state before training: the initial kernel and its loss.
func (t *Trainer) Start() (State, error) {
	loss, err := t.lossOf(t.kernel.Data)
	if err != nil {
		return State{}, err
	}
	return t.state(loss)
}

// Step trains n epochs and returns the state after each.
func (t *Trainer) Step(n int) ([]State, error) {
	out := make([]State, 0, n)
	for range n {
		loss, err := t.m.TrainOnBatch(t.exp.X, t.exp.Y)
		if err != nil {
			return out, err
		}
		t.epoch++
		s, err := t.state(loss)
		if err != nil {
			return out, err
		}
		out = append(out, s)
	}
	return out, nil
}

func (t *Trainer) state(loss float64) (State, error) {
	y, err := t.m.Predict(t.exp.X, 1)
	if err != nil {
		return State{}, err
	}
	return State{Epoch: t.epoch, Kernel: append([]float32(nil), t.kernel.Data...), Loss: loss,
		Prediction: rows(y.Data, y.Shape[1], y.Shape[2])}, nil
}

// lossOf is the MAE of the model with kernel k on the sample, computed by
// model.Evaluate on the probe model.
func (t *Trainer) lossOf(k []float32) (float64, error) {
	copy(t.probeKernel.Data, k)
	logs, err := t.probe.Evaluate(t.exp.X, t.exp.Y, 1)
	if err != nil {
		return 0, err
	}
	return logs.Values["loss"], nil
}

// Surface is the loss over a grid of two weights, the others held at
// their current values: Loss[r][c] at (X[c], Y[r]).
type Surface struct {
	I    int         `json:"i"`
	J    int         `json:"j"`
	X    []float64   `json:"x"`
	Y    []float64   `json:"y"`
	Loss [][]float64 `json:"loss"`
	Min  float64     `json:"min"`
	Max  float64     `json:"max"`
}

// maxGrid bounds a surface's grid (n × n evaluations).
const maxGrid = 101

// Surface evaluates the loss for weight i over [x0, x1] and weight j over
// [y0, y1] on an n × n grid, with the other weights at their current
// values. With two weights (experiment 1) it is the whole loss surface.
func (t *Trainer) Surface(i, j int, x0, x1, y0, y1 float64, n int) (Surface, error) {
	if n < 2 || n > maxGrid {
		return Surface{}, fmt.Errorf("grid size must be between 2 and %d, received %d", maxGrid, n)
	}
	nk := len(t.kernel.Data)
	if i < 0 || i >= nk || j < 0 || j >= nk || i == j {
		return Surface{}, fmt.Errorf("weights %d and %d: expected two different indices below %d", i, j, nk)
	}
	if !(x1 > x0) || !(y1 > y0) || math.IsInf(x1-x0, 0) || math.IsInf(y1-y0, 0) {
		return Surface{}, fmt.Errorf("empty or infinite range [%g, %g] × [%g, %g]", x0, x1, y0, y1)
	}
	s := Surface{I: i, J: j, X: make([]float64, n), Y: make([]float64, n), Min: math.Inf(1), Max: math.Inf(-1)}
	for k := range n {
		s.X[k] = x0 + (x1-x0)*float64(k)/float64(n-1)
		s.Y[k] = y0 + (y1-y0)*float64(k)/float64(n-1)
	}
	k := append([]float32(nil), t.kernel.Data...)
	for r := range n {
		row := make([]float64, n)
		for c := range n {
			k[i], k[j] = float32(s.X[c]), float32(s.Y[r])
			l, err := t.lossOf(k)
			if err != nil {
				return Surface{}, err
			}
			row[c] = l
			s.Min, s.Max = math.Min(s.Min, l), math.Max(s.Max, l)
		}
		s.Loss = append(s.Loss, row)
	}
	return s, nil
}
