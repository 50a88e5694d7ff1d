package explain

import (
	"fmt"
	"math"

	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// Gradient is the saliency map ∂output/∂input for each row of x. For
// token models Values is the gradient at the embedding vectors and a
// token's score the gradient's Euclidean norm.
func Gradient(m *model.Model, x *tensor.Tensor, o Options) ([]*Attribution, error) {
	return gradientMethod(m, x, o, "gradient")
}

// GradientXInput is gradient × input for each row of x. For token models
// it is gradient × embedding vector, and a token's score their dot product.
func GradientXInput(m *model.Model, x *tensor.Tensor, o Options) ([]*Attribution, error) {
	return gradientMethod(m, x, o, "gradxinput")
}

func gradientMethod(m *model.Model, x *tensor.Tensor, o Options, method string) ([]*Attribution, error) {
	s, err := prepare(m, x, o)
	if err != nil {
		return nil, err
	}
	res := make([]*Attribution, s.n)
	units, groups := s.groups()
	for gi, rows := range groups {
		grad, value, err := s.inputGradients(rows, units[gi])
		if err != nil {
			return nil, err
		}
		per := len(grad.Data) / len(rows)
		ch := per / s.steps
		for j, i := range rows {
			a := s.newAttribution(method, i)
			g := grad.Data[j*per : (j+1)*per]
			a.Values = matrix(g, s.steps, ch)
			if method == "gradxinput" {
				v := value.Data[j*per : (j+1)*per]
				for t := range a.Values {
					for c := range a.Values[t] {
						a.Values[t][c] *= float64(v[t*ch+c])
					}
				}
			}
			a.Scores = rowSums(a.Values)
			if method == "gradient" && s.kind == Tokens {
				for t, r := range a.Values {
					var q float64
					for _, v := range r {
						q += v * v
					}
					a.Scores[t] = math.Sqrt(q)
				}
			}
			res[i] = a
		}
	}
	return res, nil
}

// baselineRow returns the series baseline of one sample, flat
// (steps*channels): zeros or the per-channel mean of the reference data.
func (s *subject) baselineRow() ([]float32, error) {
	b := make([]float32, s.steps*s.channels)
	if s.o.Baseline != "mean" {
		return b, nil
	}
	ref := s.o.Reference
	if ref == nil {
		ref = s.x
	}
	if len(ref.Shape) < 2 || tensor.Size(ref.Shape[2:]) != s.channels || len(ref.Data) == 0 {
		return nil, fmt.Errorf("the reference data for the mean baseline has shape %s but the explained rows are %s: give data with %d channel(s)",
			tensor.ShapeString(ref.Shape, false), tensor.ShapeString(s.x.Shape, false), s.channels)
	}
	mean := make([]float64, s.channels)
	for i, v := range ref.Data {
		mean[i%s.channels] += float64(v)
	}
	cnt := float64(len(ref.Data) / s.channels)
	for i := range b {
		b[i] = float32(mean[i%s.channels] / cnt)
	}
	return b, nil
}

// pathPoints returns integrated gradients' positions α on [0, 1] and
// their quadrature weights.
func pathPoints(steps int, rule string) (alpha, weight []float64) {
	if rule == "midpoint" {
		for k := range steps {
			alpha = append(alpha, (float64(k)+0.5)/float64(steps))
			weight = append(weight, 1/float64(steps))
		}
		return alpha, weight
	}
	for k := 0; k <= steps; k++ {
		w := 1 / float64(steps)
		if k == 0 || k == steps {
			w /= 2
		}
		alpha = append(alpha, float64(k)/float64(steps))
		weight = append(weight, w)
	}
	return alpha, weight
}

// IntegratedGradients computes integrated gradients for each row of x:
// (x − baseline) × the average of the gradient on the straight path from
// the baseline to x, by Options.Rule over Options.Steps points. The
// attributions add up to f(x) − f(baseline) up to the quadrature error
// (compare Total with Prediction − BaselinePrediction; more Steps shrink
// the gap). Token models integrate in embedding space from zero vectors.
func IntegratedGradients(m *model.Model, x *tensor.Tensor, o Options) ([]*Attribution, error) {
	s, err := prepare(m, x, o)
	if err != nil {
		return nil, err
	}
	if s.kind == Tokens {
		return s.tokenIntegrated()
	}
	base, err := s.baselineRow()
	if err != nil {
		return nil, err
	}
	alpha, weight := pathPoints(s.o.Steps, s.o.Rule)
	per := s.steps * s.channels
	// f(baseline) for every explained unit.
	bt := tensor.FromSlice(base, append([]int{1}, s.x.Shape[1:]...)...)
	bout, err := s.m.PredictMulti([]*tensor.Tensor{bt}, 1)
	if err != nil {
		return nil, err
	}
	res := make([]*Attribution, s.n)
	for i := range s.n {
		a := s.newAttribution("integrated", i)
		xi := s.x.Data[i*per : (i+1)*per]
		avg := make([]float64, per)
		err := s.alongPath(alpha, weight, func(lo, hi int) (*tensor.Tensor, error) {
			pb := tensor.New(append([]int{hi - lo}, s.x.Shape[1:]...)...)
			for k := lo; k < hi; k++ {
				row := pb.Data[(k-lo)*per : (k-lo+1)*per]
				for j := range row {
					row[j] = base[j] + float32(alpha[k])*(xi[j]-base[j])
				}
			}
			p, err := s.m.Gradients([]*tensor.Tensor{pb}, s.o.Output, s.units[i])
			if err != nil {
				return nil, err
			}
			return p.InputGrads[0], nil
		}, avg)
		if err != nil {
			return nil, err
		}
		a.Values = make([][]float64, s.steps)
		for t := range a.Values {
			a.Values[t] = make([]float64, s.channels)
			for c := range a.Values[t] {
				j := t*s.channels + c
				a.Values[t][c] = (float64(xi[j]) - float64(base[j])) * avg[j]
			}
		}
		a.Scores = rowSums(a.Values)
		a.BaselinePrediction = unitValue(bout[s.o.Output], 0, s.units[i])
		a.Gap = a.Total() - (a.Prediction - a.BaselinePrediction)
		res[i] = a
	}
	return res, nil
}

// alongPath runs grads on the path points in chunks of BatchSize and adds
// the weighted gradients into avg (one value per input element).
func (s *subject) alongPath(alpha, weight []float64, grads func(lo, hi int) (*tensor.Tensor, error), avg []float64) error {
	for lo := 0; lo < len(alpha); lo += s.o.BatchSize {
		hi := min(lo+s.o.BatchSize, len(alpha))
		g, err := grads(lo, hi)
		if err != nil {
			return err
		}
		for k := lo; k < hi; k++ {
			gk := g.Data[(k-lo)*len(avg) : (k-lo+1)*len(avg)]
			for j, v := range gk {
				avg[j] += weight[k] * float64(v)
			}
		}
	}
	return nil
}

// windows returns occlusion's window starts: every Stride steps, plus a
// last one ending at the last step.
func windows(steps, window, stride int) (starts []int, w int) {
	w = min(window, steps)
	for st := 0; st+w <= steps; st += stride {
		starts = append(starts, st)
	}
	if last := starts[len(starts)-1]; last+w < steps {
		starts = append(starts, steps-w)
	}
	return starts, w
}

// Occlusion replaces, for each row of x, a window of Options.Window steps
// (every Options.Stride steps) by the baseline (series: zeros or the mean;
// tokens: the padding index 0) and records the drop in the output. Each
// window's drop is spread evenly over its steps and channels; a step
// covered by several windows gets the average of their shares. With
// Stride = Window the attributions add up to the sum of the drops.
func Occlusion(m *model.Model, x *tensor.Tensor, o Options) ([]*Attribution, error) {
	s, err := prepare(m, x, o)
	if err != nil {
		return nil, err
	}
	base, err := s.baselineRow()
	if err != nil {
		return nil, err
	}
	starts, w := windows(s.steps, s.o.Window, s.o.Stride)
	per := s.steps * s.channels
	res := make([]*Attribution, s.n)
	for i := range s.n {
		a := s.newAttribution("occlusion", i)
		xi := s.x.Data[i*per : (i+1)*per]
		batch := tensor.New(append([]int{len(starts) + 1}, s.x.Shape[1:]...)...)
		for k, st := range starts {
			row := batch.Data[k*per : (k+1)*per]
			copy(row, xi)
			copy(row[st*s.channels:(st+w)*s.channels], base[st*s.channels:(st+w)*s.channels])
		}
		copy(batch.Data[len(starts)*per:], base)
		outs, err := s.m.PredictMulti([]*tensor.Tensor{batch}, s.o.BatchSize)
		if err != nil {
			return nil, err
		}
		out := outs[s.o.Output]
		share := make([]float64, s.steps)
		cover := make([]int, s.steps)
		for k, st := range starts {
			drop := s.pred[i] - unitValue(out, k, s.units[i])
			for t := st; t < st+w; t++ {
				share[t] += drop / float64(w)
				cover[t]++
			}
		}
		a.Values = make([][]float64, s.steps)
		a.Scores = make([]float64, s.steps)
		for t := range a.Values {
			a.Values[t] = make([]float64, s.channels)
			if cover[t] > 0 {
				a.Scores[t] = share[t] / float64(cover[t])
			}
			for c := range a.Values[t] {
				a.Values[t][c] = a.Scores[t] / float64(s.channels)
			}
		}
		a.BaselinePrediction = unitValue(out, len(starts), s.units[i])
		res[i] = a
	}
	return res, nil
}
