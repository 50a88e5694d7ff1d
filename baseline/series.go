package baseline

import (
	"fmt"
	"math"
)

// Persistence forecasts the value at each target row as the value horizon
// rows earlier ("tomorrow = today"): out[i] = y[rows[i]-horizon].
func Persistence(y []float64, rows []int, horizon int) ([]float64, error) {
	if horizon < 1 {
		return nil, fmt.Errorf("baseline: persistence needs a horizon ≥ 1, received %d", horizon)
	}
	return lagged(y, rows, horizon, "persistence")
}

// SeasonalNaive forecasts the value at each target row as the value one
// season earlier, or as many whole seasons earlier as the horizon needs (the
// last season the forecaster can have seen): out[i] = y[rows[i]-k·season]
// with k = ceil(horizon/season).
func SeasonalNaive(y []float64, rows []int, horizon, season int) ([]float64, error) {
	if horizon < 1 || season < 1 {
		return nil, fmt.Errorf("baseline: seasonal naive needs a horizon and a season ≥ 1, received %d and %d", horizon, season)
	}
	k := (horizon + season - 1) / season
	return lagged(y, rows, k*season, "seasonal naive")
}

func lagged(y []float64, rows []int, lag int, what string) ([]float64, error) {
	out := make([]float64, len(rows))
	for i, r := range rows {
		if r-lag < 0 || r >= len(y) {
			return nil, fmt.Errorf("baseline: %s for row %d needs row %d, outside the series' rows 0–%d", what, r, r-lag, len(y)-1)
		}
		out[i] = y[r-lag]
	}
	return out, nil
}

// Ridge is a linear model y = x·W + b fitted by ridge regression (squared
// error plus Alpha·|W|², the intercept not penalised), as used for an
// autoregression on the windows a forecaster sees.
type Ridge struct {
	In, Out int
	// W is In×Out, row-major; B has Out values.
	W, B []float64
	// Alpha is the penalty the model was fitted with.
	Alpha float64
}

// FitRidge fits a ridge regression on n rows of x (n×in, row-major) and y
// (n×out) by the normal equations (XᵀX + αI)W = XᵀY on centred data, solved
// by Cholesky. alpha must be ≥ 0; with alpha 0 the columns of x must be
// linearly independent.
func FitRidge(x []float64, n, in int, y []float64, out int, alpha float64) (*Ridge, error) {
	return fitRidge(x, n, in, y, out, alpha, true)
}

// FitRidgeNoIntercept fits y = x·W (B = 0) with every weight penalised: the
// normal equations (XᵀX + αI)W = XᵀY on the data as given, not centred. With
// a constant column in x, its weight is a penalised intercept, so a large
// alpha shrinks the fit all the way to zero.
func FitRidgeNoIntercept(x []float64, n, in int, y []float64, out int, alpha float64) (*Ridge, error) {
	return fitRidge(x, n, in, y, out, alpha, false)
}

func fitRidge(x []float64, n, in int, y []float64, out int, alpha float64, intercept bool) (*Ridge, error) {
	if n < 1 || in < 1 || out < 1 || len(x) != n*in || len(y) != n*out {
		return nil, fmt.Errorf("baseline: ridge needs x of %d×%d and y of %d×%d values, received %d and %d", n, in, n, out, len(x), len(y))
	}
	if !(alpha >= 0) {
		return nil, fmt.Errorf("baseline: ridge alpha must be ≥ 0, received %g", alpha)
	}
	xm, ym := colMeans(x, n, in), colMeans(y, n, out)
	if !intercept {
		xm, ym = make([]float64, in), make([]float64, out)
	}
	a := make([]float64, in*in) // XᵀX, centred
	c := make([]float64, in*out)
	for r := 0; r < n; r++ {
		xr, yr := x[r*in:(r+1)*in], y[r*out:(r+1)*out]
		for i := 0; i < in; i++ {
			xi := xr[i] - xm[i]
			for j := 0; j <= i; j++ {
				a[i*in+j] += xi * (xr[j] - xm[j])
			}
			for k := 0; k < out; k++ {
				c[i*out+k] += xi * (yr[k] - ym[k])
			}
		}
	}
	for i := 0; i < in; i++ {
		a[i*in+i] += alpha
		for j := 0; j < i; j++ {
			a[j*in+i] = a[i*in+j]
		}
	}
	if err := cholSolve(a, in, c, out); err != nil {
		return nil, fmt.Errorf("baseline: ridge with alpha %g: %w (use a positive alpha)", alpha, err)
	}
	m := &Ridge{In: in, Out: out, W: c, B: make([]float64, out), Alpha: alpha}
	for k := 0; k < out; k++ {
		m.B[k] = ym[k]
		for i := 0; i < in; i++ {
			m.B[k] -= xm[i] * c[i*out+k]
		}
	}
	return m, nil
}

