package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/seqnet/seqnet/tensor"
)

// stepsInput checks a (steps, channels) input for the 1-D reshaping layers.
func stepsInput(class, name string, in []Shape) (steps, channels int, err error) {
	s, err := expectOne(class, in)
	if err != nil {
		return 0, 0, err
	}
	if len(s) != 2 {
		return 0, 0, fmt.Errorf("%s expects input of shape (batch, steps, channels), received %s; for a plain series of N values per sample use shape (N, 1)",
			named(class, name), tensor.ShapeString(s, true))
	}
	return s[0], s[1], nil
}

// pairFromConfig reads Keras' int-or-(left, right) arguments (padding,
// cropping).
func pairFromConfig(c Config, key string, def int) (left, right int, err error) {
	v, err := c.Ints(key)
	if err != nil {
		return 0, 0, err
	}
	switch len(v) {
	case 0:
		return def, def, nil
	case 1:
		return v[0], v[0], nil
	case 2:
		return v[0], v[1], nil
	}
	return 0, 0, fmt.Errorf("%s: expected an integer or a pair (left, right), received %v", key, v)
}

// ZeroPadding1D is keras.layers.ZeroPadding1D: it adds Left zero steps
// before and Right after the steps of (batch, steps, channels).
type ZeroPadding1D struct {
	Base
	Left, Right int

	steps, channels int
}

// NewZeroPadding1D returns a ZeroPadding1D adding left and right zero steps
// (Keras' padding=(left, right); padding=1 is (1, 1)).
func NewZeroPadding1D(left, right int) *ZeroPadding1D {
	return &ZeroPadding1D{Left: left, Right: right}
}

// ClassName is "ZeroPadding1D".
func (l *ZeroPadding1D) ClassName() string { return "ZeroPadding1D" }

// Build computes the padded length.
func (l *ZeroPadding1D) Build(in []Shape, _ *rand.Rand) ([]Shape, error) {
	steps, ch, err := stepsInput("ZeroPadding1D", l.Name, in)
	if err != nil {
		return nil, err
	}
	if l.Left < 0 || l.Right < 0 {
		return nil, fmt.Errorf("%s: padding must be non-negative, received (%d, %d)", named("ZeroPadding1D", l.Name), l.Left, l.Right)
	}
	if l.Left > MaxDim-steps || l.Right > MaxDim-steps-l.Left {
		return nil, fmt.Errorf("%s: padding (%d, %d) on %d steps gives more than %d steps: use a smaller padding", named("ZeroPadding1D", l.Name), l.Left, l.Right, steps, MaxDim)
	}
	l.steps, l.channels = steps, ch
	l.MarkBuilt()
	return []Shape{{steps + l.Left + l.Right, ch}}, nil
}

// Forward copies each sample between the zero steps.
func (l *ZeroPadding1D) Forward(_ *Context, in, out []*tensor.Tensor) {
	x, y := in[0].Data, out[0].Data
	n, m := l.steps*l.channels, (l.steps+l.Left+l.Right)*l.channels
	for b := 0; b < len(x)/n; b++ {
		yb := y[b*m : (b+1)*m]
		clear(yb[:l.Left*l.channels])
		copy(yb[l.Left*l.channels:], x[b*n:(b+1)*n])
		clear(yb[l.Left*l.channels+n:])
	}
	out[0].Mask = nil
}

// Backward adds the gradient of the real steps.
func (l *ZeroPadding1D) Backward(_ *Context, _, _, dOut, dIn []*tensor.Tensor) {
	if dIn[0] == nil {
		return
	}
	dx, dy := dIn[0].Data, dOut[0].Data
	n, m := l.steps*l.channels, (l.steps+l.Left+l.Right)*l.channels
	for b := 0; b < len(dx)/n; b++ {
		src := dy[b*m+l.Left*l.channels : b*m+l.Left*l.channels+n]
		dst := dx[b*n : (b+1)*n]
		for i, g := range src {
			dst[i] += g
		}
	}
}

// Config returns Keras' ZeroPadding1D config.
func (l *ZeroPadding1D) Config() map[string]any {
	cfg := l.baseConfig()
	cfg["padding"] = []int{l.Left, l.Right}
	return cfg
}

// Cropping1D is keras.layers.Cropping1D: it removes Left steps from the
// start and Right from the end of (batch, steps, channels).
type Cropping1D struct {
	Base
	Left, Right int

	steps, channels int
}

