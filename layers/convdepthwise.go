package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/seqnet/seqnet/internal/kernels"
	"github.com/seqnet/seqnet/tensor"
)

// DepthwiseConv1D and SeparableConv1D (a depthwise then a pointwise
// convolution), as Keras has them, on channels-last (batch, steps,
// channels) input; Conv1DTranspose is in convtranspose.go.

// ---------------------------------------------------------------------
// Depthwise core, shared by DepthwiseConv1D and SeparableConv1D.

// depthwiseDims describes one depthwise convolution: every input channel c
// has its own depth_multiplier filters, and output channel c*mult+j reads
// only channel c (TensorFlow's order). The kernel is Keras'
// (kernel, in, mult).
type depthwiseDims struct {
	batch, length, in, mult int
	kernel, stride, dil     int
	padLeft, outLength      int
}

// forward overwrites y (batch, outLength, in*mult) with the depthwise
// convolution of x (batch, length, in); the zero padding is implicit.
func (d depthwiseDims) forward(x, w, y []float32) {
	cin, n := d.in, d.in*d.mult
	clear(y)
	for b := 0; b < d.batch; b++ {
		for t := 0; t < d.outLength; t++ {
			yr := y[(b*d.outLength+t)*n : (b*d.outLength+t+1)*n]
			for i := 0; i < d.kernel; i++ {
				pos := t*d.stride + i*d.dil - d.padLeft
				if pos < 0 || pos >= d.length {
					continue
				}
				xr := x[(b*d.length+pos)*cin : (b*d.length+pos+1)*cin]
				wr := w[i*n : (i+1)*n]
				if d.mult == 1 {
					wr = wr[:len(xr)]
					yr := yr[:len(xr)]
					for c, v := range xr {
						yr[c] += v * wr[c]
					}
					continue
				}
				for c, v := range xr {
					for j := c * d.mult; j < (c+1)*d.mult; j++ {
						yr[j] += v * wr[j]
					}
				}
			}
		}
	}
}

// backward adds the kernel gradient into dw (when not nil) and the input
// gradient into dx (when not nil), given dy (batch, outLength, in*mult).
func (d depthwiseDims) backward(x, w, dy, dw, dx []float32) {
	cin, n := d.in, d.in*d.mult
	for b := 0; b < d.batch; b++ {
		for t := 0; t < d.outLength; t++ {
			dyr := dy[(b*d.outLength+t)*n : (b*d.outLength+t+1)*n]
			for i := 0; i < d.kernel; i++ {
				pos := t*d.stride + i*d.dil - d.padLeft
				if pos < 0 || pos >= d.length {
					continue
				}
				off := (b*d.length + pos) * cin
				xr := x[off : off+cin]
				wr := w[i*n : (i+1)*n]
				if dw != nil {
					dwr := dw[i*n : (i+1)*n]
					for c, v := range xr {
						for j := c * d.mult; j < (c+1)*d.mult; j++ {
							dwr[j] += v * dyr[j]
						}
					}
				}
				if dx != nil {
					dxr := dx[off : off+cin]
					for c := range dxr {
						var s float32
						for j := c * d.mult; j < (c+1)*d.mult; j++ {
							s += wr[j] * dyr[j]
						}
						dxr[c] += s
					}
				}
			}
		}
	}
}

// checkConvVariant checks the arguments Keras checks in the constructor
// of every convolution variant and computes the geometry.
func checkConvVariant(who string, s Shape, kernel, strides, dilation int, padding string) (ConvGeometry, error) {
	if len(s) != 2 {
		return ConvGeometry{}, fmt.Errorf("%s expects input of shape (batch, steps, channels), received %s; "+
			"for a plain series of N values per sample use shape (N, 1): N steps of 1 channel",
			who, tensor.ShapeString(s, true))
	}
	if padding != "valid" && padding != "same" {
		return ConvGeometry{}, fmt.Errorf("%s: padding must be \"valid\" or \"same\", received %q (only Conv1D has \"causal\")", who, padding)
	}
	if strides > 1 && dilation > 1 {
		return ConvGeometry{}, fmt.Errorf("%s: strides > 1 together with dilation_rate > 1 is not supported (received strides=%d, dilation_rate=%d), as in Keras; use one or the other",
			who, strides, dilation)
	}
	g, err := ConvOutput(s[0], kernel, strides, dilation, padding)
	if err != nil {
		return g, fmt.Errorf("%s on input %s: %w%s", who, tensor.ShapeString(s, true), err, ConvLengthHint(s[0], s[1], kernel))
	}
	return g, nil
}

