package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/seqnet/seqnet/internal/kernels"
	"github.com/seqnet/seqnet/tensor"
)

// Conv1DTranspose, as Keras has it (the adjoint of Conv1D), on
// channels-last (batch, steps, channels) input.

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
	if err := checkConvArgs(length, kernelSize, strides, dilation); err != nil {
		return g, err
	}
	switch {
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
	who := named("Conv1DTranspose", l.Name)
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
	if err := attachAll(who, ruled{l.kernel, "kernel", l.KernelConstraint, l.KernelRegularizer}, ruled{l.bias, "bias", l.BiasConstraint, l.BiasRegularizer}); err != nil {
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
	weightConfig(cfg, "kernel", l.KernelInitializer, l.KernelRegularizer, l.KernelConstraint)
	weightConfig(cfg, "bias", l.BiasInitializer, l.BiasRegularizer, l.BiasConstraint)
	cfg["activity_regularizer"] = nil
	return cfg
}

func init() {
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
