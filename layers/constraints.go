package layers

// Weight constraints and regularizers, as keras.constraints and
// keras.regularizers (Keras 3).
//
// A constraint projects a weight after every optimizer step (the optimizers
// call Param.Constraint.Apply); a regularizer adds a penalty to the loss and
// its gradient to the weight's gradient (the model calls
// Param.Regularizer.Penalty in each training step). Layers hold them in
// fields (Dense.KernelConstraint, RNN.RecurrentRegularizer, …) and attach
// them to their weights at Build; configs carry them under Keras' keys
// ("kernel_constraint", "bias_regularizer", …) in Keras' serialized form.

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/tensor"
)

// normEpsilon is Keras' backend.epsilon(), added to norms before dividing.
const normEpsilon = 1e-7

// weightRule is what seqnet's constraints and regularizers have beyond the
// Constraint and Regularizer interfaces: a Keras class name and a check that
// they fit a weight's shape (run at Build, so Apply and Penalty never meet
// a shape they cannot handle).
type weightRule interface {
	ClassName() string
	checkShape(shape []int) error
}

// ---------------------------------------------------------------------------
// Norms over axes

// reduction maps every element of a weight to the slice it belongs to when
// norms are taken over some axes: elements that differ only along the
// reduced axes share a slice.
type reduction struct {
	shape  []int
	stride []int // slice-index stride of each axis; 0 for reduced axes
	slices int
}

// resolveAxes checks axes (negative ones count from the end, as in NumPy)
// against a rank and returns which axes are reduced.
func resolveAxes(axes []int, rank int) ([]bool, error) {
	reduce := make([]bool, rank)
	for _, a := range axes {
		r := a
		if r < 0 {
			r += rank
		}
		if r < 0 || r >= rank {
			return nil, fmt.Errorf("axis %d is out of range for a weight of rank %d: use axes in [%d, %d)", a, rank, -rank, rank)
		}
		if reduce[r] {
			return nil, fmt.Errorf("axis %d is given twice in %v", a, axes)
		}
		reduce[r] = true
	}
	return reduce, nil
}

func newReduction(shape []int, axes []int) (reduction, error) {
	reduce, err := resolveAxes(axes, len(shape))
	if err != nil {
		return reduction{}, err
	}
	r := reduction{shape: shape, stride: make([]int, len(shape)), slices: 1}
	for a := len(shape) - 1; a >= 0; a-- {
		if !reduce[a] {
			r.stride[a] = r.slices
			r.slices *= shape[a]
		}
	}
	return r, nil
}

// each calls fn with every element index i (row-major) and its slice k.
func (r reduction) each(n int, fn func(i, k int)) {
	coord := make([]int, len(r.shape))
	k := 0
	for i := 0; i < n; i++ {
		fn(i, k)
		for a := len(r.shape) - 1; a >= 0; a-- {
			coord[a]++
			k += r.stride[a]
			if coord[a] < r.shape[a] {
				break
			}
			k -= r.stride[a] * r.shape[a]
			coord[a] = 0
		}
	}
}

