package layers

// Weight constraints, as keras.constraints (Keras 3), and the norms over
// axes they take.
//
// A constraint projects a weight after every optimizer step (the optimizers
// call Param.Constraint.Apply); a regularizer (regularizers.go) adds a
// penalty to the loss. Layers hold both in fields (Dense.KernelConstraint,
// RNN.RecurrentRegularizer, …) and attach them to their weights at Build;
// configs carry them under Keras' keys ("kernel_constraint",
// "bias_regularizer", …) in Keras' serialized form (weightrules.go).

import (
	"fmt"
	"math"

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
