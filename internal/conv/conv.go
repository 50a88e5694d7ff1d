// Package conv computes 1-D convolutions on channels-last data as GEMMs.
//
// A Conv holds one convolution's sizes and buffers; its Forward and
// Backward choose among the paths below, and ForwardRef and BackwardRef,
// plain loops over the definition, are what every path is tested against.
//
// With stride s and dilation 1, the kernel_size × channels window of output
// step t is one contiguous run of memory starting at x[t*s*channels], so
// the whole convolution of one sample is a single GEMM whose A matrix has
// leading dimension s*channels (its rows overlap; no im2col copy). With
// stride 1 the samples of a batch lie end to end, so one GEMM covers the
// whole batch: its rows that straddle two samples are dropped by the
// GEMM's row map ('valid'), or land exactly on the edge steps of 'same' and
// 'causal' padding, which a small GEMM over their zero-padded windows then
// fills in, so the input is never copied. Backward runs over the whole
// batch too: the kernel gradient is the forward product transposed, and
// the input gradient is dy convolved with the kernel flipped in time and
// transposed, one GEMM reading dy in place. With dilation or groups each
// product is kernel_size shifted GEMMs added up.
//
// The paths, in the order Forward and Backward try them:
//   - same length (samelength.go): stride 1, no dilation or groups, padding
//     that keeps the length; works on the unpadded input.
//   - whole batch (paths.go): stride 1; the input is padded once and one
//     GEMM (one per tap with dilation or groups) covers every sample.
//   - per sample (paths.go): any stride; one GEMM per sample.
package conv

import "github.com/seqnet/seqnet/internal/kernels"

// Dims describes one convolution. Kernel layout is Keras':
// (Kernel, In/Groups, Filters).
type Dims struct {
	Batch, Length, In, Filters   int
	Kernel, Stride, Dilation     int
	Groups                       int
	PadLeft, PadRight, OutLength int

	serial bool // the products stay on the calling goroutine (a unit of the batch split)
}

// out is o for d's products: kept on the calling goroutine when d is serial.
func (d Dims) out(o kernels.Output) kernels.Output {
	o.Serial = d.serial
	return o
}

// sgemm is kernels.Sgemm with alpha 1 for d's products.
func (d Dims) sgemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	kernels.SgemmOut(transA, transB, m, n, k, 1, a, lda, b, ldb, beta, c, ldc, kernels.Output{Serial: d.serial})
}

// Stage is the output stage the GEMMs apply to each output element once
// it is complete, while it is in cache: add Bias[filter] (nil for none),
// then with Relu clamp at 0 (see kernels.Output).
type Stage struct {
	Bias []float32
	Relu bool
	// Packed, when not nil, is the kernel (Kernel*In × Filters) packed
	// beforehand, which the products use instead of packing it (see
	// kernels.Output.B).
	Packed *kernels.PackedB
}

// Output is the stage as the GEMM's output stage.
func (st Stage) Output() kernels.Output {
	return kernels.Output{Bias: st.Bias, Relu: st.Relu, B: st.Packed}
}

// last returns the stage for the GEMM that completes filters [f0, f0+n),
// the zero stage for the ones before it.
func (st Stage) last(final bool, f0 int) (bias []float32, relu bool) {
	if !final {
		return nil, false
	}
	if st.Bias != nil {
		bias = st.Bias[f0:]
	}
	return bias, st.Relu
}

// PaddedLength is the length after zero padding.
func (d Dims) PaddedLength() int { return d.Length + d.PadLeft + d.PadRight }

// Padded reports whether the convolution pads its input.
func (d Dims) Padded() bool { return d.PadLeft+d.PadRight > 0 }

// sameLength reports whether the same-length path serves d: stride 1, no
// dilation or groups, and padding that keeps the length ('same' or
// 'causal': PadLeft+PadRight = Kernel-1). It needs no padded copy.
func (d Dims) sameLength() bool {
	return d.Padded() && d.Stride == 1 && d.Dilation == 1 && d.Groups == 1 &&
		d.PadLeft+d.PadRight == d.Kernel-1 && d.Length >= d.Kernel
}