// NewCropping1D returns a Cropping1D removing left and right steps (Keras'
// cropping=(left, right), default (1, 1)).
func NewCropping1D(left, right int) *Cropping1D { return &Cropping1D{Left: left, Right: right} }

// ClassName is "Cropping1D".
func (l *Cropping1D) ClassName() string { return "Cropping1D" }

// Build checks that something is left after cropping.
func (l *Cropping1D) Build(in []Shape, _ *rand.Rand) ([]Shape, error) {
	steps, ch, err := stepsInput("Cropping1D", l.Name, in)
	if err != nil {
		return nil, err
	}
	if l.Left < 0 || l.Right < 0 {
		return nil, fmt.Errorf("%s: cropping must be non-negative, received (%d, %d)", named("Cropping1D", l.Name), l.Left, l.Right)
	}
	if l.Left+l.Right >= steps {
		return nil, fmt.Errorf("%s: cropping (%d, %d) removes %d steps but the input %s has only %d: at least one step must remain",
			named("Cropping1D", l.Name), l.Left, l.Right, l.Left+l.Right, tensor.ShapeString(in[0], true), steps)
	}
	l.steps, l.channels = steps, ch
	l.MarkBuilt()
	return []Shape{{steps - l.Left - l.Right, ch}}, nil
}

// Forward copies the kept steps.
func (l *Cropping1D) Forward(_ *Context, in, out []*tensor.Tensor) {
	x, y := in[0].Data, out[0].Data
	n, m := l.steps*l.channels, (l.steps-l.Left-l.Right)*l.channels
	for b := 0; b < len(x)/n; b++ {
		copy(y[b*m:(b+1)*m], x[b*n+l.Left*l.channels:])
	}
	out[0].Mask = nil
}

// Backward adds the gradient into the kept steps.
func (l *Cropping1D) Backward(_ *Context, _, _, dOut, dIn []*tensor.Tensor) {
	if dIn[0] == nil {
		return
	}
	dx, dy := dIn[0].Data, dOut[0].Data
	n, m := l.steps*l.channels, (l.steps-l.Left-l.Right)*l.channels
	for b := 0; b < len(dx)/n; b++ {
		src := dy[b*m : (b+1)*m]
		dst := dx[b*n+l.Left*l.channels : b*n+l.Left*l.channels+m]
		for i, g := range src {
			dst[i] += g
		}
	}
}

// Config returns Keras' Cropping1D config.
func (l *Cropping1D) Config() map[string]any {
	cfg := l.baseConfig()
	cfg["cropping"] = []int{l.Left, l.Right}
	return cfg
}

// UpSampling1D is keras.layers.UpSampling1D: it repeats every step Size
// times along the steps axis.
type UpSampling1D struct {
	Base
	Size int

	steps, channels int
}

// NewUpSampling1D returns an UpSampling1D repeating each step size times
// (Keras' default 2).
func NewUpSampling1D(size int) *UpSampling1D { return &UpSampling1D{Size: size} }

// ClassName is "UpSampling1D".
func (l *UpSampling1D) ClassName() string { return "UpSampling1D" }

// Build computes the repeated length.
func (l *UpSampling1D) Build(in []Shape, _ *rand.Rand) ([]Shape, error) {
	steps, ch, err := stepsInput("UpSampling1D", l.Name, in)
	if err != nil {
		return nil, err
	}
	if l.Size <= 0 {
		return nil, fmt.Errorf("argument size of UpSampling1D should be a positive integer, received size=%d", l.Size)
	}
	l.steps, l.channels = steps, ch
	l.MarkBuilt()
	return []Shape{{steps * l.Size, ch}}, nil
}

// Forward repeats each step.
func (l *UpSampling1D) Forward(_ *Context, in, out []*tensor.Tensor) {
	x, y := in[0].Data, out[0].Data
	C := l.channels
	for r := 0; r < len(x)/C; r++ { // r runs over (batch, step) rows
		row := x[r*C : (r+1)*C]
		for k := 0; k < l.Size; k++ {
			copy(y[(r*l.Size+k)*C:], row)
		}
	}
	out[0].Mask = nil
}

