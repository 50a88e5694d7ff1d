// Package tensor holds seqnet's n-dimensional float32 arrays.
//
// A Tensor is a shape and a flat, row-major slice of float32. seqnet is
// channels-last, as Keras is: a batch of sequences has shape
// (batch, steps, channels), and element (b, t, c) lives at
// Data[(b*steps+t)*channels+c].
package tensor

import (
	"fmt"
	"slices"
	"strings"
)

// Tensor is a dense row-major float32 array.
type Tensor struct {
	Shape []int
	Data  []float32
	// Mask, when not nil, marks which steps of a (batch, steps, ...) tensor
	// are real (true) and which are padding (false), as Keras' masks do.
	// It has batch*steps entries.
	Mask []bool
}

// New returns a zero tensor of the given shape.
func New(shape ...int) *Tensor {
	return &Tensor{Shape: append([]int(nil), shape...), Data: make([]float32, Size(shape))}
}

// FromSlice wraps data (not copied) in a tensor of the given shape.
// It panics if the sizes disagree: that is a programming error.
func FromSlice(data []float32, shape ...int) *Tensor {
	if Size(shape) != len(data) {
		panic(fmt.Sprintf("tensor: FromSlice: %d values do not fill shape %v (%d)", len(data), shape, Size(shape)))
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: data}
}

// FromFloat64 copies float64 values into a new tensor of the given shape.
func FromFloat64(data []float64, shape ...int) *Tensor {
	t := New(shape...)
	if len(data) != len(t.Data) {
		panic(fmt.Sprintf("tensor: FromFloat64: %d values do not fill shape %v (%d)", len(data), shape, len(t.Data)))
	}
	for i, v := range data {
		t.Data[i] = float32(v)
	}
	return t
}

// Size is the number of elements of a shape (1 for a scalar shape).
func Size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Len is the number of elements.
func (t *Tensor) Len() int { return len(t.Data) }

// Rank is the number of dimensions.
func (t *Tensor) Rank() int { return len(t.Shape) }

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	c := &Tensor{Shape: append([]int(nil), t.Shape...), Data: append([]float32(nil), t.Data...)}
	if t.Mask != nil {
		c.Mask = append([]bool(nil), t.Mask...)
	}
	return c
}

// Reshape returns a tensor sharing t's data with a new shape.
// One dimension may be -1 and is then inferred.
func (t *Tensor) Reshape(shape ...int) (*Tensor, error) {
	s := append([]int(nil), shape...)
	infer, known := -1, 1
	for i, d := range s {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d <= 0:
			return nil, fmt.Errorf("tensor: cannot reshape %v to %v: dimension %d is %d", t.Shape, shape, i, d)
		default:
			known *= d
		}
	}
	if infer >= 0 {
		if known == 0 || len(t.Data)%known != 0 {
			return nil, fmt.Errorf("tensor: cannot reshape %v (%d values) to %v", t.Shape, len(t.Data), shape)
		}
		s[infer] = len(t.Data) / known
	}
	if Size(s) != len(t.Data) {
		return nil, fmt.Errorf("tensor: cannot reshape %v (%d values) to %v (%d values)", t.Shape, len(t.Data), s, Size(s))
	}
	return &Tensor{Shape: s, Data: t.Data, Mask: t.Mask}, nil
}

// Rows returns rows [from, to) of the first axis, sharing data.
func (t *Tensor) Rows(from, to int) *Tensor {
	inner := Size(t.Shape[1:])
	s := append([]int{to - from}, t.Shape[1:]...)
	r := &Tensor{Shape: s, Data: t.Data[from*inner : to*inner]}
	if t.Mask != nil && len(t.Shape) >= 2 {
		r.Mask = t.Mask[from*t.Shape[1] : to*t.Shape[1]]
	}
	return r
}

// Gather returns a new tensor made of the rows idx of the first axis.
func (t *Tensor) Gather(idx []int) *Tensor {
	inner := Size(t.Shape[1:])
	s := append([]int{len(idx)}, t.Shape[1:]...)
	r := New(s...)
	for i, j := range idx {
		copy(r.Data[i*inner:(i+1)*inner], t.Data[j*inner:(j+1)*inner])
	}
	return r
}

// Zero sets every element to 0.
func (t *Tensor) Zero() { clear(t.Data) }

// ShapeString formats a shape as Keras prints it, e.g. "(None, 3, 1)"
// when batch is true.
func ShapeString(shape []int, batch bool) string {
	parts := make([]string, 0, len(shape)+1)
	if batch {
		parts = append(parts, "None")
	}
	for _, d := range shape {
		parts = append(parts, fmt.Sprint(d))
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// String prints the shape and, for small tensors, the values.
func (t *Tensor) String() string {
	if len(t.Data) > 64 {
		return fmt.Sprintf("Tensor%v", t.Shape)
	}
	return fmt.Sprintf("Tensor%v%v", t.Shape, t.Data)
}

// SameShape reports whether two shapes are equal (slices.Equal, under the
// name the package's callers read as a shape check).
func SameShape(a, b []int) bool { return slices.Equal(a, b) }
