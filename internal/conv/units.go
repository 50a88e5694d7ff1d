package conv

import (
	"github.com/seqnet/seqnet/internal/kernels"
	"github.com/seqnet/seqnet/internal/parallel"
)

// The batch split. A small convolution (Conv1D(64, 3) on 64 steps, say)
// makes products that the GEMM splits poorly: the kernel gradient is a
// product of a few hundred rows by a few dozen columns whose depth is
// the whole batch, so its split over the cores pays one hand-over per
// block of depth, dozens per pass, each worth a few microseconds of work.
// Instead, the batch is cut into units of consecutive samples and each
// core takes whole units through the pass: padding, the products of the
// forward pass with the layer's output stage, or the kernel and input
// gradients of the backward pass, all on that core (the products with
// Output.Serial). Each unit adds its kernel gradient into a buffer of its
// own, and the buffers are added into dw in unit order at the end, so the
// result depends on the shape alone, not on the number of cores or on
// which core took which unit. Large convolutions (a kernel gradient too
// big to keep many copies of) keep the GEMM's own split, which serves
// them well.

// The sizes of the split; tests lower unitRows and minUnits so that small
// convolutions split too.
var (
	// unitRows is the fewest product rows a unit gets: below that, the
	// hand-over of a unit costs more than its work.
	unitRows = 256
	// minUnits is the fewest units worth splitting into: fewer would not
	// keep 8 cores busy, and the GEMM's split does better then.
	minUnits = 8
)

const (
	// maxUnits bounds the units of a pass: enough for 16 cores to take two
	// each.
	maxUnits = 32
	// partialBudget bounds the floats of the units' kernel-gradient
	// buffers (4 MB).
	partialBudget = 1 << 20
)

// units returns how many units d's passes cut the batch into, 1 for no
// split.
func (d Dims) units() int {
	kw := max(d.Kernel*d.In/max(d.Groups, 1)*d.Filters, 1)
	u := min(d.Batch, maxUnits, d.Batch*d.OutLength/max(unitRows, 1), partialBudget/kw)
	if u < minUnits {
		return 1
	}
	return u
}

// span returns unit u's samples [b0, b1) and its Dims, whose products
// stay on the calling goroutine.
func (c *Conv) span(u int) (b0, b1 int, du Dims) {
	b0, b1 = u*c.d.Batch/c.units, (u+1)*c.d.Batch/c.units
	du = c.d
	du.Batch, du.serial = b1-b0, true
	return b0, b1, du
}

// unitPass holds the arguments of the split pass under way, for the unit
// functions (made once in New, so a pass allocates nothing).
type unitPass struct {
	x, w, y, dy, dw, dx []float32
	st                  Stage
	z                   []float32 // dy laid out (whole-batch path)
	lay                 GradLayout
	laid                bool             // z already holds dy
	wt                  []float32        // the flipped kernel
	pwt                 *kernels.PackedB // wt packed
	pad                 bool             // the units pad their samples of x first
	setDx               bool             // the units write dx rather than add into it
}

// forwardUnits is Forward with the batch split.
func (c *Conv) forwardUnits(x, w, y []float32, st Stage) {
	c.StartForward(x, w, y, st)
	parallel.Each(c.units, c.fwdUnit)
	c.EndForward()
}

// Units returns how many units of consecutive samples the passes cut the
// batch into: 1 when they do not split it.
func (c *Conv) Units() int { return c.units }

// UnitSamples returns the samples [b0, b1) of unit u.
func (c *Conv) UnitSamples(u int) (b0, b1 int) {
	b0, b1, _ = c.span(u)
	return b0, b1
}

