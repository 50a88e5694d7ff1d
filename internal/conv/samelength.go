package conv

import "github.com/seqnet/seqnet/internal/kernels"

// The same-length path: stride 1, no dilation or groups, and padding that
// keeps the length (Dims.sameLength), on the unpadded input.

// sameLengthForward is the convolution of a stride-1 layer whose padding keeps the
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
func sameLengthForward(d Dims, x, w, y []float32, accumulate bool, st Stage, scratch []float32) {
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
	kernels.SgemmOut(false, false, rows, f, k*cin, 1, x, cin, w, f, beta, y[d.PadLeft*f:], f, d.out(st.Output()))
	kernels.SgemmOut(false, false, edges, f, k*cin, 1, win, k*cin, w, f, beta, out, f, d.out(st.Output()))
	e := 0
	forEdge(d, func(b, s int) {
		copy(y[(b*l+s)*f:(b*l+s+1)*f], out[e*f:(e+1)*f])
		e++
	})
}

// edgeScratch is the scratch sameLengthForward needs: the edge windows and their
// outputs.
func edgeScratch(d Dims) int { return d.Batch * (d.Kernel - 1) * (d.Kernel*d.In + d.Filters) }

// gatherEdges copies the zero-padded window of every edge step (in forEdge
// order) into win, one row of Kernel*In each. With straddle not nil, it
// also copies there the window that the big product of sameLengthForward used for
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

// sameLengthBackward adds the kernel gradient into dw and the input
// gradient into dx (Batch, Length, In), each when not nil, for the
// convolutions sameLengthForward serves, on the unpadded input x, without
// any padded copy.
//
// The kernel gradient is the big product of sameLengthForward transposed: dw +=
// windowsᵀ · dy over all its rows, then the edge rows are put right with
// (padded window − straddling window)ᵀ · dy, a product of Batch*(Kernel-1)
// rows. The input gradient is itself a same-length convolution: dx[t] =
// Σ_j dy[t + j - (Kernel-1-PadLeft)] · W[Kernel-1-j]ᵀ, i.e. dy convolved
// with the kernel flipped in time and transposed, with the padding
// mirrored; it runs through sameLengthForward with dy read in place as A.
func sameLengthBackward(d Dims, x, w, dy, dw, dx []float32, setDx bool, ws *workspace) {
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
		d.sgemm(true, false, kc, f, rows, x, cin, dy[d.PadLeft*f:], f, 1, dw, f)
		gatherEdges(d, x, win, straddle)
		for i := range win {
			win[i] -= straddle[i]
		}
		e := 0
		forEdge(d, func(b, s int) {
			copy(dyEdge[e*f:(e+1)*f], dy[(b*l+s)*f:(b*l+s+1)*f])
			e++
		})
		d.sgemm(true, false, kc, f, edges, win, kc, dyEdge, f, 1, dw, f)
	}

	if dx == nil {
		return
	}
	flipKernel(d, w, wt)
	sameLengthForward(flipped, dy, wt, dx, !setDx, Stage{}, scratch)
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
