package layers

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/seqnet/seqnet/tensor"
)

// shapesString lists per-sample shapes with the batch axis, for errors:
// "(None, 10, 4), (None, 10, 5)".
func shapesString(in []Shape) string {
	parts := make([]string, len(in))
	for i, s := range in {
		parts[i] = tensor.ShapeString(s, true)
	}
	return strings.Join(parts, ", ")
}

// Concatenate is keras.layers.Concatenate: it joins its inputs along Axis
// (default -1, the channels axis; counted with the batch axis first, as in
// Keras, so 1 is the steps axis). All other axes must agree.
type Concatenate struct {
	Base
	Axis int

	axis   int   // per-sample axis
	inner  []int // per input: elements per outer index (input axis size × trailing sizes)
	outer  int   // product of the per-sample sizes before axis
	steps  []int // per input: steps (per-sample axis 0), for masks
	outLen int
}

// NewConcatenate returns a Concatenate along axis (-1: the last axis).
func NewConcatenate(axis int) *Concatenate { return &Concatenate{Axis: axis} }

// ClassName is "Concatenate".
func (l *Concatenate) ClassName() string { return "Concatenate" }

// Build checks that the inputs agree on every axis but the joined one.
func (l *Concatenate) Build(in []Shape, _ *rand.Rand) ([]Shape, error) {
	if len(in) < 1 {
		return nil, fmt.Errorf("%s should be called on a list of at least 1 input, received none", named("Concatenate", l.Name))
	}
	rank := len(in[0])
	for _, s := range in {
		if len(s) != rank {
			return nil, fmt.Errorf("%s requires inputs with matching shapes except for the concatenation axis, received inputs of different ranks: %s",
				named("Concatenate", l.Name), shapesString(in))
		}
	}
	a := l.Axis
	if a < 0 {
		a += rank + 1
	}
	if a == 0 {
		return nil, fmt.Errorf("%s: axis=%d is the batch axis; samples cannot be concatenated inside a model: use axis=-1 (channels) or 1 (steps)", named("Concatenate", l.Name), l.Axis)
	}
	if a < 0 || a > rank {
		return nil, fmt.Errorf("%s: axis=%d is out of range for inputs of rank %d (batch axis included): %s",
			named("Concatenate", l.Name), l.Axis, rank+1, shapesString(in))
	}
	p := a - 1
	out := append(Shape(nil), in[0]...)
	out[p] = 0
	for _, s := range in {
		for d := range s {
			if d != p && s[d] != in[0][d] {
				return nil, fmt.Errorf("%s (axis=%d) requires inputs with matching shapes except for the concatenation axis, received %s: axis %d differs (%d vs %d)",
					named("Concatenate", l.Name), l.Axis, shapesString(in), d+1, in[0][d], s[d])
			}
		}
		out[p] += s[p]
	}
	l.axis = p
	l.outer = tensor.Size(in[0][:p])
	l.inner = make([]int, len(in))
	l.steps = make([]int, len(in))
	for i, s := range in {
		l.inner[i] = tensor.Size(s[p:])
		if len(s) > 0 {
			l.steps[i] = s[0]
		}
	}
	l.outLen = tensor.Size(out)
	l.MarkBuilt()
	return []Shape{out}, nil
}

type concatState struct{ mask []bool }

// Forward copies each input's block into its place in the output.
func (l *Concatenate) Forward(ctx *Context, in, out []*tensor.Tensor) {
	y := out[0].Data
	batch := len(y) / l.outLen
	off := 0
	for o := 0; o < batch*l.outer; o++ {
		for i, x := range in {
			n := l.inner[i]
			copy(y[off:off+n], x.Data[o*n:(o+1)*n])
			off += n
		}
	}
	out[0].Mask = l.mask(ctx, in, batch)
}

// mask combines the input masks as Keras does: joined along the steps
// axis when concatenating steps (an unmasked input counts as all real),
// or-ed otherwise (nil when any input is unmasked).
func (l *Concatenate) mask(ctx *Context, in []*tensor.Tensor, batch int) []bool {
	masked := false
	for i, x := range in {
		if x.Mask != nil {
			if len(x.Mask) != batch*l.steps[i] || len(in[0].Shape) < 3 {
				return nil
			}
			masked = true
		}
	}
	if !masked {
		return nil
	}
	st, _ := ctx.State.(*concatState)
	total := 0
	if l.axis == 0 {
		for _, s := range l.steps {
			total += s
		}
	} else {
		total = l.steps[0]
	}
	if st == nil || len(st.mask) != batch*total {
		st = &concatState{mask: make([]bool, batch*total)}
		ctx.State = st
	}
	m := st.mask
	if l.axis == 0 {
		off := 0
		for b := 0; b < batch; b++ {
			for i, x := range in {
				s := l.steps[i]
				if x.Mask == nil {
					for t := 0; t < s; t++ {
						m[off+t] = true
					}
				} else {
					copy(m[off:off+s], x.Mask[b*s:(b+1)*s])
				}
				off += s
			}
		}
		return m
	}
	for _, x := range in {
		if x.Mask == nil {
			return nil // or-ed with all-true
		}
	}
	clear(m)
	for _, x := range in {
		for j, v := range x.Mask {
			m[j] = m[j] || v
		}
	}
	return m
}