// checkDepthwise checks, at Build, what DepthwiseConv1D and
// SeparableConv1D share: one (steps, channels) input, the activation,
// filters (SeparableConv1D's; nil for DepthwiseConv1D), depth_multiplier
// and the geometry. It returns the geometry and the input channels.
func checkDepthwise(who, class string, in []Shape, act *Activation, filters *int, depthMultiplier, kernel, strides, dilation int, padding string) (ConvGeometry, int, error) {
	s, err := expectOne(class, in)
	if err != nil {
		return ConvGeometry{}, 0, err
	}
	if err := checkActivation(who, act); err != nil {
		return ConvGeometry{}, 0, err
	}
	if filters != nil && *filters <= 0 {
		return ConvGeometry{}, 0, fmt.Errorf("%s: invalid value for argument filters: expected a strictly positive value, received filters=%d", who, *filters)
	}
	if depthMultiplier <= 0 {
		return ConvGeometry{}, 0, fmt.Errorf("%s: invalid value for argument depth_multiplier: expected a strictly positive value, received depth_multiplier=%d", who, depthMultiplier)
	}
	g, err := checkConvVariant(who, s, kernel, strides, dilation, padding)
	if err != nil {
		return ConvGeometry{}, 0, err
	}
	return g, s[1], nil
}

// ---------------------------------------------------------------------
// DepthwiseConv1D

// DepthwiseConv1D is keras.layers.DepthwiseConv1D: each input channel is
// convolved with its own depth_multiplier filters, giving
// in_channels*depth_multiplier output channels (channel c*depth_multiplier+j
// comes from input channel c). The kernel has Keras' layout
// (kernel_size, in_channels, depth_multiplier); the bias has
// in_channels*depth_multiplier values. It is a Conv1D with
// groups=in_channels whose kernel is read as (kernel_size, 1,
// in_channels*depth_multiplier); PyTorch writes it as Conv1d with
// groups=in_channels and weight (in*mult, 1, kernel_size).
type DepthwiseConv1D struct {
	Base
	KernelSize, Strides, DepthMultiplier, DilationRate int
	// Padding is "valid" (default) or "same".
	Padding                               string
	Activation                            *Activation
	UseBias                               bool
	DepthwiseInitializer, BiasInitializer Initializer
	// DepthwiseConstraint, BiasConstraint, DepthwiseRegularizer and
	// BiasRegularizer are Keras' depthwise_constraint, …; nil for none.
	DepthwiseConstraint, BiasConstraint   Constraint
	DepthwiseRegularizer, BiasRegularizer Regularizer

	kernel, bias *Param
	geom         ConvGeometry
	in           int
}

// NewDepthwiseConv1D returns a DepthwiseConv1D with Keras' defaults:
// strides 1, padding "valid", depth_multiplier 1, dilation_rate 1, no
// activation, use_bias true, glorot_uniform kernel and zero bias.
func NewDepthwiseConv1D(kernelSize int) *DepthwiseConv1D {
	return &DepthwiseConv1D{KernelSize: kernelSize, Strides: 1, DepthMultiplier: 1, DilationRate: 1,
		Padding: "valid", Activation: activations["linear"], UseBias: true,
		DepthwiseInitializer: initializers["glorot_uniform"], BiasInitializer: initializers["zeros"]}
}

// ClassName is "DepthwiseConv1D".
func (l *DepthwiseConv1D) ClassName() string { return "DepthwiseConv1D" }

// Kernel returns the (kernel_size, in_channels, depth_multiplier) kernel.
func (l *DepthwiseConv1D) Kernel() *Param { return l.kernel }

