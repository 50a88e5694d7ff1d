// Package tutorial reproduces the three experiments of the "Conv1D at the
// nuts and bolts level" tutorial: a Conv1D without bias learns a known
// kernel from one sample with Adam (learning rate 0.05) and MAE loss.
package tutorial

import (
	"fmt"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/optimizers"
	"github.com/seqnet/seqnet/tensor"
)

// Experiment is one of the tutorial's toy fits.
type Experiment struct {
	Title string
	// X is one sample (1, steps, channels); Y its target (1, out, filters).
	X, Y    *tensor.Tensor
	Filters int
	// Want is the kernel that generated Y, in Keras layout
	// (kernel_size, channels, filters).
	Want []float32
	// Meaning is one sentence on what the result shows.
	Meaning string
}

// Experiments returns the tutorial's three experiments.
func Experiments() []Experiment {
	return []Experiment{
		{
			Title:   "1 channel, 1 filter: learn [1, 2] from [0 3 4 5] → [6 11 14]",
			X:       tensor.FromSlice([]float32{0, 3, 4, 5}, 1, 4, 1),
			Y:       tensor.FromSlice([]float32{6, 11, 14}, 1, 3, 1),
			Filters: 1,
			Want:    []float32{1, 2},
			Meaning: "three equations, two unknowns: the only kernel that fits is [1, 2], and gradient descent finds it.",
		},
		{
			Title: "2 channels, 1 filter: learn [[1, 3], [2, 4]] from [[0 0] [3 6] [4 7] [5 8]] → [30 57 67]",
			X:     tensor.FromSlice([]float32{0, 0, 3, 6, 4, 7, 5, 8}, 1, 4, 2),
			Y:     tensor.FromSlice([]float32{30, 57, 67}, 1, 3, 1),
			// Keras layout (kernel_size=2, channels=2, filters=1): w[i][c].
			Filters: 1,
			Want:    []float32{1, 3, 2, 4},
			Meaning: "three equations, four unknowns: many kernels fit the one sample exactly, so the fit finds one of them, not necessarily [[1, 3], [2, 4]].",
		},
		{
			Title:   "1 channel, 2 filters: learn [1, 2] and [3, 4] from [0 3 4 5] → [[6 12] [11 25] [14 32]]",
			X:       tensor.FromSlice([]float32{0, 3, 4, 5}, 1, 4, 1),
			Y:       tensor.FromSlice([]float32{6, 12, 11, 25, 14, 32}, 1, 3, 2),
			Filters: 2,
			// (kernel_size=2, channels=1, filters=2): w[i][0][f].
			Want:    []float32{1, 3, 2, 4},
			Meaning: "each filter is its own output channel: filter 0 learns [1, 2] and filter 1 learns [3, 4] side by side.",
		},
	}
}

// Build returns the experiment's model, compiled as the tutorial compiles
// it: Conv1D(filters, kernel_size=2, strides=1, padding="valid",
// use_bias=False, name="c1d"), Adam(learning_rate=0.05), loss "mae".
func (e Experiment) Build(seed uint64) (*model.Model, error) {
	m, err := model.NewSequential(
		layers.Input(e.X.Shape[1:]...),
		layers.NewConv1D(e.Filters, 2, layers.Strides(1), layers.Padding("valid"), layers.NoBias(), layers.ConvName("c1d")),
	)
	if err != nil {
		return nil, err
	}
	m.Seed = seed
	if err := m.Build(); err != nil {
		return nil, err
	}
	return m, m.Compile(model.CompileOptions{Optimizer: optimizers.NewAdam(0.05), LossName: "mae"})
}

// Snapshot is the kernel and loss after an epoch.
type Snapshot struct {
	Epoch  int
	Kernel []float32
	Loss   float64
}

// Run trains for epochs epochs (the tutorial uses 200), one sample per
// epoch, calling report every `every` epochs and at the end.
func (e Experiment) Run(seed uint64, epochs, every int, report func(Snapshot)) (Snapshot, error) {
	m, err := e.Build(seed)
	if err != nil {
		return Snapshot{}, err
	}
	kernel := m.Layer("c1d").(*layers.Conv1D).Kernel().Value
	var last Snapshot
	if report != nil {
		report(Snapshot{Epoch: 0, Kernel: append([]float32(nil), kernel.Data...), Loss: -1})
	}
	cb := &model.EpochFunc{F: func(epoch int, logs model.Logs) {
		last = Snapshot{Epoch: epoch + 1, Kernel: append([]float32(nil), kernel.Data...), Loss: logs.Values["loss"]}
		if report != nil && ((epoch+1)%every == 0 || epoch+1 == epochs) {
			report(last)
		}
	}}
	if _, err := m.Fit(e.X, e.Y, model.FitOptions{Epochs: epochs, BatchSize: 1, Callbacks: []model.Callback{cb}}); err != nil {
		return last, fmt.Errorf("%s: %w", e.Title, err)
	}
	return last, nil
}