// rescaleNorms computes the L2 norm of every slice of w over axes and
// multiplies the slice by scale(norm). A weight the axes do not fit is left
// alone (Build has refused it already).
func rescaleNorms(w *tensor.Tensor, axes []int, scale func(norm float64) float64) {
	reduce, err := resolveAxes(axes, len(w.Shape))
	if err != nil {
		return
	}
	// The usual cases reduce one run of adjacent axes (axis 0 of a Dense
	// kernel, axes 0 and 1 of a Conv1D kernel): the weight reads as
	// (outer, reduced, inner) and each slice is a column of an
	// (reduced, inner) block.
	first, last := -1, -1
	for a, r := range reduce {
		if r {
			if first < 0 {
				first = a
			}
			last = a
		}
	}
	adjacent := first >= 0
	for a := first; adjacent && a <= last; a++ {
		adjacent = reduce[a]
	}
	if !adjacent {
		r, _ := newReduction(w.Shape, axes)
		sq := make([]float64, r.slices)
		r.each(len(w.Data), func(i, k int) { v := float64(w.Data[i]); sq[k] += v * v })
		for k, s := range sq {
			sq[k] = scale(math.Sqrt(s))
		}
		r.each(len(w.Data), func(i, k int) { w.Data[i] *= float32(sq[k]) })
		return
	}
	outer, red, inner := 1, 1, 1
	for a, d := range w.Shape {
		switch {
		case a < first:
			outer *= d
		case a <= last:
			red *= d
		default:
			inner *= d
		}
	}
	sq := make([]float64, outer*inner)
	f := make([]float32, outer*inner)
	for o := 0; o < outer; o++ {
		acc := sq[o*inner : (o+1)*inner]
		for r := 0; r < red; r++ {
			row := w.Data[(o*red+r)*inner:][:inner]
			for j, v := range row {
				acc[j] += float64(v) * float64(v)
			}
		}
	}
	for k, s := range sq {
		f[k] = float32(scale(math.Sqrt(s)))
	}
	for o := 0; o < outer; o++ {
		fo := f[o*inner : (o+1)*inner]
		for r := 0; r < red; r++ {
			row := w.Data[(o*red+r)*inner:][:inner]
			for j := range row {
				row[j] *= fo[j]
			}
		}
	}
}

// axisConfig writes axes as Keras does: one axis as an integer, several as
// a list.
func axisConfig(axes []int) any {
	if len(axes) == 1 {
		return axes[0]
	}
	return append([]int(nil), axes...)
}

func checkAxes(class string, axes []int, shape []int) error {
	if len(axes) == 0 {
		return fmt.Errorf("%s needs at least one axis to take norms over", class)
	}
	if _, err := resolveAxes(axes, len(shape)); err != nil {
		return fmt.Errorf("%s(axis=%v) on a weight of shape %s: %w", class, axes, tensor.ShapeString(shape, false), err)
	}
	return nil
}

// ---------------------------------------------------------------------------
// Constraints

// MaxNormConstraint is keras.constraints.MaxNorm: every slice of the weight
// taken along Axis (the weights incident to one unit) is scaled to a norm of
// at most MaxValue: w · clip(norm, 0, max) / (1e-7 + norm).
type MaxNormConstraint struct {
	MaxValue float64
	Axis     []int
}

// MaxNorm returns a MaxNorm constraint (Keras defaults: max_value 2, axis 0).
// Without axes the norm is taken over axis 0, the input axis of a Dense
// kernel (in, units); for a Conv1D kernel (kernel_size, in, filters) pass
// axes 0 and 1 to bound each filter as a whole.
func MaxNorm(maxValue float64, axis ...int) *MaxNormConstraint {
	return &MaxNormConstraint{MaxValue: maxValue, Axis: defaultAxis(axis)}
}

func defaultAxis(axis []int) []int {
	if len(axis) == 0 {
		return []int{0}
	}
	return append([]int(nil), axis...)
}

// ClassName is "MaxNorm".
func (c *MaxNormConstraint) ClassName() string { return "MaxNorm" }

// Apply rescales w in place.
func (c *MaxNormConstraint) Apply(w *tensor.Tensor) {
	rescaleNorms(w, c.Axis, func(n float64) float64 {
		return math.Min(math.Max(n, 0), c.MaxValue) / (normEpsilon + n)
	})
}

// Config is Keras' get_config(): max_value and axis.
func (c *MaxNormConstraint) Config() map[string]any {
	return map[string]any{"max_value": c.MaxValue, "axis": axisConfig(c.Axis)}
}

func (c *MaxNormConstraint) checkShape(shape []int) error {
	if c.MaxValue < 0 || math.IsNaN(c.MaxValue) {
		return fmt.Errorf("MaxNorm: invalid max_value %g: expected a non-negative number", c.MaxValue)
	}
	return checkAxes("MaxNorm", c.Axis, shape)
}

// NonNegConstraint is keras.constraints.NonNeg: negative weights become 0.
type NonNegConstraint struct{}

// NonNeg returns the NonNeg constraint.
func NonNeg() *NonNegConstraint { return &NonNegConstraint{} }

