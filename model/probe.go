package model

import (
	"fmt"

	"github.com/seqnet/seqnet/tensor"
)

// Probe is what Gradients returns: for each tapped layer its output and
// the gradient of the chosen output unit with respect to it.
type Probe struct {
	// Outputs are the model outputs for the batch.
	Outputs []*tensor.Tensor
	// InputGrads are d(unit)/d(input) for each model input (for an
	// Embedding input of token indices they are meaningless: tap the
	// Embedding layer instead).
	InputGrads []*tensor.Tensor
	// Taps maps a layer name to its output and the gradient there.
	Taps map[string]Tap
}

// Tap is one layer's output and the gradient of the chosen unit there.
type Tap struct {
	Value, Grad *tensor.Tensor
}

// Gradients runs the model in inference mode on a batch and
// back-propagates from output `output`, unit `unit` of the last axis
// (summed over the other axes: for a per-sample output each sample gets
// its own gradient, since samples do not interact at inference). Layer
// names in taps (e.g. the Embedding, a Conv1D) get their outputs and
// gradients copied into the result. unit < 0 skips the backward pass.
//
// It writes into the weights' gradient buffers, so it must not run at the
// same time as Fit on the same model.
func (m *Model) Gradients(xs []*tensor.Tensor, output, unit int, taps ...string) (*Probe, error) {
	if err := m.ensureBuilt(xs); err != nil {
		return nil, err
	}
	if err := m.checkData("gradients", Dataset{X: xs}, false); err != nil {
		return nil, err
	}
	if output < 0 || output >= len(m.outputs) {
		return nil, fmt.Errorf("gradients: output %d does not exist: the model has %d output(s)", output, len(m.outputs))
	}
	last := m.outputs[output].Shape[len(m.outputs[output].Shape)-1]
	if unit >= last {
		return nil, fmt.Errorf("gradients: unit %d does not exist: output %d has %d unit(s) on its last axis", unit, output, last)
	}
	tapNodes := map[string]*node{}
	for _, name := range taps {
		for _, n := range m.nodes {
			if n.layer.Common().Name == name {
				tapNodes[name] = n
			}
		}
		if tapNodes[name] == nil {
			return nil, fmt.Errorf("gradients: no layer named %q; layers: %v", name, m.layerNames())
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e := newExecutor(m, xs[0].Shape[0], false, true)
	outs := e.forward(xs, nil)
	p := &Probe{Taps: map[string]Tap{}}
	for _, o := range outs {
		p.Outputs = append(p.Outputs, o.Clone())
	}
	if unit >= 0 {
		e.zeroGrads(nil)
		g := e.outputGrads()[output]
		for i := unit; i < len(g.Data); i += last {
			g.Data[i] = 1
		}
		e.backward()
		for i := range m.inputs {
			p.InputGrads = append(p.InputGrads, e.inputGrad(i).Clone())
		}
	}
	for name, n := range tapNodes {
		t := Tap{Value: e.outs[n.id][0].Clone()}
		if unit >= 0 {
			t.Grad = e.grads[n.id][0].Clone()
		}
		p.Taps[name] = t
	}
	return p, nil
}

func (m *Model) layerNames() []string {
	var names []string
	for _, l := range m.Layers() {
		names = append(names, l.Common().Name)
	}
	return names
}