// Backward adds each block of the output gradient into its input.
func (l *Concatenate) Backward(_ *Context, _, _, dOut, dIn []*tensor.Tensor) {
	dy := dOut[0].Data
	batch := len(dy) / l.outLen
	off := 0
	for o := 0; o < batch*l.outer; o++ {
		for i, dx := range dIn {
			n := l.inner[i]
			if dx != nil {
				dst := dx.Data[o*n : (o+1)*n]
				src := dy[off : off+n]
				for j, g := range src {
					dst[j] += g
				}
			}
			off += n
		}
	}
}

// Config returns Keras' Concatenate config.
func (l *Concatenate) Config() map[string]any {
	cfg := l.baseConfig()
	cfg["axis"] = l.Axis
	return cfg
}

// mergeOp names the element-wise merges.
type mergeOp int

const (
	opAdd mergeOp = iota
	opSubtract
	opMultiply
	opAverage
)

// Merge is an element-wise merge of several inputs of the same shape:
// keras.layers.Add, Subtract, Multiply and Average. As in Keras, shapes
// may differ where one of them is 1 (it is broadcast), and an input of
// lower rank is treated as having leading axes of size 1.
type Merge struct {
	Base
	op    mergeOp
	n     int
	out   Shape
	plain []bool // input i has the output's shape
	ins   []Shape
}

// NewAdd returns keras.layers.Add: the sum of its inputs.
func NewAdd() *Merge { return &Merge{op: opAdd} }

// NewSubtract returns keras.layers.Subtract: its first input minus its second.
func NewSubtract() *Merge { return &Merge{op: opSubtract} }

// NewMultiply returns keras.layers.Multiply: the element-wise product.
func NewMultiply() *Merge { return &Merge{op: opMultiply} }

// NewAverage returns keras.layers.Average: the element-wise mean.
func NewAverage() *Merge { return &Merge{op: opAverage} }

// ClassName is "Add", "Subtract", "Multiply" or "Average".
func (l *Merge) ClassName() string {
	return [...]string{"Add", "Subtract", "Multiply", "Average"}[l.op]
}

// Build checks that the input shapes can be combined element-wise.
func (l *Merge) Build(in []Shape, _ *rand.Rand) ([]Shape, error) {
	class := l.ClassName()
	if l.op == opSubtract && len(in) != 2 {
		return nil, fmt.Errorf("%s should be called on exactly 2 inputs, received %d: %s", named("Subtract", l.Name), len(in), shapesString(in))
	}
	if len(in) < 1 {
		return nil, fmt.Errorf("%s should be called on a list of at least 1 input, received none", named(class, l.Name))
	}
	rank := 0
	for _, s := range in {
		rank = max(rank, len(s))
	}
	out := make(Shape, rank)
	for i := range out {
		out[i] = 1
	}
	for _, s := range in {
		off := rank - len(s)
		for d, n := range s {
			switch {
			case out[off+d] == 1:
				out[off+d] = n
			case n == 1 || n == out[off+d]:
			default:
				return nil, fmt.Errorf("%s: inputs have incompatible shapes %s: along axis %d the sizes %d and %d differ and neither is 1; "+
					"element-wise merges need equal shapes (Concatenate joins different ones)", named(class, l.Name), shapesString(in), off+d+1, out[off+d], n)
			}
		}
	}
	l.n, l.out = len(in), out
	l.ins = make([]Shape, len(in))
	l.plain = make([]bool, len(in))
	for i, s := range in {
		l.ins[i] = append(Shape(nil), s...)
		l.plain[i] = tensor.SameShape(s, out)
	}
	l.MarkBuilt()
	return []Shape{append(Shape(nil), out...)}, nil
}

type mergeState struct {
	batch int
	index [][]int32 // per input: output element → input element (nil when plain)
	prod  []float32 // Multiply's backward scratch
	mask  []bool
}

