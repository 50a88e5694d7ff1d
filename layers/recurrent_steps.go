package layers

import (
	"math/rand/v2"

	"github.com/seqnet/seqnet/internal/kernels"
	"github.com/seqnet/seqnet/tensor"
)

// dropState holds the dropout masks of one call (drawn in Forward, used
// again in Backward) and the scratch they need. Masks are scaled keep
// masks (0 or 1/(1-rate)), per sample, the same for every step.
type dropState struct {
	inOn, recOn bool
	// in has one (B, D) mask per gate; they are all the same slice when
	// sharedIn (dropout without recurrent_dropout, Keras implementation 2).
	in       [][]float32
	sharedIn bool
	rec      [][]float32 // one (B, U) mask per gate
	xd, dxs  []float32   // (B*T, D): masked input, input-gradient part
	hd       []float32   // (B, U): masked state of one step
	hpd      []float32   // (B*T, U): masked previous states
	rng      *rand.Rand
}

// draw fills the masks for this call: active only in training with a
// non-zero rate.
func (r *RNN) draw(ctx *Context, d *dropState, batch, gates int) {
	d.inOn = ctx.Training && r.Dropout > 0
	d.recOn = ctx.Training && r.RecurrentDropout > 0
	if !d.inOn && !d.recOn {
		return
	}
	rng := ctx.Rand
	if rng == nil {
		if d.rng == nil {
			seed := uint64(0)
			if r.Seed != nil {
				seed = uint64(*r.Seed)
			}
			d.rng = rand.New(rand.NewPCG(seed, 0x2a))
		}
		rng = d.rng
	}
	D, U, T := r.in, r.Units, r.steps
	fill := func(m []float32, rate float64) {
		scale := float32(1 / (1 - rate))
		for i := range m {
			if rng.Float64() >= rate {
				m[i] = scale
			} else {
				m[i] = 0
			}
		}
	}
	if d.inOn {
		d.sharedIn = r.RecurrentDropout == 0
		if len(d.in) != gates || len(d.in[0]) != batch*D {
			d.in = make([][]float32, gates)
			for g := range d.in {
				d.in[g] = make([]float32, batch*D)
			}
			d.xd, d.dxs = make([]float32, batch*T*D), make([]float32, batch*T*D)
		}
		for g := range d.in {
			if g == 0 || !d.sharedIn {
				fill(d.in[g], r.Dropout)
			}
		}
	}
	if d.recOn {
		if len(d.rec) != gates || len(d.rec[0]) != batch*U {
			d.rec = make([][]float32, gates)
			for g := range d.rec {
				d.rec[g] = make([]float32, batch*U)
			}
			d.hd, d.hpd = make([]float32, batch*U), make([]float32, batch*T*U)
		}
		for _, m := range d.rec {
			fill(m, r.RecurrentDropout)
		}
	}
}

// maskSteps writes src (B*T rows of n) times a per-sample mask (B rows of
// n) into dst; with add, it adds instead.
func maskSteps(dst, src, mask []float32, steps, n int, add bool) {
	for row := 0; row*n < len(src); row++ {
		m := mask[(row/steps)*n : (row/steps+1)*n]
		s, o := src[row*n:(row+1)*n], dst[row*n:(row+1)*n]
		if add {
			for j, v := range s {
				o[j] += v * m[j]
			}
		} else {
			for j, v := range s {
				o[j] = v * m[j]
			}
		}
	}
}

// project computes z = x·kernel for all B*T rows (G = gates*units
// columns), with input dropout when it is on.
func (r *RNN) project(d *dropState, x, z []float32, rows, G int) {
	D, U, W := r.in, r.Units, r.kernel.Value.Data
	if !d.inOn {
		kernels.Sgemm(false, false, rows, G, D, 1, x, D, W, G, 0, z, G)
		return
	}
	if d.sharedIn {
		maskSteps(d.xd, x, d.in[0], r.steps, D, false)
		kernels.Sgemm(false, false, rows, G, D, 1, d.xd, D, W, G, 0, z, G)
		return
	}
	for g, m := range d.in {
		maskSteps(d.xd, x, m, r.steps, D, false)
		kernels.Sgemm(false, false, rows, U, D, 1, d.xd, D, W[g*U:], G, 0, z[g*U:], G)
	}
}

