package layers

import "github.com/seqnet/seqnet/internal/kernels"

// maxPoolPass is a MaxPooling1D pass under way, kept in the node's
// Context so that its sample functions (made once) need no closure per
// call: a training step allocates nothing.
type maxPoolPass struct {
	x, y, dx, dy []float32
	setDx        bool // backward writes dx rather than adding into it
	fwd, bwd     func(piece, lo, hi int)
}

// done forgets the slices of the pass that ended, keeping the functions
// made once.
func (st *maxPoolPass) done() { *st = maxPoolPass{fwd: st.fwd, bwd: st.bwd} }

func (p *MaxPooling1D) state(ctx *Context) *maxPoolPass {
	st, _ := ctx.State.(*maxPoolPass)
	if st == nil {
		st = &maxPoolPass{}
		st.fwd = func(_, lo, hi int) { p.forwardSamples(st, lo, hi) }
		st.bwd = func(_, lo, hi int) { p.backwardSamples(st, lo, hi) }
		ctx.State = st
	}
	return st
}

// forwardSamples is Forward for samples [lo, hi). Which step won is not
// stored: backwardSamples finds it again (the first step equal to the
// maximum), which costs less than tracking it here, where the winner is a
// coin toss that a branch would mispredict.
func (p *MaxPooling1D) forwardSamples(st *maxPoolPass, lo, hi int) {
	L, O, C := p.geom.Length, p.geom.OutLength, p.channels
	for b := lo; b < hi; b++ {
		xb := st.x[b*L*C : (b+1)*L*C]
		for o := 0; o < O; o++ {
			w0, w1 := p.window(o)
			yo := st.y[(b*O+o)*C : (b*O+o+1)*C]
			copy(yo, xb[w0*C:(w0+1)*C])
			for t := w0 + 1; t < w1; t++ {
				kernels.MaxInto(yo, xb[t*C:(t+1)*C])
			}
		}
	}
}

// backwardSamples is Backward for samples [lo, hi).
func (p *MaxPooling1D) backwardSamples(st *maxPoolPass, lo, hi int) {
	L, O, C := p.geom.Length, p.geom.OutLength, p.channels
	for b := lo; b < hi; b++ {
		xb, dxb := st.x[b*L*C:(b+1)*L*C], st.dx[b*L*C:(b+1)*L*C]
		if st.setDx {
			clear(dxb) // in cache for the adds below, on the core that makes them
		}
		for o := 0; o < O; o++ {
			w0, w1 := p.window(o)
			yo := st.y[(b*O+o)*C : (b*O+o+1)*C]
			gs := st.dy[(b*O+o)*C : (b*O+o+1)*C]
			if w1-w0 == 2 {
				// The usual pool_size 2, in vector form: the gradient goes to
				// the first step unless only the second equals the maximum.
				kernels.Pool2Grad(dxb[w0*C:(w0+1)*C], dxb[(w0+1)*C:(w0+2)*C], xb[w0*C:(w0+1)*C], yo, gs)
				continue
			}
			for c, g := range gs {
				m := yo[c]
				for t := w0; t < w1; t++ {
					if xb[t*C+c] == m {
						dxb[t*C+c] += g
						break
					}
				}
			}
		}
	}
}
