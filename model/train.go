package model

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/losses"
	"github.com/seqnet/seqnet/optimizers"
	"github.com/seqnet/seqnet/tensor"
)

// CompileOptions are the arguments of Keras' model.compile.
type CompileOptions struct {
	// Optimizer is an optimizer value; when nil, OptimizerName is looked
	// up ("adam" when empty) with LearningRate (its default when 0).
	Optimizer     optimizers.Optimizer
	OptimizerName string
	LearningRate  float64
	// Loss is a loss value, or LossName a Keras loss name. One loss serves
	// every output; Losses gives one per output.
	Loss     losses.Loss
	LossName string
	Losses   []losses.Loss
	// Metrics are Keras metric names: "accuracy", "mae", "mse".
	Metrics []string
}

// Compile sets the optimizer, loss and metrics, as model.compile.
func (m *Model) Compile(o CompileOptions) error {
	opt := o.Optimizer
	if opt == nil {
		name := o.OptimizerName
		if name == "" {
			name = "adam"
		}
		var err error
		if opt, err = optimizers.Get(name, o.LearningRate); err != nil {
			return err
		}
	}
	ls := o.Losses
	if ls == nil {
		l := o.Loss
		if l == nil {
			if o.LossName == "" {
				return errors.New("compile: no loss given: set Loss or LossName (e.g. \"mse\", \"mae\", \"binary_crossentropy\")")
			}
			var err error
			if l, err = losses.Get(o.LossName); err != nil {
				return err
			}
		}
		ls = []losses.Loss{l}
	}
	for _, name := range o.Metrics {
		if _, err := losses.GetMetric(name, ls[0], []int{1, 1}, []int{1, 1}); err != nil {
			return err
		}
	}
	m.opt, m.loss, m.metricSpec, m.compiled = opt, ls, o.Metrics, true
	return nil
}

// Optimizer returns the compiled optimizer.
func (m *Model) Optimizer() optimizers.Optimizer { return m.opt }

// Loss returns the loss of output i.
func (m *Model) lossFor(i int) losses.Loss {
	if len(m.loss) == 1 {
		return m.loss[0]
	}
	return m.loss[i]
}

// History is what Fit returns: one value per epoch for the loss and each
// metric, with "val_" ones for validation data, as Keras' History.history.
type History struct {
	Epochs []int
	// Keys lists the series in the order Keras prints them.
	Keys    []string
	Metrics map[string][]float64
}

func (h *History) add(epoch int, logs Logs) {
	h.Epochs = append(h.Epochs, epoch)
	if h.Metrics == nil {
		h.Metrics = map[string][]float64{}
	}
	for _, k := range logs.Keys {
		if _, ok := h.Metrics[k]; !ok {
			h.Keys = append(h.Keys, k)
		}
		h.Metrics[k] = append(h.Metrics[k], logs.Values[k])
	}
}

// Last returns the last value of a series (NaN when absent).
func (h *History) Last(key string) float64 {
	s := h.Metrics[key]
	if len(s) == 0 {
		return math.NaN()
	}
	return s[len(s)-1]
}

// Logs are the figures of a batch or an epoch, in order.
type Logs struct {
	Keys   []string
	Values map[string]float64
}

func (l *Logs) set(k string, v float64) {
	if l.Values == nil {
		l.Values = map[string]float64{}
	}
	if _, ok := l.Values[k]; !ok {
		l.Keys = append(l.Keys, k)
	}
	l.Values[k] = v
}

// String formats the logs as Keras' progress line does.
func (l Logs) String() string {
	parts := make([]string, len(l.Keys))
	for i, k := range l.Keys {
		parts[i] = fmt.Sprintf("%s: %.4f", k, l.Values[k])
	}
	return strings.Join(parts, " - ")
}

// Dataset is inputs and targets, one tensor per model input and output,
// samples along the first axis.
type Dataset struct {
	X, Y []*tensor.Tensor
}

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