// recur computes c[b] = beta*c[b] + h[b]·recurrent_kernel[:, gates g0…g1)
// for the B rows of one step (c rows ldc apart, starting at gate g0's
// column), with recurrent dropout when it is on.
func (r *RNN) recur(d *dropState, h []float32, g0, g1 int, beta float32, c []float32, ldc, batch, G int) {
	U, uk := r.Units, r.recurrent.Value.Data
	if !d.recOn {
		kernels.Sgemm(false, false, batch, (g1-g0)*U, U, 1, h, U, uk[g0*U:], G, beta, c, ldc)
		return
	}
	for g := g0; g < g1; g++ {
		m := d.rec[g]
		for i, v := range h {
			d.hd[i] = v * m[i]
		}
		kernels.Sgemm(false, false, batch, U, U, 1, d.hd, U, uk[g*U:], G, beta, c[(g-g0)*U:], ldc)
	}
}

// recurBack sets dh (B, U) to dz[b, t][gates g0…g1)·recurrent_kernelᵀ for
// one step (dz rows lda apart, starting at gate g0's column).
func (r *RNN) recurBack(d *dropState, dz []float32, lda, g0, g1 int, dh []float32, batch, G int) {
	U, uk := r.Units, r.recurrent.Value.Data
	if !d.recOn {
		kernels.Sgemm(false, true, batch, U, (g1-g0)*U, 1, dz, lda, uk[g0*U:], G, 0, dh, U)
		return
	}
	clear(dh)
	for g := g0; g < g1; g++ {
		kernels.Sgemm(false, true, batch, U, U, 1, dz[(g-g0)*U:], lda, uk[g*U:], G, 0, d.hd, U)
		m := d.rec[g]
		for i, v := range d.hd {
			dh[i] += v * m[i]
		}
	}
}

// recurGrad adds h_prevᵀ·dz into the recurrent kernel's gates g0…g1
// (dz (B*T, G) from gate g0's column).
func (r *RNN) recurGrad(d *dropState, hprev, dz []float32, g0, g1, rows, G int) {
	U, gr := r.Units, r.recurrent.Grad
	if gr == nil {
		return
	}
	if !d.recOn {
		kernels.Sgemm(true, false, U, (g1-g0)*U, rows, 1, hprev, U, dz, G, 1, gr.Data[g0*U:], G)
		return
	}
	for g := g0; g < g1; g++ {
		maskSteps(d.hpd, hprev, d.rec[g], r.steps, U, false)
		kernels.Sgemm(true, false, U, U, rows, 1, d.hpd, U, dz[(g-g0)*U:], G, 1, gr.Data[g*U:], G)
	}
}

// inputGrad adds the kernel gradient xᵀ·dz, the first G bias entries
// (column sums of dz) and the input gradient dz·kernelᵀ, through the
// input dropout masks when on.
func (r *RNN) inputGrad(d *dropState, x []float32, dx *tensor.Tensor, dz []float32, rows, G int) {
	D, U, W := r.in, r.Units, r.kernel.Value.Data
	if r.bias != nil && r.bias.Grad != nil {
		sumRows(dz, r.bias.Grad.Data[:G])
	}
	switch {
	case !d.inOn:
		if r.kernel.Grad != nil {
			kernels.Sgemm(true, false, D, G, rows, 1, x, D, dz, G, 1, r.kernel.Grad.Data, G)
		}
		if dx != nil {
			kernels.Sgemm(false, true, rows, D, G, 1, dz, G, W, G, 1, dx.Data, D)
		}
	case d.sharedIn:
		if r.kernel.Grad != nil {
			maskSteps(d.xd, x, d.in[0], r.steps, D, false)
			kernels.Sgemm(true, false, D, G, rows, 1, d.xd, D, dz, G, 1, r.kernel.Grad.Data, G)
		}
		if dx != nil {
			kernels.Sgemm(false, true, rows, D, G, 1, dz, G, W, G, 0, d.dxs, D)
			maskSteps(dx.Data, d.dxs, d.in[0], r.steps, D, true)
		}
	default:
		for g, m := range d.in {
			if r.kernel.Grad != nil {
				maskSteps(d.xd, x, m, r.steps, D, false)
				kernels.Sgemm(true, false, D, U, rows, 1, d.xd, D, dz[g*U:], G, 1, r.kernel.Grad.Data[g*U:], G)
			}
			if dx != nil {
				kernels.Sgemm(false, true, rows, D, U, 1, dz[g*U:], G, W[g*U:], G, 0, d.dxs, D)
				maskSteps(dx.Data, d.dxs, m, r.steps, D, true)
			}
		}
	}
}
