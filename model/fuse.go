package model

import (
	"runtime"

	"github.com/seqnet/seqnet/layers"
)

// fusedPool is a Conv1D → GlobalMaxPooling1D that an inference executor
// runs as one layers.ConvMaxPool pass: the Conv1D is skipped, and at the
// pooling node the fused pass reads the Conv1D's input and writes the
// pooling's output.
type fusedPool struct {
	op  *layers.ConvMaxPool
	in  *Tensor // the Conv1D's input, a node output of the graph
	ctx *layers.Context
}

// planFusions sets e.fused and e.skip for an inference executor (before
// its tensors are made: the skipped layers' outputs get no memory): each
// GlobalMaxPooling1D fed by a Conv1D whose output nothing else reads (nor
// is a model output) is fused with it. Training keeps the layers (their
// outputs are needed for the gradients), and so do batches too small to
// share whole samples among the cores.
func (e *executor) planFusions() {
	if e.training || e.inputGrads {
		return
	}
	uses := e.m.uses()
	for _, nd := range e.m.nodes {
		pool, ok := nd.layer.(*layers.GlobalMaxPooling1D)
		if !ok || len(nd.inputs) != 1 || nd.inputs[0].index != 0 {
			continue
		}
		cn := nd.inputs[0].node
		c, ok := cn.layer.(*layers.Conv1D)
		if !ok || uses[cn] != 1 || len(cn.inputs) != 1 {
			continue
		}
		procs := runtime.GOMAXPROCS(0)
		in := cn.inputs[0]
		var op *layers.ConvMaxPool
		if en := in.node; uses[en] == 1 && in.index == 0 && len(en.inputs) == 1 {
			if emb, ok := en.layer.(*layers.Embedding); ok {
				// The Embedding folded in, when its table fits.
				if op = layers.FuseConvMaxPool(emb, c, pool); op != nil && op.Worthwhile(e.batch, procs) {
					in = en.inputs[0]
				} else {
					op = nil
				}
			}
		}
		if op == nil {
			op = layers.FuseConvMaxPool(nil, c, pool)
		}
		if op == nil || !op.Worthwhile(e.batch, procs) {
			continue
		}
		if e.fused == nil {
			e.fused = make([]*fusedPool, len(e.m.nodes))
			e.skip = make([]bool, len(e.m.nodes))
		}
		e.fused[nd.id] = &fusedPool{op: op, in: in, ctx: &layers.Context{}}
		e.skip[cn.id] = true
		if in != cn.inputs[0] {
			e.skip[cn.inputs[0].node.id] = true // the Embedding, folded in
		}
	}
}

// uses counts, for each node, the inputs of other nodes and the model
// outputs that read one of its outputs.
func (m *Model) uses() map[*node]int {
	n := map[*node]int{}
	for _, nd := range m.nodes {
		for _, t := range nd.inputs {
			n[t.node]++
		}
	}
	for _, t := range m.outputs {
		n[t.node]++
	}
	return n
}

// runFused runs the fused pass that ends at node id, if any, and reports
// whether it did.
func (e *executor) runFused(id int) bool {
	if e.fused == nil || e.fused[id] == nil {
		return false
	}
	f := e.fused[id]
	f.op.Forward(f.ctx, e.outs[f.in.node.id][f.in.index], e.outs[id][0])
	return true
}