// StartForward begins a forward pass that the caller runs unit by unit
// (ForwardUnit, for every unit, on any goroutines) and ends with
// EndForward: a caller that takes the same samples through several
// layers in a row (a Conv1D into another) keeps each unit's data in the
// cache of the core that made it. Requires Units() > 1. Without a packed
// kernel from the caller (training: the weights change every step), the
// kernel is packed here once for all the units, which would each pack it
// again.
func (c *Conv) StartForward(x, w, y []float32, st Stage) {
	c.padded = false
	if st.Packed == nil && c.d.Groups == 1 && c.d.Dilation == 1 {
		c.packedW.Pack(false, c.d.Kernel*c.d.In, c.d.Filters, w, c.d.Filters)
		st.Packed = &c.packedW
	}
	c.pass = unitPass{x: x, w: w, y: y, st: st, pad: c.xp != nil}
}

// ForwardUnit computes unit u's samples of the pass StartForward began.
func (c *Conv) ForwardUnit(u int) { c.forwardUnit(u) }

// EndForward ends the pass StartForward began.
func (c *Conv) EndForward() {
	c.padded = c.xp != nil
	c.pass = unitPass{}
}

func (c *Conv) forwardUnit(u int) {
	p := &c.pass
	b0, b1, du := c.span(u)
	d := c.d
	x := p.x[b0*d.Length*d.In : b1*d.Length*d.In]
	y := p.y[b0*d.OutLength*d.Filters : b1*d.OutLength*d.Filters]
	ws := &c.uws[u]
	if d.sameLength() {
		sameLengthForward(du, x, p.w, y, false, p.st, ws.buf(edgeScratch(du)))
		return
	}
	xp := x
	if c.xp != nil {
		xp = c.xp[b0*d.PaddedLength()*d.In : b1*d.PaddedLength()*d.In]
		if p.pad {
			Pad(du, x, xp)
		}
	}
	if d.Stride == 1 && du.Batch > 1 {
		wholeBatchForward(du, xp, p.w, y, p.st)
		return
	}
	perSampleForward(du, xp, p.w, y, p.st)
}

// backwardUnits is Backward with the batch split; dw or dx may be nil,
// not both.
func (c *Conv) backwardUnits(x, w []float32, g Grad, dw, dx []float32, setDx bool) {
	p := &c.pass
	c.startBackward(x, w, dw, dx, setDx)
	if p.z != nil {
		p.laid = g.WriteLaidOut(p.z, p.lay)
	}
	if !p.laid {
		p.dy = g.Rows()
	}
	parallel.Each(c.units, c.bwdUnit)
	c.EndBackward()
}

// StartBackward begins a backward pass that the caller runs unit by unit
// and ends with EndBackward, as StartForward does the forward pass: for
// each unit, on any goroutine, the caller writes dL/dz (the gradient with
// respect to the convolution's output before the output stage) of the
// unit's rows (Filters values each; row r = b*OutLength + t), then calls
// BackwardUnit. It writes row r at dst[lay.Row(r)*Filters:] when
// lay.Period > 0 (a layout that the products read in place), and otherwise
// at dst[r*Filters:], dst being rows, the caller's buffer of
// Batch*OutLength*Filters values. dw or dx may be nil, not both; with
// setDx the input gradient is written rather than added into dx.
// Requires Units() > 1.
func (c *Conv) StartBackward(x, w, rows, dw, dx []float32, setDx bool) (dst []float32, lay GradLayout) {
	p := &c.pass
	c.startBackward(x, w, dw, dx, setDx)
	if p.z != nil {
		p.laid = true
		return p.z, p.lay
	}
	p.dy = rows
	return rows, GradLayout{}
}

// BackwardUnit computes unit u's part of the pass StartBackward began:
// the input gradient of its samples, and its kernel gradient, kept apart
// until EndBackward.
func (c *Conv) BackwardUnit(u int) { c.backwardUnit(u) }

// EndBackward adds the units' kernel gradients into dw, in unit order,
// and ends the pass StartBackward began.
func (c *Conv) EndBackward() {
	c.padded = c.xp != nil
	if c.pass.dw != nil {
		// Split among the cores by element.
		kw := len(c.pass.w)
		parallel.For(kw, kw*c.units, 1<<16, c.sumPiece)
	}
	c.pass = unitPass{}
}

