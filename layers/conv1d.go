package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/seqnet/seqnet/internal/conv"
	"github.com/seqnet/seqnet/internal/kernels"
	"github.com/seqnet/seqnet/tensor"
)

// Conv1D is keras.layers.Conv1D: a 1-D convolution over the steps axis of
// (batch, steps, channels) input. The kernel has Keras' layout
// (kernel_size, in_channels/groups, filters); PyTorch's Conv1d stores
// (filters, in_channels/groups, kernel_size) and works channels-first.
type Conv1D struct {
	Base
	Filters, KernelSize, Strides, DilationRate, Groups int
	// Padding is "valid", "same" or "causal".
	Padding    string
	Activation *Activation
	UseBias    bool
	// KernelInitializer and BiasInitializer default to glorot_uniform and zeros.
	KernelInitializer, BiasInitializer Initializer
	// KernelConstraint and BiasConstraint (Keras kernel_constraint,
	// bias_constraint) project the weights after each optimizer step;
	// nil for none. For a per-filter bound use axes 0 and 1 of the
	// (kernel_size, in_channels, filters) kernel: MaxNorm(3, 0, 1).
	KernelConstraint, BiasConstraint Constraint
	// KernelRegularizer and BiasRegularizer (Keras kernel_regularizer,
	// bias_regularizer) add a penalty to the training loss; nil for none.
	KernelRegularizer, BiasRegularizer Regularizer

	kernel, bias *Param
	geom         ConvGeometry
	in           int
	fold         foldCache // an Embedding folded into the kernel, for ConvMaxPool
}

// Conv1DOption sets an optional Conv1D argument.
type Conv1DOption func(*Conv1D)

// Strides sets strides (default 1).
func Strides(s int) Conv1DOption { return func(c *Conv1D) { c.Strides = s } }

// Padding sets padding: "valid" (default), "same" or "causal".
func Padding(p string) Conv1DOption { return func(c *Conv1D) { c.Padding = p } }

// DilationRate sets dilation_rate (default 1).
func DilationRate(d int) Conv1DOption { return func(c *Conv1D) { c.DilationRate = d } }

// Groups sets groups (default 1).
func Groups(g int) Conv1DOption { return func(c *Conv1D) { c.Groups = g } }

// ConvActivation sets the activation by Keras name (default linear).
func ConvActivation(name string) Conv1DOption {
	return func(c *Conv1D) { c.Activation = mustActivation(name) }
}

// NoBias sets use_bias=False.
func NoBias() Conv1DOption { return func(c *Conv1D) { c.UseBias = false } }

// ConvKernelInitializer sets kernel_initializer.
func ConvKernelInitializer(in Initializer) Conv1DOption {
	return func(c *Conv1D) { c.KernelInitializer = in }
}

// KernelConstraint sets kernel_constraint, e.g. MaxNorm(3, 0, 1) to bound
// each filter's norm.
func KernelConstraint(k Constraint) Conv1DOption { return func(c *Conv1D) { c.KernelConstraint = k } }

// BiasConstraint sets bias_constraint.
func BiasConstraint(k Constraint) Conv1DOption { return func(c *Conv1D) { c.BiasConstraint = k } }

// KernelRegularizer sets kernel_regularizer, e.g. L2(1e-4).
func KernelRegularizer(r Regularizer) Conv1DOption {
	return func(c *Conv1D) { c.KernelRegularizer = r }
}

// BiasRegularizer sets bias_regularizer.
func BiasRegularizer(r Regularizer) Conv1DOption { return func(c *Conv1D) { c.BiasRegularizer = r } }

// ConvName sets the layer name.
func ConvName(n string) Conv1DOption { return func(c *Conv1D) { c.Name = n } }

func mustActivation(name string) *Activation {
	a, err := GetActivation(name)
	if err != nil {
		// Keep the error for Build to report: an unknown activation is a
		// user mistake, not a reason to panic.
		return &Activation{Name: name}
	}
	return a
}

