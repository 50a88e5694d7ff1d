package main

import (
	"flag"
	"fmt"
	"github.com/seqnet/seqnet/baseline"
	"io"
	"math"
	"strings"

	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/pipeline"
)

func init() {
	commands["evaluate"] = command{runEvaluate, "loss and metrics of a trained model on labelled data, with a baseline"}
}

const evaluateUsage = `Usage: seqnet evaluate --model MODEL.seqnet (--data FILE | --x X.npy --y Y.npy)

Reads labelled data exactly as the training data was read (same columns,
label map, scaler, windows or vocabulary) and prints the loss and metrics,
and baselines to compare them with: the most frequent class for
classifiers; for a time series, persistence (the next value = the last
one), seasonal naive (the season from the dates' spacing) and the ridge
autoregression fitted when the model was trained, as mean absolute errors in
the data's units; for other regression, the mean of the targets.
A label the model was not trained on is an error naming it.

Flags:
  --model FILE       a model written by seqnet train (or seqnet import)
  --data FILE        CSV/TSV, time series or text file with the target column
  --x FILE, --y FILE NumPy inputs and targets (or --x/--data FILE.npz with x and y)
  --loss NAME        loss for a model saved without one (imported from Keras);
                     default from its output activation: sigmoid → binary_crossentropy,
                     softmax → sparse_categorical_crossentropy, otherwise mse
  --batch-size B     default 256
  --delimiter D, --header yes|no|auto
                     the file's layout, when not the training file's (as predict)
`

func runEvaluate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("evaluate", flag.ContinueOnError)
	var d dataFlags
	d.addReadFlags(fs)
	d.addLayoutFlags(fs)
	modelPath := fs.String("model", "", "")
	loss := fs.String("loss", "", "")
	batch := fs.Int("batch-size", 256, "")
	if done, st := parseFlags(fs, args, evaluateUsage, stdout, stderr); done {
		return st
	}
	return finish(stderr, "evaluate", evaluate(&d, *modelPath, *loss, *batch, stdout))
}

func evaluate(d *dataFlags, modelPath, loss string, batch int, w io.Writer) error {
	if err := checkModelBatch(modelPath, batch); err != nil {
		return err
	}
	m, p, ds, err := loadModelRows(d, modelPath, true)
	if err != nil {
		return err
	}
	if m.Optimizer() == nil || loss != "" {
		task := p.Task
		if task == "" {
			task = taskFromActivation(m)
		}
		if err := compileFor(m, &pipeline.Pipeline{Task: task, Labels: p.Labels}, loss, "adam", 0.001); err != nil {
			return err
		}
	}
	logs, err := m.Evaluate(ds.X, ds.Y, batch)
	if err != nil {
		return asUser(err)
	}
	printDataReport(w, ds.Report)
	fmt.Fprintf(w, "%d samples: %s\n", ds.X.Shape[0], logs)
	switch p.Task {
	case pipeline.TaskBinary, pipeline.TaskMulticlass:
		counts := make([]int, len(p.Classes()))
		for _, v := range ds.Y.Data {
			if c := int(v); c >= 0 && c < len(counts) {
				counts[c]++
			}
		}
		best := 0
		for c, n := range counts {
			if n > counts[best] {
				best = c
			}
		}
		fmt.Fprintf(w, "baseline: always `%s` (the most frequent class here) has accuracy %.4f\n",
			p.ClassName(best), float64(counts[best])/float64(len(ds.Y.Data)))
		if cb := p.ClassBaseline; cb != nil {
			// The baselines fitted on the training rows, on these rows.
			return classReport(w, "these rows, baselines fitted on the training rows", m, p, cb, ds.X, ds.Y)
		}
	case pipeline.TaskRegression:
		if p.Kind == pipeline.KindSeries && p.Windowing != nil {
			// Persistence and seasonal naive on these windows, and the ridge
			// autoregression fitted at training time.
			var season int
			var r *baseline.Ridge
			if b := p.Baseline; b != nil {
				season, r = b.Season, b.Ridge
				if r != nil && r.In*ds.X.Shape[0] != ds.X.Len() {
					r = nil
				}
			}
			return seriesReport(w, "these rows", m, p, ds.X, ds.Y, season, r)
		}
		return regressionReport(m, p, ds, batch, w)
	}
	return nil
}

// regressionReport prints the model's MAE in the data's own units next to
// a baseline's: persistence for a series whose targets are inputs, the
// mean of the targets otherwise.
func regressionReport(m *model.Model, p *pipeline.Pipeline, ds *pipeline.Batch, batch int, w io.Writer) error {
	pr, _, err := runModel(m, p, ds, batch)
	if err != nil {
		return err
	}
	k := len(pr.outputs)
	truth := append([]float32(nil), ds.Y.Data...)
	var base []float32
	if ds.Persistence != nil {
		base = append([]float32(nil), ds.Persistence...)
	}
	if sc := p.OutputScaler(); sc != nil {
		if err := sc.InverseValues(p.Outputs, truth); err != nil {
			return err
		}
		if base != nil {
			if err := sc.InverseValues(p.Outputs, base); err != nil {
				return err
			}
		}
	}
	what := "persistence (the last value of the window)"
	if base == nil {
		what = "the mean of the targets"
		base = make([]float32, len(truth))
		for j := 0; j < k; j++ {
			var s float64
			for i := j; i < len(truth); i += k {
				s += float64(truth[i])
			}
			for i := j; i < len(truth); i += k {
				base[i] = float32(s / float64(len(truth)/k))
			}
		}
	}
	var parts []string
	for j, name := range pr.outputs {
		var mae, bmae float64
		n := 0
		for i := range pr.values {
			t := float64(truth[i*k+j])
			mae += math.Abs(pr.values[i][j] - t)
			bmae += math.Abs(float64(base[i*k+j]) - t)
			n++
		}
		parts = append(parts, fmt.Sprintf("%s: model %.4g, baseline %.4g", name, mae/float64(n), bmae/float64(n)))
	}
	fmt.Fprintf(w, "mean absolute error in the data's units (baseline: %s): %s\n", what, strings.Join(parts, "; "))
	return nil
}

// taskFromActivation guesses the task of a model without preprocessing
// from its last layer's activation.
func taskFromActivation(m *model.Model) string {
	ls := m.Layers()
	if len(ls) == 0 {
		return pipeline.TaskRegression
	}
	act, _ := ls[len(ls)-1].Config()["activation"].(string)
	switch act {
	case "sigmoid":
		return pipeline.TaskBinary
	case "softmax":
		return pipeline.TaskMulticlass
	}
	return pipeline.TaskRegression
}
