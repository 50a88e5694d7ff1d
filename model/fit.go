package model

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/seqnet/seqnet/losses"
	"github.com/seqnet/seqnet/tensor"
)

// FitOptions are the arguments of Keras' model.fit.
type FitOptions struct {
	// Epochs is the index of the final epoch, as in Keras: training runs
	// epochs InitialEpoch … Epochs-1.
	Epochs int
	// BatchSize defaults to 32.
	BatchSize int
	// NoShuffle turns off the per-epoch shuffle (Keras' shuffle=False).
	NoShuffle bool
	// ValidationSplit takes the last fraction of the samples, before any
	// shuffling, for validation, as Keras does.
	ValidationSplit float64
	// ValidationData is used for validation instead of a split.
	ValidationData *Dataset
	// InitialEpoch starts counting epochs there.
	InitialEpoch int
	// Resume continues where the last Fit on this model (or the training
	// state loaded with it) stopped: same epoch, same batch, same shuffle
	// and dropout random stream, so that interrupted-and-resumed training
	// equals uninterrupted training. Epochs is still the final epoch.
	Resume    bool
	Callbacks []Callback
	// Verbose, when not nil, receives one line per epoch.
	Verbose io.Writer
}

// Fit trains a single-input, single-output model on x and y.
func (m *Model) Fit(x, y *tensor.Tensor, o FitOptions) (*History, error) {
	return m.FitData(Dataset{X: []*tensor.Tensor{x}, Y: []*tensor.Tensor{y}}, o)
}

// FitData trains on a Dataset (several inputs or outputs), as Keras'
// model.fit: startFit checks the data and options and readies the
// training state, then each epoch runs its batches (fitEpoch) and ends
// with validation, the history and the callbacks (endEpoch).
func (m *Model) FitData(d Dataset, o FitOptions) (*History, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, err := m.startFit(d, o)
	if err != nil {
		return nil, err
	}
	hist := &History{}
	for _, cb := range o.Callbacks {
		cb.SetModel(m)
		cb.OnTrainBegin()
	}
	for epoch := f.first; epoch < f.o.Epochs; epoch++ {
		acc, stopped := m.fitEpoch(f, epoch)
		if stopped {
			break
		}
		if err := m.endEpoch(f, epoch, acc, hist); err != nil {
			return hist, err
		}
		if m.stopRequested() {
			break
		}
	}
	for _, cb := range o.Callbacks {
		cb.OnTrainEnd()
	}
	return hist, nil
}

// fitRun is one Fit's checked options and working state.
type fitRun struct {
	o          FitOptions
	train      Dataset
	val        *Dataset // nil without validation
	metrics    [][]losses.Metric
	rng        *rand.Rand
	n, batches int // training samples, batches per epoch
	first      int // the epoch to start at
	bufs       *batchBuffers
}

// startFit checks the data and the options (checkFit) and readies the
// training state: the training runner, the stop channel, the random
// stream, and the epoch to start at (the saved one when resuming).
func (m *Model) startFit(d Dataset, o FitOptions) (*fitRun, error) {
	if o.BatchSize == 0 {
		o.BatchSize = 32
	}
	train, val, err := m.checkFit(d, o)
	if err != nil {
		return nil, err
	}
	metrics, err := m.metrics(train)
	if err != nil {
		return nil, err
	}
	if m.train == nil {
		m.train = &runner{m: m, training: true}
	}
	m.stop = make(chan struct{}, 1)
	st := &m.state
	if st.pcg == nil {
		st.pcg = rand.NewPCG(m.Seed, 0xf17)
	}
	n := train.X[0].Shape[0]
	f := &fitRun{o: o, train: train, val: val, metrics: metrics, rng: rand.New(st.pcg),
		n: n, batches: (n + o.BatchSize - 1) / o.BatchSize, first: o.InitialEpoch,
		bufs: newBatchBuffers(train, o.BatchSize)}
	if o.Resume {
		f.first = st.Epoch
	}
	if st.Batch > 0 && (len(st.Order) != n || !o.Resume) {
		// A partial epoch from another data set or without Resume is dropped.
		st.Batch, st.Order = 0, nil
	}
	return f, nil
}

