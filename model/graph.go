// Package model builds, trains and runs seqnet models: Sequential stacks
// and functional graphs of layers, with Keras' Compile, Fit, Evaluate and
// Predict.
package model

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/losses"
	"github.com/seqnet/seqnet/optimizers"
	"github.com/seqnet/seqnet/tensor"
)

// Tensor is a symbolic tensor of a functional model: one output of a layer
// call (Keras' KerasTensor). Shape is per sample.
type Tensor struct {
	node  *node
	index int
	Shape layers.Shape
	err   error
}

// Err reports the first error met while building the graph up to this
// tensor (a shape mismatch, an unknown activation, …). NewModel returns it
// too, so checking it at each call is optional.
func (t *Tensor) Err() error { return t.err }

type node struct {
	layer     layers.Layer
	inputs    []*Tensor
	outShapes []layers.Shape
	id        int
	// params and trainable count the layer's weight values (from
	// layers.Count, before any is allocated).
	params, trainable int
}

// Input starts a functional model: a symbolic input with the per-sample
// shape, as keras.Input(shape).
func Input(shape ...int) *Tensor {
	l := layers.Input(shape...)
	n := &node{layer: l}
	out, err := l.Build(nil, nil)
	if err == nil {
		err = layers.CheckShape("Input", out[0])
	}
	if err != nil {
		return &Tensor{err: err}
	}
	n.outShapes = out
	return &Tensor{node: n, Shape: out[0]}
}

// Apply calls a layer on symbolic tensors, building it (with weights drawn
// from the model seed later, at NewModel) and returning its outputs. Errors
// are kept in the returned tensors and reported by NewModel.
func Apply(l layers.Layer, in ...*Tensor) []*Tensor {
	n := &node{layer: l, inputs: in}
	shapes := make([]layers.Shape, len(in))
	for i, t := range in {
		if t == nil {
			return []*Tensor{{err: fmt.Errorf("%s: input %d is nil", l.ClassName(), i)}}
		}
		if t.err != nil {
			return []*Tensor{{err: t.err}}
		}
		shapes[i] = t.Shape
	}
	// Count (build without weights) to learn the output shapes and sizes;
	// the model builds every layer from its own seed in graph order, once
	// it knows the whole model fits in memory.
	out, params, trainable, err := layers.Count(l, shapes)
	if err != nil {
		name := l.Common().Name
		if name == "" {
			name = layers.SnakeCase(l.ClassName())
		}
		return []*Tensor{{err: fmt.Errorf("layer %q (%s): %w", name, l.ClassName(), err)}}
	}
	n.outShapes, n.params, n.trainable = out, params, trainable
	res := make([]*Tensor, len(out))
	for i, s := range out {
		res[i] = &Tensor{node: n, index: i, Shape: s}
	}
	return res
}

// Call is Apply for layers with one output.
func Call(l layers.Layer, in ...*Tensor) *Tensor { return Apply(l, in...)[0] }

// Model is a graph of layers with its training configuration.
type Model struct {
	// Name is "sequential" or "functional" unless set.
	Name string
	// Seed makes weight initialisation, shuffling and dropout repeatable.
	Seed uint64

	nodes   []*node // topological order
	inputs  []*node
	outputs []*Tensor

	// Sequential models keep their layers until the input shape is known.
	sequential bool
	pending    []layers.Layer
	// unfilled makes the build under way leave the weights at zero (see
	// NewModelUnfilled); the constructors set it for their one build.
	unfilled bool

	params []*layers.Param

	loss       []losses.Loss
	opt        optimizers.Optimizer
	metricSpec []string
	compiled   bool

	// stop ends Fit after the current batch: Stop sends on it, from a
	// callback or another goroutine.
	stop  chan struct{}
	mu    sync.Mutex // guards training
	pool  runnerList // idle inference runners
	train *runner
	state TrainState

	// TrainOnBatch's reused state.
	batchRNG     *rand.Rand
	batchMetrics [][]losses.Metric
	batchAcc     *accumulator
	batchXY      []*tensor.Tensor
}