// Bias returns the bias, or nil with use_bias=False.
func (l *DepthwiseConv1D) Bias() *Param { return l.bias }

// Geometry returns the output length and padding computed at Build.
func (l *DepthwiseConv1D) Geometry() ConvGeometry { return l.geom }

// Build checks the (steps, channels) input and creates the weights.
func (l *DepthwiseConv1D) Build(in []Shape, rng *rand.Rand) ([]Shape, error) {
	who := named("DepthwiseConv1D", l.Name)
	g, ch, err := checkDepthwise(who, "DepthwiseConv1D", in, l.Activation, nil, l.DepthMultiplier, l.KernelSize, l.Strides, l.DilationRate, l.Padding)
	if err != nil {
		return nil, err
	}
	l.geom, l.in = g, ch
	n := l.in * l.DepthMultiplier
	l.ResetParams()
	l.kernel = l.AddParam("kernel", []int{l.KernelSize, l.in, l.DepthMultiplier}, l.DepthwiseInitializer, rng, !l.Frozen)
	l.bias = nil
	if l.UseBias {
		l.bias = l.AddParam("bias", []int{n}, l.BiasInitializer, rng, !l.Frozen)
	}
	if err := attachAll(who, ruled{l.kernel, "depthwise", l.DepthwiseConstraint, l.DepthwiseRegularizer}, ruled{l.bias, "bias", l.BiasConstraint, l.BiasRegularizer}); err != nil {
		return nil, err
	}
	l.MarkBuilt()
	return []Shape{{g.OutLength, n}}, nil
}

func (l *DepthwiseConv1D) dims(batch int) depthwiseDims {
	return depthwiseDims{batch: batch, length: l.geom.Length, in: l.in, mult: l.DepthMultiplier,
		kernel: l.KernelSize, stride: l.Strides, dil: l.DilationRate, padLeft: l.geom.PadLeft, outLength: l.geom.OutLength}
}

type depthwiseState struct {
	dims depthwiseDims
	act  *biasAct
}

func (l *DepthwiseConv1D) state(ctx *Context, batch int) *depthwiseState {
	st, _ := ctx.State.(*depthwiseState)
	if st == nil || st.dims.batch != batch {
		st = &depthwiseState{dims: l.dims(batch)}
		st.act = newBiasAct(l.Activation, l.in*l.DepthMultiplier, batch*l.geom.OutLength*l.in*l.DepthMultiplier)
		ctx.State = st
	}
	return st
}

// Forward computes activation(depthwise_conv(x, kernel) + bias).
func (l *DepthwiseConv1D) Forward(ctx *Context, in, out []*tensor.Tensor) {
	x, y := in[0], out[0]
	st := l.state(ctx, Batch(x))
	z := st.act.pre(y.Data)
	st.dims.forward(x.Data, l.kernel.Value.Data, z)
	st.act.apply(y.Data, valueOf(l.bias))
}

// Backward adds the kernel, bias and input gradients.
func (l *DepthwiseConv1D) Backward(ctx *Context, in, out, dOut, dIn []*tensor.Tensor) {
	x := in[0]
	st := l.state(ctx, Batch(x))
	dz := st.act.grad(out[0].Data, dOut[0].Data, gradOf(l.bias))
	var dw, dx []float32
	if l.kernel.Grad != nil {
		dw = l.kernel.Grad.Data
	}
	if dIn[0] != nil {
		dx = dIn[0].Data
	}
	st.dims.backward(x.Data, l.kernel.Value.Data, dz, dw, dx)
}