// checkFit checks what Fit is given, in Keras' order, and splits off the
// validation rows: it returns the training and validation data.
func (m *Model) checkFit(d Dataset, o FitOptions) (train Dataset, val *Dataset, err error) {
	if err := m.ensureBuilt(d.X); err != nil {
		return d, nil, err
	}
	if !m.compiled {
		return d, nil, errors.New("fit: the model is not compiled: call Compile with a loss and an optimizer first")
	}
	if err := m.checkData("fit", d, true); err != nil {
		return d, nil, err
	}
	if o.Epochs <= 0 {
		return d, nil, fmt.Errorf("fit: epochs must be positive, received %d", o.Epochs)
	}
	if o.InitialEpoch < 0 || o.InitialEpoch > o.Epochs {
		return d, nil, fmt.Errorf("fit: initial_epoch %d must be between 0 and epochs %d", o.InitialEpoch, o.Epochs)
	}
	if o.BatchSize < 0 {
		return d, nil, fmt.Errorf("fit: batch_size must be positive, received %d", o.BatchSize)
	}
	if err := m.checkMemory("fit", min(o.BatchSize, d.X[0].Shape[0]), true); err != nil {
		return d, nil, err
	}
	train, val = d, o.ValidationData
	if o.ValidationSplit != 0 {
		if !(o.ValidationSplit > 0 && o.ValidationSplit < 1) { // NaN too
			return d, nil, fmt.Errorf("fit: validation_split must be in [0, 1), received %g", o.ValidationSplit)
		}
		n := d.X[0].Shape[0]
		// Keras: split_at = int(n * (1 - validation_split)).
		split := int(float64(n) * (1 - o.ValidationSplit))
		if split == 0 || split == n {
			return d, nil, fmt.Errorf("fit: validation_split %g of %d samples leaves %d for training and %d for validation; both need at least one",
				o.ValidationSplit, n, split, n-split)
		}
		train, val = sliceData(d, 0, split), ptr(sliceData(d, split, n))
	}
	if val != nil {
		if err := m.checkData("validation", *val, true); err != nil {
			return d, nil, err
		}
	}
	return train, val, nil
}

// fitEpoch runs the batches of one epoch, from where an interrupted one
// stopped when resuming, and returns their figures. stopped reports that
// Stop ended the epoch early; the place is then saved in the training
// state for Resume.
func (m *Model) fitEpoch(f *fitRun, epoch int) (acc *accumulator, stopped bool) {
	st := &m.state
	acc = newAccumulator(f.metrics)
	startBatch := 0
	if st.Batch > 0 {
		// Resuming inside an epoch: same order, same partial sums.
		startBatch = st.Batch
		acc.restore(st.Partial)
	} else {
		st.Order = identity(st.Order, f.n)
		if !f.o.NoShuffle {
			f.rng.Shuffle(f.n, func(i, j int) { st.Order[i], st.Order[j] = st.Order[j], st.Order[i] })
		}
	}
	for _, cb := range f.o.Callbacks {
		cb.OnEpochBegin(epoch)
	}
	for b := startBatch; b < f.batches; b++ {
		lo, hi := b*f.o.BatchSize, min((b+1)*f.o.BatchSize, f.n)
		xs, ys := f.bufs.gather(f.train, st.Order[lo:hi])
		loss := m.trainStep(xs, ys, f.rng, acc, f.metrics)
		acc.addLoss(loss, hi-lo)
		if len(f.o.Callbacks) > 0 {
			logs := acc.logs("")
			for _, cb := range f.o.Callbacks {
				cb.OnBatchEnd(b, logs)
			}
		}
		if b+1 < f.batches && m.stopRequested() {
			st.Epoch, st.Batch, st.Partial = epoch, b+1, acc.snapshot()
			return acc, true
		}
	}
	return acc, false
}

