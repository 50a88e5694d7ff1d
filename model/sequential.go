package model

import (
	"fmt"

	"github.com/seqnet/seqnet/layers"
)

// NewSequential returns a Sequential model of the given layers, as
// keras.Sequential([...]). If the first layer is layers.Input(shape), the
// model is built at once (and an impossible stack is reported here);
// otherwise it is built from the data's shape at the first Fit, Predict or
// Build.
func NewSequential(ls ...layers.Layer) (*Model, error) {
	return newSequential(ls, false)
}

// newSequential makes the model of NewSequential and NewSequentialUnfilled.
// It builds the stack once, at the end: adding the layers one by one
// would build every layer again at each Add, drawing all their weights
// each time. One build gives the same weights (each build draws from the
// seed afresh) and the same first error (the layers are checked in order).
func newSequential(ls []layers.Layer, unfilled bool) (*Model, error) {
	m := &Model{Name: "sequential", sequential: true}
	for i, l := range ls {
		if _, ok := l.(*layers.InputLayer); ok && i > 0 {
			return nil, fmt.Errorf("an Input layer must come first in a Sequential model")
		}
	}
	m.pending = append(m.pending, ls...)
	in, ok := m.firstInput()
	if !ok {
		return m, nil
	}
	m.unfilled = unfilled
	defer func() { m.unfilled = false }()
	if err := m.Build(in.Shape...); err != nil {
		return nil, err
	}
	return m, nil
}

// firstInput returns the Input layer a Sequential model starts with.
func (m *Model) firstInput() (*layers.InputLayer, bool) {
	if len(m.pending) == 0 {
		return nil, false
	}
	in, ok := m.pending[0].(*layers.InputLayer)
	return in, ok
}

// Add appends a layer to a Sequential model.
func (m *Model) Add(l layers.Layer) error {
	if !m.sequential {
		return fmt.Errorf("Add works on Sequential models only")
	}
	if in, ok := l.(*layers.InputLayer); ok {
		if len(m.pending) > 0 {
			return fmt.Errorf("an Input layer must come first in a Sequential model")
		}
		m.pending = append(m.pending, in)
		return m.Build(in.Shape...)
	}
	m.pending = append(m.pending, l)
	if m.Built() {
		return m.Build(m.InputShapes()[0]...)
	}
	return nil
}

// Build builds a Sequential model for the per-sample input shape, as
// model.build((None,) + shape) does in Keras.
func (m *Model) Build(shape ...int) error {
	if !m.sequential {
		return nil
	}
	ls := m.pending
	if in, ok := ls[0].(*layers.InputLayer); ok {
		ls = ls[1:]
		if len(shape) == 0 {
			shape = in.Shape
		}
	}
	x := Input(shape...)
	if x.err != nil {
		return x.err
	}
	inNode := x.node
	for _, l := range ls {
		x = Call(l, x)
		if x.err != nil {
			return x.err
		}
	}
	m.nodes, m.inputs, m.outputs = nil, []*node{inNode}, []*Tensor{x}
	if err := m.collect(); err != nil {
		return err
	}
	m.train = nil
	return m.rebuild()
}
