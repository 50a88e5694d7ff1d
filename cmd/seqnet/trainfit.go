package main

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/pipeline"
	"github.com/seqnet/seqnet/plot"
	"github.com/seqnet/seqnet/tensor"
)

// fit trains t.m on ds, saves the model file and says what was kept. A
// Ctrl-C is watched for from before the starting fit's loss until the
// file is saved (interrupt.go).
func (t *trainer) fit(ds *pipeline.Batch, o model.FitOptions) error {
	c := &t.c
	o.Epochs, o.BatchSize, o.NoShuffle = c.Epochs, c.BatchSize, c.NoShuffle
	nTrain, err := t.validation(ds, &o)
	if err != nil {
		return err
	}
	validating := o.ValidationData != nil || o.ValidationSplit > 0
	units := t.unitsNote()
	es := t.callbacks(&o, nTrain, validating, units)
	unwatch := t.watchInterrupt()
	r, err := t.fitAndSave(ds, o, es, validating, nTrain)
	unwatch()
	if err != nil {
		return err
	}
	st, _ := t.m.TrainingState()
	if t.interrupted.Load() {
		where := fmt.Sprintf("after epoch %d", st.Epoch)
		if st.Batch > 0 {
			where = fmt.Sprintf("in epoch %d after batch %d", st.Epoch+1, st.Batch)
		}
		fmt.Fprintf(t.w, "interrupted %s; checkpoint saved to %s\ncontinue with: seqnet train --resume %s\n", where, t.out, t.out)
		if st.Batch == 0 {
			fmt.Fprintf(t.w, "or finish it now at epoch %d: seqnet train --resume %s --epochs %d\n", st.Epoch, t.out, st.Epoch)
		}
		return nil
	}
	if r.keptStart {
		fmt.Fprintf(t.w, "saved %s (%d epochs trained; no epoch beat the starting fit's val_loss %.4f: kept the starting weights)\n", t.out, st.Epoch, r.startLoss)
	} else {
		t.reportKept(r.all, es, units, st.Epoch)
	}
	if t.curves && len(r.all.Epochs) > 0 {
		png, svg, err := drawCurves(t.out, r.all)
		if err != nil {
			fmt.Fprintf(t.w, "learning curves not drawn: %v\n", oneLine(err.Error()))
		} else {
			fmt.Fprintf(t.w, "learning curves: %s, %s\n", png, svg)
		}
	}
	return nil
}

// fitResult is what fitAndSave did.
type fitResult struct {
	all       *model.History // the whole history, earlier runs' included
	keptStart bool           // the starting weights were kept
	startLoss float64        // their validation loss
}

// fitAndSave trains, runs the steps after training unless the run was
// interrupted (afterFit), and saves the model file.
func (t *trainer) fitAndSave(ds *pipeline.Batch, o model.FitOptions, es *model.EarlyStopping, validating bool, nTrain int) (fitResult, error) {
	n := ds.X.Shape[0]
	r := fitResult{startLoss: math.Inf(1)}
	var start []*tensor.Tensor
	var err error
	if t.keepStart && es != nil && validating {
		if start, r.startLoss, err = t.startLoss(ds, o, nTrain, n); err != nil {
			return r, err
		}
	}
	var hist *model.History
	if t.textBlend != nil {
		hist, err = t.fitText(ds, o)
	} else {
		hist, err = t.m.Fit(ds.X, ds.Y, o)
	}
	if err != nil {
		return r, asUser(err)
	}
	if testInterruptAfterLoop {
		t.onInterrupt()
	}
	if r.keptStart, err = t.afterFit(ds, start, r.startLoss, es, nTrain, n); err != nil {
		return r, err
	}
	r.all = mergeHistory(t.prevHist, hist)
	return r, t.save(r.all, es)
}

// afterFit runs the steps that follow Fit, each skipped when the run was
// interrupted: it keeps
// the starting weights when no epoch beat the starting fit's val_loss (and
// says so in keptStart), else blends with the forecast start; then it adds
// the text CNN blend, the baselines and the text refit where they apply.
func (t *trainer) afterFit(ds *pipeline.Batch, start []*tensor.Tensor, startLoss float64, es *model.EarlyStopping, nTrain, n int) (keptStart bool, err error) {
	if start != nil && !t.interrupted.Load() && !(es.Best < startLoss) {
		if err := t.m.SetWeights(start); err != nil {
			return keptStart, err
		}
		keptStart = true
	}
	if start != nil && !keptStart && !t.interrupted.Load() && t.fcStart != nil {
		if err := t.blendStart(); err != nil {
			return keptStart, err
		}
	}
	blendText := t.textBlend != nil && !t.interrupted.Load()
	if blendText {
		if err := t.addCNN(ds); err != nil {
			return keptStart, err
		}
	}
	if !t.interrupted.Load() {
		if err := t.baselines(ds, nTrain, n); err != nil {
			return keptStart, err
		}
	}
	if blendText {
		if err := t.refitText(ds); err != nil {
			return keptStart, err
		}
	}
	return keptStart, nil
}