// ClassName is "NonNeg".
func (c *NonNegConstraint) ClassName() string { return "NonNeg" }

// Apply sets the negative entries of w to 0.
func (c *NonNegConstraint) Apply(w *tensor.Tensor) {
	for i, v := range w.Data {
		if v < 0 {
			w.Data[i] = 0
		}
	}
}

// Config is empty, as in Keras.
func (c *NonNegConstraint) Config() map[string]any { return map[string]any{} }

func (c *NonNegConstraint) checkShape([]int) error { return nil }

// UnitNormConstraint is keras.constraints.UnitNorm: every slice along Axis
// is divided by (1e-7 + its norm).
type UnitNormConstraint struct {
	Axis []int
}

// UnitNorm returns a UnitNorm constraint (Keras default: axis 0).
func UnitNorm(axis ...int) *UnitNormConstraint { return &UnitNormConstraint{Axis: defaultAxis(axis)} }

// ClassName is "UnitNorm".
func (c *UnitNormConstraint) ClassName() string { return "UnitNorm" }

// Apply normalizes w in place.
func (c *UnitNormConstraint) Apply(w *tensor.Tensor) {
	rescaleNorms(w, c.Axis, func(n float64) float64 { return 1 / (normEpsilon + n) })
}

// Config is Keras' get_config(): axis.
func (c *UnitNormConstraint) Config() map[string]any {
	return map[string]any{"axis": axisConfig(c.Axis)}
}

func (c *UnitNormConstraint) checkShape(shape []int) error {
	return checkAxes("UnitNorm", c.Axis, shape)
}

// MinMaxNormConstraint is keras.constraints.MinMaxNorm: every slice along
// Axis is rescaled to the norm rate·clip(norm, min, max) + (1-rate)·norm,
// so rate 1 enforces [MinValue, MaxValue] strictly and a smaller rate moves
// towards it step by step.
type MinMaxNormConstraint struct {
	MinValue, MaxValue, Rate float64
	Axis                     []int
}

// MinMaxNorm returns a MinMaxNorm constraint (Keras defaults: min_value 0,
// max_value 1, rate 1, axis 0).
func MinMaxNorm(minValue, maxValue, rate float64, axis ...int) *MinMaxNormConstraint {
	return &MinMaxNormConstraint{MinValue: minValue, MaxValue: maxValue, Rate: rate, Axis: defaultAxis(axis)}
}

// ClassName is "MinMaxNorm".
func (c *MinMaxNormConstraint) ClassName() string { return "MinMaxNorm" }

// Apply rescales w in place.
func (c *MinMaxNormConstraint) Apply(w *tensor.Tensor) {
	rescaleNorms(w, c.Axis, func(n float64) float64 {
		desired := c.Rate*math.Min(math.Max(n, c.MinValue), c.MaxValue) + (1-c.Rate)*n
		return desired / (normEpsilon + n)
	})
}

// Config is Keras' get_config(): min_value, max_value, rate and axis.
func (c *MinMaxNormConstraint) Config() map[string]any {
	return map[string]any{"min_value": c.MinValue, "max_value": c.MaxValue, "rate": c.Rate, "axis": axisConfig(c.Axis)}
}

func (c *MinMaxNormConstraint) checkShape(shape []int) error {
	if !(c.MinValue <= c.MaxValue) {
		return fmt.Errorf("MinMaxNorm: min_value %g is above max_value %g: expected min_value <= max_value", c.MinValue, c.MaxValue)
	}
	return checkAxes("MinMaxNorm", c.Axis, shape)
}

// ---------------------------------------------------------------------------
// Regularizers

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

// ---------------------------------------------------------------------------
// Serialization

