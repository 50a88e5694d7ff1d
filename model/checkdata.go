package model

import (
	"fmt"

	"github.com/seqnet/seqnet/internal/kernels"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/losses"
	"github.com/seqnet/seqnet/tensor"
)

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
	if kernels.AllFinite(t.Data) {
		return nil // the usual case, in one vector pass (a tenth of the loop below)
	}
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
