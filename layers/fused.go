package layers

import (
	"github.com/seqnet/seqnet/internal/conv"
	"github.com/seqnet/seqnet/internal/kernels"
	"github.com/seqnet/seqnet/internal/parallel"
	"github.com/seqnet/seqnet/tensor"
)

// biasAct is the output stage Conv1D and Dense share: z = x·W (+ bias),
// y = activation(z). For linear and relu it works in place on y in one
// pass (relu's derivative needs only y: it is 1 where y > 0), and its
// backward pass computes dL/dz and the bias gradient in one pass too; other
// activations keep z. Large tensors are split by rows over the cores; each
// row is handled by one goroutine with the same arithmetic, and the bias
// gradient's partial sums are added in a fixed order, so the result does
// not depend on the number of cores.
//
// It holds the slices of the pass under way so that its row functions
// (made once, in newBiasAct) need no closure per call: a training step
// allocates nothing.
type biasAct struct {
	act  *Activation
	n    int // units per row (the last axis)
	keep bool
	// zbuf holds the pre-activation when the activation needs it apart
	// from y; dzbuf the gradient with respect to it (nil for linear, whose
	// gradient is dy itself).
	zbuf, dzbuf []float32

	z, y, dy, dz, bias []float32
	partial            []float32 // bias-gradient partial sums, one row per piece
	withBias           bool
	fwd, bwd           func(piece, lo, hi int)
	lay                conv.GradLayout // where backward writes dz (Period 0: row r at r)
}

// newBiasAct returns the output stage for outputs of size elems with n
// units a row, with its buffers.
func newBiasAct(act *Activation, n, elems int) *biasAct {
	b := &biasAct{act: act, n: n, keep: act.Name != "linear" && act.Name != "relu"}
	b.fwd, b.bwd = b.forwardRows, b.backwardRows
	if b.keep {
		b.zbuf = make([]float32, elems)
	}
	if act.Name != "linear" {
		b.dzbuf = make([]float32, elems)
	}
	return b
}

// pre returns where the layer writes x·W: the pre-activation buffer, or y
// itself when the stage works in place.
func (b *biasAct) pre(y []float32) []float32 {
	if b.zbuf != nil {
		return b.zbuf
	}
	return y
}

// stage returns the part of the output stage that the layer's GEMM does on
// each tile of pre(y) while it is in cache: the bias, and relu when the
// stage works in place. After a GEMM with this stage, finish does the rest.
func (b *biasAct) stage(bias []float32) conv.Stage {
	return conv.Stage{Bias: bias, Relu: b.act.Name == "relu" && !b.keep}
}

// finish completes the output y after a GEMM that applied stage: the
// activations kept apart from y (sigmoid, tanh, …) run here.
func (b *biasAct) finish(y []float32) {
	if b.keep {
		b.act.Forward(b.zbuf, y, b.n)
	}
}

// apply turns what the layer wrote into pre(y) into the output y.
func (b *biasAct) apply(y, bias []float32) { b.forward(b.pre(y), y, bias) }

// grad returns dL/d(x·W) given the output y and dy, adding the bias
// gradient into biasGrad (nil to skip).
func (b *biasAct) grad(y, dy, biasGrad []float32) []float32 {
	return b.backward(b.zbuf, y, dy, b.dzbuf, biasGrad)
}

// writesGradInto reports whether gradInto can run: relu in place (its
// derivative needs only y), which writes dL/dz row by row anyway.
func (b *biasAct) writesGradInto() bool { return b.act.Name == "relu" && !b.keep }

// gradInto is grad writing dL/d(x·W) straight into dst, row r at row
// lay.Row(r) (Conv1D's whole-batch backward reads it there). Requires
// writesGradInto.
func (b *biasAct) gradInto(y, dy, biasGrad, dst []float32, lay conv.GradLayout) {
	b.lay = lay
	b.backward(nil, y, dy, dst, biasGrad)
	b.lay = conv.GradLayout{}
}

// convGrad is the conv.Grad of a Conv1D's backward pass: dL/dz from the
// output stage out, given the output y, dy and the bias gradient
// (biasGrad, nil to skip), written where conv.Backward wants it.
type convGrad struct {
	out             *biasAct
	y, dy, biasGrad []float32
}

// Rows returns dL/dz row after row.
func (g *convGrad) Rows() []float32 { return g.out.grad(g.y, g.dy, g.biasGrad) }

// WriteLaidOut writes dL/dz straight into dst when the stage can (relu
// in place).
func (g *convGrad) WriteLaidOut(dst []float32, lay conv.GradLayout) bool {
	if !g.out.writesGradInto() {
		return false
	}
	g.out.gradInto(g.y, g.dy, g.biasGrad, dst, lay)
	return true
}

