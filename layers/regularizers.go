package layers

// Regularizers, as keras.regularizers (Keras 3): a regularizer adds a
// penalty to the loss and its gradient to the weight's gradient (the model
// calls Param.Regularizer.Penalty in each training step). Their configs are
// read and written in weightrules.go.

import (
	"fmt"
	"math"

	"github.com/seqnet/seqnet/tensor"
)

// L1Regularizer is keras.regularizers.L1: penalty L1·Σ|w|.
type L1Regularizer struct{ L1 float64 }

// L1 returns an L1 regularizer (Keras' "l1" is L1(0.01)).
func L1(l1 float64) *L1Regularizer { return &L1Regularizer{L1: l1} }

// ClassName is "L1".
func (r *L1Regularizer) ClassName() string { return "L1" }

// Penalty returns L1·Σ|w| and adds L1·sign(w) into grad (grad may be nil).
func (r *L1Regularizer) Penalty(w, grad *tensor.Tensor) float64 { return l1l2Penalty(r.L1, 0, w, grad) }

// Config is Keras' get_config(): l1.
func (r *L1Regularizer) Config() map[string]any { return map[string]any{"l1": r.L1} }

func (r *L1Regularizer) checkShape([]int) error { return checkFactor("l1", r.L1) }

// L2Regularizer is keras.regularizers.L2: penalty L2·Σw², without the ½
// some other libraries use, as in Keras 3.
type L2Regularizer struct{ L2 float64 }

// L2 returns an L2 regularizer (Keras' "l2" is L2(0.01)).
func L2(l2 float64) *L2Regularizer { return &L2Regularizer{L2: l2} }

// ClassName is "L2".
func (r *L2Regularizer) ClassName() string { return "L2" }

// Penalty returns L2·Σw² and adds 2·L2·w into grad (grad may be nil).
func (r *L2Regularizer) Penalty(w, grad *tensor.Tensor) float64 { return l1l2Penalty(0, r.L2, w, grad) }

// Config is Keras' get_config(): l2.
func (r *L2Regularizer) Config() map[string]any { return map[string]any{"l2": r.L2} }

func (r *L2Regularizer) checkShape([]int) error { return checkFactor("l2", r.L2) }

// L1L2Regularizer is keras.regularizers.L1L2: L1·Σ|w| + L2·Σw².
type L1L2Regularizer struct{ L1, L2 float64 }

// L1L2 returns an L1L2 regularizer. Keras' class defaults both factors to
// 0; the string "l1_l2" means 0.01 and 0.01.
func L1L2(l1, l2 float64) *L1L2Regularizer { return &L1L2Regularizer{L1: l1, L2: l2} }

// ClassName is "L1L2".
func (r *L1L2Regularizer) ClassName() string { return "L1L2" }

// Penalty returns L1·Σ|w| + L2·Σw² and adds its gradient into grad.
func (r *L1L2Regularizer) Penalty(w, grad *tensor.Tensor) float64 {
	return l1l2Penalty(r.L1, r.L2, w, grad)
}

// Config is Keras' get_config(): l1 and l2.
func (r *L1L2Regularizer) Config() map[string]any { return map[string]any{"l1": r.L1, "l2": r.L2} }

func (r *L1L2Regularizer) checkShape([]int) error {
	if err := checkFactor("l1", r.L1); err != nil {
		return err
	}
	return checkFactor("l2", r.L2)
}

func checkFactor(name string, v float64) error {
	if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("invalid value for argument %s: expected a non-negative number, received %s=%g", name, name, v)
	}
	return nil
}

// l1l2Penalty is l1·Σ|w| + l2·Σw², adding l1·sign(w) + 2·l2·w into grad.
// The gradient of |w| at 0 is taken as 0, as TensorFlow and JAX do.
func l1l2Penalty(l1, l2 float64, w, grad *tensor.Tensor) float64 {
	var abs, sq float64
	if grad == nil {
		for _, v := range w.Data {
			x := float64(v)
			abs += math.Abs(x)
			sq += x * x
		}
		return l1*abs + l2*sq
	}
	g := grad.Data[:len(w.Data)]
	g2 := float32(2 * l2)
	if l1 == 0 {
		for i, v := range w.Data {
			x := float64(v)
			sq += x * x
			g[i] += g2 * v
		}
		return l2 * sq
	}
	// l1·sign(w) without a branch on the sign (random signs defeat the
	// branch predictor): l1 (≥ 0) takes the sign bit of w.
	g1 := math.Float32bits(float32(math.Abs(l1)))
	for i, v := range w.Data {
		x := float64(v)
		abs += math.Abs(x)
		sq += x * x
		d1 := math.Float32frombits(g1 | math.Float32bits(v)&(1<<31))
		if v == 0 {
			d1 = 0
		}
		g[i] += g2*v + d1
	}
	return l1*abs + l2*sq
}

