package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/seqnet/seqnet/internal/kernels"
	"github.com/seqnet/seqnet/tensor"
)

// This file holds the Conv1D variants of Keras: DepthwiseConv1D,
// SeparableConv1D (a depthwise then a pointwise convolution) and
// Conv1DTranspose (the adjoint of Conv1D). All work on channels-last
// (batch, steps, channels) input.

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

// layerWho names a layer in messages: its class, and its name once set.
func layerWho(class, name string) string {
	if name == "" {
		return class
	}
	return fmt.Sprintf("%s %q", class, name)
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
	who := layerWho("DepthwiseConv1D", l.Name)
	s, err := expectOne("DepthwiseConv1D", in)
	if err != nil {
		return nil, err
	}
	if err := checkActivation(who, l.Activation); err != nil {
		return nil, err
	}
	if l.DepthMultiplier <= 0 {
		return nil, fmt.Errorf("%s: invalid value for argument depth_multiplier: expected a strictly positive value, received depth_multiplier=%d", who, l.DepthMultiplier)
	}
	g, err := checkConvVariant(who, s, l.KernelSize, l.Strides, l.DilationRate, l.Padding)
	if err != nil {
		return nil, err
	}
	l.geom, l.in = g, s[1]
	n := l.in * l.DepthMultiplier
	l.ResetParams()
	l.kernel = l.AddParam("kernel", []int{l.KernelSize, l.in, l.DepthMultiplier}, l.DepthwiseInitializer, rng, !l.Frozen)
	l.bias = nil
	if l.UseBias {
		l.bias = l.AddParam("bias", []int{n}, l.BiasInitializer, rng, !l.Frozen)
	}
	if err := attachRules(who, l.kernel, "depthwise", l.DepthwiseConstraint, l.DepthwiseRegularizer); err != nil {
		return nil, err
	}
	if err := attachRules(who, l.bias, "bias", l.BiasConstraint, l.BiasRegularizer); err != nil {
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
	cfg["depthwise_initializer"] = initializerConfig(l.DepthwiseInitializer)
	cfg["bias_initializer"] = initializerConfig(l.BiasInitializer)
	cfg["depthwise_regularizer"] = RegularizerConfig(l.DepthwiseRegularizer)
	cfg["bias_regularizer"] = RegularizerConfig(l.BiasRegularizer)
	cfg["activity_regularizer"] = nil
	cfg["depthwise_constraint"] = ConstraintConfig(l.DepthwiseConstraint)
	cfg["bias_constraint"] = ConstraintConfig(l.BiasConstraint)
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
	who := layerWho("SeparableConv1D", l.Name)
	s, err := expectOne("SeparableConv1D", in)
	if err != nil {
		return nil, err
	}
	if err := checkActivation(who, l.Activation); err != nil {
		return nil, err
	}
	if l.Filters <= 0 {
		return nil, fmt.Errorf("%s: invalid value for argument filters: expected a strictly positive value, received filters=%d", who, l.Filters)
	}
	if l.DepthMultiplier <= 0 {
		return nil, fmt.Errorf("%s: invalid value for argument depth_multiplier: expected a strictly positive value, received depth_multiplier=%d", who, l.DepthMultiplier)
	}
	g, err := checkConvVariant(who, s, l.KernelSize, l.Strides, l.DilationRate, l.Padding)
	if err != nil {
		return nil, err
	}
	l.geom, l.in = g, s[1]
	l.ResetParams()
	l.depthwise = l.AddParam("depthwise_kernel", []int{l.KernelSize, l.in, l.DepthMultiplier}, l.DepthwiseInitializer, rng, !l.Frozen)
	l.pointwise = l.AddParam("pointwise_kernel", []int{1, l.in * l.DepthMultiplier, l.Filters}, l.PointwiseInitializer, rng, !l.Frozen)
	l.bias = nil
	if l.UseBias {
		l.bias = l.AddParam("bias", []int{l.Filters}, l.BiasInitializer, rng, !l.Frozen)
	}
	for _, w := range []struct {
		p    *Param
		name string
		c    Constraint
		r    Regularizer
	}{{l.depthwise, "depthwise", l.DepthwiseConstraint, l.DepthwiseRegularizer},
		{l.pointwise, "pointwise", l.PointwiseConstraint, l.PointwiseRegularizer},
		{l.bias, "bias", l.BiasConstraint, l.BiasRegularizer}} {
		if err := attachRules(who, w.p, w.name, w.c, w.r); err != nil {
			return nil, err
		}
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
	cfg["depthwise_initializer"] = initializerConfig(l.DepthwiseInitializer)
	cfg["pointwise_initializer"] = initializerConfig(l.PointwiseInitializer)
	cfg["bias_initializer"] = initializerConfig(l.BiasInitializer)
	cfg["depthwise_regularizer"] = RegularizerConfig(l.DepthwiseRegularizer)
	cfg["pointwise_regularizer"] = RegularizerConfig(l.PointwiseRegularizer)
	cfg["bias_regularizer"] = RegularizerConfig(l.BiasRegularizer)
	cfg["activity_regularizer"] = nil
	cfg["depthwise_constraint"] = ConstraintConfig(l.DepthwiseConstraint)
	cfg["pointwise_constraint"] = ConstraintConfig(l.PointwiseConstraint)
	cfg["bias_constraint"] = ConstraintConfig(l.BiasConstraint)
	return cfg
}

// ---------------------------------------------------------------------
// Conv1DTranspose

// ConvTransposeGeometry is the arithmetic of a 1-D transposed convolution.
type ConvTransposeGeometry struct {
	Length, KernelSize, Strides, Dilation int
	Padding                               string
	// OutputPadding is the value used (Keras' default filled in when the
	// layer's is None).
	OutputPadding int
	// Crop is the number of leading steps of the full transposed
	// convolution left out of the output: input step t with kernel tap i
	// lands on output step t*Strides + i*Dilation - Crop.
	Crop int
	// OutLength is the number of output steps.
	OutLength int
	// Formula is the output-length formula with the numbers filled in.
	Formula string
}

// ConvTransposeOutput computes the output length of a 1-D transposed
// convolution as Keras 3 does (backend_utils: the same numbers on every
// backend), with k = (kernel_size-1)*dilation + 1 and outputPadding < 0
// meaning None:
//
//   - valid: out = (L-1)*s + k + output_padding, output_padding defaulting
//     to max(k, s) - k
//   - same:  out = L*s when output_padding is None, else
//     (L-1)*s + k%2 + output_padding
//
// The full transposed convolution ((L-1)*s + k steps) is cropped on the
// left by k-1-left_pad, left_pad = min(ceil(pad/2), k-1) with pad =
// s+k-2 (None) or k + k%2 - 2 + output_padding, which is TensorFlow's
// "same" split of the forward convolution.
func ConvTransposeOutput(length, kernelSize, strides, dilation int, padding string, outputPadding int) (ConvTransposeGeometry, error) {
	g := ConvTransposeGeometry{Length: length, KernelSize: kernelSize, Strides: strides, Dilation: dilation, Padding: padding}
	switch {
	case kernelSize <= 0:
		return g, fmt.Errorf("kernel_size must be a positive integer, received kernel_size=%d", kernelSize)
	case strides <= 0:
		return g, fmt.Errorf("strides must be a positive integer, received strides=%d", strides)
	case dilation <= 0:
		return g, fmt.Errorf("dilation_rate must be a positive integer, received dilation_rate=%d", dilation)
	case length <= 0:
		return g, fmt.Errorf("input length must be positive, received %d steps", length)
	case outputPadding >= strides:
		return g, fmt.Errorf("output_padding must be smaller than strides, received output_padding=%d, strides=%d", outputPadding, strides)
	}
	k := (kernelSize-1)*dilation + 1
	switch padding {
	case "valid":
		op := outputPadding
		if op < 0 {
			op = max(k, strides) - k
		}
		g.OutputPadding, g.Crop = op, 0
		g.OutLength = (length-1)*strides + k + op
		g.Formula = fmt.Sprintf("O = (W - 1)*S + K + output_padding = (%d - 1)*%d + %d + %d = %d", length, strides, k, op, g.OutLength)
	case "same":
		var pad int
		if outputPadding < 0 {
			pad = strides + k - 2
			g.OutputPadding = strides - k%2
			g.OutLength = length * strides
			g.Formula = fmt.Sprintf("O = W*S = %d*%d = %d", length, strides, g.OutLength)
		} else {
			pad = k + k%2 - 2 + outputPadding
			g.OutputPadding = outputPadding
			g.OutLength = (length-1)*strides + k%2 + outputPadding
			g.Formula = fmt.Sprintf("O = (W - 1)*S + K%%2 + output_padding = (%d - 1)*%d + %d + %d = %d",
				length, strides, k%2, outputPadding, g.OutLength)
		}
		left := min(pad/2+pad%2, k-1)
		g.Crop = k - 1 - left
	default:
		return g, fmt.Errorf("unknown padding %q: expected \"valid\" or \"same\"", padding)
	}
	return g, nil
}

// Conv1DTranspose is keras.layers.Conv1DTranspose: the transposed
// convolution ("deconvolution"), whose forward pass is the input-gradient
// of a Conv1D. Input step t with kernel tap i adds x[t]·kernel[i]ᵀ into
// output step t*strides + i*dilation_rate - crop (see
// ConvTransposeOutput). The kernel has Keras' layout (kernel_size,
// filters, in_channels) — the Conv1D kernel it is the transpose of;
// PyTorch's ConvTranspose1d stores (in_channels, filters, kernel_size).
type Conv1DTranspose struct {
	Base
	Filters, KernelSize, Strides, DilationRate int
	// Padding is "valid" (default) or "same".
	Padding string
	// OutputPadding is Keras' output_padding; -1 (the default) is None.
	OutputPadding                      int
	Activation                         *Activation
	UseBias                            bool
	KernelInitializer, BiasInitializer Initializer
	// KernelConstraint, BiasConstraint, KernelRegularizer and
	// BiasRegularizer are Keras' kernel_constraint, …; nil for none.
	KernelConstraint, BiasConstraint   Constraint
	KernelRegularizer, BiasRegularizer Regularizer

	kernel, bias *Param
	geom         ConvTransposeGeometry
	in           int
}

// NewConv1DTranspose returns a Conv1DTranspose with Keras' defaults:
// strides 1, padding "valid", output_padding None, dilation_rate 1, no
// activation, use_bias true, glorot_uniform kernel and zero bias.
func NewConv1DTranspose(filters, kernelSize int) *Conv1DTranspose {
	return &Conv1DTranspose{Filters: filters, KernelSize: kernelSize, Strides: 1, DilationRate: 1,
		Padding: "valid", OutputPadding: -1, Activation: activations["linear"], UseBias: true,
		KernelInitializer: initializers["glorot_uniform"], BiasInitializer: initializers["zeros"]}
}

// ClassName is "Conv1DTranspose".
func (l *Conv1DTranspose) ClassName() string { return "Conv1DTranspose" }

// Kernel returns the (kernel_size, filters, in_channels) kernel.
func (l *Conv1DTranspose) Kernel() *Param { return l.kernel }

// Bias returns the bias, or nil with use_bias=False.
func (l *Conv1DTranspose) Bias() *Param { return l.bias }

// Geometry returns the output length and crop computed at Build.
func (l *Conv1DTranspose) Geometry() ConvTransposeGeometry { return l.geom }

// Build checks the (steps, channels) input and creates the weights.
func (l *Conv1DTranspose) Build(in []Shape, rng *rand.Rand) ([]Shape, error) {
	who := layerWho("Conv1DTranspose", l.Name)
	s, err := expectOne("Conv1DTranspose", in)
	if err != nil {
		return nil, err
	}
	if err := checkActivation(who, l.Activation); err != nil {
		return nil, err
	}
	if len(s) != 2 {
		return nil, fmt.Errorf("%s expects input of shape (batch, steps, channels), received %s",
			who, tensor.ShapeString(s, true))
	}
	if l.Filters <= 0 {
		return nil, fmt.Errorf("%s: invalid value for argument filters: expected a strictly positive value, received filters=%d", who, l.Filters)
	}
	if l.Strides > 1 && l.DilationRate > 1 {
		return nil, fmt.Errorf("%s: strides > 1 together with dilation_rate > 1 is not supported (received strides=%d, dilation_rate=%d), as in Keras; use one or the other",
			who, l.Strides, l.DilationRate)
	}
	g, err := ConvTransposeOutput(s[0], l.KernelSize, l.Strides, l.DilationRate, l.Padding, l.OutputPadding)
	if err != nil {
		return nil, fmt.Errorf("%s on input %s: %w", who, tensor.ShapeString(s, true), err)
	}
	if g.OutLength <= 0 {
		return nil, fmt.Errorf("%s on input %s: output length would be %d (%s)", who, tensor.ShapeString(s, true), g.OutLength, g.Formula)
	}
	l.geom, l.in = g, s[1]
	l.ResetParams()
	l.kernel = l.AddParam("kernel", []int{l.KernelSize, l.Filters, l.in}, l.KernelInitializer, rng, !l.Frozen)
	l.bias = nil
	if l.UseBias {
		l.bias = l.AddParam("bias", []int{l.Filters}, l.BiasInitializer, rng, !l.Frozen)
	}
	if err := attachRules(who, l.kernel, "kernel", l.KernelConstraint, l.KernelRegularizer); err != nil {
		return nil, err
	}
	if err := attachRules(who, l.bias, "bias", l.BiasConstraint, l.BiasRegularizer); err != nil {
		return nil, err
	}
	l.MarkBuilt()
	return []Shape{{g.OutLength, l.Filters}}, nil
}

type convTransposeState struct {
	batch int
	full  []float32 // one sample's uncropped output (fullLength, filters)
	act   *biasAct
}

// fullLength is the length of the uncropped transposed convolution,
// enough to hold the cropped output too.
func (l *Conv1DTranspose) fullLength() int {
	k := (l.KernelSize-1)*l.DilationRate + 1
	return max((l.geom.Length-1)*l.Strides+k, l.geom.Crop+l.geom.OutLength)
}

func (l *Conv1DTranspose) state(ctx *Context, batch int) *convTransposeState {
	st, _ := ctx.State.(*convTransposeState)
	if st == nil || st.batch != batch {
		st = &convTransposeState{batch: batch, full: make([]float32, l.fullLength()*l.Filters)}
		st.act = newBiasAct(l.Activation, l.Filters, batch*l.geom.OutLength*l.Filters)
		ctx.State = st
	}
	return st
}

// Forward computes activation(conv_transpose(x, kernel) + bias): for
// each sample and tap i, full[t*s + i*d] += x[t] · kernel[i]ᵀ, one GEMM
// per tap whose output rows are s steps apart, then the crop.
func (l *Conv1DTranspose) Forward(ctx *Context, in, out []*tensor.Tensor) {
	x, y := in[0], out[0]
	batch := Batch(x)
	st := l.state(ctx, batch)
	z := st.act.pre(y.Data)
	L, C, F, s := l.geom.Length, l.in, l.Filters, l.Strides
	w := l.kernel.Value.Data
	for b := 0; b < batch; b++ {
		clear(st.full)
		xb := x.Data[b*L*C : (b+1)*L*C]
		for i := 0; i < l.KernelSize; i++ {
			kernels.Sgemm(false, true, L, F, C, 1, xb, C, w[i*F*C:(i+1)*F*C], C, 1, st.full[i*l.DilationRate*F:], s*F)
		}
		n := l.geom.OutLength * F
		copy(z[b*n:(b+1)*n], st.full[l.geom.Crop*F:])
	}
	st.act.apply(y.Data, valueOf(l.bias))
}

// Backward adds the kernel, bias and input gradients: the input gradient
// is the Conv1D of the output gradient (dx[t] = Σ_i dy[t*s + i*d - crop]
// · kernel[i]), the kernel gradient its correlation with x.
func (l *Conv1DTranspose) Backward(ctx *Context, in, out, dOut, dIn []*tensor.Tensor) {
	x := in[0]
	batch := Batch(x)
	st := l.state(ctx, batch)
	F := l.Filters
	dz := st.act.grad(out[0].Data, dOut[0].Data, gradOf(l.bias))
	if l.kernel.Grad == nil && dIn[0] == nil {
		return
	}
	L, C, s := l.geom.Length, l.in, l.Strides
	w := l.kernel.Value.Data
	for b := 0; b < batch; b++ {
		// The cropped gradient, put back in place with zeros around.
		clear(st.full)
		n := l.geom.OutLength * F
		copy(st.full[l.geom.Crop*F:], dz[b*n:(b+1)*n])
		xb := x.Data[b*L*C : (b+1)*L*C]
		for i := 0; i < l.KernelSize; i++ {
			rows := st.full[i*l.DilationRate*F:]
			if l.kernel.Grad != nil {
				kernels.Sgemm(true, false, F, C, L, 1, rows, s*F, xb, C, 1, l.kernel.Grad.Data[i*F*C:(i+1)*F*C], C)
			}
			if dIn[0] != nil {
				kernels.Sgemm(false, false, L, C, F, 1, rows, s*F, w[i*F*C:(i+1)*F*C], C, 1, dIn[0].Data[b*L*C:(b+1)*L*C], C)
			}
		}
	}
}

// Config returns Keras' Conv1DTranspose config; output_padding is
// written too (null for None) so that a non-default value survives.
func (l *Conv1DTranspose) Config() map[string]any {
	cfg := l.baseConfig()
	cfg["filters"] = l.Filters
	cfg["kernel_size"] = []int{l.KernelSize}
	cfg["strides"] = []int{l.Strides}
	cfg["padding"] = l.Padding
	if l.OutputPadding >= 0 {
		cfg["output_padding"] = []int{l.OutputPadding}
	} else {
		cfg["output_padding"] = nil
	}
	cfg["data_format"] = "channels_last"
	cfg["dilation_rate"] = []int{l.DilationRate}
	cfg["activation"] = l.Activation.Name
	cfg["use_bias"] = l.UseBias
	cfg["kernel_initializer"] = initializerConfig(l.KernelInitializer)
	cfg["bias_initializer"] = initializerConfig(l.BiasInitializer)
	cfg["kernel_regularizer"] = RegularizerConfig(l.KernelRegularizer)
	cfg["bias_regularizer"] = RegularizerConfig(l.BiasRegularizer)
	cfg["activity_regularizer"] = nil
	cfg["kernel_constraint"] = ConstraintConfig(l.KernelConstraint)
	cfg["bias_constraint"] = ConstraintConfig(l.BiasConstraint)
	return cfg
}

// ---------------------------------------------------------------------
// Registry

// configReader reads config values one after the other, keeping the first
// error (used by the convolution variants and the normalization layers).
type configReader struct {
	c   Config
	err error
}

func (a *configReader) getInt(p *int, key string, def int) {
	if a.err == nil {
		*p, a.err = a.c.Int(key, def)
	}
}

func (a *configReader) getString(p *string, key, def string) {
	if a.err == nil {
		*p, a.err = a.c.String(key, def)
	}
}

func (a *configReader) getBool(p *bool, key string, def bool) {
	if a.err == nil {
		*p, a.err = a.c.Bool(key, def)
	}
}

func (a *configReader) getInit(p *Initializer, key, def string) {
	if a.err == nil {
		*p, a.err = a.c.Initializer(key, def)
	}
}

func (a *configReader) getConstraint(p *Constraint, key string) {
	if a.err == nil {
		*p, a.err = a.c.Constraint(key)
	}
}

func (a *configReader) getRegularizer(p *Regularizer, key string) {
	if a.err == nil {
		*p, a.err = a.c.Regularizer(key)
	}
}

func (a *configReader) activation(p **Activation) {
	var name string
	a.getString(&name, "activation", "linear")
	if a.err == nil {
		*p, a.err = GetActivation(name)
	}
}

// kernelArgs reads the arguments every layer with a kernel and a bias
// shares (Conv1D, Dense, Conv1DTranspose): activation, use_bias, and the
// kernel's and bias's initializers, constraints and regularizers.
func (a *configReader) kernelArgs(act **Activation, useBias *bool, kInit, bInit *Initializer,
	kCons, bCons *Constraint, kReg, bReg *Regularizer) {
	a.activation(act)
	a.getBool(useBias, "use_bias", true)
	a.getInit(kInit, "kernel_initializer", "glorot_uniform")
	a.getInit(bInit, "bias_initializer", "zeros")
	a.getConstraint(kCons, "kernel_constraint")
	a.getConstraint(bCons, "bias_constraint")
	a.getRegularizer(kReg, "kernel_regularizer")
	a.getRegularizer(bReg, "bias_regularizer")
}

func (a *configReader) require(keys ...string) {
	for _, k := range keys {
		if a.err == nil && !a.c.Has(k) {
			a.err = fmt.Errorf("%s is required", k)
		}
	}
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
	Register("Conv1DTranspose", func(c Config) (Layer, error) {
		if err := c.Unknown("filters", "kernel_size", "strides", "padding", "output_padding", "dilation_rate", "activation",
			"use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
			"kernel_constraint", "bias_constraint"); err != nil {
			return nil, err
		}
		l := NewConv1DTranspose(0, 0)
		a := &configReader{c: c}
		a.require("filters", "kernel_size")
		a.getInt(&l.Filters, "filters", 0)
		a.getInt(&l.KernelSize, "kernel_size", 0)
		a.getInt(&l.Strides, "strides", 1)
		a.getInt(&l.OutputPadding, "output_padding", -1)
		a.getInt(&l.DilationRate, "dilation_rate", 1)
		a.getString(&l.Padding, "padding", "valid")
		a.kernelArgs(&l.Activation, &l.UseBias, &l.KernelInitializer, &l.BiasInitializer,
			&l.KernelConstraint, &l.BiasConstraint, &l.KernelRegularizer, &l.BiasRegularizer)
		if a.err != nil {
			return nil, a.err
		}
		if c.Has("output_padding") && l.OutputPadding < 0 {
			return nil, fmt.Errorf("output_padding must be null or a non-negative integer, received %d", l.OutputPadding)
		}
		return l, nil
	}, "Convolution1DTranspose", "ConvTranspose1d")
}
