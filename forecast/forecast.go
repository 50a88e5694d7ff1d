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
// path at the best of three ridge fits on the validation windows (on the
// levels, shrunk towards the mean; on the changes from the last value,
// shrunk towards persistence; on the changes from one season earlier,
// shrunk towards seasonal naive) and the convolutional head at zero, so
// training starts from a fitted linear model and the convolutions learn
// what it misses.
//
// Capacity follows the data: Filters picks the convolution width from the
// number of training windows.
package forecast

import (
	"fmt"
	"math"

	"github.com/seqnet/seqnet/baseline"
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

// Start is the linear fit InitLinear chose.
type Start struct {
	// Anchor is what the ridge fit predicts the change from: "mean" (a
	// ridge on the levels), "last value" or "one season earlier".
	Anchor string
	// Alpha is the ridge penalty; +Inf for the naive forecast itself (the
	// change from the anchor is predicted to be 0).
	Alpha float64
	// ValMSE is the fit's mean squared error on the validation windows
	// (the mean over the rolling-origin blocks).
	ValMSE float64
}

// InitLinear sets the linear path of a model made by New to the best, on
// the validation windows vx, vy, of ridge regressions fitted on the
// training windows x, y (penalties from baseline.RidgeAlphas):
//
//   - on the window's values (shrunk towards the training mean);
//   - of the change from the last value on the window relative to its last
//     value (shrunk towards persistence), when every target is an input;
//   - of the change from the value one season before the target, likewise
//     (shrunk towards seasonal naive), when o.Season is known and the
//     window reaches back that far.
//
// The penalty and the fit are chosen by rolling-origin validation: the
// validation windows, and up to two blocks of as many windows before them
// (each fitted on the windows before it, when at least as many), give each
// candidate its mean squared error. The best is taken unless a fit shrunk
// towards seasonal naive (or else persistence) is within one standard error
// of it (the one-standard-error rule, naive forecasts counting as the
// simpler models); the chosen candidate is then fitted on the training
// windows. Each is a linear function of the window, written into the
// Dense's kernel and bias; the model then predicts what that fit predicts until training
// moves it.
func InitLinear(m *model.Model, o Options, x, y, vx, vy *tensor.Tensor) (Start, error) {
	lin, ok := m.Layer(LinearName).(*layers.Dense)
	if !ok {
		return Start{}, fmt.Errorf("forecast: the model has no Dense %q (not made by forecast.New)", LinearName)
	}
	nOut, in := len(o.Targets), o.Steps*o.Channels
	if err := checkShapes(o, x, y); err != nil {
		return Start{}, err
	}
	if err := checkShapes(o, vx, vy); err != nil {
		return Start{}, err
	}
	anchors := []string{"mean"}
	allInputs := true
	for _, c := range o.Targets {
		allInputs = allInputs && c >= 0
	}
	if allInputs {
		anchors = append(anchors, "last value")
		if lag := seasonLag(o); lag > 0 {
			anchors = append(anchors, "one season earlier")
		}
	}
	// Each anchor's best penalty; then the overall best, unless a fit
	// shrunk towards a naive forecast (seasonal naive first, then
	// persistence) is within one standard error of it: the one-standard-
	// error rule, with the naive forecasts as the simpler models, since a
	// few dozen validation windows cannot tell closer fits apart.
	type cand struct {
		anchor         string
		alpha, mse, se float64
		fx, fy         []float64
	}
	var cands []cand
	var lastErr error
	for _, a := range anchors {
		fx, fy := features(o, a, x, y)
		fvx, fvy := features(o, a, vx, vy)
		alpha, mse, se, err := chooseAlpha(fx, fy, fvx, fvy, x.Shape[0], vx.Shape[0], width(in, a), nOut, a == "mean")
		if err != nil {
			lastErr = err
			continue
		}
		cands = append(cands, cand{a, alpha, mse, se, fx, fy})
	}
	if len(cands) == 0 {
		return Start{}, fmt.Errorf("forecast: fitting the linear path: %w", lastErr)
	}
	bi := 0
	for i, c := range cands {
		if c.mse < cands[bi].mse {
			bi = i
		}
	}
	for i := len(cands) - 1; i > 0; i-- { // seasonal, then last value
		if cands[i].mse <= cands[bi].mse+cands[bi].se {
			bi = i
			break
		}
	}
	c := cands[bi]
	r, err := fitAnchor(c.anchor, c.fx, x.Shape[0], width(in, c.anchor), c.fy, nOut, c.alpha)
	if err != nil {
		return Start{}, fmt.Errorf("forecast: fitting the linear path: %w", err)
	}
	best := Start{Anchor: c.anchor, Alpha: c.alpha, ValMSE: c.mse}
	bestW, bestB := rawWeights(o, c.anchor, r)
	for i, w := range bestW {
		lin.Kernel().Value.Data[i] = float32(w)
	}
	for i, b := range bestB {
		lin.Bias().Value.Data[i] = float32(b)
	}
	lin.Kernel().Changed()
	lin.Bias().Changed()
	return best, nil
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

// anchorIndex is, per output, the flattened window index of the value the
// anchor predicts the change from.
func anchorIndex(o Options, anchor string) []int {
	step := o.Steps - 1
	if anchor == "one season earlier" {
		step = seasonLag(o)
	}
	idx := make([]int, len(o.Targets))
	for j, c := range o.Targets {
		idx[j] = step*o.Channels + c
	}
	return idx
}

// width is the number of ridge inputs for an anchor: the window's values,
// and for the change anchors a constant 1 whose weight is a penalised
// intercept (so that a large penalty gives the naive forecast itself, not
// the naive forecast plus the mean change of the training windows).
func width(in int, anchor string) int {
	if anchor == "mean" {
		return in
	}
	return in + 1
}

// fitAnchor fits an anchor's ridge: with an unpenalised intercept on the
// levels, through the origin (with the constant column) on the changes.
func fitAnchor(anchor string, x []float64, n, in int, y []float64, out int, alpha float64) (*baseline.Ridge, error) {
	if math.IsInf(alpha, 1) && anchor != "mean" { // the naive forecast itself
		return &baseline.Ridge{In: in, Out: out, W: make([]float64, in*out), B: make([]float64, out), Alpha: alpha}, nil
	}
	if anchor == "mean" {
		return baseline.FitRidge(x, n, in, y, out, alpha)
	}
	return baseline.FitRidgeNoIntercept(x, n, in, y, out, alpha)
}

// features returns the ridge inputs and targets for an anchor, as float64:
// the flattened windows (relative to their last step, and a constant 1, for
// the change anchors) and the targets (minus the anchor value).
func features(o Options, anchor string, x, y *tensor.Tensor) ([]float64, []float64) {
	nOut := len(o.Targets)
	n, per := x.Shape[0], o.Steps*o.Channels
	wd := width(per, anchor)
	fx := make([]float64, n*wd)
	fy := make([]float64, n*nOut)
	var idx []int
	if anchor != "mean" {
		idx = anchorIndex(o, anchor)
	}
	for s := 0; s < n; s++ {
		w := x.Data[s*per : (s+1)*per]
		lastRow := w[(o.Steps-1)*o.Channels:]
		for i, v := range w {
			fx[s*wd+i] = float64(v)
			if idx != nil {
				fx[s*wd+i] -= float64(lastRow[i%o.Channels])
			}
		}
		if wd > per {
			fx[s*wd+per] = 1
		}
		for j := 0; j < nOut; j++ {
			fy[s*nOut+j] = float64(y.Data[s*nOut+j])
			if idx != nil {
				fy[s*nOut+j] -= float64(w[idx[j]])
			}
		}
	}
	return fx, fy
}

// rawWeights turns a ridge fit on an anchor's features into the kernel and
// bias of a Dense on the raw flattened window: for output j,
// anchor_j + Σ_i w_ij (x_i − x_last(i)) + c_j = Σ_i W_ij x_i + b_j.
func rawWeights(o Options, anchor string, r *baseline.Ridge) (kernel, bias []float64) {
	nOut, per := len(o.Targets), o.Steps*o.Channels
	if anchor == "mean" {
		return append([]float64(nil), r.W...), append([]float64(nil), r.B...)
	}
	w := append([]float64(nil), r.W[:per*nOut]...)
	bias = append([]float64(nil), r.W[per*nOut:]...) // the constant column's weights
	for j := range bias {
		bias[j] += r.B[j]
	}
	lastStep := (o.Steps - 1) * o.Channels
	for j := 0; j < nOut; j++ {
		for c := 0; c < o.Channels; c++ {
			sum := 0.0
			for i := c; i < per; i += o.Channels {
				sum += r.W[i*nOut+j]
			}
			w[(lastStep+c)*nOut+j] -= sum
		}
	}
	for j, a := range anchorIndex(o, anchor) {
		w[a*nOut+j]++
	}
	return w, bias
}

// chooseAlpha returns the penalty (baseline.RidgeAlphas times the mean
// diagonal of the training windows' centred XᵀX, or, without intercept,
// +Inf: every weight 0, the anchor's naive forecast) with the smallest mean
// squared error over rolling-origin blocks, that error and its standard
// error (intercept: an unpenalised intercept, else none). The blocks: the validation windows (fitted on all training
// windows), and up to two blocks of nv training windows before them, each
// fitted on the windows before it when there are at least nv of those.
func chooseAlpha(fx, fy, fvx, fvy []float64, n, nv, in, out int, intercept bool) (alpha, mse, se float64, err error) {
	allX := append(append([]float64(nil), fx...), fvx...)
	allY := append(append([]float64(nil), fy...), fvy...)
	type block struct{ trainEnd, end int }
	blocks := []block{{n, n + nv}}
	for k := 1; k <= 2; k++ {
		end := n - (k-1)*nv
		if end-nv < max(nv, 2) {
			break
		}
		blocks = append(blocks, block{end - nv, end})
	}
	scale := meanDiag(fx, n, in)
	mse = math.Inf(1)
	for _, a := range baseline.RidgeAlphas {
		var sq []float64 // every block's squared errors
		ok := true
		for _, b := range blocks {
			fit := baseline.FitRidge
			if !intercept {
				fit = baseline.FitRidgeNoIntercept
			}
			r, err2 := fit(allX[:b.trainEnd*in], b.trainEnd, in, allY[:b.trainEnd*out], out, a*scale)
			if err2 != nil {
				ok, err = false, err2
				break
			}
			p := r.Predict(allX[b.trainEnd*in:b.end*in], b.end-b.trainEnd)
			for i, v := range allY[b.trainEnd*out : b.end*out] {
				sq = append(sq, (p[i]-v)*(p[i]-v))
			}
		}
		if !ok {
			continue
		}
		if m, s := meanSE(sq); m <= mse {
			alpha, mse, se = a*scale, m, s
		}
	}
	if math.IsInf(mse, 1) {
		return 0, 0, 0, err
	}
	if !intercept {
		// The limit of an infinite penalty: the anchor's naive forecast
		// itself (every weight 0), which the finite grid only approaches.
		var sq []float64
		for _, b := range blocks {
			for _, v := range allY[b.trainEnd*out : b.end*out] {
				sq = append(sq, v*v)
			}
		}
		if m, s := meanSE(sq); m <= mse {
			alpha, mse, se = math.Inf(1), m, s
		}
	}
	return alpha, mse, se, nil
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