// TrainState is where training stands, so that it can be saved with the
// model and resumed exactly (FitOptions.Resume).
type TrainState struct {
	// Epoch is the number of finished epochs.
	Epoch int
	// Batch is the number of finished batches of an interrupted epoch
	// (0 between epochs); Order is that epoch's sample order and Partial
	// its running sums of loss and metrics.
	Batch   int
	Order   []int
	Partial []float64
	pcg     *rand.PCG
}

// TrainingState returns a copy of the training state, with the shuffle
// and dropout random generator's state encoded in rngState.
func (m *Model) TrainingState() (st TrainState, rngState []byte) {
	st = m.state
	st.Order = append([]int(nil), m.state.Order...)
	st.Partial = append([]float64(nil), m.state.Partial...)
	st.pcg = nil
	if m.state.pcg != nil {
		rngState, _ = m.state.pcg.MarshalBinary()
	}
	return st, rngState
}

// SetTrainingState restores what TrainingState returned.
func (m *Model) SetTrainingState(st TrainState, rngState []byte) error {
	m.state = st
	m.state.pcg = nil
	if len(rngState) > 0 {
		p := &rand.PCG{}
		if err := p.UnmarshalBinary(rngState); err != nil {
			return fmt.Errorf("training state: %w", err)
		}
		m.state.pcg = p
	}
	return nil
}

// NewModel builds a functional model from its inputs to its outputs, as
// keras.Model(inputs, outputs). Every layer between them is (re)built with
// weights drawn from seed, in graph order.
func NewModel(inputs, outputs []*Tensor, seed uint64) (*Model, error) {
	return newModel(inputs, outputs, seed, false)
}

// newModel makes the model of NewModel and NewModelUnfilled.
func newModel(inputs, outputs []*Tensor, seed uint64, unfilled bool) (*Model, error) {
	for _, t := range append(append([]*Tensor(nil), inputs...), outputs...) {
		if t == nil {
			return nil, errors.New("model inputs and outputs must not be nil")
		}
		if t.err != nil {
			return nil, t.err
		}
	}
	m := &Model{Name: "functional", Seed: seed, outputs: outputs, unfilled: unfilled}
	for _, in := range inputs {
		if _, ok := in.node.layer.(*layers.InputLayer); !ok {
			return nil, errors.New("model inputs must come from model.Input")
		}
		m.inputs = append(m.inputs, in.node)
	}
	if err := m.collect(); err != nil {
		return nil, err
	}
	err := m.rebuild()
	m.unfilled = false
	if err != nil {
		return nil, err
	}
	return m, nil
}

// collect orders the nodes reachable from the outputs topologically and
// checks that every path starts at a declared input.
func (m *Model) collect() error {
	state := map[*node]int{} // 1 visiting, 2 done
	isInput := map[*node]bool{}
	for _, in := range m.inputs {
		isInput[in] = true
	}
	var visit func(n *node) error
	visit = func(n *node) error {
		switch state[n] {
		case 1:
			return errors.New("the layer graph has a cycle")
		case 2:
			return nil
		}
		state[n] = 1
		if _, ok := n.layer.(*layers.InputLayer); ok && !isInput[n] {
			return fmt.Errorf("an output depends on an Input of shape %s that is not among the model's inputs",
				tensor.ShapeString(n.outShapes[0], true))
		}
		for _, t := range n.inputs {
			if err := visit(t.node); err != nil {
				return err
			}
		}
		state[n] = 2
		m.nodes = append(m.nodes, n)
		return nil
	}
	for _, in := range m.inputs {
		if err := visit(in); err != nil {
			return err
		}
	}
	for _, o := range m.outputs {
		if err := visit(o.node); err != nil {
			return err
		}
	}
	for i, n := range m.nodes {
		n.id = i
	}
	return nil
}

