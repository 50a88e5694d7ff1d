package model

import (
	"errors"

	"github.com/seqnet/seqnet/losses"
	"github.com/seqnet/seqnet/optimizers"
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

// lossFor returns the loss of output i (one loss may serve them all).
func (m *Model) lossFor(i int) losses.Loss {
	if len(m.loss) == 1 {
		return m.loss[0]
	}
	return m.loss[i]
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