// Config returns Keras' DepthwiseConv1D config.
func (l *DepthwiseConv1D) Config() map[string]any {
	cfg := l.baseConfig()
	cfg["depth_multiplier"] = l.DepthMultiplier
	cfg["kernel_size"] = []int{l.KernelSize}
	cfg["strides"] = []int{l.Strides}
	cfg["padding"] = l.Padding
	cfg["data_format"] = "channels_last"
	cfg["dilation_rate"] = []int{l.DilationRate}
	cfg["activation"] = l.Activation.Name
	cfg["use_bias"] = l.UseBias
	weightConfig(cfg, "depthwise", l.DepthwiseInitializer, l.DepthwiseRegularizer, l.DepthwiseConstraint)
	weightConfig(cfg, "bias", l.BiasInitializer, l.BiasRegularizer, l.BiasConstraint)
	cfg["activity_regularizer"] = nil
	return cfg
}

// ---------------------------------------------------------------------
// SeparableConv1D

// SeparableConv1D is keras.layers.SeparableConv1D: a depthwise
// convolution (no bias) followed by a pointwise (kernel size 1)
// convolution to filters channels, then bias and activation. Weights, in
// Keras' order: depthwise_kernel (kernel_size, in_channels,
// depth_multiplier), pointwise_kernel (1, in_channels*depth_multiplier,
// filters), bias (filters).
type SeparableConv1D struct {
	Base
	Filters, KernelSize, Strides, DepthMultiplier, DilationRate int
	// Padding is "valid" (default) or "same".
	Padding                                                     string
	Activation                                                  *Activation
	UseBias                                                     bool
	DepthwiseInitializer, PointwiseInitializer, BiasInitializer Initializer
	// The constraints and regularizers of the three weights (Keras
	// depthwise_constraint, …); nil for none.
	DepthwiseConstraint, PointwiseConstraint, BiasConstraint    Constraint
	DepthwiseRegularizer, PointwiseRegularizer, BiasRegularizer Regularizer

	depthwise, pointwise, bias *Param
	geom                       ConvGeometry
	in                         int
}

// NewSeparableConv1D returns a SeparableConv1D with Keras' defaults:
// strides 1, padding "valid", depth_multiplier 1, dilation_rate 1, no
// activation, use_bias true, glorot_uniform kernels and zero bias.
func NewSeparableConv1D(filters, kernelSize int) *SeparableConv1D {
	return &SeparableConv1D{Filters: filters, KernelSize: kernelSize, Strides: 1, DepthMultiplier: 1, DilationRate: 1,
		Padding: "valid", Activation: activations["linear"], UseBias: true,
		DepthwiseInitializer: initializers["glorot_uniform"], PointwiseInitializer: initializers["glorot_uniform"],
		BiasInitializer: initializers["zeros"]}
}

// ClassName is "SeparableConv1D".
func (l *SeparableConv1D) ClassName() string { return "SeparableConv1D" }

// DepthwiseKernel returns the (kernel_size, in_channels, depth_multiplier) kernel.
func (l *SeparableConv1D) DepthwiseKernel() *Param { return l.depthwise }

// PointwiseKernel returns the (1, in_channels*depth_multiplier, filters) kernel.
func (l *SeparableConv1D) PointwiseKernel() *Param { return l.pointwise }

// Bias returns the bias, or nil with use_bias=False.
func (l *SeparableConv1D) Bias() *Param { return l.bias }

// Geometry returns the output length and padding computed at Build.
func (l *SeparableConv1D) Geometry() ConvGeometry { return l.geom }

// Build checks the (steps, channels) input and creates the weights.
func (l *SeparableConv1D) Build(in []Shape, rng *rand.Rand) ([]Shape, error) {
	who := named("SeparableConv1D", l.Name)
	g, ch, err := checkDepthwise(who, "SeparableConv1D", in, l.Activation, &l.Filters, l.DepthMultiplier, l.KernelSize, l.Strides, l.DilationRate, l.Padding)
	if err != nil {
		return nil, err
	}
	l.geom, l.in = g, ch
	l.ResetParams()
	l.depthwise = l.AddParam("depthwise_kernel", []int{l.KernelSize, l.in, l.DepthMultiplier}, l.DepthwiseInitializer, rng, !l.Frozen)
	l.pointwise = l.AddParam("pointwise_kernel", []int{1, l.in * l.DepthMultiplier, l.Filters}, l.PointwiseInitializer, rng, !l.Frozen)
	l.bias = nil
	if l.UseBias {
		l.bias = l.AddParam("bias", []int{l.Filters}, l.BiasInitializer, rng, !l.Frozen)
	}
	if err := attachAll(who, ruled{l.depthwise, "depthwise", l.DepthwiseConstraint, l.DepthwiseRegularizer},
		ruled{l.pointwise, "pointwise", l.PointwiseConstraint, l.PointwiseRegularizer},
		ruled{l.bias, "bias", l.BiasConstraint, l.BiasRegularizer}); err != nil {
		return nil, err
	}
	l.MarkBuilt()
	return []Shape{{g.OutLength, l.Filters}}, nil
}

