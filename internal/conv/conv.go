// Package conv computes 1-D convolutions on channels-last data as GEMMs.
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
package conv

import "github.com/seqnet/seqnet/internal/kernels"

// Dims describes one convolution. Kernel layout is Keras':
// (Kernel, In/Groups, Filters).
type Dims struct {
	Batch, Length, In, Filters   int
	Kernel, Stride, Dilation     int
	Groups                       int
	PadLeft, PadRight, OutLength int
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

// Padded reports whether the input needs a padded copy.
func (d Dims) Padded() bool { return d.PadLeft+d.PadRight > 0 }

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

// Workspace holds the scratch of the batched stride-1 path; keep one per
// call site and reuse it (it grows to the largest batch seen).
type Workspace struct{ big []float32 }

// bigRows is the number of rows of the single GEMM that covers the whole
// batch with stride 1: the padded samples lie end to end, so window row r
// = b*PaddedLength + t starts at xp[r*In]; rows with t >= OutLength
// straddle two samples and are computed but thrown away.
func (d Dims) bigRows() int { return d.Batch*d.PaddedLength() - ((d.Kernel-1)*d.Dilation + 1) + 1 }

// batched reports whether Forward computes the whole batch as one GEMM:
// with stride 1 (and a workspace), always. The rows that straddle two
// samples are dropped by the GEMM's row map on the way into y, so the
// big product costs no copy, and one product packs the kernel once and
// splits over the cores once.
func (d Dims) batched(ws *Workspace) bool {
	return ws != nil && d.Stride == 1 && d.Batch > 1
}

func (ws *Workspace) buf(n int) []float32 {
	if cap(ws.big) < n {
		ws.big = make([]float32, n)
	}
	return ws.big[:n]
}

// Forward computes y = stage(conv(xp, w)): xp is the already padded input
// (Batch, PaddedLength, In), w is (Kernel, In/Groups, Filters), y is
// (Batch, OutLength, Filters) and is overwritten. With stride 1 the whole
// batch is one GEMM (one packing of the kernel, one parallel split over
// all rows) through ws.
func Forward(d Dims, xp, w, y []float32, ws *Workspace, st Stage) {
	lp, cin, f := d.PaddedLength(), d.In, d.Filters
	if d.batched(ws) {
		gemmTaps(d, d.bigRows(), xp, w, y, st, kernels.Output{Period: lp, Keep: d.OutLength})
		return
	}
	cg, fg := cin/d.Groups, f/d.Groups
	for b := 0; b < d.Batch; b++ {
		xb := xp[b*lp*cin : (b+1)*lp*cin]
		yb := y[b*d.OutLength*f : (b+1)*d.OutLength*f]
		if d.Groups == 1 && d.Dilation == 1 {
			kernels.SgemmOut(false, false, d.OutLength, f, d.Kernel*cin, 1, xb, d.Stride*cin, w, f, 0, yb, f, st.Output())
			continue
		}
		for g := 0; g < d.Groups; g++ {
			for i := 0; i < d.Kernel; i++ {
				beta := float32(1)
				if i == 0 {
					beta = 0
				}
				bias, relu := st.last(i == d.Kernel-1, g*fg)
				kernels.SgemmOut(false, false, d.OutLength, fg, cg, 1,
					xb[i*d.Dilation*cin+g*cg:], d.Stride*cin,
					w[i*cg*f+g*fg:], f,
					beta, yb[g*fg:], f, kernels.Output{Bias: bias, Relu: relu})
			}
		}
	}
}

// ForwardInPlace reports whether ForwardUnpadded can run: stride 1, no
// dilation or groups, and padding that keeps the length ('same' or
// 'causal': PadLeft+PadRight = Kernel-1). Then the padded copy of the
// input is not needed for the forward pass.
func (d Dims) ForwardInPlace() bool {
	return d.Padded() && d.Stride == 1 && d.Dilation == 1 && d.Groups == 1 &&
		d.PadLeft+d.PadRight == d.Kernel-1 && d.Length >= d.Kernel
}

// ForwardUnpadded computes what Forward computes (stage included) from the
// unpadded input x (Batch, Length, In), without copying it. Requires
// d.ForwardInPlace.
func ForwardUnpadded(d Dims, x, w, y []float32, ws *Workspace, st Stage) {
	sameLength(d, x, w, y, false, st, ws.buf(edgeScratch(d)))
}

// sameLength is the convolution of a stride-1 layer whose padding keeps the
// length (PadLeft+PadRight = Kernel-1), on unpadded x. The samples lie end
// to end, so row r of one GEMM over the whole batch, reading x[r*In:] with
// K = Kernel*In, is the window of output step PadLeft + r%Length of sample
// r/Length whenever that window lies inside the sample, and since the
// output has the input's length, that step is output row r + PadLeft: the
// product goes straight into y. The Kernel-1 rows per sample whose window
// would straddle two samples land exactly on the edge steps (the last
// PadRight of one sample and the first PadLeft of the next); a second GEMM
// over zero-padded copies of just those windows gives them their values.
// With accumulate, y += conv instead of y = conv: the edge rows of y are
// saved before the big product adds its straddling rows into them, and
// restored. scratch holds edgeScratch(d) floats.
func sameLength(d Dims, x, w, y []float32, accumulate bool, st Stage, scratch []float32) {
	cin, f, k, l := d.In, d.Filters, d.Kernel, d.Length
	edges := d.Batch * (k - 1)
	win := scratch[:edges*k*cin]
	out := scratch[edges*k*cin : edges*(k*cin+f)]
	gatherEdges(d, x, win, nil)
	beta := float32(0)
	if accumulate {
		beta = 1
		e := 0
		forEdge(d, func(b, s int) {
			copy(out[e*f:(e+1)*f], y[(b*l+s)*f:(b*l+s+1)*f])
			e++
		})
	}
	rows := d.Batch*l - (k - 1)
	kernels.SgemmOut(false, false, rows, f, k*cin, 1, x, cin, w, f, beta, y[d.PadLeft*f:], f, st.Output())
	kernels.SgemmOut(false, false, edges, f, k*cin, 1, win, k*cin, w, f, beta, out, f, st.Output())
	e := 0
	forEdge(d, func(b, s int) {
		copy(y[(b*l+s)*f:(b*l+s+1)*f], out[e*f:(e+1)*f])
		e++
	})
}

// edgeScratch is the scratch sameLength needs: the edge windows and their
// outputs.
func edgeScratch(d Dims) int { return d.Batch * (d.Kernel - 1) * (d.Kernel*d.In + d.Filters) }

// gatherEdges copies the zero-padded window of every edge step (in forEdge
// order) into win, one row of Kernel*In each. With straddle not nil, it
// also copies there the window that the big product of sameLength used for
// the same output row (the one straddling two samples, or zeros when that
// row lies outside the product).
func gatherEdges(d Dims, x, win, straddle []float32) {
	cin, k, l := d.In, d.Kernel, d.Length
	kc := k * cin
	last := d.Batch*l - k // the big product's last row
	e := 0
	forEdge(d, func(b, s int) {
		dst := win[e*kc : (e+1)*kc]
		for i := 0; i < k; i++ {
			part := dst[i*cin : (i+1)*cin]
			if t := s - d.PadLeft + i; t >= 0 && t < l {
				copy(part, x[(b*l+t)*cin:(b*l+t+1)*cin])
			} else {
				clear(part)
			}
		}
		if straddle != nil {
			dst := straddle[e*kc : (e+1)*kc]
			if r := b*l + s - d.PadLeft; r >= 0 && r <= last {
				copy(dst, x[r*cin:r*cin+kc])
			} else {
				clear(dst)
			}
		}
		e++
	})
}

// BackwardUnpadded is Backward for the layers ForwardUnpadded serves, on
// the unpadded input x, adding into dw and dx (Batch, Length, In) those of
// them that are not nil, without any padded copy.
//
// The kernel gradient is the big product of sameLength transposed: dw +=
// windowsᵀ · dy over all its rows, then the edge rows are put right with
// (padded window − straddling window)ᵀ · dy, a product of Batch*(Kernel-1)
// rows. The input gradient is itself a same-length convolution: dx[t] =
// Σ_j dy[t + j - (Kernel-1-PadLeft)] · W[Kernel-1-j]ᵀ, i.e. dy convolved
// with the kernel flipped in time and transposed, with the padding
// mirrored; it runs through sameLength with dy read in place as A.
func BackwardUnpadded(d Dims, x, w, dy, dw, dx []float32, ws *Workspace) {
	cin, f, k, l := d.In, d.Filters, d.Kernel, d.Length
	edges := d.Batch * (k - 1)
	kc := k * cin
	flipped := d
	flipped.In, flipped.Filters = f, cin
	flipped.PadLeft, flipped.PadRight = k-1-d.PadLeft, d.PadLeft
	buf := ws.buf(2*edges*kc + edges*f + k*f*cin + edgeScratch(flipped))
	win, buf := buf[:edges*kc], buf[edges*kc:]
	straddle, buf := buf[:edges*kc], buf[edges*kc:]
	dyEdge, buf := buf[:edges*f], buf[edges*f:]
	wt, scratch := buf[:k*f*cin], buf[k*f*cin:]

	if dw != nil {
		rows := d.Batch*l - (k - 1)
		kernels.Sgemm(true, false, kc, f, rows, 1, x, cin, dy[d.PadLeft*f:], f, 1, dw, f)
		gatherEdges(d, x, win, straddle)
		for i := range win {
			win[i] -= straddle[i]
		}
		e := 0
		forEdge(d, func(b, s int) {
			copy(dyEdge[e*f:(e+1)*f], dy[(b*l+s)*f:(b*l+s+1)*f])
			e++
		})
		kernels.Sgemm(true, false, kc, f, edges, 1, win, kc, dyEdge, f, 1, dw, f)
	}

	if dx == nil {
		return
	}
	flipKernel(d, w, wt)
	sameLength(flipped, dy, wt, dx, true, Stage{}, scratch)
}

// flipKernel sets wt[j][o][c] = w[Kernel-1-j][c][o]: the kernel flipped in
// time and transposed, which convolves dy into the input gradient.
func flipKernel(d Dims, w, wt []float32) {
	k, cin, f := d.Kernel, d.In, d.Filters
	for j := 0; j < k; j++ {
		src := w[(k-1-j)*cin*f : (k-j)*cin*f]
		dst := wt[j*f*cin : (j+1)*f*cin]
		for c := 0; c < cin; c++ {
			for o, v := range src[c*f : (c+1)*f] {
				dst[o*cin+c] = v
			}
		}
	}
}

// forEdge calls fn for each output step s of each sample b whose window
// reaches into the padding: the first PadLeft and the last PadRight.
func forEdge(d Dims, fn func(b, s int)) {
	for b := 0; b < d.Batch; b++ {
		for s := 0; s < d.PadLeft; s++ {
			fn(b, s)
		}
		for s := d.OutLength - d.PadRight; s < d.OutLength; s++ {
			fn(b, s)
		}
	}
}

// gemmTaps computes rows product rows of the convolution of xp (row r
// reading xp[r*In:]) into out (Filters columns, overwritten) through the
// row map of rowMap, with the stage.
func gemmTaps(d Dims, rows int, xp, w, out []float32, st Stage, rowMap kernels.Output) {
	cin, f := d.In, d.Filters
	o := rowMap
	if d.Groups == 1 && d.Dilation == 1 {
		o.Bias, o.Relu, o.B = st.Bias, st.Relu, st.Packed
		kernels.SgemmOut(false, false, rows, f, d.Kernel*cin, 1, xp, cin, w, f, 0, out, f, o)
		return
	}
	cg, fg := cin/d.Groups, f/d.Groups
	for g := 0; g < d.Groups; g++ {
		for i := 0; i < d.Kernel; i++ {
			beta := float32(1)
			if i == 0 {
				beta = 0
			}
			o.Bias, o.Relu = st.last(i == d.Kernel-1, g*fg)
			kernels.SgemmOut(false, false, rows, fg, cg, 1, xp[i*d.Dilation*cin+g*cg:], cin, w[i*cg*f+g*fg:], f, beta, out[g*fg:], f, o)
		}
	}
}

// GradLayout says where the whole-batch Backward reads dy from: row r of
// dy (sample r/Keep, step r%Keep) is row Lead + (r/Keep)*Period + r%Keep
// of the buffer GradBuffer returns, the rows of Forward's big product
// after Lead rows of zeros; the rows between are zero too, so the product
// rows that straddle two samples add nothing.
type GradLayout struct{ Lead, Period, Keep int }

// Row returns the buffer row of dy's row r.
func (l GradLayout) Row(r int) int { return l.Lead + r/l.Keep*l.Period + r%l.Keep }

// WholeBatchBackward reports whether Backward takes the whole batch at
// once (stride 1, with a workspace), reading dy from GradBuffer's layout:
// then a caller that computes dy itself can write it there directly and
// call BackwardLaidOut.
func (d Dims) WholeBatchBackward(ws *Workspace) bool { return ws != nil && d.Stride == 1 }

// GradBuffer returns the buffer, from ws, that BackwardLaidOut reads dy
// from, with its zero rows cleared (the rows for dy are left as they
// are), and its layout. withDx says whether the input gradient will be
// asked for (it needs scratch after the buffer).
func GradBuffer(d Dims, ws *Workspace, withDx bool) ([]float32, GradLayout) {
	lp, f := d.PaddedLength(), d.Filters
	lay := GradLayout{Lead: (d.Kernel - 1) * d.Dilation, Period: lp, Keep: d.OutLength}
	zlen := (lay.Lead + d.Batch*lp) * f
	wtlen := 0
	if withDx && d.Groups == 1 && d.Dilation == 1 {
		wtlen = d.Kernel * f * d.In
	}
	z := ws.buf(zlen + wtlen)[:zlen]
	clear(z[:lay.Lead*f])
	for b := 0; b < d.Batch; b++ {
		clear(z[(lay.Lead+b*lp+d.OutLength)*f : (lay.Lead+(b+1)*lp)*f])
	}
	return z, lay
}

// Backward adds the kernel gradient into dw (Kernel, In/Groups, Filters;
// nil for a frozen kernel) and, when dxp is not nil, the input gradient into dxp (Batch,
// PaddedLength, In), given the padded input xp, the kernel w and dy
// (Batch, OutLength, Filters). With stride 1 and ws it lays dy out as
// GradBuffer says and runs BackwardLaidOut over the whole batch.
func Backward(d Dims, xp, w, dy, dw, dxp []float32, ws *Workspace) {
	lp, cin, f := d.PaddedLength(), d.In, d.Filters
	// Backward always takes the whole batch at once when it can: per
	// sample, every product would pack the kernel again (transposed, for
	// the input gradient), which costs more than laying dy out once.
	if d.WholeBatchBackward(ws) {
		z, lay := GradBuffer(d, ws, dxp != nil)
		for b := 0; b < d.Batch; b++ {
			copy(z[lay.Row(b*d.OutLength)*f:], dy[b*d.OutLength*f:(b+1)*d.OutLength*f])
		}
		BackwardLaidOut(d, xp, w, z, dw, dxp, ws)
		return
	}
	cg, fg := cin/d.Groups, f/d.Groups
	for b := 0; b < d.Batch; b++ {
		xb := xp[b*lp*cin : (b+1)*lp*cin]
		dyb := dy[b*d.OutLength*f : (b+1)*d.OutLength*f]
		switch {
		case dw == nil:
		case d.Groups == 1 && d.Dilation == 1:
			// dW (K*In × F) += windowsᵀ (K*In × Lout) · dy (Lout × F)
			kernels.Sgemm(true, false, d.Kernel*cin, f, d.OutLength, 1, xb, d.Stride*cin, dyb, f, 1, dw, f)
		default:
			for g := 0; g < d.Groups; g++ {
				for i := 0; i < d.Kernel; i++ {
					kernels.Sgemm(true, false, cg, fg, d.OutLength, 1,
						xb[i*d.Dilation*cin+g*cg:], d.Stride*cin,
						dyb[g*fg:], f,
						1, dw[i*cg*f+g*fg:], f)
				}
			}
		}
		if dxp == nil {
			continue
		}
		dxb := dxp[b*lp*cin : (b+1)*lp*cin]
		// Each tap scatters dy · W_iᵀ back onto the input steps it read.
		for g := 0; g < d.Groups; g++ {
			for i := 0; i < d.Kernel; i++ {
				kernels.Sgemm(false, true, d.OutLength, cg, fg, 1,
					dyb[g*fg:], f,
					w[i*cg*f+g*fg:], f,
					1, dxb[i*d.Dilation*cin+g*cg:], d.Stride*cin)
			}
		}
	}
}

// BackwardLaidOut is Backward's whole-batch path with dy already in z (the
// buffer and layout of GradBuffer, which ws still holds). Each gradient is
// one GEMM over the rows of Forward's big product (one per tap with
// dilation or groups).
func BackwardLaidOut(d Dims, xp, w, z, dw, dxp []float32, ws *Workspace) {
	lp, cin, f := d.PaddedLength(), d.In, d.Filters
	lead := (d.Kernel - 1) * d.Dilation
	rows := d.bigRows()
	plain := d.Groups == 1 && d.Dilation == 1
	big := z[lead*f:]
	cg, fg := cin/d.Groups, f/d.Groups
	switch {
	case dw == nil:
	case plain:
		kernels.Sgemm(true, false, d.Kernel*cin, f, rows, 1, xp, cin, big, f, 1, dw, f)
	default:
		for g := 0; g < d.Groups; g++ {
			for i := 0; i < d.Kernel; i++ {
				kernels.Sgemm(true, false, cg, fg, rows, 1, xp[i*d.Dilation*cin+g*cg:], cin, big[g*fg:], f, 1, dw[i*cg*f+g*fg:], f)
			}
		}
	}
	if dxp == nil {
		return
	}
	if plain {
		// The input gradient is dy convolved with the kernel flipped in
		// time and transposed: padded row r = b*lp + p gets Σ_j
		// z[r+j]·wt[j], the zero rows between the samples (and before the
		// first) standing for the steps outside each sample. One GEMM, z
		// read in place, K = Kernel*Filters.
		wt := ws.buf(len(z) + d.Kernel*f*cin)[len(z):]
		flipKernel(d, w, wt)
		kernels.Sgemm(false, false, d.Batch*lp, cin, d.Kernel*f, 1, z, f, wt, cin, 1, dxp, cin)
		return
	}
	for g := 0; g < d.Groups; g++ {
		for i := 0; i < d.Kernel; i++ {
			kernels.Sgemm(false, true, rows, cg, fg, 1, big[g*fg:], f, w[i*cg*f+g*fg:], f, 1, dxp[i*d.Dilation*cin+g*cg:], cin)
		}
	}
}

// Unpad adds the interior of dxp (Batch, PaddedLength, In) into dx
// (Batch, Length, In).
func Unpad(d Dims, dxp, dx []float32) {
	lp := d.PaddedLength()
	n := d.Length * d.In
	for b := 0; b < d.Batch; b++ {
		src := dxp[b*lp*d.In+d.PadLeft*d.In:][:n]
		dst := dx[b*n : (b+1)*n]
		for i, v := range src {
			dst[i] += v
		}
	}
}

// ForwardRef is the direct definition, for tests: y[b,t,o] = Σ_i Σ_c
// x[b, t*s + i*dil - padLeft, c] * w[i, c, o] over the channels c of o's
// group, with zeros outside the input.
func ForwardRef(d Dims, x, w, y []float32) {
	cg, fg := d.In/d.Groups, d.Filters/d.Groups
	for b := 0; b < d.Batch; b++ {
		for t := 0; t < d.OutLength; t++ {
			for o := 0; o < d.Filters; o++ {
				g := o / fg
				var s float64
				for i := 0; i < d.Kernel; i++ {
					pos := t*d.Stride + i*d.Dilation - d.PadLeft
					if pos < 0 || pos >= d.Length {
						continue
					}
					for c := 0; c < cg; c++ {
						s += float64(x[(b*d.Length+pos)*d.In+g*cg+c]) * float64(w[(i*cg+c)*d.Filters+o])
					}
				}
				y[(b*d.OutLength+t)*d.Filters+o] = float32(s)
			}
		}
	}
}