// endEpoch completes an epoch: the validation figures, a check that the
// loss is finite, the training state, the history, the verbose line and
// the callbacks.
func (m *Model) endEpoch(f *fitRun, epoch int, acc *accumulator, hist *History) error {
	st := &m.state
	st.Batch, st.Partial = 0, nil
	logs := acc.logs("")
	if f.val != nil {
		vl, err := m.evaluate(*f.val, f.o.BatchSize, f.metrics)
		if err != nil {
			return err
		}
		for _, k := range vl.Keys {
			logs.set("val_"+k, vl.Values[k])
		}
	}
	if math.IsNaN(logs.Values["loss"]) || math.IsInf(logs.Values["loss"], 0) {
		return fmt.Errorf("fit: the loss became %v at epoch %d: lower the learning rate, scale the inputs, or check the data for extreme values",
			logs.Values["loss"], epoch+1)
	}
	st.Epoch = epoch + 1
	hist.add(epoch, logs)
	if f.o.Verbose != nil {
		fmt.Fprintf(f.o.Verbose, "Epoch %d/%d - %s\n", epoch+1, f.o.Epochs, logs)
	}
	for _, cb := range f.o.Callbacks {
		cb.OnEpochEnd(epoch, logs)
	}
	return nil
}

func identity(s []int, n int) []int {
	if len(s) != n {
		s = make([]int, n)
	}
	for i := range s {
		s[i] = i
	}
	return s
}

func ptr[T any](v T) *T { return &v }

// Stop asks a running Fit to end after the current batch; safe from any
// goroutine (a signal handler, a callback).
func (m *Model) Stop() {
	if m.stop != nil {
		select {
		case m.stop <- struct{}{}:
		default:
		}
	}
}

func (m *Model) stopRequested() bool {
	select {
	case <-m.stop:
		return true
	default:
		return false
	}
}

// trainStep runs forward, loss, backward and the optimizer on one batch
// and returns the batch's loss (with regularization penalties).
func (m *Model) trainStep(xs, ys []*tensor.Tensor, rng *rand.Rand, acc *accumulator, metrics [][]losses.Metric) float64 {
	e := m.train.get(xs[0].Shape[0])
	outs := e.forward(xs, rng)
	e.zeroGrads(m.params)
	var loss float64
	gs := e.outputGrads()
	for i, out := range outs {
		loss += m.lossFor(i).Compute(ys[i], out, gs[i])
		acc.measure(i, ys[i], out, metrics)
	}
	for _, p := range m.params {
		if p.Regularizer != nil && p.Grad != nil {
			loss += p.Regularizer.Penalty(p.Value, p.Grad)
		}
	}
	e.backward()
	m.opt.Step(m.params)
	return loss
}

// TrainOnBatch runs one training step on x and y (one batch) and returns
// the loss, as Keras' model.train_on_batch. The data is checked as Fit
// checks it; buffers are reused between calls.
func (m *Model) TrainOnBatch(x, y *tensor.Tensor) (float64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.batchXY == nil {
		m.batchXY = make([]*tensor.Tensor, 2)
	}
	m.batchXY[0], m.batchXY[1] = x, y
	xs, ys := m.batchXY[:1], m.batchXY[1:]
	if err := m.ensureBuilt(xs); err != nil {
		return 0, err
	}
	if !m.compiled {
		return 0, errors.New("train_on_batch: the model is not compiled: call Compile with a loss and an optimizer first")
	}
	d := Dataset{X: xs, Y: ys}
	if err := m.checkData("train_on_batch", d, true); err != nil {
		return 0, err
	}
	if m.train == nil {
		m.train = &runner{m: m, training: true}
	}
	if m.state.pcg == nil {
		m.state.pcg = rand.NewPCG(m.Seed, 0xf17)
	}
	if m.batchRNG == nil {
		m.batchRNG = rand.New(m.state.pcg)
		metrics, err := m.metrics(d)
		if err != nil {
			return 0, err
		}
		m.batchMetrics, m.batchAcc = metrics, newAccumulator(metrics)
	}
	return m.trainStep(xs, ys, m.batchRNG, m.batchAcc, m.batchMetrics), nil
}
