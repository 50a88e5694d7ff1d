package forecast

import "github.com/seqnet/seqnet/baseline"

// Anchor names: what a linear fit predicts the change from.
const (
	AnchorMean     = "mean"                     // a ridge on the levels, shrunk towards the mean
	AnchorLast     = "last value"               // shrunk towards persistence
	AnchorSeason   = "value one season earlier" // shrunk towards seasonal naive
	AnchorSeasonal = "last value plus the change one season earlier"
)

// term is one weight of a linear function of the flattened window.
type term struct {
	i int
	w float64
}

// anchor is one family of linear starting forecasts: a naive forecast (a
// fixed linear function of the window) plus a ridge fit, on linear
// features of the window, of the change from it. Every member is a linear
// function of the window, so it can be written into the Dense of the
// linear path.
type anchor struct {
	name string
	// base is, per output, the naive forecast's weights (nil: no naive
	// forecast; a ridge on the levels with an unpenalised intercept).
	base [][]term
	// feats are the ridge's inputs, each a linear function of the window.
	feats [][]term
	// constant adds a constant-1 input whose weight is a penalised
	// intercept (so a large penalty gives the naive forecast itself, not
	// the naive forecast plus the training windows' mean change).
	constant bool
}

// width is the number of ridge inputs.
func (a *anchor) width() int {
	if a.constant {
		return len(a.feats) + 1
	}
	return len(a.feats)
}

// anchors lists the families that fit the options: the levels always; when
// every target is an input, the change from the last value and, when the
// window reaches back far enough, the change from one season earlier and
// the change from the last value plus the change one season earlier (the
// forecast of a SARIMA (0,1,0)×(0,1,0)s model), with a ridge on the
// seasonally differenced changes in the window.
func anchors(o Options) []*anchor {
	per := o.Steps * o.Channels
	levels := &anchor{name: AnchorMean}
	for i := 0; i < per; i++ {
		levels.feats = append(levels.feats, []term{{i, 1}})
	}
	out := []*anchor{levels}
	for _, c := range o.Targets {
		if c < 0 {
			return out
		}
	}
	last := o.Steps - 1
	rel := relativeFeats(o)
	out = append(out, &anchor{name: AnchorLast, base: pick(o, []int{last}, []float64{1}), feats: rel, constant: true})
	lag := seasonLag(o)
	if lag < 0 {
		return out
	}
	out = append(out, &anchor{name: AnchorSeason, base: pick(o, []int{lag}, []float64{1}), feats: rel, constant: true})
	period := last + o.Horizon - lag // the whole seasons between the lag and the target
	if old := last - period; old >= 0 {
		out = append(out, &anchor{name: AnchorSeasonal, base: pick(o, []int{last, lag, old}, []float64{1, 1, -1}),
			feats: seasonalDiffFeats(o, period), constant: true})
	}
	return out
}

// pick is, per output, the sum of w[k] times the target's channel at
// window step steps[k].
func pick(o Options, steps []int, w []float64) [][]term {
	b := make([][]term, len(o.Targets))
	for j, c := range o.Targets {
		for k, s := range steps {
			b[j] = append(b[j], term{s*o.Channels + c, w[k]})
		}
	}
	return b
}

// relativeFeats are the window's values relative to the last value of
// their channel (the last step itself left out: it is 0).
func relativeFeats(o Options) [][]term {
	var f [][]term
	last := o.Steps - 1
	for s := 0; s < last; s++ {
		for c := 0; c < o.Channels; c++ {
			f = append(f, []term{{s*o.Channels + c, 1}, {last*o.Channels + c, -1}})
		}
	}
	return f
}

// seasonalDiffFeats are the window's changes after a seasonal difference,
// (x[s] − x[s−1]) − (x[s−p] − x[s−1−p]), for every step where they exist.
func seasonalDiffFeats(o Options, p int) [][]term {
	var f [][]term
	for s := p + 1; s < o.Steps; s++ {
		for c := 0; c < o.Channels; c++ {
			at := func(step int) int { return step*o.Channels + c }
			f = append(f, []term{{at(s), 1}, {at(s - 1), -1}, {at(s - p), -1}, {at(s - 1 - p), 1}})
		}
	}
	return f
}

// features returns the ridge inputs and targets (the target minus the
// naive forecast) for n windows x (flattened, per values each) and
// targets y.
func (a *anchor) features(x, y []float32, n, per, nOut int) ([]float64, []float64) {
	wd := a.width()
	fx := make([]float64, n*wd)
	fy := make([]float64, n*nOut)
	for s := 0; s < n; s++ {
		w := x[s*per : (s+1)*per]
		row := fx[s*wd : (s+1)*wd]
		for m, f := range a.feats {
			row[m] = dot(f, w)
		}
		if a.constant {
			row[wd-1] = 1
		}
		for j := 0; j < nOut; j++ {
			fy[s*nOut+j] = float64(y[s*nOut+j])
			if a.base != nil {
				fy[s*nOut+j] -= dot(a.base[j], w)
			}
		}
	}
	return fx, fy
}

func dot(f []term, w []float32) float64 {
	v := 0.0
	for _, t := range f {
		v += t.w * float64(w[t.i])
	}
	return v
}

// rawWeights turns a ridge fit on the anchor's features into the kernel
// (per×nOut) and bias of a Dense on the flattened window: for output j,
// base_j·x + Σ_m w_mj f_m·x + c_j + b_j.
func (a *anchor) rawWeights(per int, r *baseline.Ridge) (kernel, bias []float64) {
	nOut := r.Out
	kernel = make([]float64, per*nOut)
	bias = append([]float64(nil), r.B...)
	for j := range a.base {
		for _, t := range a.base[j] {
			kernel[t.i*nOut+j] += t.w
		}
	}
	for m, f := range a.feats {
		for _, t := range f {
			for j := 0; j < nOut; j++ {
				kernel[t.i*nOut+j] += t.w * r.W[m*nOut+j]
			}
		}
	}
	if a.constant {
		for j := 0; j < nOut; j++ {
			bias[j] += r.W[len(a.feats)*nOut+j]
		}
	}
	return kernel, bias
}
