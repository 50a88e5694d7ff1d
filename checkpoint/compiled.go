package checkpoint

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/seqnet/seqnet/losses"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// compileSettings are the arguments of Compile that a file records.
type compileSettings struct {
	Losses  []lossConfig `json:"losses"`
	Metrics []string     `json:"metrics"`
}

// lossConfig is a loss by Keras name with the options seqnet's losses
// take.
type lossConfig struct {
	Name       string  `json:"name"`
	FromLogits bool    `json:"from_logits,omitempty"`
	Delta      float64 `json:"delta,omitempty"`
}

// readCompiled returns the model's compile settings, or nil when it is not
// compiled.
func readCompiled(m *model.Model) (*compileSettings, error) {
	ls, metrics, ok := m.Compiled()
	if !ok {
		return nil, nil
	}
	s := &compileSettings{Metrics: metrics}
	for _, l := range ls {
		c, err := describeLoss(l)
		if err != nil {
			return nil, err
		}
		s.Losses = append(s.Losses, c)
	}
	return s, nil
}

// describeLoss finds the options of a loss from its behaviour, since
// losses.Loss reports only its name: from_logits shows on a prediction
// outside [0, 1] (clipped as a probability, not as a logit), and Huber's
// delta is the slope of the loss beyond it.
func describeLoss(l losses.Loss) (lossConfig, error) {
	c := lossConfig{Name: l.Name()}
	probe := func(y, p []float32, shape ...int) float64 {
		return l.Compute(tensor.FromSlice(y, shape...), tensor.FromSlice(p, shape...), nil)
	}
	switch c.Name {
	case "binary_crossentropy":
		// As a probability 2 clips to 1-1e-7 (loss ≈ 1e-7); as a logit the
		// loss is log(1+e^-2) ≈ 0.127.
		c.FromLogits = probe([]float32{1}, []float32{2}, 1, 1) > 0.01
	case "categorical_crossentropy":
		c.FromLogits = probe([]float32{1, 0}, []float32{2, 0}, 1, 2) > 0.01
	case "sparse_categorical_crossentropy":
		c.FromLogits = l.Compute(tensor.FromSlice([]float32{0}, 1, 1), tensor.FromSlice([]float32{2, 0}, 1, 2), nil) > 0.01
	case "huber":
		// Beyond delta the loss is delta·(|r| - delta/2): its slope is delta.
		d := probe([]float32{0}, []float32{2e4}, 1, 1) - probe([]float32{0}, []float32{1e4}, 1, 1)
		delta, _ := strconv.ParseFloat(strconv.FormatFloat(d/1e4, 'g', 12, 64), 64)
		if !(delta > 0) || delta >= 1e4 || math.IsInf(delta, 0) {
			return c, fmt.Errorf("cannot determine the delta of the huber loss (got %v)", delta)
		}
		c.Delta = delta
	}
	if _, err := c.loss(); err != nil {
		return c, fmt.Errorf("the model is compiled with loss %q, which a model file cannot record: %w", c.Name, err)
	}
	return c, nil
}

// loss makes the loss back.
func (c lossConfig) loss() (losses.Loss, error) {
	switch c.Name {
	case "binary_crossentropy":
		return losses.BinaryCrossentropy(c.FromLogits), nil
	case "categorical_crossentropy":
		return losses.CategoricalCrossentropy(c.FromLogits), nil
	case "sparse_categorical_crossentropy":
		return losses.SparseCategoricalCrossentropy(c.FromLogits), nil
	case "huber":
		if c.Delta <= 0 {
			return nil, errors.New("huber loss without a positive delta")
		}
		return losses.Huber(c.Delta), nil
	}
	return losses.Get(c.Name)
}
