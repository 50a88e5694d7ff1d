package forecast

import (
	"errors"
	"math"

	"github.com/seqnet/seqnet/baseline"
)

// combine returns each candidate's weight in the linear start: half the
// stacked weights (the non-negative weights summing to 1 whose combined
// residuals over the validation blocks have the smallest squared sum) and
// half inverse-error weights (Bates and Granger 1969). Stacked weights fit
// the few validation windows closely and vary with them; shrinking them
// towards a simple rule is the usual remedy for that estimation error (the
// "forecast combination puzzle", Smith and Wallis 2009). Shrinking towards
// equal weights instead gave a poor fit as much weight as a good one.
func combine(c []fitted) []float64 {
	w := make([]float64, len(c))
	s := 0.0
	for i, f := range c {
		w[i] = 1 / math.Max(f.mse, math.SmallestNonzeroFloat64)
		s += w[i]
	}
	st := stack(c)
	for i := range w {
		w[i] /= s
		if st != nil {
			w[i] = (w[i] + st[i]) / 2
		}
	}
	return w
}

type block struct{ trainEnd, end int }

// blocks are the rolling-origin validation blocks: the nv validation
// windows (after the n training windows), and up to two blocks of nv
// training windows before them, each fitted on the windows before it when
// there are at least nv of those.
func blocks(n, nv int) []block {
	b := []block{{n, n + nv}}
	for k := 1; k <= 2; k++ {
		end := n - (k-1)*nv
		if end-nv < max(nv, 2) {
			break
		}
		b = append(b, block{end - nv, end})
	}
	return b
}

// chooseAlpha returns the penalty (baseline.RidgeAlphas times the mean
// diagonal of the training windows' centred XᵀX, or, without intercept,
// +Inf: every weight 0, the anchor's naive forecast) with the smallest mean
// squared error over rolling-origin blocks, that error and its standard
// error and its residuals (prediction − target, block after block) with
// that penalty (intercept: an unpenalised intercept, else none), over the
// blocks of blocks(n, nv).
func chooseAlpha(fx, fy, fvx, fvy []float64, n, nv, in, out int, intercept bool) (alpha, mse, se float64, res []float64, err error) {
	allX := append(append([]float64(nil), fx...), fvx...)
	allY := append(append([]float64(nil), fy...), fvy...)
	blocks := blocks(n, nv)
	scale := meanDiag(fx, n, in)
	mse = math.Inf(1)
	for _, a := range baseline.RidgeAlphas {
		var r []float64 // every block's residuals
		ok := true
		for _, b := range blocks {
			fit := baseline.FitRidge
			if !intercept {
				fit = baseline.FitRidgeNoIntercept
			}
			m, err2 := fit(allX[:b.trainEnd*in], b.trainEnd, in, allY[:b.trainEnd*out], out, a*scale)
			if err2 != nil {
				ok, err = false, err2
				break
			}
			p := m.Predict(allX[b.trainEnd*in:b.end*in], b.end-b.trainEnd)
			for i, v := range allY[b.trainEnd*out : b.end*out] {
				r = append(r, p[i]-v)
			}
		}
		if !ok {
			continue
		}
		if m, s := meanSE(squares(r)); m <= mse {
			alpha, mse, se, res = a*scale, m, s, r
		}
	}
	if math.IsInf(mse, 1) {
		return 0, 0, 0, nil, err
	}
	if !intercept {
		// The limit of an infinite penalty: the anchor's naive forecast
		// itself (every weight 0), which the finite grid only approaches.
		var r []float64
		for _, b := range blocks {
			for _, v := range allY[b.trainEnd*out : b.end*out] {
				r = append(r, -v)
			}
		}
		if m, s := meanSE(squares(r)); m <= mse {
			alpha, mse, se, res = math.Inf(1), m, s, r
		}
	}
	return alpha, mse, se, res, nil
}

// stack returns the non-negative weights summing to 1 whose combination
// has the smallest squared residual sum (nil if none is found): for each
// subset of the candidates, the weights minimising wᵀGw subject to Σw = 1
// (G the residuals' cross products) are G⁻¹1 normalised; the best subset
// whose weights are all positive wins. A handful of candidates makes
// trying every subset cheap.
func stack(c []fitted) []float64 {
	k := len(c)
	best, bestW := math.Inf(1), []float64(nil)
	for mask := 1; mask < 1<<k; mask++ {
		var idx []int
		for i := 0; i < k; i++ {
			if mask&(1<<i) != 0 {
				idx = append(idx, i)
			}
		}
		m := len(idx)
		g := make([]float64, m*m)
		for a, i := range idx {
			for b, j := range idx {
				for t := range c[i].res {
					g[a*m+b] += c[i].res[t] * c[j].res[t]
				}
			}
		}
		for a := 0; a < m; a++ {
			g[a*m+a] *= 1 + 1e-9
		}
		one := make([]float64, m)
		for a := range one {
			one[a] = 1
		}
		if err := solveSPD(g, m, one); err != nil {
			continue
		}
		s := 0.0
		ok := true
		for _, v := range one {
			s += v
			ok = ok && v > 0
		}
		if !ok {
			continue
		}
		w := make([]float64, k)
		res := make([]float64, len(c[0].res))
		for a, i := range idx {
			w[i] = one[a] / s
			addScaled(res, c[i].res, w[i])
		}
		if v, _ := meanSE(squares(res)); v < best {
			best, bestW = v, w
		}
	}
	return bestW
}

// solveSPD solves a·x = b in place (b becomes x) for a symmetric positive
// definite n×n matrix a (overwritten by its Cholesky factor).
func solveSPD(a []float64, n int, b []float64) error {
	for j := 0; j < n; j++ {
		d := a[j*n+j]
		for k := 0; k < j; k++ {
			d -= a[j*n+k] * a[j*n+k]
		}
		if d <= 0 {
			return errors.New("not positive definite")
		}
		a[j*n+j] = math.Sqrt(d)
		for i := j + 1; i < n; i++ {
			v := a[i*n+j]
			for k := 0; k < j; k++ {
				v -= a[i*n+k] * a[j*n+k]
			}
			a[i*n+j] = v / a[j*n+j]
		}
	}
	for i := 0; i < n; i++ {
		v := b[i]
		for k := 0; k < i; k++ {
			v -= a[i*n+k] * b[k]
		}
		b[i] = v / a[i*n+i]
	}
	for i := n - 1; i >= 0; i-- {
		v := b[i]
		for k := i + 1; k < n; k++ {
			v -= a[k*n+i] * b[k]
		}
		b[i] = v / a[i*n+i]
	}
	return nil
}
