package layers

import (
	"github.com/seqnet/seqnet/internal/conv"
	"github.com/seqnet/seqnet/internal/kernels"
	"github.com/seqnet/seqnet/internal/parallel"
	"github.com/seqnet/seqnet/tensor"
)

// UnitChain runs consecutive layers, each reading the previous one's
// output, one unit of samples at a time: Conv1Ds whose passes cut the
// batch into the same units (see internal/conv's batch split), and
// MaxPooling1Ds among or after them. Each core takes a unit's samples
// through all the layers in a row — forward from the first layer to the
// last, backward from the last to the first — so what one layer writes
// for a unit is read by the next while it is still in that core's cache,
// and nothing goes from one core to another until the kernel gradients
// are added up. Run layer by layer, each pass hands its units out afresh,
// a core mostly reads what another core wrote, and every pass waits for
// its last unit: on a small convolutional network (a time-series model:
// Conv1D → Conv1D → MaxPooling1D on 64 steps) the memory-bound passes
// (max pooling, relu's derivative, the bias sums) then cost more CPU time
// on two cores than on one.
//
// Package model runs it in place of the layers' Forward and Backward
// where the layers' intermediate outputs have no other reader. Forward
// gives the layers' bits; Backward gives their input and kernel
// gradients' bits, and the bias gradients to rounding (summed unit by
// unit, in unit order, instead of in the layers' fixed row pieces). Both
// give the same bits on any number of cores.
type UnitChain struct {
	links []chainLink
	units int
	split *conv.Conv  // a Conv1D's pass: its units' samples are every link's
	fwd   func(u int) // made once: a pass allocates nothing
	bwd   func(u int)
}

// chainLink is one layer of a chain, with the slices of the pass under
// way.
type chainLink struct {
	conv *Conv1D
	pool *MaxPooling1D
	ctx  *Context
	cs   *convState   // conv's state in ctx
	ps   *maxPoolPass // pool's state in ctx
	// Backward of a Conv1D: dL/dz goes to dst with layout lay (Period 0:
	// row r at r), the bias gradient's unit sums to biasPart (one row of
	// Filters per unit); run says whether the convolution has gradients
	// to compute (kernel or input).
	y, dy, dst, biasPart []float32
	lay                  conv.GradLayout
	run                  bool
}

// NewUnitChain returns the chain of ls (built, in order, each reading the
// previous one's output) on batches of batch samples, with the layers'
// contexts ctxs, or nil when they cannot run as one: a layer other than
// Conv1D and MaxPooling1D, a Conv1D whose activation is not linear or relu
// (which its products apply in place), fewer than two layers, or Conv1Ds
// that do not split the batch into the same units (more than one).
func NewUnitChain(ls []Layer, ctxs []*Context, batch int) *UnitChain {
	if len(ls) < 2 || len(ctxs) != len(ls) {
		return nil
	}
	c := &UnitChain{}
	for i, l := range ls {
		lk := chainLink{ctx: ctxs[i]}
		switch l := l.(type) {
		case *Conv1D:
			if !l.Built() || l.Activation.Name != "relu" && l.Activation.Name != "linear" {
				return nil
			}
			lk.conv, lk.cs = l, l.state(ctxs[i], batch)
			u := lk.cs.conv.Units()
			if u < 2 || c.units != 0 && u != c.units {
				return nil
			}
			c.units, c.split = u, lk.cs.conv
			lk.biasPart = make([]float32, u*l.Filters)
		case *MaxPooling1D:
			if !l.Built() {
				return nil
			}
			lk.pool, lk.ps = l, l.state(ctxs[i])
		default:
			return nil
		}
		c.links = append(c.links, lk)
	}
	if c.units == 0 {
		return nil
	}
	c.fwd, c.bwd = c.forwardUnit, c.backwardUnit
	return c
}

// Units returns how many units of samples the chain's passes hand out.
func (c *UnitChain) Units() int { return c.units }

// Forward computes the layers' outputs outs (one per layer) from x.
func (c *UnitChain) Forward(x *tensor.Tensor, outs []*tensor.Tensor) {
	in := x.Data
	for i := range c.links {
		lk := &c.links[i]
		y := outs[i].Data
		if l := lk.conv; l != nil {
			stage := lk.cs.out.stage(valueOf(l.bias)) // bias and relu in the GEMMs
			if l.Groups == 1 && l.DilationRate == 1 {
				stage.Packed = lk.cs.pack.get(lk.ctx, l.kernel, l.KernelSize*l.in, l.Filters)
			}
			lk.cs.conv.StartForward(in, l.kernel.Value.Data, y, stage)
		} else {
			lk.ps.x, lk.ps.y = in, y
			outs[i].Mask = nil
		}
		in = y
	}
	parallel.Each(c.units, c.fwd)
	for i := range c.links {
		if lk := &c.links[i]; lk.conv != nil {
			lk.cs.conv.EndForward()
		} else {
			lk.ps.done()
		}
	}
}

