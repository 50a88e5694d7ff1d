package layers

import (
	"sync"

	"github.com/seqnet/seqnet/internal/kernels"
	"github.com/seqnet/seqnet/internal/parallel"
	"github.com/seqnet/seqnet/tensor"
)

// ConvMaxPool is Conv1D followed by GlobalMaxPooling1D run as one pass at
// inference (a text CNN's body): each core takes one sample at a time
// through the convolution and the maximum over the steps, so the
// (batch, steps, filters) output of Conv1D never goes through memory,
// only through the core's cache. On a batch of 256 texts of 256 tokens
// (128 channels, 128 filters of width 5) that output is 33 MB, written
// once by Conv1D and read back once by the pooling; the product also runs
// faster with its output in cache.
//
// Package model runs it in place of the layers' Forward when nothing else
// reads Conv1D's output. The result is what the layers compute, to the
// GEMM's rounding: the same bits on shapes where the per-sample product
// takes the same path as the whole-batch one (all but tiny ones).
//
// With an Embedding in front whose output nothing else reads, the
// embedding table is folded into the kernel (see convpool_fold.go): the
// Conv1D then costs additions of table rows instead of a product, and the
// result agrees with the layers' to float32 rounding. The folded table
// (at most 64 MB) stays with the Conv1D until its weights change.
// (Looking the embedding rows up one sample at a time before each product
// was tried first: on a busy machine it was slower than the Embedding's
// own pass over the batch.)
type ConvMaxPool struct {
	emb  *Embedding // nil: no Embedding folded in
	conv *Conv1D
}

// FuseConvMaxPool returns the fused pass of emb (nil for none), c and p,
// all built, or nil when it does not cover their settings: groups or
// dilation, an activation other than linear and relu (which the GEMM
// applies to each tile before the maximum), or an embedding table too
// large to fold into the kernel (more than 64 MB folded).
func FuseConvMaxPool(emb *Embedding, c *Conv1D, p *GlobalMaxPooling1D) *ConvMaxPool {
	if c == nil || p == nil || !c.Built() || !p.Built() || c.Groups != 1 || c.DilationRate != 1 || c.Activation == nil {
		return nil
	}
	if a := c.Activation.Name; a != "linear" && a != "relu" {
		return nil
	}
	if p.steps != c.geom.OutLength || p.channels != c.Filters {
		return nil
	}
	if emb != nil && (!emb.Built() || !foldable(emb, c) || emb.OutputDim != c.in || len(emb.inShape) != 1 || emb.inShape[0] != c.geom.Length) {
		return nil
	}
	return &ConvMaxPool{emb: emb, conv: c}
}

// Worthwhile reports whether the fused pass pays on every batch of batch
// samples with procs cores: it gives each core whole samples, so a batch
// of a few samples is better served by the layers, whose products share
// one sample among the cores. With an Embedding folded in, the batch must
// also look up at least as many tokens as the table has rows, so that
// making the table (when the weights change) costs no more than one
// batch through the layers. On smaller batches a folded pass pays while
// its table is current: see FoldNow.
func (f *ConvMaxPool) Worthwhile(batch, procs int) bool {
	if f.emb != nil && f.emb.InputDim > batch*f.conv.geom.OutLength {
		return false
	}
	return batch >= 4*max(procs, 1)
}

// FoldNow reports whether a pass of batch samples should run f (which
// folds an Embedding) rather than the layers, on batches too small for
// Worthwhile. Once the folded table exists for the current weights, a
// pass costs additions of its rows, far less than the product at any
// batch size (on the W2 text CNN: 30-180 µs against 200-250 µs a sample
// at batch 1 on one core, depending on how much of the table is in
// cache). Until then, making the table costs as much as looking up
// vocabulary-size tokens through the layers: FoldNow counts the tokens
// that passes looked up through the layers since the weights last
// changed (this one included) and says yes once they reach the table's
// rows, so that the passes of a weights' version never cost more than
// twice the cheaper of the two choices made in hindsight. Prepare makes
// the table ahead of the first pass.
func (f *ConvMaxPool) FoldNow(batch int) bool {
	if f.emb == nil {
		return false
	}
	return f.conv.fold.ready(f.emb, f.conv, batch*f.conv.geom.OutLength)
}

