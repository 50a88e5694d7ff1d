package model

import (
	"errors"
	"fmt"

	"github.com/seqnet/seqnet/losses"
	"github.com/seqnet/seqnet/tensor"
)

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
	if k := len(m.outputs); k > 1 {
		return nil, fmt.Errorf("predict: the model has %d outputs and Predict returns one: use PredictMulti, which returns every output in order", k)
	}
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
		shape := append([]int{n}, o.Shape...)
		res[i] = &tensor.Tensor{Shape: shape, Data: make([]float32, tensor.Size(shape))}
	}
	// A batch in one chunk (a server's usual call) goes in as it is; more
	// chunks take views of the inputs' rows.
	whole := n <= batchSize && exactly(xs, n)
	in := make([]*tensor.Tensor, len(xs))
	for lo := 0; lo < n; lo += batchSize {
		hi := min(lo+batchSize, n)
		for i, x := range xs {
			if whole {
				in[i] = x
			} else {
				in[i] = x.Rows(lo, hi)
			}
		}
		outs := r.get(hi-lo).forward(in, nil)
		for i, out := range outs {
			per := len(out.Data) / (hi - lo)
			copy(res[i].Data[lo*per:hi*per], out.Data)
		}
	}
	return res, nil
}

// exactly reports whether each input holds n samples and no more values
// (or mask entries) than its shape gives them: then it is what its
// Rows(0, n) would be.
func exactly(xs []*tensor.Tensor, n int) bool {
	for _, x := range xs {
		if x.Shape[0] != n || len(x.Data) != tensor.Size(x.Shape) ||
			x.Mask != nil && (len(x.Shape) < 2 || len(x.Mask) != n*x.Shape[1]) {
			return false
		}
	}
	return true
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
