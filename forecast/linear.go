package forecast

import (
	"fmt"
	"math"
	"strings"

	"github.com/seqnet/seqnet/baseline"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// Part is one ridge fit in the linear start.
type Part struct {
	// Anchor is what the fit predicts the change from (AnchorMean: a
	// ridge on the levels).
	Anchor string
	// Alpha is the ridge penalty; +Inf for the naive forecast itself (the
	// change from the anchor is predicted to be 0).
	Alpha float64
	// Weight is the part's share of the start (the shares sum to 1).
	Weight float64
	// ValMSE is the fit's mean squared error over the rolling-origin
	// validation blocks.
	ValMSE float64
}

// Start is the linear fit InitLinear chose.
type Start struct {
	// Parts are the fits combined, largest weight first.
	Parts []Part
	// ValMSE is the combination's mean squared error over the
	// rolling-origin validation blocks.
	ValMSE float64
	// kernel and bias are the linear path's start (for Blend).
	kernel, bias []float64
}

// String describes the start in one line.
func (s Start) String() string {
	var b []string
	for _, p := range s.Parts {
		alpha := fmt.Sprintf("alpha %.3g", p.Alpha)
		if math.IsInf(p.Alpha, 1) {
			alpha = "alpha ∞: the naive forecast itself"
		}
		if p.Anchor != AnchorMean {
			alpha = "the change from the " + p.Anchor + ", " + alpha
		} else {
			alpha = "the levels, " + alpha
		}
		if len(s.Parts) > 1 {
			alpha = fmt.Sprintf("%.2f × (%s)", p.Weight, alpha)
		}
		b = append(b, alpha)
	}
	return strings.Join(b, " + ")
}

// fitted is one anchor family with its chosen penalty and its residuals
// (prediction − target) over the rolling-origin validation blocks.
type fitted struct {
	a                *anchor
	alpha, mse, se   float64
	res              []float64
	fx, fy, fvx, fvy []float64
}

// InitLinear sets the linear path of a model made by New to a combination,
// chosen on the validation windows vx, vy, of ridge regressions fitted on
// the training windows x, y (penalties from baseline.RidgeAlphas, or
// infinite: the naive forecast itself):
//
//   - on the window's values (shrunk towards the training mean);
//   - of the change from the last value on the window relative to its last
//     value (shrunk towards persistence), when every target is an input;
//   - of the change from the value one season before the target, likewise
//     (shrunk towards seasonal naive), when o.Season is known and the
//     window reaches back that far;
//   - of the change from the last value plus the change one season
//     earlier (the SARIMA (0,1,0)×(0,1,0)s forecast) on the window's
//     seasonally differenced changes, when the window reaches back a
//     season and a step.
//
// Each fit's penalty is chosen by rolling-origin validation: the validation
// windows, and up to two blocks of as many windows before them (each
// fitted on the windows before it, when at least as many), give each
// candidate its mean squared error and residuals. The fits are weighted
// half by stacking (the non-negative weights summing to 1 that minimise the
// combined residuals' squares) and half by their inverse errors, and each
// is refitted on all the training windows. Each fit, and so
// the combination, is a linear function of the window, written into the
// Dense's kernel and bias; the model then predicts what the combination
// predicts until training moves it.
func InitLinear(m *model.Model, o Options, x, y, vx, vy *tensor.Tensor) (Start, error) {
	lin, ok := m.Layer(LinearName).(*layers.Dense)
	if !ok {
		return Start{}, fmt.Errorf("forecast: the model has no Dense %q (not made by forecast.New)", LinearName)
	}
	if err := checkShapes(o, x, y); err != nil {
		return Start{}, err
	}
	if err := checkShapes(o, vx, vy); err != nil {
		return Start{}, err
	}
	nOut, per := len(o.Targets), o.Steps*o.Channels
	n, nv := x.Shape[0], vx.Shape[0]
	var cands []fitted
	var lastErr error
	for _, a := range anchors(o) {
		f := fitted{a: a}
		f.fx, f.fy = a.features(x.Data, y.Data, n, per, nOut)
		f.fvx, f.fvy = a.features(vx.Data, vy.Data, nv, per, nOut)
		var err error
		f.alpha, f.mse, f.se, f.res, err = chooseAlpha(f.fx, f.fy, f.fvx, f.fvy, n, nv, a.width(), nOut, a.base == nil)
		if err != nil {
			lastErr = err
			continue
		}
		cands = append(cands, f)
	}
	if len(cands) == 0 {
		return Start{}, fmt.Errorf("forecast: fitting the linear path: %w", lastErr)
	}
	weights := combine(cands)
	kernel, bias := make([]float64, per*nOut), make([]float64, nOut)
	var st Start
	res := make([]float64, len(cands[0].res))
	for i, c := range cands {
		if weights[i] == 0 {
			continue
		}
		r, err := fitAnchor(c.a, c.fx, n, c.fy, nOut, c.alpha)
		if err != nil {
			return Start{}, fmt.Errorf("forecast: fitting the linear path: %w", err)
		}
		k, b := c.a.rawWeights(per, r)
		addScaled(kernel, k, weights[i])
		addScaled(bias, b, weights[i])
		addScaled(res, c.res, weights[i])
		st.Parts = append(st.Parts, Part{Anchor: c.a.name, Alpha: c.alpha, Weight: weights[i], ValMSE: c.mse})
	}
	st.ValMSE, _ = meanSE(squares(res))
	st.kernel, st.bias = kernel, bias
	sortParts(st.Parts)
	for i, w := range kernel {
		lin.Kernel().Value.Data[i] = float32(w)
	}
	for i, b := range bias {
		lin.Bias().Value.Data[i] = float32(b)
	}
	lin.Kernel().Changed()
	lin.Bias().Changed()
	return st, nil
}

func addScaled(dst, src []float64, w float64) {
	for i, v := range src {
		dst[i] += w * v
	}
}

func squares(v []float64) []float64 {
	sq := make([]float64, len(v))
	for i, x := range v {
		sq[i] = x * x
	}
	return sq
}

func sortParts(p []Part) {
	for i := 1; i < len(p); i++ {
		for j := i; j > 0 && p[j].Weight > p[j-1].Weight; j-- {
			p[j], p[j-1] = p[j-1], p[j]
		}
	}
}

// fitAnchor fits an anchor's ridge: with an unpenalised intercept on the
// levels, through the origin (with the constant column) on the changes.
func fitAnchor(a *anchor, x []float64, n int, y []float64, out int, alpha float64) (*baseline.Ridge, error) {
	in := a.width()
	if math.IsInf(alpha, 1) && a.base != nil { // the naive forecast itself
		return &baseline.Ridge{In: in, Out: out, W: make([]float64, in*out), B: make([]float64, out), Alpha: alpha}, nil
	}
	if a.base == nil {
		return baseline.FitRidge(x, n, in, y, out, alpha)
	}
	return baseline.FitRidgeNoIntercept(x, n, in, y, out, alpha)
}