// startBackward sets up c.pass for a split backward pass: the laid-out
// buffer for dL/dz on the whole-batch path (p.z, p.lay), the flipped
// kernel packed once for all the units, and the buffers of the units'
// kernel gradients.
func (c *Conv) startBackward(x, w, dw, dx []float32, setDx bool) {
	d := c.d
	p := &c.pass
	*p = unitPass{x: x, w: w, dw: dw, dx: dx, pad: c.xp != nil && !c.padded, setDx: setDx}
	if !d.sameLength() && d.Stride == 1 {
		p.z, p.lay = gradBuffer(d, &c.ws, dx != nil)
		p.wt = flipped(d, w, &c.ws, dx != nil)
		if p.wt != nil {
			// Packed once for all the units' input-gradient products.
			c.packedWt.Pack(false, d.Kernel*d.Filters, d.In, p.wt, d.In)
			p.pwt = &c.packedWt
		}
	}
	if dx != nil && d.Padded() && c.dxp == nil && !d.sameLength() {
		c.dxp = make([]float32, len(c.xp))
	}
	if kw := len(w); dw != nil && len(c.partial) < (c.units-1)*kw {
		c.partial = make([]float32, (c.units-1)*kw)
	}
}

// sumPartials adds elements [lo, hi) of units 1, 2, … kernel gradients
// into dw (unit 0 added its own there), in unit order. Axpy with alpha 1
// rounds each sum once, as dw[i] += v does.
func (c *Conv) sumPartials(_, lo, hi int) {
	dw, kw := c.pass.dw[lo:hi], len(c.pass.w)
	for u := 1; u < c.units; u++ {
		kernels.Axpy(1, c.partial[(u-1)*kw+lo:(u-1)*kw+hi], dw)
	}
}

func (c *Conv) backwardUnit(u int) {
	p := &c.pass
	b0, b1, du := c.span(u)
	d := c.d
	x := p.x[b0*d.Length*d.In : b1*d.Length*d.In]
	dw := p.dw
	if dw != nil && u > 0 {
		dw = c.partial[(u-1)*len(p.w) : u*len(p.w)]
		clear(dw)
	}
	var dx []float32
	if p.dx != nil {
		dx = p.dx[b0*d.Length*d.In : b1*d.Length*d.In]
	}
	rowsF := d.OutLength * d.Filters
	if d.sameLength() {
		sameLengthBackward(du, x, p.w, p.dy[b0*rowsF:b1*rowsF], dw, dx, p.setDx, &c.uws[u])
		return
	}
	lp := d.PaddedLength()
	xp := x
	if c.xp != nil {
		xp = c.xp[b0*lp*d.In : b1*lp*d.In]
		if p.pad {
			Pad(du, x, xp)
		}
	}
	dxp := dx
	if dx != nil && d.Padded() {
		dxp = c.dxp[b0*lp*d.In : b1*lp*d.In]
		clear(dxp)
	}
	if d.Stride == 1 {
		// The unit's part of the whole batch's layout is laid out as its
		// own: Lead zero rows (the end of the previous sample), then its
		// samples.
		lead := p.lay.Lead
		z := p.z[b0*lp*d.Filters : (lead+b1*lp)*d.Filters]
		if !p.laid {
			for b := b0; b < b1; b++ {
				copy(p.z[p.lay.Row(b*d.OutLength)*d.Filters:], p.dy[b*rowsF:(b+1)*rowsF])
			}
		}
		wholeBatchBackward(du, xp, p.w, z, dw, dxp, p.wt, p.pwt, p.setDx && !d.Padded())
	} else {
		if p.setDx && dx != nil && !d.Padded() {
			clear(dx) // the unit's samples, about to be added into
		}
		perSampleBackward(du, xp, p.w, p.dy[b0*rowsF:b1*rowsF], dw, dxp)
	}
	if dx != nil && d.Padded() {
		Unpad(du, dxp, dx, p.setDx)
	}
}
