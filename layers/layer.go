// Package layers holds seqnet's layers, with the names, arguments,
// defaults and weight layouts of Keras.
//
// A layer works on whole batches. Shapes handed to Build are per sample
// (no batch axis), as Keras' input_shape is; tensors handed to Forward and
// Backward carry the batch axis first.
//
// Forward and Backward sit side by side in each layer's file. Backward adds
// into gradients (+=), never overwrites, so a tensor that feeds several
// layers gets the sum of their gradients for free; zeroing is the model's
// explicit step before each backward pass.
//
// To make a layer, call its New… constructor with Keras' required
// arguments: it sets every other argument to Keras' default. Change one
// through its exported field (Conv1D and the recurrent layers also take
// options that set the same fields):
//
//	c := layers.NewConv1D(64, 5) // filters, kernel_size
//	c.Padding = "same"
//
// FromConfig makes a layer from a Keras config instead (model import, the
// `seqnet shape` command). A struct literal misses the defaults; Build
// reports what it lacks.
package layers

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"

	"github.com/seqnet/seqnet/tensor"
)

// Shape is a per-sample shape: the shape of one sample, without the batch axis.
type Shape = []int

// Param is one weight array of a layer (a Keras "weight" / "variable").
//
// Layers keep packed copies of their kernels for inference (Conv1D and
// Dense pack them for the GEMM once instead of on every call) and pack
// again when the weight's version has moved. Everything in seqnet that
// writes a weight calls Changed: the optimizers' steps, Model.SetWeights,
// the Keras, checkpoint and ONNX loaders. Code that writes Value.Data
// itself must call Changed afterwards, or inference keeps using the old
// values.
type Param struct {
	// Name is the Keras weight name: "kernel", "bias", "embeddings", …
	Name string
	// Value holds the weight; after writing Value.Data directly, call
	// Changed.
	Value *tensor.Tensor
	// Grad has Value's shape; nil for non-trainable weights such as
	// BatchNormalization's moving statistics.
	Grad *tensor.Tensor
	// Constraint, when set, is applied to Value after each optimizer step
	// (Keras' kernel_constraint).
	Constraint Constraint
	// Regularizer, when set, adds a penalty to the loss and its gradient to
	// Grad (Keras' kernel_regularizer).
	Regularizer Regularizer
	version     atomic.Uint64
}

// Changed records that Value was written: packed copies of the weight
// made before are not used again.
func (p *Param) Changed() { p.version.Add(1) }

// Version counts the calls of Changed; a copy made at one version is
// current while the version stays the same.
func (p *Param) Version() uint64 { return p.version.Load() }

// Trainable reports whether the optimizer updates this weight.
func (p *Param) Trainable() bool { return p.Grad != nil }

// Constraint projects a weight after an optimizer step (Keras constraints).
type Constraint interface {
	Apply(w *tensor.Tensor)
	Config() map[string]any
}

// Regularizer is a weight penalty added to the loss (Keras regularizers).
type Regularizer interface {
	// Penalty returns the penalty for w and adds its gradient into grad.
	Penalty(w, grad *tensor.Tensor) float64
	Config() map[string]any
}

// Context carries what one call of a layer needs beyond its inputs.
//
// The model gives every layer node its own Context and keeps it between
// batches of the same size, so a layer can keep scratch buffers and what
// Backward needs from Forward in State without allocating per step. Two
// goroutines never share a Context, which is what makes a trained model's
// Predict safe to call concurrently while the weights are shared.
type Context struct {
	// Training is true inside Fit: Dropout drops, BatchNormalization uses
	// batch statistics.
	Training bool
	// Rand is the random source for this pass (dropout masks).
	Rand *rand.Rand
	// State belongs to the layer: it stores anything it likes here.
	State any
	// SetInputGrad is set by the model on a layer that implements
	// InputGradSetter when the layer alone writes its input gradient
	// buffer: Backward then writes dIn[0] whole rather than adding into
	// it, and the model does not zero the buffer first.
	SetInputGrad bool
}

// InputGradSetter is a layer of one input whose Backward can write its
// input gradient rather than add into it, when Context.SetInputGrad says
// so: the model then skips zeroing that buffer each step, a pass over
// memory as large as the layer's input (8% of a small Conv1D model's
// training step), and the layer writes dIn[0] while computing it anyway.
type InputGradSetter interface {
	SetsInputGrad() bool
}

