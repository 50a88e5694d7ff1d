// Package forecast builds seqnet's default time-series forecaster: a
// causal dilated Conv1D stack in parallel with a linear autoregressive path,
// both reading each window relative to its own last value, with the last
// observed value of each target added back at the output.
//
// The design follows well-tested forecasters: the convolutions read each
// window relative to its last value, the simplest form of reversible
// instance normalisation (RevIN, Kim et al. 2022; NLinear, Zeng et al.
// 2023), so a trending series whose later levels lie outside the training
// range gives them inputs they have seen; a linear autoregressive path in
// parallel is LSTNet's "highway" (Lai et al. 2018) and DLinear's linear
// layer (Zeng et al. 2023), so the network is never far from a linear
// autoregression on short or trending series. InitLinear starts the linear
// path at a combination, weighted on rolling-origin validation blocks, of
// ridge fits: on the levels (shrunk towards the mean); on the changes from
// the last value (shrunk towards persistence); on the changes from one
// season earlier (shrunk towards seasonal naive); and on the seasonally
// differenced changes (shrunk towards the forecast of a SARIMA
// (0,1,0)×(0,1,0)s model: the last value plus the change one season
// earlier). The convolutional head starts at zero, so training starts from
// a fitted linear model and the convolutions learn what it misses; Blend
// then averages the trained network with that start.
//
// Capacity follows the data: Filters picks the convolution width from the
// number of training windows.
package forecast

import (
	"fmt"
	"math"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// Options describe a forecaster.
type Options struct {
	// Steps and Channels are a window's shape.
	Steps, Channels int
	// Targets gives, per output, the input channel holding that target's
	// past values, or -1 when the target is not an input.
	Targets []int
	// Horizon is the number of rows from a window's last row to its target
	// (1: the next row); Season the rows per season (0: none known). They
	// only matter to InitLinear.
	Horizon, Season int
	// Filters and KernelSize of each Conv1D; Dropout before the
	// convolutional head (0 for none).
	Filters, KernelSize int
	Dropout             float64
	Seed                uint64
}

// Layer names InitLinear and the summary refer to.
const (
	LinearName = "linear_path"
	HeadName   = "conv_head"
)

// Filters is the convolution width for n training windows: 8 below 100
// windows, 16 below 1,000, 32 below 10,000, 64 from there.
func Filters(n int) int {
	switch {
	case n < 100:
		return 8
	case n < 1000:
		return 16
	case n < 10000:
		return 32
	}
	return 64
}

// New builds the forecaster (not compiled):
//
//	linear = Dense(outputs)(Flatten(x))
//	z      = x - x[last step]                  (per channel)
//	conv   = Dense(outputs)(Dropout(Flatten(last step of
//	         causal Conv1D stack(z), dilations 1, 2, 4, … until the last
//	         step sees the whole window)))
//	y      = linear + conv
func New(o Options) (*model.Model, error) {
	if o.Steps < 1 || o.Channels < 1 || len(o.Targets) < 1 || o.Filters < 1 || o.KernelSize < 1 {
		return nil, fmt.Errorf("forecast: need steps, channels, targets, filters and kernel size ≥ 1, received %d, %d, %d, %d, %d",
			o.Steps, o.Channels, len(o.Targets), o.Filters, o.KernelSize)
	}
	if o.Dropout < 0 || o.Dropout >= 1 {
		return nil, fmt.Errorf("forecast: dropout must be in [0, 1), received %g", o.Dropout)
	}
	for i, c := range o.Targets {
		if c < -1 || c >= o.Channels {
			return nil, fmt.Errorf("forecast: target %d reads channel %d, outside 0–%d (or -1: not an input)", i, c, o.Channels-1)
		}
	}
	nOut := len(o.Targets)
	x := model.Input(o.Steps, o.Channels)
	linear := model.Call(named(layers.NewDense(nOut, ""), LinearName), model.Call(layers.NewFlatten(), x))

	z := x
	if o.Steps > 1 {
		last := model.Call(named(layers.NewCropping1D(o.Steps-1, 0), "window_last"), x)
		z = model.Call(named(layers.NewSubtract(), "relative"), x, last)
	}
	h := z
	field := 1
	for d := 1; d == 1 || (field < o.Steps && d <= 64 && o.KernelSize > 1); d *= 2 {
		h = model.Call(layers.NewConv1D(o.Filters, o.KernelSize, layers.Padding("causal"), layers.DilationRate(d), layers.ConvActivation("relu")), h)
		field += (o.KernelSize - 1) * d
	}
	if o.Steps > 1 {
		h = model.Call(layers.NewCropping1D(o.Steps-1, 0), h)
	}
	h = model.Call(layers.NewFlatten(), h)
	if o.Dropout > 0 {
		h = model.Call(layers.NewDropout(o.Dropout), h)
	}
	head := named(layers.NewDense(nOut, ""), HeadName)
	head.KernelInitializer = layers.MustInitializer("zeros")
	conv := model.Call(head, h)
	out := model.Call(named(layers.NewAdd(), "forecast"), linear, conv)
	m, err := model.NewModel([]*model.Tensor{x}, []*model.Tensor{out}, o.Seed)
	if err != nil {
		return nil, err
	}
	m.Seed = o.Seed
	return m, nil
}

func named[L layers.Layer](l L, name string) L {
	l.Common().Name = name
	return l
}

func checkShapes(o Options, x, y *tensor.Tensor) error {
	nOut := len(o.Targets)
	if x == nil || y == nil || x.Rank() != 3 || x.Shape[1] != o.Steps || x.Shape[2] != o.Channels || y.Rank() != 2 || y.Shape[0] != x.Shape[0] || y.Shape[1] != nOut || x.Shape[0] == 0 {
		return fmt.Errorf("forecast: windows and targets of shapes %v and %v do not match (n, %d, %d) and (n, %d) with n ≥ 1", shape(x), shape(y), o.Steps, o.Channels, nOut)
	}
	return nil
}

func shape(t *tensor.Tensor) []int {
	if t == nil {
		return nil
	}
	return t.Shape
}

// seasonLag is the step inside a window holding the value one season (or
// as many as the horizon needs) before the target, or -1.
func seasonLag(o Options) int {
	h := o.Horizon
	if o.Season < 2 {
		return -1
	}
	lag := (max(h, 1) + o.Season - 1) / o.Season * o.Season
	step := o.Steps - 1 + h - lag
	if step < 0 || step == o.Steps-1 {
		return -1
	}
	return step
}

// meanSE returns the mean of v and its standard error.
func meanSE(v []float64) (mean, se float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	if len(v) < 2 {
		return mean, 0
	}
	ss := 0.0
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss/float64(len(v)-1)) / math.Sqrt(float64(len(v)))
}

// meanDiag is the mean diagonal of the centred XᵀX of n rows (1 if 0).
func meanDiag(x []float64, n, in int) float64 {
	mean := make([]float64, in)
	for r := 0; r < n; r++ {
		for i := 0; i < in; i++ {
			mean[i] += x[r*in+i] / float64(n)
		}
	}
	s := 0.0
	for r := 0; r < n; r++ {
		for i := 0; i < in; i++ {
			d := x[r*in+i] - mean[i]
			s += d * d
		}
	}
	if s == 0 {
		return 1
	}
	return s / float64(in)
}
