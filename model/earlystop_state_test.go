package model

import "testing"

// TestEarlyStoppingResume scripts the figures of TestEarlyStoppingPatienceAndRestore
// and splits them between two EarlyStopping: the second starts from the
// first's State after epoch 1 or 2 (the best epoch is 1) and must stop at
// the same epoch and restore the same weights as one run; without Resume
// it stops later and keeps other weights.
func TestEarlyStoppingResume(t *testing.T) {
	vals := []float64{0.9, 0.5, 0.495, 0.6, 0.1}
	run := func(es *EarlyStopping, from, to int) (stopped int, w float32) {
		m := smallNet(t, 1)
		m.stop = make(chan struct{}, 1)
		m.Params()[0].Value.Data[0] = float32(from)
		es.SetModel(m)
		es.OnTrainBegin()
		for e := from; e < to; e++ {
			var l Logs
			l.set("val_loss", vals[e])
			es.OnEpochEnd(e, l)
			m.Params()[0].Value.Data[0]++ // the weights move every epoch
			if m.stopRequested() {
				break
			}
		}
		es.OnTrainEnd()
		return es.StoppedEpoch, m.Params()[0].Value.Data[0]
	}
	newES := func() *EarlyStopping { return &EarlyStopping{Patience: 2, MinDelta: 0.01, RestoreBestWeights: true} }
	wantStop, wantW := run(newES(), 0, len(vals))
	if wantStop != 3 || wantW != 1 {
		t.Fatalf("one run: stopped at %d keeping weight %g; want 3 and 1", wantStop, wantW)
	}
	for _, cut := range []int{2, 3} {
		first := newES()
		run(first, 0, cut)
		st := first.State()
		if st.Monitor != "val_loss" || st.BestEpoch != 1 || st.Best != 0.5 || st.Wait != cut-2 || st.BestWeights == nil {
			t.Fatalf("cut after epoch %d: State %+v", cut, st)
		}
		second := newES()
		second.Resume = &st
		if stop, w := run(second, cut, len(vals)); stop != wantStop || w != wantW {
			t.Errorf("cut after epoch %d, resumed: stopped at %d keeping weight %g; want %d and %g", cut, stop, w, wantStop, wantW)
		}
		if stop, w := run(newES(), cut, len(vals)); stop == wantStop && w == wantW {
			t.Errorf("cut after epoch %d, started afresh: same result as one run; the test cannot tell", cut)
		}
	}
}