// validation sets o's validation data or split and returns how many of
// ds's samples are trained on.
func (t *trainer) validation(ds *pipeline.Batch, o *model.FitOptions) (int, error) {
	c := &t.c
	n := ds.X.Shape[0]
	nTrain := n
	if ds.ValX != nil {
		o.ValidationData = &model.Dataset{X: []*tensor.Tensor{ds.ValX}, Y: []*tensor.Tensor{ds.ValY}}
	} else if c.ValidationSplit > 0 {
		o.ValidationSplit = c.ValidationSplit
		nTrain = splitAt(n, c.ValidationSplit)
		if nTrain == 0 || nTrain == n {
			return 0, userErr("--validation-split %g of %d samples leaves %d for training and %d for validation; both need at least one", c.ValidationSplit, n, nTrain, n-nTrain)
		}
	}
	return nTrain, nil
}

// unitsNote says in which units the epoch lines are, for a regression on
// scaled targets, and returns the converter to the data's units (nil: none).
func (t *trainer) unitsNote() *dataUnits {
	sc := t.p.OutputScaler()
	if sc == nil || t.p.Task != pipeline.TaskRegression {
		return nil
	}
	then := "seqnet evaluate gives the mean absolute error in the data's units"
	if t.p.Kind == pipeline.KindSeries {
		then = "after training, the model and the baselines are compared in the data's units"
	}
	units := newDataUnits(sc, t.p.Outputs)
	also := ""
	if units != nil {
		also = fmt.Sprintf("; the mae figures in brackets are in the units of `%s`", units.name)
	}
	fmt.Fprintf(t.w, "units: the epoch lines' loss and mae are in scaled units (the targets' %s scaling)%s; %s\n", sc.Kind, also, then)
	return units
}

// callbacks adds the progress lines, the tests' interruption, Ctrl-C's
// gate and early stopping (returned; nil when off) to o.
func (t *trainer) callbacks(o *model.FitOptions, nTrain int, validating bool, units *dataUnits) *model.EarlyStopping {
	c := &t.c
	prog := newProgress(t.w, c.Epochs, (nTrain+c.BatchSize-1)/c.BatchSize)
	prog.units = units
	o.Callbacks = append(o.Callbacks, prog)
	var es *model.EarlyStopping
	if patience := earlyStoppingPatience(c.EarlyStopping, c.Epochs); patience > 0 {
		es = &model.EarlyStopping{Patience: patience, RestoreBestWeights: true, Verbose: t.w}
		if !validating {
			es.Monitor = "loss"
		}
		t.resumeEarlyStopping(es)
	}
	if testInterruptAfter > 0 {
		o.Callbacks = append(o.Callbacks, &interruptAfter{n: testInterruptAfter, stop: t.stop})
	}
	if testAwaitInterrupt {
		o.Callbacks = append(o.Callbacks, &awaitInterrupt{t: t})
	}
	// The gate after the tests' callbacks (it sees their request in the
	// same batch) and before earlyStop (which needs its decision).
	o.Callbacks = append(o.Callbacks, &interruptGate{t: t, epochs: c.Epochs, es: es})
	if es != nil {
		o.Callbacks = append(o.Callbacks, earlyStop{es, &t.interrupted})
	}
	return es
}

// startLoss returns the starting weights and their validation loss, kept
// when no epoch beats them.
func (t *trainer) startLoss(ds *pipeline.Batch, o model.FitOptions, nTrain, n int) ([]*tensor.Tensor, float64, error) {
	vx, vy := ds.X.Rows(nTrain, n), ds.Y.Rows(nTrain, n)
	if o.ValidationData != nil {
		vx, vy = o.ValidationData.X[0], o.ValidationData.Y[0]
	}
	logs, err := t.m.Evaluate(vx, vy, 256)
	if err != nil {
		return nil, 0, asUser(err)
	}
	return t.m.Weights(), logs.Values["loss"], nil
}

// save writes the model file with the training settings and history all,
// and, for an interrupted run, early stopping's progress (es; nil when
// off) for --resume.
func (t *trainer) save(all *model.History, es *model.EarlyStopping) error {
	t.c.Data.WordVectors = "" // loaded into the weights; not needed again
	t.c.Interrupted = t.interrupted.Load()
	var err error
	if t.p.Train, err = json.Marshal(&t.c); err != nil {
		return err
	}
	pre, err := json.Marshal(t.p)
	if err != nil {
		return err
	}
	extra := checkpoint.Extra{Preprocessing: pre, History: all}
	if es != nil && t.c.Interrupted {
		st := es.State()
		extra.EarlyStopping = &st
	}
	if err := checkpoint.Save(t.out, t.m, extra); err != nil {
		return fmt.Errorf("saving the model: %w", err)
	}
	return nil
}