// NewConv1D returns a Conv1D with Keras' defaults: strides 1, padding
// "valid", dilation_rate 1, groups 1, no activation, use_bias true,
// glorot_uniform kernel and zero bias.
func NewConv1D(filters, kernelSize int, opts ...Conv1DOption) *Conv1D {
	c := &Conv1D{
		Filters: filters, KernelSize: kernelSize, Strides: 1, DilationRate: 1, Groups: 1,
		Padding: "valid", Activation: activations["linear"], UseBias: true,
		KernelInitializer: initializers["glorot_uniform"], BiasInitializer: initializers["zeros"],
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// ClassName is "Conv1D".
func (c *Conv1D) ClassName() string { return "Conv1D" }

// Kernel returns the kernel weight, (kernel_size, in_channels/groups, filters).
func (c *Conv1D) Kernel() *Param { return c.kernel }

// Bias returns the bias weight, or nil with use_bias=False.
func (c *Conv1D) Bias() *Param { return c.bias }

// Geometry returns the output length and padding computed at Build.
func (c *Conv1D) Geometry() ConvGeometry { return c.geom }

// Build checks the (steps, channels) input and creates the weights.
func (c *Conv1D) Build(in []Shape, rng *rand.Rand) ([]Shape, error) {
	s, err := expectOne("Conv1D", in)
	if err != nil {
		return nil, err
	}
	if err := checkActivation(c.who(), c.Activation); err != nil {
		return nil, err
	}
	if len(s) != 2 {
		return nil, fmt.Errorf("%s expects input of shape (batch, steps, channels), received %s; "+
			"for a plain series of N values per sample use shape (N, 1): N steps of 1 channel",
			c.who(), tensor.ShapeString(s, true))
	}
	if c.Filters <= 0 {
		return nil, fmt.Errorf("invalid value for argument filters: expected a strictly positive value, received filters=%d", c.Filters)
	}
	if c.Groups <= 0 {
		return nil, fmt.Errorf("invalid value for argument groups: expected a strictly positive value, received groups=%d", c.Groups)
	}
	if c.Strides > 1 && c.DilationRate > 1 {
		return nil, fmt.Errorf("%s: strides > 1 together with dilation_rate > 1 is not supported (received strides=%d, dilation_rate=%d), as in Keras; use one or the other",
			c.who(), c.Strides, c.DilationRate)
	}
	steps, channels := s[0], s[1]
	if c.Filters%c.Groups != 0 {
		return nil, fmt.Errorf("%s: filters (%d) must be divisible by groups (%d)", c.who(), c.Filters, c.Groups)
	}
	if channels%c.Groups != 0 {
		return nil, fmt.Errorf("%s: input channels (%d) must be divisible by groups (%d)", c.who(), channels, c.Groups)
	}
	g, err := ConvOutput(steps, c.KernelSize, c.Strides, c.DilationRate, c.Padding)
	if err != nil {
		return nil, fmt.Errorf("%s on input %s: %w%s", c.who(), tensor.ShapeString(s, true), err, ConvLengthHint(steps, channels, c.KernelSize))
	}
	if g.OutLength <= 0 {
		return nil, fmt.Errorf("%s on input %s: output length would be %d", c.who(), tensor.ShapeString(s, true), g.OutLength)
	}
	c.geom, c.in = g, channels
	c.ResetParams()
	c.kernel = c.AddParam("kernel", []int{c.KernelSize, channels / c.Groups, c.Filters}, c.KernelInitializer, rng, !c.Frozen)
	c.bias = nil
	if c.UseBias {
		c.bias = c.AddParam("bias", []int{c.Filters}, c.BiasInitializer, rng, !c.Frozen)
	}
	if err := attachAll(c.who(), ruled{c.kernel, "kernel", c.KernelConstraint, c.KernelRegularizer}, ruled{c.bias, "bias", c.BiasConstraint, c.BiasRegularizer}); err != nil {
		return nil, err
	}
	c.MarkBuilt()
	return []Shape{{g.OutLength, c.Filters}}, nil
}

// who names the layer in messages: "Conv1D" or "Conv1D \"c1d\"" once named.
// Inside a model the model adds the name itself, so Apply leaves it empty.
func (c *Conv1D) who() string { return named("Conv1D", c.Name) }

// ConvLengthHint explains the most common cause of a too-short input:
// features laid along the channels axis of a single step.
func ConvLengthHint(steps, channels, kernel int) string {
	if steps < kernel && channels >= kernel {
		return fmt.Sprintf("; your data has %d values per sample in %d step(s) of %d channels: "+
			"if each sample is a %d-step series of 1 feature, reshape it to (N, %d, 1); "+
			"otherwise use padding=\"same\" or a kernel_size of at most %d",
			channels*steps, steps, channels, channels, channels, steps)
	}
	if steps < kernel {
		return fmt.Sprintf("; use a kernel_size of at most %d, padding=\"same\", or longer sequences", steps)
	}
	return ""
}

type convState struct {
	conv *conv.Conv // the convolution, with its buffers
	out  *biasAct   // bias and activation, with their buffers
	grad convGrad   // dL/dz for conv.Backward, from out
	pack packedKernel
}

func (c *Conv1D) dims(batch int) conv.Dims {
	return conv.Dims{
		Batch: batch, Length: c.geom.Length, In: c.in, Filters: c.Filters,
		Kernel: c.KernelSize, Stride: c.Strides, Dilation: c.DilationRate, Groups: c.Groups,
		PadLeft: c.geom.PadLeft, PadRight: c.geom.PadRight, OutLength: c.geom.OutLength,
	}
}

func (c *Conv1D) state(ctx *Context, batch int) *convState {
	st, _ := ctx.State.(*convState)
	if st == nil || st.conv.Dims().Batch != batch {
		st = &convState{conv: conv.New(c.dims(batch))}
		st.out = newBiasAct(c.Activation, c.Filters, batch*c.geom.OutLength*c.Filters)
		st.grad.out = st.out
		ctx.State = st
	}
	return st
}

// Forward computes activation(conv(x, kernel) + bias).
func (c *Conv1D) Forward(ctx *Context, in, out []*tensor.Tensor) {
	x, y := in[0], out[0]
	st := c.state(ctx, Batch(x))
	z := st.out.pre(y.Data)
	stage := st.out.stage(valueOf(c.bias)) // bias and relu in the GEMMs
	if c.Groups == 1 && c.DilationRate == 1 {
		stage.Packed = st.pack.get(ctx, c.kernel, c.KernelSize*c.in, c.Filters)
	}
	st.conv.Forward(x.Data, c.kernel.Value.Data, z, stage)
	st.out.finish(y.Data)
}

// Backward adds the kernel, bias and input gradients.
func (c *Conv1D) Backward(ctx *Context, in, out, dOut, dIn []*tensor.Tensor) {
	x := in[0]
	st := c.state(ctx, Batch(x))
	st.grad.y, st.grad.dy, st.grad.biasGrad = out[0].Data, dOut[0].Data, gradOf(c.bias)
	// dw is nil for a frozen kernel: only the input gradient flows.
	if ctx.SetInputGrad {
		st.conv.BackwardSetDx(x.Data, c.kernel.Value.Data, &st.grad, gradOf(c.kernel), dataOf(dIn[0]))
		return
	}
	st.conv.Backward(x.Data, c.kernel.Value.Data, &st.grad, gradOf(c.kernel), dataOf(dIn[0]))
}

// SetsInputGrad reports true: Backward writes the input gradient with
// Context.SetInputGrad (see InputGradSetter).
func (c *Conv1D) SetsInputGrad() bool { return true }

// Config returns Keras' Conv1D config.
func (c *Conv1D) Config() map[string]any {
	cfg := c.baseConfig()
	cfg["filters"] = c.Filters
	cfg["kernel_size"] = []int{c.KernelSize}
	cfg["strides"] = []int{c.Strides}
	cfg["padding"] = c.Padding
	cfg["data_format"] = "channels_last"
	cfg["dilation_rate"] = []int{c.DilationRate}
	cfg["groups"] = c.Groups
	cfg["activation"] = c.Activation.Name
	cfg["use_bias"] = c.UseBias
	weightConfig(cfg, "kernel", c.KernelInitializer, c.KernelRegularizer, c.KernelConstraint)
	weightConfig(cfg, "bias", c.BiasInitializer, c.BiasRegularizer, c.BiasConstraint)
	cfg["activity_regularizer"] = nil
	return cfg
}

// weightConfig writes the Keras arguments of one family of weights into
// cfg: weight+"_initializer", "_regularizer" and "_constraint" ("kernel",
// "bias", "recurrent", "depthwise", …).
func weightConfig(cfg map[string]any, weight string, in Initializer, r Regularizer, c Constraint) {
	cfg[weight+"_initializer"] = initializerConfig(in)
	cfg[weight+"_regularizer"] = RegularizerConfig(r)
	cfg[weight+"_constraint"] = ConstraintConfig(c)
}

func initializerConfig(in Initializer) map[string]any {
	name := "GlorotUniform"
	switch in.Name() {
	case "zeros":
		name = "Zeros"
	case "ones":
		name = "Ones"
	case "glorot_normal":
		name = "GlorotNormal"
	case "he_uniform":
		name = "HeUniform"
	case "he_normal":
		name = "HeNormal"
	case "lecun_uniform":
		name = "LecunUniform"
	case "uniform", "random_uniform":
		return map[string]any{"module": "keras.initializers", "class_name": "RandomUniform",
			"config": map[string]any{"minval": -0.05, "maxval": 0.05, "seed": nil}, "registered_name": nil}
	case "random_normal":
		name = "RandomNormal"
	case "orthogonal":
		name = "Orthogonal"
	}
	return map[string]any{"module": "keras.initializers", "class_name": name, "config": map[string]any{"seed": nil}, "registered_name": nil}
}

// addBias adds bias (n values) to every row of z.
func addBias(z, bias []float32) {
	if n := len(bias); n > 0 {
		kernels.AddBias(z, len(z)/n, n, n, bias)
	}
}

// sumRows adds the column sums of z (rows of len(acc)) into acc, row by
// row in order.
func sumRows(z, acc []float32) {
	if n := len(acc); n > 0 {
		kernels.AddRows(acc, z, len(z)/n, n)
	}
}
