package conv

import "github.com/seqnet/seqnet/internal/kernels"

// The whole-batch and per-sample paths, on the padded input xp (Batch,
// PaddedLength, In).

// bigRows is the number of rows of the single GEMM that covers the whole
// batch with stride 1: the padded samples lie end to end, so window row r
// = b*PaddedLength + t starts at xp[r*In]; rows with t >= OutLength
// straddle two samples and are computed but thrown away.
func (d Dims) bigRows() int { return d.Batch*d.PaddedLength() - ((d.Kernel-1)*d.Dilation + 1) + 1 }

// wholeBatchForward computes y = stage(conv(xp, w)) for stride 1 as one
// GEMM over the whole batch (one per tap with dilation or groups): the
// rows that straddle two samples are dropped by the GEMM's row map on the
// way into y, so the big product costs no copy.
func wholeBatchForward(d Dims, xp, w, y []float32, st Stage) {
	cin, f := d.In, d.Filters
	o := kernels.Output{Period: d.PaddedLength(), Keep: d.OutLength, Serial: d.serial}
	rows := d.bigRows()
	if d.Groups == 1 && d.Dilation == 1 {
		o.Bias, o.Relu, o.B = st.Bias, st.Relu, st.Packed
		kernels.SgemmOut(false, false, rows, f, d.Kernel*cin, 1, xp, cin, w, f, 0, y, f, o)
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
			kernels.SgemmOut(false, false, rows, fg, cg, 1, xp[i*d.Dilation*cin+g*cg:], cin, w[i*cg*f+g*fg:], f, beta, y[g*fg:], f, o)
		}
	}
}

// perSampleForward computes y = stage(conv(xp, w)) one sample at a time,
// for any stride.
func perSampleForward(d Dims, xp, w, y []float32, st Stage) {
	lp, cin, f := d.PaddedLength(), d.In, d.Filters
	cg, fg := cin/d.Groups, f/d.Groups
	for b := 0; b < d.Batch; b++ {
		xb := xp[b*lp*cin : (b+1)*lp*cin]
		yb := y[b*d.OutLength*f : (b+1)*d.OutLength*f]
		if d.Groups == 1 && d.Dilation == 1 {
			kernels.SgemmOut(false, false, d.OutLength, f, d.Kernel*cin, 1, xb, d.Stride*cin, w, f, 0, yb, f, d.out(st.Output()))
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
					beta, yb[g*fg:], f, d.out(kernels.Output{Bias: bias, Relu: relu}))
			}
		}
	}
}

// gradBuffer returns the buffer, from ws, that wholeBatchBackward reads dy
// from, with its zero rows cleared (the rows for dy are left as they
// are), and its layout. withDx says whether the input gradient will be
// asked for: then the flipped kernel follows the buffer in ws (flipped).
func gradBuffer(d Dims, ws *workspace, withDx bool) ([]float32, GradLayout) {
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

// wholeBatchBackward adds the kernel gradient into dw and the input
// gradient into dxp (Batch, PaddedLength, In), each when not nil, for
// stride 1, with dy in z (the buffer and layout of gradBuffer). Each
// gradient is one GEMM over the rows of the forward pass's big product
// (one per tap with dilation or groups). wt is the kernel flipped by
// flipKernel, needed with dxp when there are no groups or dilation, and
// pwt, when not nil, wt packed. With setDx, the input gradient is written
// into dxp rather than added.
func wholeBatchBackward(d Dims, xp, w, z, dw, dxp, wt []float32, pwt *kernels.PackedB, setDx bool) {
	lp, cin, f := d.PaddedLength(), d.In, d.Filters
	lead := (d.Kernel - 1) * d.Dilation
	rows := d.bigRows()
	plain := d.Groups == 1 && d.Dilation == 1
	big := z[lead*f:]
	cg, fg := cin/d.Groups, f/d.Groups
	switch {
	case dw == nil:
	case plain:
		d.sgemm(true, false, d.Kernel*cin, f, rows, xp, cin, big, f, 1, dw, f)
	default:
		for g := 0; g < d.Groups; g++ {
			for i := 0; i < d.Kernel; i++ {
				d.sgemm(true, false, cg, fg, rows, xp[i*d.Dilation*cin+g*cg:], cin, big[g*fg:], f, 1, dw[i*cg*f+g*fg:], f)
			}
		}
	}
	if dxp == nil {
		return
	}
	beta := float32(1)
	if setDx {
		beta = 0
	}
	if plain {
		// The input gradient is dy convolved with the kernel flipped in
		// time and transposed: padded row r = b*lp + p gets Σ_j
		// z[r+j]·wt[j], the zero rows between the samples (and before the
		// first) standing for the steps outside each sample. One GEMM, z
		// read in place, K = Kernel*Filters.
		kernels.SgemmOut(false, false, d.Batch*lp, cin, d.Kernel*f, 1, z, f, wt, cin, beta, dxp, cin, kernels.Output{Serial: d.serial, B: pwt})
		return
	}
	if setDx {
		clear(dxp) // the taps below add up
	}
	for g := 0; g < d.Groups; g++ {
		for i := 0; i < d.Kernel; i++ {
			d.sgemm(false, true, rows, cg, fg, big[g*fg:], f, w[i*cg*f+g*fg:], f, 1, dxp[i*d.Dilation*cin+g*cg:], cin)
		}
	}
}

// perSampleBackward adds the kernel gradient into dw and the input
// gradient into dxp (Batch, PaddedLength, In), each when not nil, one
// sample at a time, for any stride.
func perSampleBackward(d Dims, xp, w, dy, dw, dxp []float32) {
	lp, cin, f := d.PaddedLength(), d.In, d.Filters
	cg, fg := cin/d.Groups, f/d.Groups
	for b := 0; b < d.Batch; b++ {
		xb := xp[b*lp*cin : (b+1)*lp*cin]
		dyb := dy[b*d.OutLength*f : (b+1)*d.OutLength*f]
		switch {
		case dw == nil:
		case d.Groups == 1 && d.Dilation == 1:
			// dW (K*In × F) += windowsᵀ (K*In × Lout) · dy (Lout × F)
			d.sgemm(true, false, d.Kernel*cin, f, d.OutLength, xb, d.Stride*cin, dyb, f, 1, dw, f)
		default:
			for g := 0; g < d.Groups; g++ {
				for i := 0; i < d.Kernel; i++ {
					d.sgemm(true, false, cg, fg, d.OutLength,
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
				d.sgemm(false, true, d.OutLength, cg, fg,
					dyb[g*fg:], f,
					w[i*cg*f+g*fg:], f,
					1, dxb[i*d.Dilation*cin+g*cg:], d.Stride*cin)
			}
		}
	}
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

// flipped returns the kernel flipped by flipKernel, in ws after the
// buffer of gradBuffer(d, ws, true), or nil when the input gradient is not
// asked for or the path does not use it (groups, dilation).
func flipped(d Dims, w []float32, ws *workspace, withDx bool) []float32 {
	if !withDx || d.Groups != 1 || d.Dilation != 1 {
		return nil
	}
	zlen := ((d.Kernel-1)*d.Dilation + d.Batch*d.PaddedLength()) * d.Filters
	wt := ws.buf(zlen + d.Kernel*d.Filters*d.In)[zlen:]
	flipKernel(d, w, wt)
	return wt
}
