package model

import (
	"math"
	"testing"

	"github.com/seqnet/seqnet/tensor"
)

// feed drives a callback with a scripted series of val_loss values.
func feed(cb Callback, m *Model, vals []float64) {
	cb.SetModel(m)
	cb.OnTrainBegin()
	for e, v := range vals {
		cb.OnEpochBegin(e)
		var l Logs
		l.set("val_loss", v)
		cb.OnEpochEnd(e, l)
		if m.stopRequested() {
			break
		}
	}
	cb.OnTrainEnd()
}

func TestEarlyStoppingPatienceAndRestore(t *testing.T) {
	m := smallNet(t, 1)
	m.stop = make(chan struct{}, 1)
	es := &EarlyStopping{Patience: 2, MinDelta: 0.01, RestoreBestWeights: true}
	// Best at epoch 1 (0.5); 0.495 is not better by min_delta; stop at epoch 3.
	var snap []float32
	cb := &EpochFunc{F: func(epoch int, _ Logs) {
		if epoch == 1 {
			snap = append([]float32(nil), m.Params()[0].Value.Data...)
		}
		m.Params()[0].Value.Data[0] += 1 // the weights move every epoch
	}}
	vals := []float64{0.9, 0.5, 0.495, 0.6, 0.1}
	cb.SetModel(m)
	es.SetModel(m)
	es.OnTrainBegin()
	for e, v := range vals {
		var l Logs
		l.set("val_loss", v)
		es.OnEpochEnd(e, l)
		cb.OnEpochEnd(e, l)
		if m.stopRequested() {
			break
		}
	}
	es.OnTrainEnd()
	if es.StoppedEpoch != 3 || es.BestEpoch != 1 || es.Best != 0.5 {
		t.Errorf("stopped at %d, best epoch %d (%g); want 3, 1 (0.5)", es.StoppedEpoch, es.BestEpoch, es.Best)
	}
	// Restored weights are those seen at the end of epoch 1, before the
	// epoch-1 move of the scripted callback.
	if got := m.Params()[0].Value.Data[0]; got != snap[0] {
		t.Errorf("restored weight %g, want %g", got, snap[0])
	}
}

func TestReduceLROnPlateau(t *testing.T) {
	m := smallNet(t, 1)
	m.stop = make(chan struct{}, 1)
	r := NewReduceLROnPlateau()
	r.Patience, r.Factor, r.MinLR = 2, 0.5, 0.003
	feed(r, m, []float64{1, 0.9, 0.95, 0.92, 0.91, 0.93, 0.94})
	// lr 0.01 → 0.005 after epochs 2,3 → 0.003 (min_lr) after 4,5.
	if lr := m.Optimizer().LearningRate(); lr != 0.003 {
		t.Errorf("learning rate %g, want 0.003", lr)
	}
}

func TestLearningRateSchedulerInFit(t *testing.T) {
	x, y := data(7, 32)
	m := smallNet(t, 1)
	var seen []float64
	s := &LearningRateScheduler{Schedule: func(epoch int, lr float64) float64 { return 0.1 / float64(epoch+1) }}
	rec := &EpochFunc{F: func(int, Logs) { seen = append(seen, m.Optimizer().LearningRate()) }}
	if _, err := m.Fit(x, y, FitOptions{Epochs: 3, Callbacks: []Callback{s, rec}}); err != nil {
		t.Fatal(err)
	}
	want := []float64{0.1, 0.05, 0.1 / 3}
	for i := range want {
		if seen[i] != want[i] {
			t.Errorf("epoch %d lr %g, want %g", i, seen[i], want[i])
		}
	}
}

func TestEarlyStoppingStopsFit(t *testing.T) {
	x, y := data(8, 64)
	m := smallNet(t, 1)
	es := &EarlyStopping{Monitor: "loss", Patience: 1, MinDelta: 1e9} // nothing counts as improvement
	h, err := m.Fit(x, y, FitOptions{Epochs: 50, Callbacks: []Callback{es}})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Epochs) != 2 {
		t.Errorf("trained %d epochs, want 2 (first sets the best, second exhausts patience 1)", len(h.Epochs))
	}
}

// TestEarlyStoppingRestoresBestEpochInFit trains with validation targets
// that the training pulls past (0.3 × the training relation): val_loss
// falls, then rises, so the best epoch is neither the first nor the last.
// After Fit the weights must be those recorded at the end of the epoch
// with the smallest val_loss, and evaluating on the validation data must
// give that epoch's val_loss.
func TestEarlyStoppingRestoresBestEpochInFit(t *testing.T) {
	x, y := data(1, 96)
	vx, vy := data(2, 32)
	for i := range vy.Data {
		vy.Data[i] *= 0.3
	}
	m := smallNet(t, 3)
	var seen [][]float32
	rec := &EpochFunc{F: func(int, Logs) {
		var w []float32
		for _, p := range m.Params() {
			w = append(w, p.Value.Data...)
		}
		seen = append(seen, w)
	}}
	es := &EarlyStopping{Patience: 5, RestoreBestWeights: true}
	h, err := m.Fit(x, y, FitOptions{Epochs: 200, BatchSize: 16, ValidationData: &Dataset{X: []*tensor.Tensor{vx}, Y: []*tensor.Tensor{vy}},
		Callbacks: []Callback{rec, es}})
	if err != nil {
		t.Fatal(err)
	}
	vl := h.Metrics["val_loss"]
	best := 0
	for e := range vl {
		if vl[e] < vl[best] {
			best = e
		}
	}
	if best == 0 || best == len(vl)-1 || len(vl) == 200 {
		t.Fatalf("setup: val_loss %v has its best at epoch %d of %d; want a stop after a minimum in the middle", vl, best, len(vl))
	}
	if es.BestEpoch != best {
		t.Errorf("EarlyStopping.BestEpoch %d, want %d", es.BestEpoch, best)
	}
	var now []float32
	for _, p := range m.Params() {
		now = append(now, p.Value.Data...)
	}
	for i := range now {
		if now[i] != seen[best][i] {
			t.Fatalf("weight %d is %g after Fit, want %g (epoch %d, the best); the last epoch had %g", i, now[i], seen[best][i], best+1, seen[len(seen)-1][i])
		}
	}
	logs, err := m.Evaluate(vx, vy, 16)
	if err != nil {
		t.Fatal(err)
	}
	if got := logs.Values["loss"]; math.Abs(got-vl[best]) > 1e-5*math.Max(1, vl[best]) {
		t.Errorf("validation loss after Fit %g, want the best epoch's %g", got, vl[best])
	}
}