// constraintClasses maps Keras class names to a constructor with Keras'
// defaults and the config keys it reads.
var constraintClasses = map[string]kerasClass[Constraint]{
	"MaxNorm": {func(c Config) (Constraint, error) {
		m, err := c.Float("max_value", 2)
		if err != nil {
			return nil, err
		}
		axis, err := axisFromConfig(c)
		return &MaxNormConstraint{MaxValue: m, Axis: axis}, err
	}, []string{"max_value", "axis"}},
	"NonNeg": {func(Config) (Constraint, error) { return NonNeg(), nil }, nil},
	"UnitNorm": {func(c Config) (Constraint, error) {
		axis, err := axisFromConfig(c)
		return &UnitNormConstraint{Axis: axis}, err
	}, []string{"axis"}},
	"MinMaxNorm": {func(c Config) (Constraint, error) {
		var v [3]float64
		var err error
		for i, k := range []struct {
			key string
			def float64
		}{{"min_value", 0}, {"max_value", 1}, {"rate", 1}} {
			if v[i], err = c.Float(k.key, k.def); err != nil {
				return nil, err
			}
		}
		axis, err := axisFromConfig(c)
		return &MinMaxNormConstraint{MinValue: v[0], MaxValue: v[1], Rate: v[2], Axis: axis}, err
	}, []string{"min_value", "max_value", "rate", "axis"}},
}

func axisFromConfig(c Config) ([]int, error) {
	axis, err := c.Ints("axis")
	if err != nil {
		return nil, err
	}
	if axis == nil {
		axis = []int{0}
	}
	return axis, nil
}

// regularizerClasses maps Keras class names to a constructor with Keras'
// class defaults and the config keys it reads.
var regularizerClasses = map[string]kerasClass[Regularizer]{
	"L1": {func(c Config) (Regularizer, error) {
		l1, err := c.Float("l1", 0.01)
		return L1(l1), err
	}, []string{"l1"}},
	"L2": {func(c Config) (Regularizer, error) {
		l2, err := c.Float("l2", 0.01)
		return L2(l2), err
	}, []string{"l2"}},
	"L1L2": {func(c Config) (Regularizer, error) {
		l1, err := c.Float("l1", 0)
		if err != nil {
			return nil, err
		}
		l2, err := c.Float("l2", 0)
		return L1L2(l1, l2), err
	}, []string{"l1", "l2"}},
	"OrthogonalRegularizer": {func(c Config) (Regularizer, error) {
		f, err := c.Float("factor", 0.01)
		if err != nil {
			return nil, err
		}
		mode, err := c.String("mode", "rows")
		return NewOrthogonalRegularizer(f, mode), err
	}, []string{"factor", "mode"}},
}

// shorthand resolves Keras' string identifiers: the class name or its snake
// case ("MaxNorm", "max_norm"), any case.
func shorthand(name string, classes []string) (string, bool) {
	key := strings.ToLower(strings.ReplaceAll(name, "_", ""))
	for _, c := range classes {
		if strings.ToLower(c) == key {
			return c, true
		}
	}
	return "", false
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// parseCall splits "max_norm(3, 1)" into its name and numbers; a bare name
// has no numbers.
func parseCall(s string) (string, []float64, error) {
	s = strings.TrimSpace(s)
	open := strings.IndexByte(s, '(')
	if open < 0 {
		return s, nil, nil
	}
	if !strings.HasSuffix(s, ")") {
		return "", nil, fmt.Errorf("expected name(arguments), received %q", s)
	}
	var nums []float64
	for _, f := range strings.Split(s[open+1:len(s)-1], ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if i := strings.IndexByte(f, '='); i >= 0 {
			return "", nil, fmt.Errorf("expected positional numbers in %q; write a JSON object for keyword arguments", s)
		}
		x, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return "", nil, fmt.Errorf("expected numbers in %q, received %q", s, f)
		}
		nums = append(nums, x)
	}
	return strings.TrimSpace(s[:open]), nums, nil
}

func asMap(v any) map[string]any {
	if c, ok := v.(Config); ok {
		return c
	}
	m, _ := v.(map[string]any)
	return m
}

// objectConfig reads a Keras serialized object {"class_name": …,
// "config": {…}} (Keras 3 adds "module" and "registered_name").
func objectConfig(m map[string]any) (string, Config, error) {
	name, ok := m["class_name"].(string)
	if !ok {
		return "", nil, fmt.Errorf(`expected a Keras object {"class_name": …, "config": {…}}, received %v`, m)
	}
	for k := range m {
		switch k {
		case "class_name", "config", "module", "registered_name":
		default:
			return "", nil, fmt.Errorf("unexpected key %q in %s", k, name)
		}
	}
	cfg := Config{}
	switch c := m["config"].(type) {
	case nil:
	case map[string]any:
		cfg = c
	case Config:
		cfg = c
	default:
		return "", nil, fmt.Errorf("%s: expected a config object, received %v (%T)", name, c, c)
	}
	return name, cfg, nil
}