// Prepare makes the folded table for the current weights now, if f folds
// an Embedding and the table is not current: a server calls it (through
// model.Model.Prepare) when it loads a model, so that its first requests
// do not pay for the table (0.27 s for W2's 51 MB table).
func (f *ConvMaxPool) Prepare() {
	if f.emb != nil {
		f.conv.fold.table(f.emb, f.conv)
	}
}

// TableBytes is the memory of the folded table f makes and keeps (0
// when f folds no Embedding): vocabulary × kernel_size × filters floats.
// Callers that bound memory count it (model.MaxMemory).
func (f *ConvMaxPool) TableBytes() int64 {
	if f.emb == nil {
		return 0
	}
	return 4 * foldFloats(f.emb, f.conv) // at most 4 × foldBudget: f exists only if foldable
}

// convPoolState is the fused pass's state in its Context: the kernel
// packed once, the arguments of the pass under way (for sample, made
// once), and per-core scratch.
type convPoolState struct {
	pack    packedKernel
	x, y, w []float32
	out     kernels.Output
	fold    *folded // the folded table of this pass, with an Embedding
	sample  func(b int)
	mu      sync.Mutex
	scratch [][]float32 // idle scratch buffers, each the padded input (if any) then one sample's output
}

// Forward sets y (batch, filters), GlobalMaxPooling1D's output, from x:
// the Embedding's input (batch, steps) of indices, or without one,
// Conv1D's input (batch, steps, channels).
func (f *ConvMaxPool) Forward(ctx *Context, x, y *tensor.Tensor) {
	c := f.conv
	st, _ := ctx.State.(*convPoolState)
	if st == nil {
		st = &convPoolState{}
		st.sample = func(b int) { f.sample(st, b) }
		if f.emb != nil {
			st.sample = func(b int) { f.foldedSample(st, b) }
		}
		ctx.State = st
	}
	st.x, st.y, st.w = x.Data, y.Data, c.kernel.Value.Data
	st.out = kernels.Output{Bias: valueOf(c.bias), Relu: c.Activation.Name == "relu", Serial: true}
	if f.emb != nil {
		st.fold = c.fold.table(f.emb, c)
	} else {
		st.out.B = st.pack.get(ctx, c.kernel, c.KernelSize*c.in, c.Filters)
	}
	parallel.Each(Batch(x), st.sample)
	st.x, st.y, st.w, st.fold = nil, nil, nil, nil
	y.Mask = nil
}

// sample computes sample b's output: the convolution of its steps with the
// output stage (on its rows of x in place, or copied padded into scratch),
// then the maximum over the steps.
func (f *ConvMaxPool) sample(st *convPoolState, b int) {
	c := f.conv
	g, cin, nf := c.geom, c.in, c.Filters
	padded := 0 // scratch for the padded input, when there is padding
	if g.PadLeft+g.PadRight > 0 {
		padded = (g.Length + g.PadLeft + g.PadRight) * cin
	}
	buf := st.get(padded + g.OutLength*nf)
	defer st.put(buf)
	xp, z := buf[:padded], buf[padded:]
	var a []float32
	if padded > 0 {
		clear(xp[:g.PadLeft*cin])
		copy(xp[g.PadLeft*cin:], st.x[b*g.Length*cin:(b+1)*g.Length*cin])
		clear(xp[(g.PadLeft+g.Length)*cin:])
		a = xp
	} else {
		a = st.x[b*g.Length*cin : (b+1)*g.Length*cin] // read in place
	}
	kernels.SgemmOut(false, false, g.OutLength, nf, c.KernelSize*cin, 1, a, c.Strides*cin, st.w, nf, 0, z, nf, st.out)
	yb := st.y[b*nf : (b+1)*nf]
	copy(yb, z[:nf])
	for t := 1; t < g.OutLength; t++ {
		kernels.MaxInto(yb, z[t*nf:(t+1)*nf])
	}
}

// get returns a scratch buffer of n floats, an idle one when there is.
func (st *convPoolState) get(n int) []float32 {
	st.mu.Lock()
	defer st.mu.Unlock()
	if k := len(st.scratch); k > 0 {
		buf := st.scratch[k-1]
		st.scratch = st.scratch[:k-1]
		if len(buf) == n {
			return buf
		}
	}
	return make([]float32, n)
}

// put gives back a buffer get returned.
func (st *convPoolState) put(buf []float32) {
	st.mu.Lock()
	st.scratch = append(st.scratch, buf)
	st.mu.Unlock()
}