// Backward sums the gradients of the copies.
func (l *UpSampling1D) Backward(_ *Context, _, _, dOut, dIn []*tensor.Tensor) {
	if dIn[0] == nil {
		return
	}
	dx, dy := dIn[0].Data, dOut[0].Data
	C := l.channels
	for r := 0; r < len(dx)/C; r++ {
		dst := dx[r*C : (r+1)*C]
		for k := 0; k < l.Size; k++ {
			src := dy[(r*l.Size+k)*C : (r*l.Size+k+1)*C]
			src = src[:len(dst)]
			for i, g := range src {
				dst[i] += g
			}
		}
	}
}

// Config returns Keras' UpSampling1D config.
func (l *UpSampling1D) Config() map[string]any {
	cfg := l.baseConfig()
	cfg["size"] = l.Size
	return cfg
}

// Reshape is keras.layers.Reshape: it gives each sample the per-sample
// shape TargetShape (batch axis excluded); one entry may be -1, inferred
// from the sample's size. The data is not moved.
type Reshape struct {
	Base
	TargetShape []int
}

// NewReshape returns a Reshape to the per-sample target shape.
func NewReshape(target ...int) *Reshape { return &Reshape{TargetShape: append([]int(nil), target...)} }

// ClassName is "Reshape".
func (l *Reshape) ClassName() string { return "Reshape" }

// Build resolves -1 and checks the sizes agree.
func (l *Reshape) Build(in []Shape, _ *rand.Rand) ([]Shape, error) {
	s, err := expectOne("Reshape", in)
	if err != nil {
		return nil, err
	}
	size := tensor.Size(s)
	out := append(Shape(nil), l.TargetShape...)
	infer, known := -1, 1
	for i, d := range out {
		switch {
		case d == -1 && infer >= 0:
			return nil, fmt.Errorf("%s: target_shape %v must not contain more than one -1", named("Reshape", l.Name), l.TargetShape)
		case d == -1:
			infer = i
		case d <= 0:
			return nil, fmt.Errorf("%s: target_shape %v has a non-positive size %d; use -1 for the one size to infer", named("Reshape", l.Name), l.TargetShape, d)
		default:
			known *= d
		}
	}
	if infer >= 0 {
		if size%known != 0 {
			return nil, fmt.Errorf("%s: cannot reshape input %s (%d values per sample) to %s: %d is not a multiple of %d",
				named("Reshape", l.Name), tensor.ShapeString(s, true), size, tensor.ShapeString(out, true), size, known)
		}
		out[infer] = size / known
	} else if known != size {
		return nil, fmt.Errorf("%s: total size of the new shape must be unchanged: input %s has %d values per sample, target_shape %s has %d",
			named("Reshape", l.Name), tensor.ShapeString(s, true), size, tensor.ShapeString(out, true), known)
	}
	l.MarkBuilt()
	return []Shape{out}, nil
}

// Forward copies the values (row-major order is unchanged).
func (l *Reshape) Forward(_ *Context, in, out []*tensor.Tensor) {
	copy(out[0].Data, in[0].Data)
	out[0].Mask = nil
}

// Backward adds the gradient back.
func (l *Reshape) Backward(_ *Context, _, _, dOut, dIn []*tensor.Tensor) {
	if dIn[0] == nil {
		return
	}
	for i, g := range dOut[0].Data {
		dIn[0].Data[i] += g
	}
}

// Config returns Keras' Reshape config.
func (l *Reshape) Config() map[string]any {
	cfg := l.baseConfig()
	cfg["target_shape"] = append([]int(nil), l.TargetShape...)
	return cfg
}

func init() {
	Register("ZeroPadding1D", func(c Config) (Layer, error) {
		if err := c.Unknown("padding"); err != nil {
			return nil, err
		}
		left, right, err := pairFromConfig(c, "padding", 1)
		return NewZeroPadding1D(left, right), err
	})
	Register("Cropping1D", func(c Config) (Layer, error) {
		if err := c.Unknown("cropping"); err != nil {
			return nil, err
		}
		left, right, err := pairFromConfig(c, "cropping", 1)
		return NewCropping1D(left, right), err
	})
	Register("UpSampling1D", func(c Config) (Layer, error) {
		if err := c.Unknown("size"); err != nil {
			return nil, err
		}
		size, err := c.Int("size", 2)
		return NewUpSampling1D(size), err
	})
	Register("Reshape", func(c Config) (Layer, error) {
		if err := c.Unknown("target_shape"); err != nil {
			return nil, err
		}
		if !c.Has("target_shape") {
			return nil, fmt.Errorf("target_shape is required")
		}
		t, err := c.Ints("target_shape")
		return NewReshape(t...), err
	})
}