// rebuild names unnamed layers as Keras does, builds every layer in graph
// order with weights from the model seed, and collects the weights.
func (m *Model) rebuild() error {
	if err := m.checkMemory("build", 1, false); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(m.Seed, 0x5eed))
	if m.unfilled {
		var release func()
		rng, release = layers.Unfilled()
		defer release()
	}
	used := map[string]int{}
	for _, n := range m.nodes {
		if nm := n.layer.Common().Name; nm != "" {
			used[nm]++
		}
	}
	seen := map[layers.Layer]bool{}
	m.params = nil
	for _, n := range m.nodes {
		b := n.layer.Common()
		if b.Name == "" {
			base := layers.SnakeCase(n.layer.ClassName())
			name := base
			for k := 1; used[name] > 0; k++ {
				name = fmt.Sprintf("%s_%d", base, k)
			}
			b.Name = name
			used[name]++
		}
		if seen[n.layer] {
			continue // a shared layer is built once
		}
		seen[n.layer] = true
		if len(n.inputs) == 0 {
			continue
		}
		shapes := make([]layers.Shape, len(n.inputs))
		for i, t := range n.inputs {
			shapes[i] = t.node.outShapes[t.index]
		}
		out, err := n.layer.Build(shapes, rng)
		if err == nil {
			err = b.ParamError()
		}
		if err != nil {
			return fmt.Errorf("layer %q (%s): %w", b.Name, n.layer.ClassName(), err)
		}
		n.outShapes = out
		m.params = append(m.params, b.Params()...)
	}
	for _, o := range m.outputs {
		o.Shape = o.node.outShapes[o.index]
	}
	return nil
}

// Layers returns the model's layers in graph order (without the inputs).
func (m *Model) Layers() []layers.Layer {
	var ls []layers.Layer
	seen := map[layers.Layer]bool{}
	for _, n := range m.nodes {
		if _, ok := n.layer.(*layers.InputLayer); ok || seen[n.layer] {
			continue
		}
		seen[n.layer] = true
		ls = append(ls, n.layer)
	}
	return ls
}

// Layer returns the layer with the given name, or nil.
func (m *Model) Layer(name string) layers.Layer {
	for _, l := range m.Layers() {
		if l.Common().Name == name {
			return l
		}
	}
	return nil
}

// Built reports whether the model knows its input shape and has weights.
func (m *Model) Built() bool { return len(m.nodes) > 0 }

// InputShapes returns the per-sample input shapes.
func (m *Model) InputShapes() []layers.Shape {
	s := make([]layers.Shape, len(m.inputs))
	for i, n := range m.inputs {
		s[i] = n.outShapes[0]
	}
	return s
}

// OutputShapes returns the per-sample output shapes.
func (m *Model) OutputShapes() []layers.Shape {
	s := make([]layers.Shape, len(m.outputs))
	for i, o := range m.outputs {
		s[i] = o.Shape
	}
	return s
}

// Params returns every weight in Keras get_weights() order.
func (m *Model) Params() []*layers.Param { return m.params }

// Weights returns copies of the weights in the order and layouts of Keras'
// model.get_weights().
func (m *Model) Weights() []*tensor.Tensor {
	w := make([]*tensor.Tensor, len(m.params))
	for i, p := range m.params {
		w[i] = p.Value.Clone()
	}
	return w
}

// SetWeights sets the weights from a list in get_weights() order; a wrong
// count or shape is an error naming the layer and both shapes.
func (m *Model) SetWeights(w []*tensor.Tensor) error {
	if len(w) != len(m.params) {
		return fmt.Errorf("SetWeights: the model has %d weight arrays, received %d", len(m.params), len(w))
	}
	owner := map[*layers.Param]string{}
	for _, l := range m.Layers() {
		for _, p := range l.Common().Params() {
			owner[p] = l.Common().Name
		}
	}
	for i, p := range m.params {
		if w[i] == nil {
			return fmt.Errorf("SetWeights: weight %d (layer %q, %s) is nil: expected an array of shape %s",
				i, owner[p], p.Name, tensor.ShapeString(p.Value.Shape, false))
		}
		if !tensor.SameShape(p.Value.Shape, w[i].Shape) || len(w[i].Data) != len(p.Value.Data) {
			return fmt.Errorf("SetWeights: weight %d (layer %q, %s) has shape %s, received %s",
				i, owner[p], p.Name, tensor.ShapeString(p.Value.Shape, false), tensor.ShapeString(w[i].Shape, false))
		}
	}
	for i, p := range m.params {
		copy(p.Value.Data, w[i].Data)
		p.Changed()
	}
	return nil
}

// NumParams counts trainable and non-trainable weights.
func (m *Model) NumParams() (trainable, nonTrainable int) {
	for _, p := range m.params {
		if p.Trainable() {
			trainable += len(p.Value.Data)
		} else {
			nonTrainable += len(p.Value.Data)
		}
	}
	return
}