// parallelMin is the element count from which a pass is split into
// pieces that the cores share.
const parallelMin = 1 << 16

// maxPieces is how many row ranges a large pass is cut into, whatever the
// number of cores, so that the bias gradient's partial sums (one per
// piece, added in order) round the same on any machine.
const maxPieces = 8

// pieces is how many row ranges a pass of rows×n elements is cut into.
func pieces(rows, n int) int {
	if rows*n < parallelMin {
		return 1
	}
	return min(maxPieces, rows)
}

// forward turns z (already x·W) into y: adds bias (nil for none) and applies
// the activation. With a pre-activation buffer, z and y are different slices; otherwise
// z == y and the work is done in place.
func (b *biasAct) forward(z, y, bias []float32) {
	rows := len(y) / b.n
	if b.keep {
		if bias != nil {
			b.z, b.bias = z, bias
			parallel.Pieces(rows, pieces(rows, b.n), b.fwd) // adds the bias to z
		}
		b.act.Forward(z, y, b.n)
		return
	}
	if bias == nil && b.act.Name == "linear" {
		return
	}
	b.z, b.bias = y, bias
	parallel.Pieces(rows, pieces(rows, b.n), b.fwd)
}

func (b *biasAct) forwardRows(_, lo, hi int) {
	n := b.n
	relu := b.act.Name == "relu" && !b.keep
	for r := lo; r < hi; r++ {
		row := b.z[r*n : (r+1)*n]
		switch {
		case relu && b.bias != nil:
			kernels.AddRelu(row, b.bias)
		case relu:
			kernels.Relu(row)
		case b.bias != nil:
			kernels.Axpy(1, b.bias[:len(row)], row)
		}
	}
}

// backward writes dL/dz into dz (for linear it is dy itself) and adds the
// bias gradient into biasGrad (nil to skip), given z (nil unless kept apart),
// y and dy. It returns the slice holding dL/dz.
func (b *biasAct) backward(z, y, dy, dz, biasGrad []float32) []float32 {
	n := b.n
	rows := len(y) / n
	nw := pieces(rows, n)
	out := dz
	switch {
	case b.act.Name == "linear":
		out = dy
	case b.keep:
		b.act.Backward(z, y, dy, dz, n)
	}
	if b.act.Name != "relu" && biasGrad == nil {
		return out
	}
	b.y, b.dy, b.dz, b.withBias = y, dy, out, biasGrad != nil
	if b.withBias {
		if len(b.partial) < nw*n {
			b.partial = make([]float32, nw*n)
		}
		clear(b.partial[:nw*n])
	}
	parallel.Pieces(rows, nw, b.bwd)
	if b.withBias {
		for w := 0; w < nw; w++ {
			for j, v := range b.partial[w*n : (w+1)*n] {
				biasGrad[j] += v
			}
		}
	}
	return out
}

// backwardRows applies relu's derivative (when relu) and sums the bias
// gradient of rows [lo, hi) into piece w's partial row.
func (b *biasAct) backwardRows(w, lo, hi int) {
	n := b.n
	relu := b.act.Name == "relu" && !b.keep
	var acc []float32
	if b.withBias {
		acc = b.partial[w*n : (w+1)*n]
	}
	// Runs of rows that are consecutive in dz too: all of [lo, hi), or up
	// to the end of a sample in Conv1D's layout.
	for r := lo; r < hi; {
		dr, cnt := r, hi-r
		if b.lay.Period > 0 {
			dr, cnt = b.lay.Row(r), min(cnt, b.lay.Keep-r%b.lay.Keep)
		}
		dzs := b.dz[dr*n : (dr+cnt)*n]
		if relu {
			kernels.ReluGrad(dzs, b.dy[r*n:(r+cnt)*n], b.y[r*n:(r+cnt)*n])
		}
		if acc != nil {
			kernels.AddRows(acc, dzs, cnt, n)
		}
		r += cnt
	}
}

// valueOf returns a weight's values, or nil for a missing weight (a layer
// with use_bias=False).
func valueOf(p *Param) []float32 {
	if p == nil {
		return nil
	}
	return p.Value.Data
}

// dataOf returns a tensor's values, or nil for a missing tensor (an input
// gradient nobody asked for).
func dataOf(t *tensor.Tensor) []float32 {
	if t == nil {
		return nil
	}
	return t.Data
}

// gradOf returns a weight's gradient, or nil for a missing or frozen one.
func gradOf(p *Param) []float32 {
	if p == nil || p.Grad == nil {
		return nil
	}
	return p.Grad.Data
}