// Conv is one convolution of fixed Dims with the buffers its paths need
// (the padded input and its gradient, GEMM scratch). Keep one per call
// site and batch size; it is not safe for concurrent use.
type Conv struct {
	d       Dims
	xp, dxp []float32 // padded input and its gradient, when a path pads
	padded  bool      // xp holds the input of the last Forward
	ws      workspace

	// The batch split (units.go): units > 1 cuts the batch into that
	// many units, each with its scratch and, but for unit 0, its kernel
	// gradient buffer in partial.
	units            int
	uws              []workspace
	partial          []float32
	pass             unitPass
	packedW          kernels.PackedB // the kernel and its flipped form, packed once a pass
	packedWt         kernels.PackedB
	fwdUnit, bwdUnit func(u int)
	sumPiece         func(piece, lo, hi int)
}

// New returns the convolution d describes.
func New(d Dims) *Conv {
	c := &Conv{d: d, units: d.units()}
	if d.Padded() && !d.sameLength() {
		c.xp = make([]float32, d.Batch*d.PaddedLength()*d.In)
	}
	if c.units > 1 {
		c.uws = make([]workspace, c.units)
		c.fwdUnit, c.bwdUnit, c.sumPiece = c.forwardUnit, c.backwardUnit, c.sumPartials
	}
	return c
}

// Dims returns the sizes c was made with.
func (c *Conv) Dims() Dims { return c.d }

// Forward computes y = stage(conv(x, w)) (see ForwardRef for the
// definition): x is the input (Batch, Length, In), w the kernel (Kernel,
// In/Groups, Filters), y the output (Batch, OutLength, Filters),
// overwritten. The same-length path reads x in place; the others copy it
// padded, once, into a buffer Backward reuses.
func (c *Conv) Forward(x, w, y []float32, st Stage) {
	d := c.d
	c.padded = false
	if c.units > 1 {
		c.forwardUnits(x, w, y, st)
		return
	}
	if d.sameLength() {
		sameLengthForward(d, x, w, y, false, st, c.ws.buf(edgeScratch(d)))
		return
	}
	if d.Stride == 1 && d.Batch > 1 {
		// One product packs the kernel once and splits over the cores once.
		wholeBatchForward(d, c.padIn(x), w, y, st)
		return
	}
	perSampleForward(d, c.padIn(x), w, y, st)
}

// padIn returns x padded (in c's buffer), or x itself without padding.
func (c *Conv) padIn(x []float32) []float32 {
	if c.xp == nil {
		return x
	}
	if !c.padded {
		Pad(c.d, x, c.xp)
		c.padded = true
	}
	return c.xp
}

// Grad is where Backward takes dy (Batch, OutLength, Filters) from. A
// layer that computes dy in its own output stage (the derivative of relu,
// say) can write it straight where the whole-batch path reads it.
// Backward calls exactly one of the methods, once.
type Grad interface {
	// Rows returns dy, row after row.
	Rows() []float32
	// WriteLaidOut writes dy into dst, row r of dy at row lay.Row(r), and
	// reports true; or it reports false and writes nothing, and Backward
	// calls Rows instead.
	WriteLaidOut(dst []float32, lay GradLayout) bool
}

// Rows is a Grad over a dy that is ready.
type Rows []float32

// Rows returns dy.
func (g Rows) Rows() []float32 { return g }

// WriteLaidOut reports false: dy is already written.
func (Rows) WriteLaidOut([]float32, GradLayout) bool { return false }

// GradLayout says where the whole-batch path reads dy from: row r of dy
// (sample r/Keep, step r%Keep) is row Lead + (r/Keep)*Period + r%Keep of
// its buffer, the rows of the forward pass's big product after Lead rows
// of zeros; the rows between are zero too, so the product rows that
// straddle two samples add nothing.
type GradLayout struct{ Lead, Period, Keep int }

// Row returns the buffer row of dy's row r.
func (l GradLayout) Row(r int) int { return l.Lead + r/l.Keep*l.Period + r%l.Keep }