// RidgeAlphas are the penalties SelectRidge tries, as multiples of the
// mean diagonal of the centred XᵀX (so the choice does not depend on the
// data's units).
var RidgeAlphas = []float64{0, 1e-4, 1e-3, 1e-2, 0.1, 1, 10, 100}

// SelectRidge fits a ridge regression on the training rows for each of
// RidgeAlphas and keeps the one with the smallest mean squared error on the
// validation rows (ties: the larger penalty).
func SelectRidge(x []float64, n, in int, y []float64, out int, vx []float64, vn int, vy []float64) (*Ridge, error) {
	if vn < 1 || len(vx) != vn*in || len(vy) != vn*out {
		return nil, fmt.Errorf("baseline: ridge validation needs x of %d×%d and y of %d×%d values, received %d and %d", vn, in, vn, out, len(vx), len(vy))
	}
	if n < 1 || len(x) != n*in {
		return nil, fmt.Errorf("baseline: ridge needs x of %d×%d values, received %d", n, in, len(x))
	}
	xm := colMeans(x, n, in)
	scale := 0.0
	for r := 0; r < n; r++ {
		for i := 0; i < in; i++ {
			d := x[r*in+i] - xm[i]
			scale += d * d
		}
	}
	scale /= float64(in)
	if scale == 0 {
		scale = 1
	}
	var best *Ridge
	bestErr := math.Inf(1)
	var lastErr error
	for _, a := range RidgeAlphas {
		m, err := FitRidge(x, n, in, y, out, a*scale)
		if err != nil {
			lastErr = err
			continue
		}
		e := MSE(m.Predict(vx, vn), vy)
		if e <= bestErr {
			best, bestErr = m, e
		}
	}
	if best == nil {
		return nil, lastErr
	}
	return best, nil
}

// Predict returns the n×Out predictions for n rows of x (n×In).
func (m *Ridge) Predict(x []float64, n int) []float64 {
	out := make([]float64, n*m.Out)
	for r := 0; r < n; r++ {
		xr, o := x[r*m.In:(r+1)*m.In], out[r*m.Out:(r+1)*m.Out]
		copy(o, m.B)
		for i, v := range xr {
			w := m.W[i*m.Out : (i+1)*m.Out]
			for k := range o {
				o[k] += v * w[k]
			}
		}
	}
	return out
}

func colMeans(x []float64, n, cols int) []float64 {
	m := make([]float64, cols)
	for r := 0; r < n; r++ {
		for j := range m {
			m[j] += x[r*cols+j]
		}
	}
	for j := range m {
		m[j] /= float64(n)
	}
	return m
}

// cholSolve solves A·X = B in place (B becomes X) for a symmetric positive
// definite n×n A (overwritten by its Cholesky factor) and n×k B.
func cholSolve(a []float64, n int, b []float64, k int) error {
	for j := 0; j < n; j++ {
		d := a[j*n+j]
		for p := 0; p < j; p++ {
			d -= a[j*n+p] * a[j*n+p]
		}
		if !(d > 1e-12*math.Max(1, math.Abs(a[j*n+j]))) {
			return fmt.Errorf("the normal equations are singular (column %d is a combination of the others)", j)
		}
		d = math.Sqrt(d)
		a[j*n+j] = d
		for i := j + 1; i < n; i++ {
			s := a[i*n+j]
			for p := 0; p < j; p++ {
				s -= a[i*n+p] * a[j*n+p]
			}
			a[i*n+j] = s / d
		}
	}
	for c := 0; c < k; c++ {
		for i := 0; i < n; i++ { // L z = b
			s := b[i*k+c]
			for p := 0; p < i; p++ {
				s -= a[i*n+p] * b[p*k+c]
			}
			b[i*k+c] = s / a[i*n+i]
		}
		for i := n - 1; i >= 0; i-- { // Lᵀ x = z
			s := b[i*k+c]
			for p := i + 1; p < n; p++ {
				s -= a[p*n+i] * b[p*k+c]
			}
			b[i*k+c] = s / a[i*n+i]
		}
	}
	return nil
}

// MAE is the mean absolute error of predictions p against targets y.
func MAE(p, y []float64) float64 {
	s := 0.0
	for i := range p {
		s += math.Abs(p[i] - y[i])
	}
	return s / float64(len(p))
}

// MSE is the mean squared error of predictions p against targets y.
func MSE(p, y []float64) float64 {
	s := 0.0
	for i := range p {
		d := p[i] - y[i]
		s += d * d
	}
	return s / float64(len(p))
}
