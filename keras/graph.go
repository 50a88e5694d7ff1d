package keras

import (
	"errors"
	"fmt"
	"sort"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// graph is the layer graph of a built model: which layer call (node) feeds
// which, read from model.Graph.
type graph struct {
	sequential bool
	nodes      []*gnode // topological order, as the model runs them
	inputs     []*gnode
	outputs    []gref
}

// gnode is one call of a layer (Keras' Node).
type gnode struct {
	layer     layers.Layer // the layer; for a model input, a copy of its InputLayer
	input     bool         // a model input
	in        []gref
	outShapes [][]int
	// call is Keras' node index: which call of layer this is (0 unless the
	// layer is shared).
	call int
}

// gref is one output tensor of a node (Keras' keras_history without the
// layer name).
type gref struct {
	n     *gnode
	index int
}

func (r gref) shape() []int { return r.n.outShapes[r.index] }

// readGraph reads the graph of a built model through model.Graph.
func readGraph(m *model.Model) (*graph, error) {
	if m == nil {
		return nil, errors.New("the model is nil")
	}
	mg := m.Graph()
	if mg == nil {
		return nil, errors.New("the model is not built: start it with layers.Input(shape) or call Build(shape) first")
	}
	g := &graph{sequential: mg.Sequential}
	calls := map[layers.Layer]int{}
	nodes := make([]*gnode, len(mg.Nodes))
	for i, gn := range mg.Nodes {
		n := &gnode{layer: gn.Layer, outShapes: gn.OutShapes}
		if _, ok := gn.Layer.(*layers.InputLayer); ok && len(gn.Inputs) == 0 {
			n.input = true
		} else {
			n.call = calls[gn.Layer]
			calls[gn.Layer]++
		}
		for _, r := range gn.Inputs {
			if r.Node >= i {
				return nil, fmt.Errorf("node %d reads node %d, which is not earlier: this is a seqnet bug", i, r.Node)
			}
			n.in = append(n.in, gref{nodes[r.Node], r.Index})
		}
		nodes[i] = n
		g.nodes = append(g.nodes, n)
	}
	for _, i := range mg.Inputs {
		g.inputs = append(g.inputs, nodes[i])
	}
	for _, r := range mg.Outputs {
		g.outputs = append(g.outputs, gref{nodes[r.Node], r.Index})
	}
	return g, nil
}

// kerasOrder returns the model's layers (inputs included) in the order
// Keras lists them in model.layers, get_config() and get_weights(): by
// decreasing depth from the outputs, ties broken by the order a depth-first
// walk from the outputs first meets them. It follows map_graph and
// _build_map of keras/src/ops/function.py.
func (g *graph) kerasOrder() []*gnode {
	type op = layers.Layer
	opOf := func(n *gnode) op { return n.layer }
	finished := map[*gnode]bool{}
	inProgress := map[*gnode]bool{}
	var order []*gnode
	opIndex := map[op]int{}
	first := map[op]*gnode{}
	isInputTensor := func(r gref) bool {
		for _, in := range g.inputs {
			if r.n == in {
				return true
			}
		}
		return false
	}
	var walk func(r gref)
	walk = func(r gref) {
		n := r.n
		if finished[n] || inProgress[n] {
			return // the model package has already refused cycles
		}
		o := opOf(n)
		if _, ok := opIndex[o]; !ok {
			opIndex[o] = len(opIndex)
			first[o] = n
		}
		inProgress[n] = true
		if !n.input && !isInputTensor(r) {
			for _, in := range n.in {
				walk(in)
			}
		}
		finished[n] = true
		delete(inProgress, n)
		order = append(order, n)
	}
	for _, o := range g.outputs {
		walk(o)
	}
	nodeDepth := map[*gnode]int{}
	opDepth := map[op]int{}
	var ops []op // insertion order of opDepth
	for i := len(order) - 1; i >= 0; i-- {
		n := order[i]
		d := nodeDepth[n]
		o := opOf(n)
		prev, seen := opDepth[o]
		d = max(d, prev)
		if !seen {
			ops = append(ops, o)
		}
		opDepth[o] = d
		nodeDepth[n] = d
		for _, p := range n.in {
			nodeDepth[p.n] = max(d+1, nodeDepth[p.n])
		}
	}
	for _, in := range g.inputs {
		if _, ok := opDepth[in.layer]; !ok {
			opDepth[in.layer], opIndex[in.layer] = 0, -1
			first[in.layer] = in
			ops = append(ops, in.layer)
		}
	}
	sort.SliceStable(ops, func(i, j int) bool {
		a, b := ops[i], ops[j]
		if opDepth[a] != opDepth[b] {
			return opDepth[a] > opDepth[b]
		}
		return opIndex[a] < opIndex[b]
	})
	out := make([]*gnode, len(ops))
	for i, o := range ops {
		out[i] = first[o]
	}
	return out
}

// WeightOrder returns, for each weight in Keras' get_weights() order, its
// position in m.Params() (seqnet's order, which follows the model's own
// topological walk and can differ for branching functional models).
func WeightOrder(m *model.Model) ([]int, error) {
	g, err := readGraph(m)
	if err != nil {
		return nil, err
	}
	pos := map[*layers.Param]int{}
	for i, p := range m.Params() {
		pos[p] = i
	}
	var perm []int
	for _, n := range g.kerasOrder() {
		if n.input {
			continue
		}
		for _, p := range n.layer.Common().Params() {
			i, ok := pos[p]
			if !ok {
				return nil, fmt.Errorf("layer %q: weight %s is not among the model's weights", n.layer.Common().Name, p.Name)
			}
			perm = append(perm, i)
		}
	}
	if len(perm) != len(m.Params()) {
		return nil, fmt.Errorf("found %d weights in the layers but the model has %d", len(perm), len(m.Params()))
	}
	return perm, nil
}

// KerasWeights returns copies of the model's weights in Keras'
// get_weights() order: layer by layer in the order of model.layers (the
// order WriteModelJSON lists them). For Sequential models this is
// m.Weights(); a branching functional model may order its layers
// differently from Keras.
func KerasWeights(m *model.Model) ([]*tensor.Tensor, error) {
	perm, err := WeightOrder(m)
	if err != nil {
		return nil, err
	}
	w := m.Weights()
	out := make([]*tensor.Tensor, len(perm))
	for k, i := range perm {
		out[k] = w[i]
	}
	return out, nil
}

// SetWeights sets the model's weights from a list in Keras' get_weights()
// order (as ReadWeightsNPZ returns them). A wrong count or shape is an
// error naming the layer and both shapes.
func SetWeights(m *model.Model, w []*tensor.Tensor) error {
	perm, err := WeightOrder(m)
	if err != nil {
		return err
	}
	if len(w) != len(perm) {
		return fmt.Errorf("the model has %d weight arrays, received %d: the weights must come from a model with the same layers (Keras model.get_weights())", len(perm), len(w))
	}
	ws := make([]*tensor.Tensor, len(w))
	for k, i := range perm {
		if w[k] == nil {
			return fmt.Errorf("weight %d is nil", k)
		}
		ws[i] = w[k]
	}
	return m.SetWeights(ws)
}

// FromConfigWeights builds the model of a decoded model.to_json() object,
// as FromConfig does, with w as its weights, in Keras' get_weights()
// order as SetWeights takes them. No weight is drawn at random first, as
// each one is overwritten (drawing a large Embedding's was most of a
// load's time). A model without an input shape, or weights whose count
// or shapes do not fit the architecture, is an error and no model comes
// back, so none is left with unset weights.
func FromConfigWeights(top map[string]any, w []*tensor.Tensor) (*model.Model, error) {
	m, err := fromConfig(top, true)
	if err != nil {
		return nil, err
	}
	if !m.Built() {
		return nil, errors.New("keras: the config gives no input shape, so the weights cannot be placed: save a model that has been built (called on data or given an Input)")
	}
	if err := SetWeights(m, w); err != nil {
		return nil, fmt.Errorf("keras: the weights do not fit the architecture: %w", err)
	}
	return m, nil
}