// ParseConstraint reads a constraint as Keras writes one: nil, a serialized
// object ({"class_name": "MaxNorm", "config": {"max_value": 3, "axis": 0}}),
// or a string: a class name or its snake case ("max_norm", "non_neg",
// "unit_norm", "min_max_norm") with Keras' defaults, optionally followed by
// positional numbers in the order of the Keras constructor
// ("max_norm(3)", "min_max_norm(0.5, 2)").
func ParseConstraint(v any) (Constraint, error) {
	var class string
	var cfg Config
	switch x := v.(type) {
	case nil:
		return nil, nil
	case Constraint:
		return x, nil
	case map[string]any, Config:
		name, c, err := objectConfig(asMap(x))
		if err != nil {
			return nil, err
		}
		class, cfg = name, c
	case string:
		name, nums, err := parseCall(x)
		if err != nil {
			return nil, err
		}
		c, ok := shorthand(name, sortedKeys(constraintClasses))
		if !ok {
			return nil, fmt.Errorf("unknown constraint %q: seqnet knows max_norm, min_max_norm, non_neg, unit_norm", name)
		}
		keys := constraintClasses[c].keys
		if len(nums) > len(keys) {
			return nil, fmt.Errorf("%s takes at most %d arguments (%s), received %d", c, len(keys), strings.Join(keys, ", "), len(nums))
		}
		class, cfg = c, Config{}
		for i, n := range nums {
			cfg[keys[i]] = n
		}
	default:
		return nil, fmt.Errorf("expected a constraint name or a Keras constraint object, received %v (%T)", v, v)
	}
	return buildClass("constraint", constraintClasses, class, cfg)
}

// ParseRegularizer reads a regularizer as Keras writes one: nil, a
// serialized object ({"class_name": "L2", "config": {"l2": 0.01}}), or a
// string: "l1" and "l2" (factor 0.01), "l1_l2" (0.01 and 0.01, as Keras
// documents it), "L1L2" (Keras 3's class defaults, 0 and 0),
// "orthogonal_regularizer", optionally followed by positional numbers
// ("l2(0.001)", "l1_l2(0, 1e-4)").
func ParseRegularizer(v any) (Regularizer, error) {
	var class string
	var cfg Config
	switch x := v.(type) {
	case nil:
		return nil, nil
	case Regularizer:
		return x, nil
	case map[string]any, Config:
		name, c, err := objectConfig(asMap(x))
		if err != nil {
			return nil, err
		}
		class, cfg = name, c
	case string:
		name, nums, err := parseCall(x)
		if err != nil {
			return nil, err
		}
		cfg = Config{}
		if strings.ToLower(name) == "l1_l2" {
			class = "L1L2"
			cfg["l1"], cfg["l2"] = 0.01, 0.01
		} else if c, ok := shorthand(name, sortedKeys(regularizerClasses)); ok {
			class = c
		} else {
			return nil, fmt.Errorf("unknown regularizer %q: seqnet knows l1, l2, l1_l2, orthogonal_regularizer", name)
		}
		keys := regularizerClasses[class].keys
		if class == "OrthogonalRegularizer" {
			keys = keys[:1] // mode is not a number
		}
		if len(nums) > len(keys) {
			return nil, fmt.Errorf("%s takes at most %d numbers (%s), received %d", class, len(keys), strings.Join(keys, ", "), len(nums))
		}
		for i, n := range nums {
			cfg[keys[i]] = n
		}
	default:
		return nil, fmt.Errorf("expected a regularizer name or a Keras regularizer object, received %v (%T)", v, v)
	}
	r, err := buildClass("regularizer", regularizerClasses, class, cfg)
	if err != nil {
		return nil, err
	}
	if wr, ok := r.(weightRule); ok {
		// Factors and mode do not depend on the weight: check them now,
		// with a shape every regularizer accepts.
		if err := wr.checkShape([]int{2, 2}); err != nil {
			return nil, fmt.Errorf("%s: %w", class, err)
		}
	}
	return r, nil
}

