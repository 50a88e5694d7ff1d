package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/seqnet/seqnet/baseline"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/pipeline"
	"github.com/seqnet/seqnet/tensor"
)

// seriesStep is the window step holding the value one season (or as many
// whole seasons as the horizon needs) before the target, or -1.
func seriesStep(steps, horizon, season int) int {
	if season < 1 {
		return -1
	}
	lag := (max(horizon, 1) + season - 1) / season * season
	if s := steps - 1 + horizon - lag; s >= 0 {
		return s
	}
	return -1
}

// targetChannels is each target's input channel (-1 when not an input).
func targetChannels(p *pipeline.Pipeline) []int {
	var idx []int
	for _, t := range p.Windowing.Targets {
		j := -1
		for k, in := range p.Windowing.Inputs {
			if in == t {
				j = k
			}
		}
		idx = append(idx, j)
	}
	return idx
}

// windowValues returns, per window of x (n, steps, channels), the value at
// a step of each target's channel (nil if a target is not an input).
func windowValues(x *tensor.Tensor, chans []int, step int) []float32 {
	n, steps, c := x.Shape[0], x.Shape[1], x.Shape[2]
	out := make([]float32, 0, n*len(chans))
	for i := 0; i < n; i++ {
		for _, ch := range chans {
			if ch < 0 {
				return nil
			}
			out = append(out, x.Data[(i*steps+step)*c+ch])
		}
	}
	return out
}

func toF64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func toF32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// seriesReport prints a series model's MAE on windows x, y (scaled) in the
// data's units, beside persistence, seasonal naive and the ridge
// autoregression r (nil: none), on the same windows.
func seriesReport(w io.Writer, what string, m *model.Model, p *pipeline.Pipeline, x, y *tensor.Tensor, season int, r *baseline.Ridge) error {
	pred, err := m.Predict(x, 256)
	if err != nil {
		return asUser(err)
	}
	chans := targetChannels(p)
	type line struct {
		name string
		v    []float32
	}
	lines := []line{{"model", pred.Data}}
	if pers := windowValues(x, chans, x.Shape[1]-1); pers != nil {
		lines = append(lines, line{"persistence", pers})
		if st := seriesStep(x.Shape[1], p.Windowing.Horizon, season); st >= 0 && season > 1 {
			lines = append(lines, line{fmt.Sprintf("seasonal naive (season %d)", season), windowValues(x, chans, st)})
		} else if season > 1 {
			lines = append(lines, line{fmt.Sprintf("seasonal naive: n/a (the window of %d rows does not reach a season of %d back)", x.Shape[1], season), nil})
		}
	}
	if r != nil {
		n := x.Shape[0]
		lines = append(lines, line{fmt.Sprintf("ridge autoregression (same window, alpha %.3g)", r.Alpha), toF32(r.Predict(toF64(x.Data), n))})
	}
	truth := append([]float32(nil), y.Data...)
	sc := p.OutputScaler()
	unscale := func(v []float32) ([]float32, error) {
		v = append([]float32(nil), v...)
		if sc != nil {
			if err := sc.InverseValues(p.Outputs, v); err != nil {
				return nil, err
			}
		}
		return v, nil
	}
	if truth, err = unscale(truth); err != nil {
		return err
	}
	var parts []string
	for _, l := range lines {
		if l.v == nil {
			parts = append(parts, l.name)
			continue
		}
		v, err := unscale(l.v)
		if err != nil {
			return err
		}
		parts = append(parts, fmt.Sprintf("%s %.4g", l.name, baseline.MAE(toF64(v), toF64(truth))))
	}
	fmt.Fprintf(w, "%s, %d windows: mean absolute error in the data's units (%s): %s\n", what, x.Shape[0], strings.Join(p.Outputs, ", "), strings.Join(parts, "; "))
	return nil
}

// fitSeriesRidge fits the ridge autoregression baseline on the training
// windows (flattened), its penalty chosen on the validation windows.
func fitSeriesRidge(x, y, vx, vy *tensor.Tensor) (*baseline.Ridge, error) {
	in := x.Len() / x.Shape[0]
	out := y.Len() / y.Shape[0]
	return baseline.SelectRidge(toF64(x.Data), x.Shape[0], in, toF64(y.Data), out, toF64(vx.Data), vx.Shape[0], toF64(vy.Data))
}