type separableState struct {
	dims      depthwiseDims
	mid, dmid []float32 // depthwise output and its gradient
	act       *biasAct
}

func (l *SeparableConv1D) state(ctx *Context, batch int) *separableState {
	st, _ := ctx.State.(*separableState)
	if st == nil || st.dims.batch != batch {
		st = &separableState{dims: depthwiseDims{batch: batch, length: l.geom.Length, in: l.in, mult: l.DepthMultiplier,
			kernel: l.KernelSize, stride: l.Strides, dil: l.DilationRate, padLeft: l.geom.PadLeft, outLength: l.geom.OutLength}}
		rows := batch * l.geom.OutLength
		st.mid = make([]float32, rows*l.in*l.DepthMultiplier)
		st.act = newBiasAct(l.Activation, l.Filters, rows*l.Filters)
		ctx.State = st
	}
	return st
}

// Forward computes activation(pointwise(depthwise(x)) + bias).
func (l *SeparableConv1D) Forward(ctx *Context, in, out []*tensor.Tensor) {
	x, y := in[0], out[0]
	st := l.state(ctx, Batch(x))
	st.dims.forward(x.Data, l.depthwise.Value.Data, st.mid)
	rows, n := Batch(x)*l.geom.OutLength, l.in*l.DepthMultiplier
	z := st.act.pre(y.Data)
	stage := st.act.stage(valueOf(l.bias)) // bias and relu in the GEMM, as Dense
	kernels.SgemmOut(false, false, rows, l.Filters, n, 1, st.mid, n, l.pointwise.Value.Data, l.Filters, 0, z, l.Filters,
		stage.Output())
	st.act.finish(y.Data)
}

// Backward adds the gradients of both kernels, the bias and the input.
func (l *SeparableConv1D) Backward(ctx *Context, in, out, dOut, dIn []*tensor.Tensor) {
	x := in[0]
	st := l.state(ctx, Batch(x))
	rows, n := Batch(x)*l.geom.OutLength, l.in*l.DepthMultiplier
	dz := st.act.grad(out[0].Data, dOut[0].Data, gradOf(l.bias))
	if l.pointwise.Grad != nil {
		kernels.Sgemm(true, false, n, l.Filters, rows, 1, st.mid, n, dz, l.Filters, 1, l.pointwise.Grad.Data, l.Filters)
	}
	var dw, dx []float32
	if l.depthwise.Grad != nil {
		dw = l.depthwise.Grad.Data
	}
	if dIn[0] != nil {
		dx = dIn[0].Data
	}
	if dw == nil && dx == nil {
		return
	}
	if st.dmid == nil {
		st.dmid = make([]float32, len(st.mid))
	}
	kernels.Sgemm(false, true, rows, n, l.Filters, 1, dz, l.Filters, l.pointwise.Value.Data, l.Filters, 0, st.dmid, n)
	st.dims.backward(x.Data, l.depthwise.Value.Data, st.dmid, dw, dx)
}