// kerasClass is a Keras class seqnet builds from its config: the config
// keys it takes and the constructor, which applies Keras' defaults.
type kerasClass[T any] struct {
	make func(c Config) (T, error)
	keys []string
}

// buildClass builds class from cfg with the constructors of classes; kind
// ("constraint", "regularizer") names it in the errors.
func buildClass[T any](kind string, classes map[string]kerasClass[T], class string, cfg Config) (T, error) {
	var zero T
	k, ok := classes[class]
	if !ok {
		return zero, fmt.Errorf("unsupported %s %q: seqnet knows %s", kind, class, strings.Join(sortedKeys(classes), ", "))
	}
	if err := cfg.unknownIn(class, k.keys); err != nil {
		return zero, err
	}
	v, err := k.make(cfg)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", class, err)
	}
	return v, nil
}

func (c Config) unknownIn(class string, known []string) error {
	for _, k := range sortedKeys(c) {
		found := false
		for _, kk := range known {
			found = found || k == kk
		}
		if !found {
			if len(known) == 0 {
				return fmt.Errorf("%s: unexpected argument %q: %s takes none", class, k, class)
			}
			return fmt.Errorf("%s: unexpected argument %q: expected %s", class, k, strings.Join(known, ", "))
		}
	}
	return nil
}

// Constraint reads a constraint (see ParseConstraint) under key; absent or
// null is nil.
func (c Config) Constraint(key string) (Constraint, error) {
	k, err := ParseConstraint(c[key])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return k, nil
}

// Regularizer reads a regularizer (see ParseRegularizer) under key; absent
// or null is nil.
func (c Config) Regularizer(key string) (Regularizer, error) {
	r, err := ParseRegularizer(c[key])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return r, nil
}

// ruleClassName is the Keras class name of a constraint or regularizer;
// one of the user's own types is named by its Go type.
func ruleClassName(v any) string {
	if n, ok := v.(interface{ ClassName() string }); ok {
		return n.ClassName()
	}
	s := fmt.Sprintf("%T", v)
	return s[strings.LastIndexAny(s, ".*")+1:]
}

// ConstraintConfig serializes a constraint as Keras 3 does:
// {"module": "keras.constraints", "class_name": "MaxNorm", "config": {…},
// "registered_name": null}; nil stays nil.
func ConstraintConfig(c Constraint) any {
	if c == nil {
		return nil
	}
	return map[string]any{"module": "keras.constraints", "class_name": ruleClassName(c), "config": c.Config(), "registered_name": nil}
}

// RegularizerConfig serializes a regularizer as Keras 3 does:
// {"module": "keras.regularizers", "class_name": "L2", "config": {…},
// "registered_name": null}; nil stays nil.
func RegularizerConfig(r Regularizer) any {
	if r == nil {
		return nil
	}
	return map[string]any{"module": "keras.regularizers", "class_name": ruleClassName(r), "config": r.Config(), "registered_name": nil}
}

// attachRules gives a weight its constraint and regularizer, checking that
// they fit its shape. layer names the layer and weight names the argument
// family ("kernel", "recurrent", "bias") in the error.
func attachRules(layer string, p *Param, weight string, c Constraint, r Regularizer) error {
	if p == nil {
		return nil
	}
	p.Constraint, p.Regularizer = c, r
	for _, x := range []struct {
		v   any
		key string
	}{{c, weight + "_constraint"}, {r, weight + "_regularizer"}} {
		if wr, ok := x.v.(weightRule); ok && x.v != nil {
			if err := wr.checkShape(p.Value.Shape); err != nil {
				return fmt.Errorf("%s: %s for the %s of shape %s: %w", layer, x.key, p.Name,
					tensor.ShapeString(p.Value.Shape, false), err)
			}
		}
	}
	return nil
}