// Layer is what every seqnet layer implements.
//
// Inputs and outputs are slices so that merge layers (Concatenate, Add) and
// layers with several outputs (an LSTM with return_state) fit the same
// interface; most layers take one and give one.
type Layer interface {
	// Common gives the name, trainability and weights every layer has.
	Common() *Base
	// ClassName is the Keras class name ("Conv1D", "Dense", …).
	ClassName() string
	// Build checks the per-sample input shapes, creates the weights
	// (drawing initial values from rng) and returns the per-sample output
	// shapes. A user mistake is returned as an error that says what was
	// expected, what was received and the likely fix.
	Build(in []Shape, rng *rand.Rand) ([]Shape, error)
	// Forward computes out from in. out tensors are allocated by the caller
	// with the batch axis first and the shapes Build returned.
	Forward(ctx *Context, in []*tensor.Tensor, out []*tensor.Tensor)
	// Backward adds the gradient of the loss with respect to each input into
	// dIn (an entry may be nil when that gradient is not needed) and into
	// the Grad of each trainable weight, given dOut, the gradient with
	// respect to each output. It runs after Forward with the same Context.
	Backward(ctx *Context, in, out, dOut, dIn []*tensor.Tensor)
	// Config returns the Keras get_config() dictionary of the layer.
	Config() map[string]any
}

// Base is embedded in every layer.
type Base struct {
	// Name is the layer's name; empty until the model gives it the Keras
	// default ("conv1d", "conv1d_1", …) or the user sets one.
	Name string
	// Frozen layers (Keras trainable=False) keep their weights.
	Frozen bool
	params []*Param
	built  bool
	// paramErr is AddParam's first error since ResetParams (a nil
	// initializer); ParamError reports it after Build.
	paramErr error
}

// Common returns b itself, so that embedding Base satisfies Layer.Common.
func (b *Base) Common() *Base { return b }

// Params returns the layer's weights in the order of Keras get_weights().
func (b *Base) Params() []*Param { return b.params }

// Built reports whether Build has run.
func (b *Base) Built() bool { return b.built }

// AddParam creates a weight of the given shape, filled by init (unless
// rng came from Unfilled: then it stays zero), with a gradient buffer
// when trainable. A nil init (a layer literal that left an
// initializer out) leaves the weight at zero and is reported by
// ParamError, which the model checks after Build.
func (b *Base) AddParam(name string, shape []int, init Initializer, rng *rand.Rand, trainable bool) *Param {
	if err := checkShape("weight "+name, shape, false); err != nil {
		if b.paramErr == nil {
			b.paramErr = err
		}
		shape = []int{0}
	}
	if isCounting(rng) {
		// Count: the shape only, no values (Grad marks it trainable).
		p := &Param{Name: name, Value: &tensor.Tensor{Shape: append([]int(nil), shape...)}}
		if trainable {
			p.Grad = &tensor.Tensor{Shape: p.Value.Shape}
		}
		b.params = append(b.params, p)
		return p
	}
	p := &Param{Name: name, Value: tensor.New(shape...)}
	if init == nil {
		if b.paramErr == nil {
			b.paramErr = fmt.Errorf("the initializer of weight %q is nil: set it from layers.GetInitializer (e.g. \"glorot_uniform\" for a kernel, \"zeros\" for a bias), or make the layer with its New… constructor, which sets Keras' defaults", name)
		}
	} else if !isUnfilled(rng) {
		init.Fill(p.Value, rng)
	}
	if trainable {
		p.Grad = tensor.New(shape...)
	}
	b.params = append(b.params, p)
	return p
}

// ResetParams forgets the weights (used when a layer is built again).
func (b *Base) ResetParams() { b.params, b.built, b.paramErr = nil, false, nil }

// ParamError returns the first problem AddParam met since the weights were
// last reset (a nil initializer), or nil.
func (b *Base) ParamError() error { return b.paramErr }

// MarkBuilt records that Build succeeded.
func (b *Base) MarkBuilt() { b.built = true }

// baseConfig is the part of get_config() every Keras layer has.
func (b *Base) baseConfig() map[string]any {
	return map[string]any{"name": b.Name, "trainable": !b.Frozen, "dtype": "float32"}
}

// expectOne checks that a single-input layer got exactly one input.
func expectOne(class string, in []Shape) (Shape, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("%s takes one input, received %d", class, len(in))
	}
	return in[0], nil
}

// Batch returns the batch size of a tensor (its first axis).
func Batch(t *tensor.Tensor) int { return t.Shape[0] }

// checkActivation reports an activation name GetActivation did not know.
// A nil activation (a layer literal without one) or one without its
// function is an error too, naming the fix.
func checkActivation(who string, a *Activation) error {
	switch {
	case a != nil && a.Forward != nil:
		return nil
	case a == nil:
		return fmt.Errorf("%s: the activation is nil: set it from layers.GetActivation(\"linear\") (Keras' activation=None) or another name, or make the layer with its New… constructor", who)
	}
	if _, err := GetActivation(a.Name); err != nil {
		return fmt.Errorf("%s: %w", who, err)
	}
	return fmt.Errorf("%s: activation %q has no function: take it from layers.GetActivation(%q)", who, a.Name, a.Name)
}

// named is how an error names a layer: `Concatenate "concat_1"`, or just
// the class before the model has given it a name.
func named(class, name string) string {
	if name == "" {
		return class
	}
	return class + " " + strconv.Quote(name)
}