func (l *Merge) state(ctx *Context, batch int) *mergeState {
	st, _ := ctx.State.(*mergeState)
	if st != nil && st.batch == batch {
		return st
	}
	st = &mergeState{batch: batch, index: make([][]int32, l.n)}
	ctx.State = st
	full := append([]int{batch}, l.out...)
	for i, s := range l.ins {
		if l.plain[i] {
			continue
		}
		// Strides of input i over the output's axes, 0 where it broadcasts.
		padded := append(make([]int, len(l.out)-len(s)), s...)
		for d := range padded[:len(l.out)-len(s)] {
			padded[d] = 1
		}
		padded = append([]int{batch}, padded...)
		strides := make([]int, len(full))
		acc := 1
		for d := len(full) - 1; d >= 0; d-- {
			if padded[d] == 1 && full[d] != 1 {
				strides[d] = 0
			} else {
				strides[d] = acc
			}
			acc *= padded[d]
		}
		idx := make([]int32, tensor.Size(full))
		pos := make([]int, len(full))
		for e := range idx {
			off := 0
			for d, v := range pos {
				off += v * strides[d]
			}
			idx[e] = int32(off)
			for d := len(pos) - 1; d >= 0; d-- {
				pos[d]++
				if pos[d] < full[d] {
					break
				}
				pos[d] = 0
			}
		}
		st.index[i] = idx
	}
	return st
}

// at returns input i's value for output element e.
func (st *mergeState) at(x []float32, i, e int) float32 {
	if st.index[i] == nil {
		return x[e]
	}
	return x[st.index[i][e]]
}

// Forward combines the inputs element by element.
func (l *Merge) Forward(ctx *Context, in, out []*tensor.Tensor) {
	y := out[0].Data
	st := l.state(ctx, Batch(out[0]))
	switch l.op {
	case opMultiply:
		for e := range y {
			y[e] = 1
		}
	default:
		clear(y)
	}
	for i, x := range in {
		xd := x.Data
		switch {
		case l.op == opMultiply && st.index[i] == nil:
			xd = xd[:len(y)]
			for e, v := range xd {
				y[e] *= v
			}
		case l.op == opMultiply:
			for e := range y {
				y[e] *= xd[st.index[i][e]]
			}
		case l.op == opSubtract && i == 1:
			for e := range y {
				y[e] -= st.at(xd, i, e)
			}
		case st.index[i] == nil:
			xd = xd[:len(y)]
			for e, v := range xd {
				y[e] += v
			}
		default:
			for e := range y {
				y[e] += xd[st.index[i][e]]
			}
		}
	}
	if l.op == opAverage {
		inv := 1 / float32(l.n)
		for e := range y {
			y[e] *= inv
		}
	}
	out[0].Mask = l.mask(st, in, out[0])
}

// mask is Keras' merge mask: the or of the input masks, nil when any input
// is unmasked.
func (l *Merge) mask(st *mergeState, in []*tensor.Tensor, out *tensor.Tensor) []bool {
	if len(out.Shape) < 3 {
		return nil
	}
	n := out.Shape[0] * out.Shape[1]
	for _, x := range in {
		if x.Mask == nil || len(x.Mask) != n {
			return nil
		}
	}
	if len(st.mask) != n {
		st.mask = make([]bool, n)
	}
	clear(st.mask)
	for _, x := range in {
		for j, v := range x.Mask {
			st.mask[j] = st.mask[j] || v
		}
	}
	return st.mask
}

// Backward adds each input's share of the gradient, summed over the axes
// along which it was broadcast.
func (l *Merge) Backward(ctx *Context, in, _, dOut, dIn []*tensor.Tensor) {
	dy := dOut[0].Data
	st := l.state(ctx, Batch(dOut[0]))
	scale := float32(1)
	if l.op == opAverage {
		scale = 1 / float32(l.n)
	}
	for i, dx := range dIn {
		if dx == nil {
			continue
		}
		g := dy
		if l.op == opMultiply {
			// d(prod)/dx_i is the product of the other inputs (no division,
			// so zeros are safe).
			if len(st.prod) != len(dy) {
				st.prod = make([]float32, len(dy))
			}
			copy(st.prod, dy)
			for j, x := range in {
				if j == i {
					continue
				}
				for e := range st.prod {
					st.prod[e] *= st.at(x.Data, j, e)
				}
			}
			g = st.prod
		}
		s := scale
		if l.op == opSubtract && i == 1 {
			s = -1
		}
		if st.index[i] == nil {
			dxd := dx.Data[:len(g)]
			for e, v := range g {
				dxd[e] += v * s
			}
			continue
		}
		for e, v := range g {
			dx.Data[st.index[i][e]] += v * s
		}
	}
}

// Config returns Keras' merge layer config (the common keys only).
func (l *Merge) Config() map[string]any { return l.baseConfig() }

func init() {
	Register("Concatenate", func(c Config) (Layer, error) {
		if err := c.Unknown("axis"); err != nil {
			return nil, err
		}
		axis, err := c.Int("axis", -1)
		if err != nil {
			return nil, err
		}
		return NewConcatenate(axis), nil
	})
	for _, m := range []struct {
		class string
		make  func() *Merge
	}{{"Add", NewAdd}, {"Subtract", NewSubtract}, {"Multiply", NewMultiply}, {"Average", NewAverage}} {
		Register(m.class, func(c Config) (Layer, error) {
			return m.make(), c.Unknown()
		})
	}
}