// reportKept says which epoch's weights were saved and their figures;
// hist is the whole history (earlier runs' included).
func (t *trainer) reportKept(hist *model.History, es *model.EarlyStopping, units *dataUnits, epochs int) {
	kept := len(hist.Epochs) - 1 // index in hist of the epoch whose weights are kept
	if es != nil && !math.IsInf(es.Best, 0) {
		for i, e := range hist.Epochs {
			if e == es.BestEpoch {
				kept = i
			}
		}
	}
	var metrics []string
	for _, k := range hist.Keys {
		if kept >= 0 && kept < len(hist.Metrics[k]) {
			metrics = append(metrics, fmt.Sprintf("%s %.4f", k, hist.Metrics[k][kept]))
		}
	}
	keptEpoch := epochs
	if kept >= 0 {
		keptEpoch = hist.Epochs[kept] + 1
	}
	why := "the last"
	if es != nil && !math.IsInf(es.Best, 0) { // es saw an epoch (none when resumed only to finish)
		why = "the best " + esMonitor(es)
	}
	inUnits := units.describe(hist.Keys, func(k string) (float64, bool) {
		if kept < 0 || kept >= len(hist.Metrics[k]) {
			return 0, false
		}
		return hist.Metrics[k][kept], true
	})
	if inUnits != "" {
		inUnits = "; " + inUnits
	}
	if t.blended {
		why += ", then averaged with the linear start (the figures are the epoch's)"
	}
	fmt.Fprintf(t.w, "saved %s (%d epochs trained; kept epoch %d's weights, %s: %s%s)\n", t.out, epochs, keptEpoch, why, strings.Join(metrics, ", "), inUnits)
}

// baselines prints the model beside the simple baselines on the
// validation rows (samples nTrain… of n when Fit split them), and keeps a
// series' ridge baseline for seqnet evaluate.
func (t *trainer) baselines(ds *pipeline.Batch, nTrain, n int) error {
	switch {
	case t.p.Kind == pipeline.KindSeries && ds.ValX != nil && t.p.Windowing != nil:
		r, err := fitSeriesRidge(ds.X, ds.Y, ds.ValX, ds.ValY)
		if err != nil {
			r = nil
			fmt.Fprintf(t.w, "ridge baseline not fitted: %v\n", oneLine(err.Error()))
		}
		t.p.Baseline = &pipeline.SeriesBaseline{Season: t.season, Ridge: r}
		return seriesReport(t.w, "validation", t.m, t.p, ds.ValX, ds.ValY, t.season, r)
	case (t.p.Task == pipeline.TaskBinary || t.p.Task == pipeline.TaskMulticlass) && nTrain < n && ds.ValX == nil:
		t.p.ClassBaseline = fitClassBaselines(t.p, ds.X.Rows(0, nTrain), ds.Y.Rows(0, nTrain))
		return classReport(t.w, "validation", t.m, t.p, t.p.ClassBaseline, ds.X.Rows(nTrain, n), ds.Y.Rows(nTrain, n))
	}
	return nil
}

// earlyStoppingPatience is --early-stopping's patience: the flag when
// given (0: off), else a tenth of the epoch cap, at least 5.
func earlyStoppingPatience(flagValue, epochs int) int {
	if flagValue >= 0 {
		return flagValue
	}
	return max(5, epochs/10)
}

func esMonitor(es *model.EarlyStopping) string {
	if es.Monitor == "" {
		return "val_loss"
	}
	return es.Monitor
}

// mergeHistory appends b to a (a may be nil).
func mergeHistory(a, b *model.History) *model.History {
	if a == nil || len(a.Epochs) == 0 {
		return b
	}
	if b == nil {
		return a
	}
	out := &model.History{Epochs: append(append([]int(nil), a.Epochs...), b.Epochs...), Metrics: map[string][]float64{}}
	keys := append([]string(nil), a.Keys...)
	for _, k := range b.Keys {
		found := false
		for _, k2 := range keys {
			found = found || k == k2
		}
		if !found {
			keys = append(keys, k)
		}
	}
	out.Keys = keys
	pad := func(v []float64, n int) []float64 {
		for len(v) < n {
			v = append(v, math.NaN())
		}
		return v
	}
	for _, k := range keys {
		v := pad(append([]float64(nil), a.Metrics[k]...), len(a.Epochs))
		out.Metrics[k] = append(v, pad(append([]float64(nil), b.Metrics[k]...), len(b.Epochs))...)
	}
	return out
}

// drawCurves writes MODEL-curves.png and .svg beside the model.
func drawCurves(out string, h *model.History) (string, string, error) {
	base := strings.TrimSuffix(out, filepath.Ext(out)) + "-curves"
	epochs := make([]int, len(h.Epochs))
	for i, e := range h.Epochs {
		epochs[i] = e + 1
	}
	title := "Learning curves: " + filepath.Base(out)
	for _, ext := range []string{".png", ".svg"} {
		if err := plot.LearningCurvesEpochs(base+ext, title, epochs, h.Metrics); err != nil {
			return "", "", err
		}
	}
	return base + ".png", base + ".svg", nil
}
