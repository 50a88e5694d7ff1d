package textmodel

import (
	"math"

	"github.com/seqnet/seqnet/baseline"
)

// stack is a fitted blend of members' class scores: class c of text i
// scores Σ_m w[m]·s[m][i][c] + b[c]. loss is the mean cross-entropy of
// its softmax on the texts it was fitted on, acc its accuracy.
type stack struct {
	w, b      []float64
	loss, acc float64
}

// fitStack fits the weights (non-negative: a member is used as it is or
// not at all, never reversed) and, when biases is true, class biases
// (else 0) of a blend of members'
// class scores s[m][i][c] by minimising the mean cross-entropy, with a
// small ridge penalty on the weights so that a blend that separates the
// texts stays finite. Each member's scores are centred per text and scaled
// to unit spread first, so one step size suits them all. The problem is
// convex; full-batch Adam with a decaying step solves it.
func fitStack(s [][][]float64, labels []int, biases bool) *stack {
	nm, n, k := len(s), len(labels), len(s[0][0])
	f := make([][][]float64, nm) // normalised scores
	sd := make([]float64, nm)
	for m := range s {
		f[m], sd[m] = normalise(s[m])
	}
	const iters, rate, ridge = 1500, 0.05, 1e-4
	np := nm + k
	u := make([]float64, np) // weights, then biases
	mom, vel := make([]float64, np), make([]float64, np)
	g := make([]float64, np)
	p := make([]float64, k)
	for it := 1; it <= iters; it++ {
		clear(g)
		for i := 0; i < n; i++ {
			scores(f, u, i, p)
			baseline.Softmax(p)
			p[labels[i]]--
			for c, d := range p {
				for m := range f {
					g[m] += d * f[m][i][c] / float64(n)
				}
				if biases {
					g[nm+c] += d / float64(n)
				}
			}
		}
		for m := 0; m < nm; m++ {
			g[m] += ridge * u[m]
		}
		step := rate * (1 - float64(it-1)/iters)
		c1, c2 := 1-math.Pow(0.9, float64(it)), 1-math.Pow(0.999, float64(it))
		for j := range u {
			mom[j] = 0.9*mom[j] + 0.1*g[j]
			vel[j] = 0.999*vel[j] + 0.001*g[j]*g[j]
			u[j] -= step * (mom[j] / c1) / (math.Sqrt(vel[j]/c2) + 1e-8)
			if j < nm && u[j] < 0 {
				u[j] = 0
			}
		}
	}
	st := &stack{w: make([]float64, nm), b: append([]float64(nil), u[nm:]...)}
	for m := range st.w {
		st.w[m] = u[m] / sd[m]
	}
	st.evaluate(s, labels)
	return st
}

// scores are the blend's class scores of members' scores s.
func (st *stack) scores(s [][][]float64) [][]float64 {
	out := make([][]float64, len(s[0]))
	for i := range out {
		out[i] = append([]float64(nil), st.b...)
		for m, w := range st.w {
			for c := range out[i] {
				out[i][c] += w * s[m][i][c]
			}
		}
	}
	return out
}

// evaluate sets the stack's loss and accuracy on members' scores s.
func (st *stack) evaluate(s [][][]float64, labels []int) {
	n, right := len(labels), 0
	p := make([]float64, len(st.b))
	st.loss = 0
	for i := 0; i < n; i++ {
		best := 0
		for c := range p {
			p[c] = st.b[c]
			for m, w := range st.w {
				if w != 0 {
					p[c] += w * s[m][i][c]
				}
			}
			if p[c] > p[best] {
				best = c
			}
		}
		if best == labels[i] {
			right++
		}
		baseline.Softmax(p)
		st.loss -= math.Log(math.Max(p[labels[i]], 1e-300)) / float64(n)
	}
	st.acc = float64(right) / float64(n)
}

// scores sets p to text i's blended class scores.
func scores(f [][][]float64, u []float64, i int, p []float64) {
	nm := len(f)
	for c := range p {
		p[c] = u[nm+c]
		for m := range f {
			p[c] += u[m] * f[m][i][c]
		}
	}
}

// normalise centres each text's class scores and divides them all by
// their root mean square (1 when that is 0), which it returns.
func normalise(s [][]float64) ([][]float64, float64) {
	out := make([][]float64, len(s))
	sq, cnt := 0.0, 0
	for i, row := range s {
		mean := 0.0
		for _, v := range row {
			mean += v
		}
		mean /= float64(len(row))
		out[i] = make([]float64, len(row))
		for c, v := range row {
			out[i][c] = v - mean
			sq += out[i][c] * out[i][c]
			cnt++
		}
	}
	sd := math.Sqrt(sq / float64(cnt))
	if !(sd > 1e-6) || math.IsInf(sd, 0) {
		// A member that scores every class alike (e.g. a CNN whose
		// Dense is still zero) carries no information: left at zero, it
		// gets no weight.
		for _, row := range out {
			clear(row)
		}
		return out, 1
	}
	for _, row := range out {
		for c := range row {
			row[c] /= sd
		}
	}
	return out, sd
}
