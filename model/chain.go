package model

import (
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// chainRun is a run of nodes that the executor takes through as one
// layers.UnitChain (a time-series model's Conv1D → Conv1D →
// MaxPooling1D): forward at the first node, backward at the last, the
// others skipped.
type chainRun struct {
	op          *layers.UnitChain
	first, last int // node ids
	in          *Tensor
	outs, grads []*tensor.Tensor // per node of the run
}

// planChains sets e.chains: each longest run of Conv1D and MaxPooling1D
// nodes, each the only reader of the one before (whose output is not a
// model output either), that layers.NewUnitChain takes as one; not the
// nodes of fused passes (planFusions runs first). The
// intermediate outputs are then written and read unit by unit on one
// core, and their gradients written whole by the run.
func (e *executor) planChains() {
	uses := e.m.uses()
	reader := map[*node]*node{}
	for _, nd := range e.m.nodes {
		for _, t := range nd.inputs {
			reader[t.node] = nd
		}
	}
	lazy := map[int]bool{} // chosen on each pass
	for _, l := range e.lazy {
		lazy[l.conv], lazy[l.pool] = true, true
	}
	linkable := func(nd *node) bool {
		switch nd.layer.(type) {
		case *layers.Conv1D, *layers.MaxPooling1D:
		default:
			return false
		}
		return len(nd.inputs) == 1 && nd.inputs[0].index == 0 && len(nd.outShapes) == 1 &&
			(e.skip == nil || !e.skip[nd.id]) && (e.fused == nil || e.fused[nd.id] == nil) && !lazy[nd.id]
	}
	taken := map[*node]bool{}
	for _, nd := range e.m.nodes {
		if taken[nd] || !linkable(nd) {
			continue
		}
		run := []*node{nd}
		for cur := nd; uses[cur] == 1; {
			next := reader[cur]
			if next == nil || !linkable(next) || next.inputs[0].node != cur {
				break
			}
			run = append(run, next)
			cur = next
		}
		// The longest head of the run that chains.
		for k := len(run); k >= 2; k-- {
			if c := e.newChain(run[:k]); c != nil {
				for _, n := range run[:k] {
					taken[n] = true
				}
				break
			}
		}
	}
}

// newChain adds the chain of run to e.chains and returns it, or returns
// nil when the layers do not chain.
func (e *executor) newChain(run []*node) *chainRun {
	ls := make([]layers.Layer, len(run))
	ctxs := make([]*layers.Context, len(run))
	for i, n := range run {
		ls[i], ctxs[i] = n.layer, e.ctxs[n.id]
	}
	op := layers.NewUnitChain(ls, ctxs, e.batch)
	if op == nil {
		return nil
	}
	c := &chainRun{op: op, first: run[0].id, last: run[len(run)-1].id, in: run[0].inputs[0]}
	for _, n := range run {
		c.outs = append(c.outs, e.outs[n.id][0])
		if e.grads != nil {
			c.grads = append(c.grads, e.grads[n.id][0])
		}
	}
	if e.chains == nil {
		e.chains = make([]*chainRun, len(e.m.nodes))
	}
	for _, n := range run {
		e.chains[n.id] = c
	}
	return c
}

// runChainForward runs the chain that node id belongs to when id is its
// first node, and reports whether id belongs to one.
func (e *executor) runChainForward(id int) bool {
	if e.chains == nil || e.chains[id] == nil {
		return false
	}
	if c := e.chains[id]; c.first == id {
		c.op.Forward(e.outs[c.in.node.id][c.in.index], c.outs)
	}
	return true
}

// runChainBackward runs the chain's backward pass when id is its last
// node, and reports whether id belongs to one.
func (e *executor) runChainBackward(id int) bool {
	if e.chains == nil || e.chains[id] == nil {
		return false
	}
	if c := e.chains[id]; c.last == id {
		c.op.Backward(e.outs[c.in.node.id][c.in.index], c.outs, c.grads, e.dins[c.first][0])
	}
	return true
}