// fitClassBaselines fits the majority class, Naive Bayes (text) and
// logistic regression on the training rows tx, ty.
func fitClassBaselines(p *pipeline.Pipeline, tx, ty *tensor.Tensor) *pipeline.ClassBaseline {
	classes := len(p.Classes())
	labels := make([]int, ty.Len())
	for i, v := range ty.Data {
		labels[i] = int(v)
	}
	cb := &pipeline.ClassBaseline{Majority: -1}
	if maj, err := baseline.Majority(labels, classes); err == nil {
		cb.Majority = maj
	}
	text := p.Kind == pipeline.KindText
	features := tx.Len() / max(tx.Shape[0], 1)
	if text {
		features = p.Vectorizer.VocabularySize()
		if nb, err := baseline.FitNaiveBayes(classDocs(tx), labels, classes, features, 1); err == nil {
			cb.NaiveBayes = nb
		}
	}
	if lr, err := baseline.FitLogistic(classRows(tx, text), labels, features, classes, baseline.LogisticOptions{}); err == nil {
		cb.Logistic = lr
	}
	return cb
}

// classDocs reads the token ids of each text.
func classDocs(t *tensor.Tensor) [][]int {
	n, per := t.Shape[0], t.Len()/max(t.Shape[0], 1)
	out := make([][]int, n)
	for i := range out {
		for _, v := range t.Data[i*per : (i+1)*per] {
			out[i] = append(out[i], int(v))
		}
	}
	return out
}

// classRows is the logistic regression's input: word counts of each text,
// or each table row's features.
func classRows(t *tensor.Tensor, text bool) []baseline.Sparse {
	n := t.Shape[0]
	per := t.Len() / max(n, 1)
	out := make([]baseline.Sparse, n)
	for i := range out {
		r := toF64(t.Data[i*per : (i+1)*per])
		if text {
			d := make([]int, len(r))
			for j, v := range r {
				d[j] = int(v)
			}
			out[i] = baseline.BagOfWords(d)
		} else {
			out[i] = baseline.Dense(r)
		}
	}
	return out
}

// classReport prints a classifier's accuracy on x, y beside the
// baselines cb fitted on the training rows (fitClassBaselines): the
// majority class, Naive Bayes and logistic regression.
func classReport(w io.Writer, what string, m *model.Model, p *pipeline.Pipeline, cb *pipeline.ClassBaseline, x, y *tensor.Tensor) error {
	pred, err := m.Predict(x, 256)
	if err != nil {
		return asUser(err)
	}
	labels := make([]int, y.Len())
	for i, v := range y.Data {
		labels[i] = int(v)
	}
	// The classes are on the last axis: (N, C), or (N, steps, C) for a
	// per-step model, whose labels are (N, steps).
	nc := pred.Shape[pred.Rank()-1]
	if pred.Len() != len(labels)*nc {
		return fmt.Errorf("%s: the model gives %s for %d labels", what, tensor.ShapeString(pred.Shape, false), len(labels))
	}
	argmax := func(i int) int {
		if nc == 1 {
			if pred.Data[i] > 0.5 {
				return 1
			}
			return 0
		}
		best := 0
		for c := 1; c < nc; c++ {
			if pred.Data[i*nc+c] > pred.Data[i*nc+best] {
				best = c
			}
		}
		return best
	}
	pm := make([]int, len(labels))
	for i := range pm {
		pm[i] = argmax(i)
	}
	parts := []string{fmt.Sprintf("model %.4f", baseline.Accuracy(pm, labels))}
	if cb.Majority >= 0 {
		pj := make([]int, len(labels))
		for i := range pj {
			pj[i] = cb.Majority
		}
		parts = append(parts, fmt.Sprintf("majority class `%s` %.4f", p.ClassName(cb.Majority), baseline.Accuracy(pj, labels)))
	}
	text := p.Kind == pipeline.KindText
	if nb := cb.NaiveBayes; nb != nil && text {
		pn := make([]int, len(labels))
		for i, d := range classDocs(x) {
			pn[i] = nb.Predict(d)
		}
		parts = append(parts, fmt.Sprintf("Naive Bayes %.4f", baseline.Accuracy(pn, labels)))
	}
	if lr := cb.Logistic; lr != nil {
		pl := make([]int, len(labels))
		for i, s := range classRows(x, text) {
			pl[i] = lr.Predict(s)
		}
		parts = append(parts, fmt.Sprintf("logistic regression %.4f", baseline.Accuracy(pl, labels)))
	}
	count := fmt.Sprintf("%d samples", len(labels))
	if pred.Rank() == 3 {
		count = fmt.Sprintf("%d samples × %d steps", pred.Shape[0], pred.Shape[1])
	}
	fmt.Fprintf(w, "%s, %s: accuracy: %s\n", what, count, strings.Join(parts, "; "))
	return nil
}