// Backward adds the kernel gradient into dw (Kernel, In/Groups, Filters)
// and the input gradient into dx (Batch, Length, In), each when not nil (a
// frozen kernel, the model's input), given x and w as the last Forward
// saw them and dy from g (see BackwardRef for the definition). It calls g
// even when dw and dx are both nil, so that a layer's output stage runs
// once per pass.
func (c *Conv) Backward(x, w []float32, g Grad, dw, dx []float32) {
	c.backward(x, w, g, dw, dx, false)
}

// BackwardSetDx is Backward writing the input gradient into dx instead of
// adding it there: dx's old values are never read, so its caller need not
// zero it (the kernel gradient is still added into dw).
func (c *Conv) BackwardSetDx(x, w []float32, g Grad, dw, dx []float32) {
	c.backward(x, w, g, dw, dx, true)
}

// backward is Backward, or BackwardSetDx with setDx.
func (c *Conv) backward(x, w []float32, g Grad, dw, dx []float32, setDx bool) {
	d := c.d
	if dw == nil && dx == nil {
		g.Rows()
		return
	}
	if c.units > 1 {
		c.backwardUnits(x, w, g, dw, dx, setDx)
		return
	}
	if d.sameLength() {
		sameLengthBackward(d, x, w, g.Rows(), dw, dx, setDx, &c.ws)
		return
	}
	xp := c.padIn(x)
	dxp := dx
	if dx != nil && d.Padded() {
		if c.dxp == nil {
			c.dxp = make([]float32, len(c.xp))
		}
		clear(c.dxp)
		dxp = c.dxp
	}
	if d.Stride == 1 {
		// Always the whole batch when it can: per sample, every product
		// would pack the kernel again (transposed, for the input
		// gradient), which costs more than laying dy out once.
		z, lay := gradBuffer(d, &c.ws, dxp != nil)
		if !g.WriteLaidOut(z, lay) {
			dy := g.Rows()
			for b := 0; b < d.Batch; b++ {
				copy(z[lay.Row(b*d.OutLength)*d.Filters:], dy[b*d.OutLength*d.Filters:(b+1)*d.OutLength*d.Filters])
			}
		}
		wholeBatchBackward(d, xp, w, z, dw, dxp, flipped(d, w, &c.ws, dxp != nil), nil, setDx && !d.Padded())
	} else {
		if setDx && dx != nil && !d.Padded() {
			clear(dx)
		}
		perSampleBackward(d, xp, w, g.Rows(), dw, dxp)
	}
	if dx != nil && d.Padded() {
		Unpad(d, dxp, dx, setDx)
	}
}

// Pad copies x (Batch, Length, In) into xp (Batch, PaddedLength, In) with
// zeros around it.
func Pad(d Dims, x, xp []float32) {
	lp := d.PaddedLength()
	for b := 0; b < d.Batch; b++ {
		dst := xp[b*lp*d.In : (b+1)*lp*d.In]
		clear(dst[:d.PadLeft*d.In])
		copy(dst[d.PadLeft*d.In:], x[b*d.Length*d.In:(b+1)*d.Length*d.In])
		clear(dst[(d.PadLeft+d.Length)*d.In:])
	}
}

// Unpad adds the interior of dxp (Batch, PaddedLength, In) into dx
// (Batch, Length, In), or with set copies it there.
func Unpad(d Dims, dxp, dx []float32, set bool) {
	lp := d.PaddedLength()
	n := d.Length * d.In
	for b := 0; b < d.Batch; b++ {
		src := dxp[b*lp*d.In+d.PadLeft*d.In:][:n]
		dst := dx[b*n : (b+1)*n]
		if set {
			copy(dst, src)
			continue
		}
		for i, v := range src {
			dst[i] += v
		}
	}
}

// workspace holds the GEMM scratch of the stride-1 paths; it grows to the
// largest need seen.
type workspace struct{ big []float32 }

func (ws *workspace) buf(n int) []float32 {
	if cap(ws.big) < n {
		ws.big = make([]float32, n)
	}
	return ws.big[:n]
}