// Config returns Keras' SeparableConv1D config.
func (l *SeparableConv1D) Config() map[string]any {
	cfg := l.baseConfig()
	cfg["depth_multiplier"] = l.DepthMultiplier
	cfg["filters"] = l.Filters
	cfg["kernel_size"] = []int{l.KernelSize}
	cfg["strides"] = []int{l.Strides}
	cfg["padding"] = l.Padding
	cfg["data_format"] = "channels_last"
	cfg["dilation_rate"] = []int{l.DilationRate}
	cfg["activation"] = l.Activation.Name
	cfg["use_bias"] = l.UseBias
	weightConfig(cfg, "depthwise", l.DepthwiseInitializer, l.DepthwiseRegularizer, l.DepthwiseConstraint)
	weightConfig(cfg, "pointwise", l.PointwiseInitializer, l.PointwiseRegularizer, l.PointwiseConstraint)
	weightConfig(cfg, "bias", l.BiasInitializer, l.BiasRegularizer, l.BiasConstraint)
	cfg["activity_regularizer"] = nil
	return cfg
}

func init() {
	Register("DepthwiseConv1D", func(c Config) (Layer, error) {
		if err := c.Unknown("depth_multiplier", "kernel_size", "strides", "padding", "dilation_rate", "activation",
			"use_bias", "depthwise_initializer", "bias_initializer", "depthwise_regularizer", "bias_regularizer",
			"depthwise_constraint", "bias_constraint"); err != nil {
			return nil, err
		}
		l := NewDepthwiseConv1D(0)
		a := &configReader{c: c}
		a.require("kernel_size")
		a.getInt(&l.KernelSize, "kernel_size", 0)
		a.getInt(&l.Strides, "strides", 1)
		a.getInt(&l.DepthMultiplier, "depth_multiplier", 1)
		a.getInt(&l.DilationRate, "dilation_rate", 1)
		a.getString(&l.Padding, "padding", "valid")
		a.activation(&l.Activation)
		a.getBool(&l.UseBias, "use_bias", true)
		a.getInit(&l.DepthwiseInitializer, "depthwise_initializer", "glorot_uniform")
		a.getInit(&l.BiasInitializer, "bias_initializer", "zeros")
		a.getConstraint(&l.DepthwiseConstraint, "depthwise_constraint")
		a.getConstraint(&l.BiasConstraint, "bias_constraint")
		a.getRegularizer(&l.DepthwiseRegularizer, "depthwise_regularizer")
		a.getRegularizer(&l.BiasRegularizer, "bias_regularizer")
		return l, a.err
	})
	Register("SeparableConv1D", func(c Config) (Layer, error) {
		if err := c.Unknown("depth_multiplier", "filters", "kernel_size", "strides", "padding", "dilation_rate", "activation",
			"use_bias", "depthwise_initializer", "pointwise_initializer", "bias_initializer", "depthwise_regularizer",
			"pointwise_regularizer", "bias_regularizer", "depthwise_constraint", "pointwise_constraint", "bias_constraint"); err != nil {
			return nil, err
		}
		l := NewSeparableConv1D(0, 0)
		a := &configReader{c: c}
		a.require("filters", "kernel_size")
		a.getInt(&l.Filters, "filters", 0)
		a.getInt(&l.KernelSize, "kernel_size", 0)
		a.getInt(&l.Strides, "strides", 1)
		a.getInt(&l.DepthMultiplier, "depth_multiplier", 1)
		a.getInt(&l.DilationRate, "dilation_rate", 1)
		a.getString(&l.Padding, "padding", "valid")
		a.activation(&l.Activation)
		a.getBool(&l.UseBias, "use_bias", true)
		a.getInit(&l.DepthwiseInitializer, "depthwise_initializer", "glorot_uniform")
		a.getInit(&l.PointwiseInitializer, "pointwise_initializer", "glorot_uniform")
		a.getInit(&l.BiasInitializer, "bias_initializer", "zeros")
		a.getConstraint(&l.DepthwiseConstraint, "depthwise_constraint")
		a.getConstraint(&l.PointwiseConstraint, "pointwise_constraint")
		a.getConstraint(&l.BiasConstraint, "bias_constraint")
		a.getRegularizer(&l.DepthwiseRegularizer, "depthwise_regularizer")
		a.getRegularizer(&l.PointwiseRegularizer, "pointwise_regularizer")
		a.getRegularizer(&l.BiasRegularizer, "bias_regularizer")
		return l, a.err
	}, "SeparableConvolution1D")
}