// FitData trains on a Dataset (several inputs or outputs).
func (m *Model) FitData(d Dataset, o FitOptions) (*History, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.ensureBuilt(d.X); err != nil {
		return nil, err
	}
	if !m.compiled {
		return nil, errors.New("fit: the model is not compiled: call Compile with a loss and an optimizer first")
	}
	if err := m.checkData("fit", d, true); err != nil {
		return nil, err
	}
	if o.Epochs <= 0 {
		return nil, fmt.Errorf("fit: epochs must be positive, received %d", o.Epochs)
	}
	if o.InitialEpoch < 0 || o.InitialEpoch > o.Epochs {
		return nil, fmt.Errorf("fit: initial_epoch %d must be between 0 and epochs %d", o.InitialEpoch, o.Epochs)
	}
	if o.BatchSize == 0 {
		o.BatchSize = 32
	}
	if o.BatchSize < 0 {
		return nil, fmt.Errorf("fit: batch_size must be positive, received %d", o.BatchSize)
	}
	if err := m.checkMemory("fit", min(o.BatchSize, d.X[0].Shape[0]), true); err != nil {
		return nil, err
	}
	train, val := d, o.ValidationData
	if o.ValidationSplit != 0 {
		if !(o.ValidationSplit > 0 && o.ValidationSplit < 1) { // NaN too
			return nil, fmt.Errorf("fit: validation_split must be in [0, 1), received %g", o.ValidationSplit)
		}
		n := d.X[0].Shape[0]
		// Keras: split_at = int(n * (1 - validation_split)).
		split := int(float64(n) * (1 - o.ValidationSplit))
		if split == 0 || split == n {
			return nil, fmt.Errorf("fit: validation_split %g of %d samples leaves %d for training and %d for validation; both need at least one",
				o.ValidationSplit, n, split, n-split)
		}
		train, val = sliceData(d, 0, split), ptr(sliceData(d, split, n))
	}
	if val != nil {
		if err := m.checkData("validation", *val, true); err != nil {
			return nil, err
		}
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
	rng := rand.New(st.pcg)
	n := train.X[0].Shape[0]
	batches := (n + o.BatchSize - 1) / o.BatchSize
	first := o.InitialEpoch
	if o.Resume {
		first = st.Epoch
	}
	if st.Batch > 0 && (len(st.Order) != n || !o.Resume) {
		// A partial epoch from another data set or without Resume is dropped.
		st.Batch, st.Order = 0, nil
	}
	bufs := newBatchBuffers(train, o.BatchSize)
	hist := &History{}
	for _, cb := range o.Callbacks {
		cb.SetModel(m)
		cb.OnTrainBegin()
	}
	for epoch := first; epoch < o.Epochs; epoch++ {
		acc := newAccumulator(metrics)
		startBatch := 0
		if st.Batch > 0 {
			// Resuming inside an epoch: same order, same partial sums.
			startBatch = st.Batch
			acc.restore(st.Partial)
		} else {
			st.Order = identity(st.Order, n)
			if !o.NoShuffle {
				rng.Shuffle(n, func(i, j int) { st.Order[i], st.Order[j] = st.Order[j], st.Order[i] })
			}
		}
		for _, cb := range o.Callbacks {
			cb.OnEpochBegin(epoch)
		}
		stopped := false
		for b := startBatch; b < batches; b++ {
			lo, hi := b*o.BatchSize, min((b+1)*o.BatchSize, n)
			xs, ys := bufs.gather(train, st.Order[lo:hi])
			loss := m.trainStep(xs, ys, rng, acc, metrics)
			acc.addLoss(loss, hi-lo)
			if len(o.Callbacks) > 0 {
				logs := acc.logs("")
				for _, cb := range o.Callbacks {
					cb.OnBatchEnd(b, logs)
				}
			}
			if b+1 < batches && m.stopRequested() {
				st.Epoch, st.Batch, st.Partial = epoch, b+1, acc.snapshot()
				stopped = true
				break
			}
		}
		if stopped {
			break
		}
		st.Batch, st.Partial = 0, nil
		logs := acc.logs("")
		if val != nil {
			vl, err := m.evaluate(*val, o.BatchSize, metrics)
			if err != nil {
				return hist, err
			}
			for _, k := range vl.Keys {
				logs.set("val_"+k, vl.Values[k])
			}
		}
		if math.IsNaN(logs.Values["loss"]) || math.IsInf(logs.Values["loss"], 0) {
			return hist, fmt.Errorf("fit: the loss became %v at epoch %d: lower the learning rate, scale the inputs, or check the data for extreme values",
				logs.Values["loss"], epoch+1)
		}
		st.Epoch = epoch + 1
		hist.add(epoch, logs)
		if o.Verbose != nil {
			fmt.Fprintf(o.Verbose, "Epoch %d/%d - %s\n", epoch+1, o.Epochs, logs)
		}
		for _, cb := range o.Callbacks {
			cb.OnEpochEnd(epoch, logs)
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

// Evaluate returns the loss and metrics on x and y, as model.evaluate.
func (m *Model) Evaluate(x, y *tensor.Tensor, batchSize int) (Logs, error) {
	return m.EvaluateData(Dataset{X: []*tensor.Tensor{x}, Y: []*tensor.Tensor{y}}, batchSize)
}

// EvaluateData is Evaluate for several inputs or outputs.
func (m *Model) EvaluateData(d Dataset, batchSize int) (Logs, error) {
	if err := m.ensureBuilt(d.X); err != nil {
		return Logs{}, err
	}
	if !m.compiled {
		return Logs{}, errors.New("evaluate: the model is not compiled: call Compile first")
	}
	if err := m.checkData("evaluate", d, true); err != nil {
		return Logs{}, err
	}
	metrics, err := m.metrics(d)
	if err != nil {
		return Logs{}, err
	}
	if batchSize <= 0 {
		batchSize = 32
	}
	if err := m.checkMemory("evaluate", min(batchSize, d.X[0].Shape[0]), false); err != nil {
		return Logs{}, err
	}
	return m.evaluate(d, batchSize, metrics)
}

func (m *Model) evaluate(d Dataset, batchSize int, metrics [][]losses.Metric) (Logs, error) {
	r := m.inference()
	defer m.pool.put(r)
	acc := newAccumulator(metrics)
	n := d.X[0].Shape[0]
	for lo := 0; lo < n; lo += batchSize {
		hi := min(lo+batchSize, n)
		xs := make([]*tensor.Tensor, len(d.X))
		for i, x := range d.X {
			xs[i] = x.Rows(lo, hi)
		}
		outs := r.get(hi-lo).forward(xs, nil)
		var loss float64
		for i, out := range outs {
			y := d.Y[i].Rows(lo, hi)
			loss += m.lossFor(i).Compute(y, out, nil)
			acc.measure(i, y, out, metrics)
		}
		acc.addLoss(loss, hi-lo)
	}
	return acc.logs(""), nil
}

// Predict runs a single-input, single-output model on x in batches
// (default 32), as model.predict. It is safe to call from many goroutines
// at once.
func (m *Model) Predict(x *tensor.Tensor, batchSize int) (*tensor.Tensor, error) {
	out, err := m.PredictMulti([]*tensor.Tensor{x}, batchSize)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// PredictMulti is Predict for several inputs or outputs.
func (m *Model) PredictMulti(xs []*tensor.Tensor, batchSize int) ([]*tensor.Tensor, error) {
	if !m.Built() {
		m.mu.Lock()
		err := m.ensureBuilt(xs)
		m.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	if err := m.checkData("predict", Dataset{X: xs}, false); err != nil {
		return nil, err
	}
	if batchSize <= 0 {
		batchSize = 32
	}
	n := xs[0].Shape[0]
	if err := m.checkMemory("predict", min(batchSize, n), false); err != nil {
		return nil, err
	}
	r := m.inference()
	defer m.pool.put(r)
	res := make([]*tensor.Tensor, len(m.outputs))
	for i, o := range m.outputs {
		res[i] = tensor.New(append([]int{n}, o.Shape...)...)
	}
	in := make([]*tensor.Tensor, len(xs))
	for lo := 0; lo < n; lo += batchSize {
		hi := min(lo+batchSize, n)
		for i, x := range xs {
			in[i] = x.Rows(lo, hi)
		}
		outs := r.get(hi-lo).forward(in, nil)
		for i, out := range outs {
			per := len(out.Data) / (hi - lo)
			copy(res[i].Data[lo*per:hi*per], out.Data)
		}
	}
	return res, nil
}

// inference takes an idle inference runner (see runnerList.put).
func (m *Model) inference() *runner { return m.pool.get(m) }

// ensureBuilt builds a Sequential model from the data's shape.
func (m *Model) ensureBuilt(xs []*tensor.Tensor) error {
	if m.Built() {
		return nil
	}
	if len(m.pending) == 0 {
		return errors.New("the model has no layers")
	}
	if len(xs) != 1 || xs[0] == nil || len(xs[0].Shape) < 2 {
		return errors.New("the model has no input shape yet: start it with layers.Input(shape) or pass a batch of samples (samples first)")
	}
	return m.Build(xs[0].Shape[1:]...)
}

// metrics resolves the compiled metric names per output against the data.
func (m *Model) metrics(d Dataset) ([][]losses.Metric, error) {
	res := make([][]losses.Metric, len(m.outputs))
	for i, o := range m.outputs {
		for _, name := range m.metricSpec {
			met, err := losses.GetMetric(name, m.lossFor(i), d.Y[i].Shape[1:], o.Shape)
			if err == nil {
				err = losses.CheckMetric(met, d.Y[i].Shape, o.Shape)
			}
			if err != nil {
				return nil, err
			}
			res[i] = append(res[i], met)
		}
	}
	return res, nil
}

// accumulator averages the loss and metrics over an epoch by samples.
type accumulator struct {
	lossSum, lossN float64
	sums, counts   [][]float64
	names          [][]string
}

func newAccumulator(metrics [][]losses.Metric) *accumulator {
	a := &accumulator{}
	multi := len(metrics) > 1
	for i, ms := range metrics {
		a.sums = append(a.sums, make([]float64, len(ms)))
		a.counts = append(a.counts, make([]float64, len(ms)))
		var names []string
		for _, m := range ms {
			n := m.Name()
			if multi {
				n = fmt.Sprintf("output_%d_%s", i, n)
			}
			names = append(names, n)
		}
		a.names = append(a.names, names)
	}
	return a
}

// snapshot copies the partial sums of an interrupted epoch.
func (a *accumulator) snapshot() []float64 {
	out := []float64{a.lossSum, a.lossN}
	for i := range a.sums {
		out = append(out, a.sums[i]...)
		out = append(out, a.counts[i]...)
	}
	return out
}

// restore loads sums saved by snapshot (ignored if they do not fit).
func (a *accumulator) restore(v []float64) {
	need := 2
	for i := range a.sums {
		need += 2 * len(a.sums[i])
	}
	if len(v) != need {
		return
	}
	a.lossSum, a.lossN = v[0], v[1]
	k := 2
	for i := range a.sums {
		k += copy(a.sums[i], v[k:])
		k += copy(a.counts[i], v[k:])
	}
}

func (a *accumulator) addLoss(l float64, n int) {
	a.lossSum += l * float64(n)
	a.lossN += float64(n)
}

func (a *accumulator) measure(out int, y, p *tensor.Tensor, metrics [][]losses.Metric) {
	for j, m := range metrics[out] {
		s, c := m.Measure(y, p)
		a.sums[out][j] += s
		a.counts[out][j] += c
	}
}

func (a *accumulator) logs(prefix string) Logs {
	var l Logs
	l.set(prefix+"loss", a.lossSum/a.lossN)
	for i := range a.names {
		for j, n := range a.names[i] {
			l.set(prefix+n, a.sums[i][j]/a.counts[i][j])
		}
	}
	return l
}

// batchBuffers gathers shuffled samples into reused batch tensors.
type batchBuffers struct {
	x, y   [][]*tensor.Tensor // per input: the full-batch and last-batch tensors
	xs, ys []*tensor.Tensor   // the slices handed out, reused
}

func newBatchBuffers(d Dataset, batch int) *batchBuffers {
	return &batchBuffers{x: make([][]*tensor.Tensor, len(d.X)), y: make([][]*tensor.Tensor, len(d.Y)),
		xs: make([]*tensor.Tensor, len(d.X)), ys: make([]*tensor.Tensor, len(d.Y))}
}

func gatherInto(bufs []*tensor.Tensor, src *tensor.Tensor, idx []int) (*tensor.Tensor, []*tensor.Tensor) {
	var t *tensor.Tensor
	for _, b := range bufs {
		if b.Shape[0] == len(idx) {
			t = b
		}
	}
	if t == nil {
		t = tensor.New(append([]int{len(idx)}, src.Shape[1:]...)...)
		bufs = append(bufs, t)
	}
	inner := len(src.Data) / src.Shape[0]
	for i, j := range idx {
		copy(t.Data[i*inner:(i+1)*inner], src.Data[j*inner:(j+1)*inner])
	}
	return t, bufs
}

func (b *batchBuffers) gather(d Dataset, idx []int) (xs, ys []*tensor.Tensor) {
	xs, ys = b.xs, b.ys
	for i, x := range d.X {
		xs[i], b.x[i] = gatherInto(b.x[i], x, idx)
	}
	for i, y := range d.Y {
		ys[i], b.y[i] = gatherInto(b.y[i], y, idx)
	}
	return xs, ys
}

func sliceData(d Dataset, lo, hi int) Dataset {
	var r Dataset
	for _, x := range d.X {
		r.X = append(r.X, x.Rows(lo, hi))
	}
	for _, y := range d.Y {
		r.Y = append(r.Y, y.Rows(lo, hi))
	}
	return r
}

// checkData validates a Dataset against the model: counts, shapes, sample
// counts and finite values, with messages that say how to fix them.
func (m *Model) checkData(what string, d Dataset, targets bool) error {
	if len(d.X) != len(m.inputs) {
		return fmt.Errorf("%s: the model has %d input(s), received %d", what, len(m.inputs), len(d.X))
	}
	n := -1
	for i, x := range d.X {
		if x == nil || len(x.Data) == 0 || len(x.Shape) == 0 || x.Shape[0] == 0 {
			return fmt.Errorf("%s: input %d is empty: expected at least one sample", what, i)
		}
		want := m.inputs[i].outShapes[0]
		if !tensor.SameShape(x.Shape[1:], want) {
			return fmt.Errorf("%s: input %d has shape %s, the model expects %s%s", what, i,
				tensor.ShapeString(x.Shape, false), tensor.ShapeString(want, true), shapeHint(x.Shape, want))
		}
		if n >= 0 && x.Shape[0] != n {
			return fmt.Errorf("%s: inputs have different sample counts (%d and %d)", what, n, x.Shape[0])
		}
		n = x.Shape[0]
		if err := checkFinite(what, "input", i, x); err != nil {
			return err
		}
		if err := m.checkIndices(what, i, x); err != nil {
			return err
		}
	}
	if !targets {
		return nil
	}
	if len(d.Y) != len(m.outputs) {
		return fmt.Errorf("%s: the model has %d output(s), received %d target array(s)", what, len(m.outputs), len(d.Y))
	}
	for i, y := range d.Y {
		if y == nil || len(y.Shape) == 0 {
			return fmt.Errorf("%s: target %d is empty", what, i)
		}
		if y.Shape[0] != n {
			return fmt.Errorf("%s: x has %d samples but y has %d: each input sample needs exactly one target", what, n, y.Shape[0])
		}
		if err := checkFinite(what, "target", i, y); err != nil {
			return err
		}
		pred := m.outputs[i].Shape
		if err := m.lossFor(i).Check(y.Shape, pred); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if m.lossFor(i).Name() == "sparse_categorical_crossentropy" {
			if err := losses.CheckLabels(y.Data, pred[len(pred)-1]); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
		}
	}
	return nil
}

func checkFinite(what, kind string, index int, t *tensor.Tensor) error {
	for j, v := range t.Data {
		// v-v is 0 for finite values and NaN for NaN and ±Inf.
		if v-v != 0 {
			inner := len(t.Data) / t.Shape[0]
			return fmt.Errorf("%s: %s %d holds %v at sample %d (flat index %d): remove or fill missing values before training", what, kind, index, v, j/inner, j)
		}
	}
	return nil
}

// shapeHint suggests the usual fix for a shape mismatch.
func shapeHint(got []int, want layers.Shape) string {
	g := got[1:]
	switch {
	case len(g) == len(want)-1 && len(want) == 2 && want[1] == 1 && len(g) == 1 && g[0] == want[0]:
		return fmt.Sprintf("; add a channel axis: reshape to (%d, %d, 1)", got[0], g[0])
	case len(g) == 2 && len(want) == 2 && g[0] == want[1] && g[1] == want[0]:
		return "; steps and channels look swapped: seqnet is channels-last (batch, steps, channels)"
	case tensor.Size(g) == tensor.Size(want):
		return fmt.Sprintf("; the sizes agree, so reshape to %s", tensor.ShapeString(append([]int{got[0]}, want...), false))
	}
	return ""
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

// indexChecker is a layer that takes integer inputs (layers.Embedding).
type indexChecker interface{ CheckIndices(x *tensor.Tensor) error }

// checkIndices lets every layer fed directly by model input i validate it.
func (m *Model) checkIndices(what string, i int, x *tensor.Tensor) error {
	for _, nd := range m.nodes {
		for _, t := range nd.inputs {
			if t.node != m.inputs[i] {
				continue
			}
			if c, ok := nd.layer.(indexChecker); ok {
				if err := c.CheckIndices(x); err != nil {
					return fmt.Errorf("%s: input %d: %w", what, i, err)
				}
			}
		}
	}
	return nil
}
