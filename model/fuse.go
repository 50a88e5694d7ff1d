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

// lazyFold is an Embedding → Conv1D → GlobalMaxPooling1D of an executor
// whose batches are too small to fold the Embedding on every pass
// (layers.ConvMaxPool.Worthwhile): each pass chooses (choose) between
// fold, the three layers folded into one pass, and alt, the Conv1D and
// the pooling fused without the Embedding (nil: the three layers), as
// fold.op.FoldNow says. The Embedding's and the Conv1D's outputs keep
// their memory for the passes that run them.
type lazyFold struct {
	fold, alt       *fusedPool
	emb, conv, pool int // node ids
}

// planFusions sets e.fused, e.skip and e.lazy for an inference executor
// (before its tensors are made: the skipped layers' outputs get no
// memory): each GlobalMaxPooling1D fed by a Conv1D whose output nothing
// else reads (nor is a model output) is fused with it. Training keeps the
// layers (their outputs are needed for the gradients), and so do batches
// too small to share whole samples among the cores, unless an Embedding
// folds into the Conv1D (lazyFold).
func (e *executor) planFusions() {
	if e.training || e.inputGrads {
		return
	}
	procs := runtime.GOMAXPROCS(0)
	for _, cp := range e.m.foldingPools(e.batch) {
		var lazy *lazyFold
		op, in := cp.plain, cp.conv.inputs[0]
		if en := in.node; cp.fold != nil {
			if cp.fold.Worthwhile(e.batch, procs) {
				op, in = cp.fold, en.inputs[0]
			} else {
				f := &fusedPool{op: cp.fold, in: en.inputs[0], ctx: &layers.Context{}}
				lazy = &lazyFold{fold: f, emb: en.id, conv: cp.conv.id, pool: cp.pool.id}
			}
		}
		if op == cp.plain && (op == nil || !op.Worthwhile(e.batch, procs)) {
			op = nil
		}
		if op == nil && lazy == nil {
			continue
		}
		if e.fused == nil {
			e.fused = make([]*fusedPool, len(e.m.nodes))
			e.skip = make([]bool, len(e.m.nodes))
		}
		var f *fusedPool
		if op != nil {
			f = &fusedPool{op: op, in: in, ctx: &layers.Context{}}
		}
		if lazy != nil {
			lazy.alt = f
			e.lazy = append(e.lazy, lazy)
			continue // chosen on each pass; nothing skipped for good
		}
		e.fused[cp.pool.id] = f
		e.skip[cp.conv.id] = true
		if op == cp.fold {
			e.skip[cp.conv.inputs[0].node.id] = true // the Embedding, folded in
		}
	}
}

// choose sets which layers this pass skips and which fused passes it
// runs where that depends on the pass (lazyFold).
func (e *executor) choose() {
	for _, l := range e.lazy {
		f := l.alt
		fold := l.fold.op.FoldNow(e.batch)
		if fold {
			f = l.fold
		}
		e.fused[l.pool] = f
		e.skip[l.conv] = f != nil
		e.skip[l.emb] = fold
	}
}

// convPool is a GlobalMaxPooling1D fed by a Conv1D that nothing else
// reads, and the passes that can stand in for them: plain for the two
// layers, fold (nil if none) for an Embedding in front, read by the
// Conv1D alone, as well.
type convPool struct {
	pool, conv  *node
	plain, fold *layers.ConvMaxPool
}

// convPools lists the model's Conv1D → GlobalMaxPooling1D chains that an
// inference pass can fuse.
func (m *Model) convPools() []convPool {
	var cps []convPool
	uses := m.uses()
	for _, nd := range m.nodes {
		pool, ok := nd.layer.(*layers.GlobalMaxPooling1D)
		if !ok || len(nd.inputs) != 1 || nd.inputs[0].index != 0 {
			continue
		}
		cn := nd.inputs[0].node
		c, ok := cn.layer.(*layers.Conv1D)
		if !ok || uses[cn] != 1 || len(cn.inputs) != 1 {
			continue
		}
		cp := convPool{pool: nd, conv: cn, plain: layers.FuseConvMaxPool(nil, c, pool)}
		if in := cn.inputs[0]; uses[in.node] == 1 && in.index == 0 && len(in.node.inputs) == 1 {
			if emb, ok := in.node.layer.(*layers.Embedding); ok {
				cp.fold = layers.FuseConvMaxPool(emb, c, pool) // nil when its table does not fit
			}
		}
		if cp.plain != nil || cp.fold != nil {
			cps = append(cps, cp)
		}
	}
	return cps
}

// Prepare makes ahead of time what inference reuses from one call to the
// next while the weights stay the same, so that the first calls do not
// pay for it: the tables of Embeddings folded into a Conv1D (see
// layers.ConvMaxPool; up to 64 MB each, kept while the model lives, made
// only when they fit within MaxMemory beside the weights). A
// server calls it when it loads a model. Predictions are the same with
// or without it.
func (m *Model) Prepare() {
	if !m.Built() {
		return
	}
	for _, cp := range m.foldingPools(1) {
		if cp.fold != nil {
			cp.fold.Prepare()
		}
	}
}

// foldingPools is convPools without the folds when their tables do not
// fit in MaxMemory beside inference on batches of batch samples.
func (m *Model) foldingPools(batch int) []convPool {
	cps := m.convPools()
	if !m.foldsFit(cps, batch) {
		for i := range cps {
			cps[i].fold = nil
		}
	}
	return cps
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