// forwardUnit takes unit u's samples through the layers.
func (c *UnitChain) forwardUnit(u int) {
	b0, b1 := c.split.UnitSamples(u)
	for i := range c.links {
		if lk := &c.links[i]; lk.conv != nil {
			lk.cs.conv.ForwardUnit(u)
		} else {
			lk.pool.forwardSamples(lk.ps, b0, b1)
		}
	}
}

// Backward computes the layers' gradients from dOuts[len-1], the gradient
// of the last layer's output: the weights' gradients are added into, the
// gradients of the outputs in between (dOuts[:len-1]) are written whole,
// and the input gradient dx (nil for none) is written whole when the first
// layer's Context says SetInputGrad, added into otherwise. x and outs are
// the input and outputs of the Forward call before.
func (c *UnitChain) Backward(x *tensor.Tensor, outs, dOuts []*tensor.Tensor, dx *tensor.Tensor) {
	for i := len(c.links) - 1; i >= 0; i-- {
		lk := &c.links[i]
		in, din, setDx := x, dx, lk.ctx.SetInputGrad
		if i > 0 {
			in, din, setDx = outs[i-1], dOuts[i-1], true
		}
		if lk.pool != nil {
			ps := lk.ps
			ps.x, ps.y, ps.dx, ps.dy, ps.setDx = in.Data, outs[i].Data, dataOf(din), dOuts[i].Data, setDx
			continue
		}
		l := lk.conv
		lk.y, lk.dy = outs[i].Data, dOuts[i].Data
		rows := lk.cs.out.dzbuf // relu's; linear's dL/dz is dy itself
		if rows == nil {
			rows = lk.dy
		}
		dw, dxd := gradOf(l.kernel), dataOf(din)
		lk.run = dw != nil || dxd != nil
		if lk.run {
			lk.dst, lk.lay = lk.cs.conv.StartBackward(in.Data, l.kernel.Value.Data, rows, dw, dxd, setDx)
		} else {
			lk.dst, lk.lay = rows, conv.GradLayout{}
		}
	}
	parallel.Each(c.units, c.bwd)
	for i := range c.links {
		lk := &c.links[i]
		if lk.pool != nil {
			lk.ps.done()
			continue
		}
		if lk.run {
			lk.cs.conv.EndBackward()
		}
		if bg := gradOf(lk.conv.bias); bg != nil {
			n := len(bg)
			for u := 0; u < c.units; u++ {
				for j, v := range lk.biasPart[u*n : (u+1)*n] {
					bg[j] += v
				}
			}
		}
		lk.y, lk.dy, lk.dst = nil, nil, nil
	}
}

// backwardUnit takes unit u's samples back through the layers, last to
// first.
func (c *UnitChain) backwardUnit(u int) {
	b0, b1 := c.split.UnitSamples(u)
	for i := len(c.links) - 1; i >= 0; i-- {
		lk := &c.links[i]
		if lk.pool != nil {
			if lk.ps.dx != nil {
				lk.pool.backwardSamples(lk.ps, b0, b1)
			}
			continue
		}
		lk.convGrad(u, b0, b1)
		if lk.run {
			lk.cs.conv.BackwardUnit(u)
		}
	}
}

// convGrad writes dL/dz of samples [b0, b1) (unit u) where the
// convolution's backward pass reads it, and sums the unit's bias
// gradient.
func (lk *chainLink) convGrad(u, b0, b1 int) {
	l := lk.conv
	o, f := l.geom.OutLength, l.Filters
	var part []float32
	if l.bias != nil && l.bias.Grad != nil {
		part = lk.biasPart[u*f : (u+1)*f]
		clear(part)
	}
	relu := l.Activation.Name == "relu"
	for b := b0; b < b1; b++ {
		r, d := b*o, b*o
		if lk.lay.Period > 0 {
			d = lk.lay.Row(r) // the sample's rows are consecutive there too
		}
		dz, dy := lk.dst[d*f:(d+o)*f], lk.dy[r*f:(r+o)*f]
		switch {
		case relu:
			kernels.ReluGrad(dz, dy, lk.y[r*f:(r+o)*f])
		case &dz[0] != &dy[0]:
			copy(dz, dy)
		}
		if part != nil {
			kernels.AddRows(part, dz, o, f)
		}
	}
}
