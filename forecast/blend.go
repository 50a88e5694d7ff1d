package forecast

import (
	"fmt"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
)

// Blend makes a trained forecaster predict the average, with weight w on
// the linear start st (what InitLinear set) and 1 − w on the trained
// network: since the start's convolutional head is zero, this is exactly
// the linear path set to w·start + (1 − w)·trained and the head scaled by
// 1 − w. Averaging the fitted linear start with the trained network (a
// two-member snapshot ensemble) keeps most of what training found while
// halving the part that depends on the seed.
func Blend(m *model.Model, st Start, w float64) error {
	lin, ok1 := m.Layer(LinearName).(*layers.Dense)
	head, ok2 := m.Layer(HeadName).(*layers.Dense)
	if !ok1 || !ok2 {
		return fmt.Errorf("forecast: the model has no Dense %q and %q (not made by forecast.New)", LinearName, HeadName)
	}
	if w < 0 || w > 1 {
		return fmt.Errorf("forecast: blend weight %g outside [0, 1]", w)
	}
	k, b := lin.Kernel().Value.Data, lin.Bias().Value.Data
	if len(st.kernel) != len(k) || len(st.bias) != len(b) {
		return fmt.Errorf("forecast: the start has %d+%d linear weights, the model %d+%d (not this model's start)", len(st.kernel), len(st.bias), len(k), len(b))
	}
	for i := range k {
		k[i] = float32(w*st.kernel[i] + (1-w)*float64(k[i]))
	}
	for i := range b {
		b[i] = float32(w*st.bias[i] + (1-w)*float64(b[i]))
	}
	for _, p := range []*layers.Param{head.Kernel(), head.Bias()} {
		for i := range p.Value.Data {
			p.Value.Data[i] *= float32(1 - w)
		}
		p.Changed()
	}
	lin.Kernel().Changed()
	lin.Bias().Changed()
	return nil
}
