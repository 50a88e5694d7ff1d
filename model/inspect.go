package model

import (
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/losses"
)

// Graph is a read-only description of a built model's layer graph, for
// serializers (Keras JSON, model files) and tools.
type Graph struct {
	// Sequential is true for models made by NewSequential.
	Sequential bool
	// Nodes are the layer calls in the order the model runs them; model
	// inputs are nodes whose Layer is a *layers.InputLayer and that have
	// no Inputs.
	Nodes []GraphNode
	// Inputs and Outputs index Nodes (outputs with the output index).
	Inputs  []int
	Outputs []TensorRef
}

// GraphNode is one call of a layer.
type GraphNode struct {
	Layer     layers.Layer
	Inputs    []TensorRef
	OutShapes []layers.Shape
}

// TensorRef names output Index of node Node.
type TensorRef struct{ Node, Index int }

// Graph returns the model's layer graph (nil before the model is built).
func (m *Model) Graph() *Graph {
	if !m.Built() {
		return nil
	}
	g := &Graph{Sequential: m.sequential}
	for _, n := range m.nodes {
		gn := GraphNode{Layer: n.layer}
		for _, t := range n.inputs {
			gn.Inputs = append(gn.Inputs, TensorRef{t.node.id, t.index})
		}
		for _, s := range n.outShapes {
			gn.OutShapes = append(gn.OutShapes, append(layers.Shape(nil), s...))
		}
		g.Nodes = append(g.Nodes, gn)
	}
	for _, in := range m.inputs {
		g.Inputs = append(g.Inputs, in.id)
	}
	for _, o := range m.outputs {
		g.Outputs = append(g.Outputs, TensorRef{o.node.id, o.index})
	}
	return g
}

// Compiled returns the losses (one per output, or one for all) and the
// metric names given to Compile; ok is false before Compile.
func (m *Model) Compiled() (ls []losses.Loss, metrics []string, ok bool) {
	return append([]losses.Loss(nil), m.loss...), append([]string(nil), m.metricSpec...), m.compiled
}
