package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/seqnet/seqnet/tensor"
)

// ActivationLayer is keras.layers.Activation.
type ActivationLayer struct {
	Base
	Fn *Activation
}

// NewActivation returns an Activation layer for a Keras activation name.
func NewActivation(name string) *ActivationLayer {
	return &ActivationLayer{Fn: mustActivation(name)}
}

// ClassName is "Activation".
func (a *ActivationLayer) ClassName() string { return "Activation" }

// Build passes the shape through.
func (a *ActivationLayer) Build(in []Shape, _ *rand.Rand) ([]Shape, error) {
	s, err := expectOne("Activation", in)
	if err != nil {
		return nil, err
	}
	if a.Fn == nil || a.Fn.Forward == nil {
		_, err := GetActivation(a.Fn.Name)
		return nil, fmt.Errorf("Activation %s: %w", a.Name, err)
	}
	a.MarkBuilt()
	return []Shape{append(Shape(nil), s...)}, nil
}

func lastAxis(t *tensor.Tensor) int { return t.Shape[len(t.Shape)-1] }

// Forward applies the function.
func (a *ActivationLayer) Forward(_ *Context, in, out []*tensor.Tensor) {
	a.Fn.Forward(in[0].Data, out[0].Data, lastAxis(in[0]))
	out[0].Mask = in[0].Mask
}

// Backward adds the input gradient.
func (a *ActivationLayer) Backward(ctx *Context, in, out, dOut, dIn []*tensor.Tensor) {
	if dIn[0] == nil {
		return
	}
	buf, _ := ctx.State.([]float32)
	if len(buf) != len(in[0].Data) {
		buf = make([]float32, len(in[0].Data))
		ctx.State = buf
	}
	a.Fn.Backward(in[0].Data, out[0].Data, dOut[0].Data, buf, lastAxis(in[0]))
	for i, v := range buf {
		dIn[0].Data[i] += v
	}
}

// Config returns Keras' Activation config.
func (a *ActivationLayer) Config() map[string]any {
	cfg := a.baseConfig()
	cfg["activation"] = a.Fn.Name
	return cfg
}

// Flatten is keras.layers.Flatten: (batch, d1, d2, …) → (batch, d1*d2*…).
type Flatten struct{ Base }

// NewFlatten returns a Flatten layer.
func NewFlatten() *Flatten { return &Flatten{} }

// ClassName is "Flatten".
func (f *Flatten) ClassName() string { return "Flatten" }

// Build computes the flat size.
func (f *Flatten) Build(in []Shape, _ *rand.Rand) ([]Shape, error) {
	s, err := expectOne("Flatten", in)
	if err != nil {
		return nil, err
	}
	f.MarkBuilt()
	return []Shape{{tensor.Size(s)}}, nil
}

// Forward copies the values (the layout is already flat).
// Forward shares the input's values: the layout is already flat, and no
// layer writes into its input, so no copy is needed.
func (f *Flatten) Forward(_ *Context, in, out []*tensor.Tensor) { out[0].Data = in[0].Data }

// SharesInput tells the model that Flatten's output is its input's memory,
// so the model gives both the same gradient buffer as well.
func (f *Flatten) SharesInput() bool { return true }

// Backward adds the gradient back (nothing to do when the model gave the
// output and the input one gradient buffer).
func (f *Flatten) Backward(_ *Context, _, _, dOut, dIn []*tensor.Tensor) {
	if dIn[0] == nil || len(dIn[0].Data) == 0 || &dIn[0].Data[0] == &dOut[0].Data[0] {
		return
	}
	for i, v := range dOut[0].Data {
		dIn[0].Data[i] += v
	}
}

// Config returns Keras' Flatten config.
func (f *Flatten) Config() map[string]any {
	cfg := f.baseConfig()
	cfg["data_format"] = "channels_last"
	return cfg
}

// InputLayer is keras.layers.InputLayer: it fixes the per-sample shape of
// a model's input and computes nothing.
type InputLayer struct {
	Base
	Shape Shape
}

// Input returns an InputLayer for the per-sample shape, as keras.Input(shape).
func Input(shape ...int) *InputLayer { return &InputLayer{Shape: append(Shape(nil), shape...)} }

// ClassName is "InputLayer".
func (l *InputLayer) ClassName() string { return "InputLayer" }

// Build checks the shape is positive.
func (l *InputLayer) Build(_ []Shape, _ *rand.Rand) ([]Shape, error) {
	for _, d := range l.Shape {
		if d <= 0 {
			return nil, fmt.Errorf("Input shape %s has a non-positive dimension", tensor.ShapeString(l.Shape, true))
		}
	}
	l.MarkBuilt()
	return []Shape{append(Shape(nil), l.Shape...)}, nil
}

// Forward copies the input.
func (l *InputLayer) Forward(_ *Context, in, out []*tensor.Tensor) {
	copy(out[0].Data, in[0].Data)
	out[0].Mask = in[0].Mask
}

// Backward passes the gradient through.
func (l *InputLayer) Backward(_ *Context, _, _, dOut, dIn []*tensor.Tensor) {
	if len(dIn) == 0 || dIn[0] == nil {
		return
	}
	for i, v := range dOut[0].Data {
		dIn[0].Data[i] += v
	}
}

// Config returns Keras' InputLayer config.
func (l *InputLayer) Config() map[string]any {
	shape := []any{nil}
	for _, d := range l.Shape {
		shape = append(shape, d)
	}
	return map[string]any{"batch_shape": shape, "dtype": "float32", "sparse": false, "name": l.Name}
}