// OrthogonalRegularizer is keras.regularizers.OrthogonalRegularizer for a
// rank-2 weight: with the rows (Mode "rows") or columns ("columns")
// normalized to unit norm, the penalty is Factor·½·Σ|⟨vᵢ,vⱼ⟩| over the
// pairs i ≠ j, divided by the number of pairs n(n-1)/2.
type OrthogonalRegularizer struct {
	Factor float64
	Mode   string
}

// NewOrthogonalRegularizer returns an OrthogonalRegularizer (Keras
// defaults: factor 0.01, mode "rows").
func NewOrthogonalRegularizer(factor float64, mode string) *OrthogonalRegularizer {
	return &OrthogonalRegularizer{Factor: factor, Mode: mode}
}

// ClassName is "OrthogonalRegularizer".
func (r *OrthogonalRegularizer) ClassName() string { return "OrthogonalRegularizer" }

// Config is Keras' get_config(): factor and mode.
func (r *OrthogonalRegularizer) Config() map[string]any {
	return map[string]any{"factor": r.Factor, "mode": r.Mode}
}

func (r *OrthogonalRegularizer) checkShape(shape []int) error {
	if err := checkFactor("factor", r.Factor); err != nil {
		return err
	}
	if r.Mode != "rows" && r.Mode != "columns" {
		return fmt.Errorf(`invalid value for argument mode: expected one of "rows", "columns", received mode=%q`, r.Mode)
	}
	if len(shape) != 2 {
		return fmt.Errorf("OrthogonalRegularizer needs a weight of rank 2, received shape %s", tensor.ShapeString(shape, false))
	}
	n := shape[0]
	if r.Mode == "columns" {
		n = shape[1]
	}
	if n < 2 {
		return fmt.Errorf("OrthogonalRegularizer(mode=%q) needs at least 2 %s to compare, received shape %s",
			r.Mode, r.Mode, tensor.ShapeString(shape, false))
	}
	return nil
}

// Penalty returns the penalty and adds its gradient into grad (grad may be
// nil). A weight that is not rank 2 with two rows (columns) gives 0.
func (r *OrthogonalRegularizer) Penalty(w, grad *tensor.Tensor) float64 {
	if r.checkShape(w.Shape) != nil {
		return 0
	}
	rows, cols := w.Shape[0], w.Shape[1]
	// v holds the vectors to compare as rows: (n, m).
	n, m := rows, cols
	at := func(i, j int) int { return i*cols + j }
	if r.Mode == "columns" {
		n, m = cols, rows
		at = func(i, j int) int { return j*cols + i }
	}
	v := make([]float64, n*m)
	norm := make([]float64, n)
	for i := 0; i < n; i++ {
		var s float64
		for j := 0; j < m; j++ {
			x := float64(w.Data[at(i, j)])
			v[i*m+j] = x
			s += x * x
		}
		norm[i] = math.Max(math.Sqrt(s), normEpsilon) // Keras' normalize: x / max(‖x‖, ε)
		for j := 0; j < m; j++ {
			v[i*m+j] /= norm[i]
		}
	}
	pairs := float64(n) * float64(n-1) / 2
	scale := r.Factor * 0.5 / pairs
	var sum float64
	sign := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i == j {
				continue
			}
			var p float64
			for k := 0; k < m; k++ {
				p += v[i*m+k] * v[j*m+k]
			}
			sum += math.Abs(p)
			if p > 0 {
				sign[i*n+j] = 1
			} else if p < 0 {
				sign[i*n+j] = -1
			}
		}
	}
	if grad != nil {
		// d/dvᵢ = scale·Σⱼ (sᵢⱼ + sⱼᵢ)·vⱼ = 2·scale·Σⱼ sᵢⱼ·vⱼ; then back
		// through vᵢ = xᵢ/‖xᵢ‖: dxᵢ = (dvᵢ - vᵢ⟨vᵢ,dvᵢ⟩)/‖xᵢ‖ (only dvᵢ/ε
		// below ε, where the norm is the constant ε).
		dv := make([]float64, m)
		for i := 0; i < n; i++ {
			clear(dv)
			for j := 0; j < n; j++ {
				if s := sign[i*n+j]; s != 0 {
					for k := 0; k < m; k++ {
						dv[k] += 2 * scale * s * v[j*m+k]
					}
				}
			}
			var dot float64
			if norm[i] > normEpsilon {
				for k := 0; k < m; k++ {
					dot += v[i*m+k] * dv[k]
				}
			}
			for k := 0; k < m; k++ {
				grad.Data[at(i, k)] += float32((dv[k] - v[i*m+k]*dot) / norm[i])
			}
		}
	}
	return scale * sum
}
