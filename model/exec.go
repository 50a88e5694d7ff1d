package model

import (
	"math/rand/v2"
	"sync"

	"github.com/seqnet/seqnet/internal/parallel"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// executor runs the graph on batches of one size. It owns every
// intermediate tensor and each node's layer Context, so after the first
// batch nothing is allocated, and two executors can run the same model at
// once (the weights are only read during Forward).
type executor struct {
	m           *Model
	batch       int
	training    bool
	outs        [][]*tensor.Tensor // per node, per output
	grads       [][]*tensor.Tensor // per node, per output (training only)
	ctxs        []*layers.Context
	ins         [][]*tensor.Tensor // per node: its input tensors (views of outs)
	dins        [][]*tensor.Tensor
	results     []*tensor.Tensor // the model outputs, reused
	resultGrads []*tensor.Tensor
	// InputGrads, when set, makes backward compute the gradient with
	// respect to the model inputs (for attributions).
	inputGrads bool
	// toZero lists the gradient buffers each step clears: first the
	// activations' (actBufs buffers, actTotal floats, listed on the first
	// step), then the weights'.
	toZero            [][]float32
	actBufs, actTotal int
	clearPiece        func(piece, lo, hi int) // made once: clears a range of toZero
	// fused, indexed by node id, holds the fused passes that end at a
	// node; skip marks the nodes they stand in for (fuse.go). Both nil
	// when nothing is fused.
	fused []*fusedPool
	skip  []bool
	lazy  []*lazyFold // fusions chosen on each pass (choose)
	// chains, indexed by node id, holds the run of layers taken through
	// unit by unit that a node belongs to (chain.go); nil when none.
	chains   []*chainRun
	lastUsed uint64 // its runner's clock when it was last got
}

func newExecutor(m *Model, batch int, training, inputGrads bool) *executor {
	e := &executor{m: m, batch: batch, training: training, inputGrads: inputGrads}
	n := len(m.nodes)
	e.outs = make([][]*tensor.Tensor, n)
	e.ctxs = make([]*layers.Context, n)
	e.ins = make([][]*tensor.Tensor, n)
	if training || inputGrads {
		e.grads = make([][]*tensor.Tensor, n)
		e.dins = make([][]*tensor.Tensor, n)
	}
	e.planFusions()
	for _, nd := range m.nodes {
		e.ctxs[nd.id] = &layers.Context{Training: training}
		e.outs[nd.id] = make([]*tensor.Tensor, len(nd.outShapes))
		for i, s := range nd.outShapes {
			switch {
			case len(nd.inputs) == 0:
				e.outs[nd.id][i] = &tensor.Tensor{} // filled by run with the caller's batch
			case e.skip != nil && e.skip[nd.id]:
				// A layer a fused pass stands in for: its output is never
				// written nor read (W5's are 33 MB each).
				e.outs[nd.id][i] = &tensor.Tensor{Shape: append([]int{batch}, s...)}
			default:
				e.outs[nd.id][i] = tensor.New(append([]int{batch}, s...)...)
			}
			if e.grads != nil {
				e.grads[nd.id] = append(e.grads[nd.id], tensor.New(append([]int{batch}, s...)...))
			}
		}
	}
	// A layer whose output is its input's memory (Flatten) also shares its
	// input's gradient buffer: its backward pass is then nothing, and one
	// buffer less is zeroed each step.
	if e.grads != nil {
		for _, nd := range m.nodes {
			if sharesInput(nd) {
				src := e.grads[nd.inputs[0].node.id][nd.inputs[0].index]
				e.grads[nd.id][0] = &tensor.Tensor{Shape: e.grads[nd.id][0].Shape, Data: src.Data}
			}
		}
	}
	for _, nd := range m.nodes {
		for _, t := range nd.inputs {
			e.ins[nd.id] = append(e.ins[nd.id], e.outs[t.node.id][t.index])
			if e.dins != nil {
				var g *tensor.Tensor
				if len(t.node.inputs) > 0 || inputGrads {
					g = e.grads[t.node.id][t.index]
				}
				e.dins[nd.id] = append(e.dins[nd.id], g)
			}
		}
	}
	e.planChains()
	return e
}

// forward runs the graph on xs (one tensor per model input, batch first)
// and returns the output tensors (owned by the executor).
func (e *executor) forward(xs []*tensor.Tensor, rng *rand.Rand) []*tensor.Tensor {
	for i, in := range e.m.inputs {
		*e.outs[in.id][0] = *xs[i]
	}
	e.choose()
	for _, nd := range e.m.nodes {
		if len(nd.inputs) == 0 || e.skip != nil && e.skip[nd.id] || e.runFused(nd.id) || e.runChainForward(nd.id) {
			continue
		}
		ctx := e.ctxs[nd.id]
		ctx.Rand = rng
		nd.layer.Forward(ctx, e.ins[nd.id], e.outs[nd.id])
	}
	if e.results == nil {
		for _, o := range e.m.outputs {
			e.results = append(e.results, e.outs[o.node.id][o.index])
		}
	}
	return e.results
}

// outputGrads returns the tensors backward reads as dLoss/dOutput, to be
// filled by the caller after zeroGrads.
func (e *executor) outputGrads() []*tensor.Tensor {
	if e.resultGrads == nil {
		for _, o := range e.m.outputs {
			e.resultGrads = append(e.resultGrads, e.grads[o.node.id][o.index])
		}
	}
	return e.resultGrads
}

func (e *executor) zeroGrads(params []*layers.Param) {
	if e.toZero == nil {
		set := e.setGrads() // written whole by their layer: not zeroed
		outs := map[*node]bool{}
		for _, o := range e.m.outputs {
			outs[o.node] = true
		}
		for _, nd := range e.m.nodes {
			if sharesInput(nd) {
				continue // its buffer is its input's, zeroed there
			}
			if len(nd.inputs) == 0 && !e.inputGrads && !outs[nd] {
				// A model input's gradient, which nothing writes or reads
				// unless asked for (W3's is 590 KB, 30 µs a step).
				continue
			}
			for _, g := range e.grads[nd.id] {
				if len(g.Data) > 0 && set[&g.Data[0]] {
					continue
				}
				e.toZero = append(e.toZero, g.Data)
				e.actTotal += len(g.Data)
			}
		}
		e.actBufs = len(e.toZero)
	}
	// The weights' gradients are listed again each step: freezing a layer
	// drops its gradients.
	e.toZero = e.toZero[:e.actBufs]
	total := e.actTotal
	for _, p := range params {
		if p.Grad != nil {
			e.toZero = append(e.toZero, p.Grad.Data)
			total += len(p.Grad.Data)
		}
	}
	// Megabytes of gradients on a large model (an embedding table, the
	// activations of a big batch): the cores share the clearing, memory
	// bandwidth allowing.
	if e.clearPiece == nil {
		e.clearPiece = func(_, lo, hi int) { clearRange(e.toZero, lo, hi) }
	}
	parallel.For(total, total, 1<<18, e.clearPiece)
}

// clearRange zeroes elements [lo, hi) of the buffers taken end to end.
func clearRange(bufs [][]float32, lo, hi int) {
	at := 0
	for _, b := range bufs {
		from, to := max(lo-at, 0), min(hi-at, len(b))
		if from < to {
			clear(b[from:to])
		}
		at += len(b)
	}
}

// backward propagates the output gradients back through the graph; layers
// add into parameter gradients, which the caller zeroes.
func (e *executor) backward() {
	for i := len(e.m.nodes) - 1; i >= 0; i-- {
		nd := e.m.nodes[i]
		if len(nd.inputs) == 0 || e.runChainBackward(nd.id) {
			continue
		}
		nd.layer.Backward(e.ctxs[nd.id], e.ins[nd.id], e.outs[nd.id], e.grads[nd.id], e.dins[nd.id])
	}
}

// inputGrad returns the gradient with respect to model input i.
func (e *executor) inputGrad(i int) *tensor.Tensor { return e.grads[e.m.inputs[i].id][0] }

// runner keeps one executor per batch size (a full batch and the last,
// smaller one), so that an epoch allocates nothing after the first. It
// keeps at most maxExecutors of them, dropping the one used least
// recently: a server calling Predict with ever new sizes would otherwise
// keep the buffers of every size it has seen.
type runner struct {
	m                    *Model
	training, inputGrads bool
	byBatch              map[int]*executor
	clock                uint64 // counts gets; an executor's lastUsed is one of its values
}

// maxExecutors bounds the batch sizes a runner keeps executors for.
const maxExecutors = 4

func (r *runner) get(batch int) *executor {
	if r.byBatch == nil {
		r.byBatch = map[int]*executor{}
	}
	e := r.byBatch[batch]
	if e == nil {
		if len(r.byBatch) >= maxExecutors {
			var oldest *executor
			for _, x := range r.byBatch {
				if oldest == nil || x.lastUsed < oldest.lastUsed {
					oldest = x
				}
			}
			delete(r.byBatch, oldest.batch)
		}
		e = newExecutor(r.m, batch, r.training, r.inputGrads)
		r.byBatch[batch] = e
	}
	r.clock++
	e.lastUsed = r.clock
	return e
}

// runnerList keeps idle inference runners between calls. A sync.Pool
// drops what was not used across two garbage collections, so a server
// whose Predict calls come further apart than that would build all the
// activation buffers again on each call (megabytes at batch 256), making
// garbage that brings the next collection sooner. The list keeps them: it
// holds as many runners as calls ever ran at once, each with at most
// maxExecutors batch sizes.
type runnerList struct {
	mu   sync.Mutex
	idle []*runner
}

// get returns an idle runner of m, or a new one.
func (l *runnerList) get(m *Model) *runner {
	l.mu.Lock()
	defer l.mu.Unlock()
	for n := len(l.idle); n > 0; n-- {
		r := l.idle[n-1]
		l.idle = l.idle[:n-1]
		if r.m == m {
			return r
		}
	}
	return &runner{m: m}
}

// put gives back a runner that get returned.
func (l *runnerList) put(r *runner) {
	l.mu.Lock()
	l.idle = append(l.idle, r)
	l.mu.Unlock()
}
