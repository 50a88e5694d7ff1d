package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/seqnet/seqnet/internal/kernels"
	"github.com/seqnet/seqnet/tensor"
)

// Dense is keras.layers.Dense: y = activation(x·kernel + bias) on the last
// axis, so on (batch, steps, channels) input it applies to every step, as
// in Keras. The kernel is (in, units); PyTorch's Linear stores (units, in).
type Dense struct {
	Base
	Units                              int
	Activation                         *Activation
	UseBias                            bool
	KernelInitializer, BiasInitializer Initializer
	// KernelConstraint and BiasConstraint (Keras kernel_constraint,
	// bias_constraint) project the weights after each optimizer step;
	// nil for none. MaxNorm(c) bounds each unit's incoming weights (axis 0
	// of the (in, units) kernel).
	KernelConstraint, BiasConstraint Constraint
	// KernelRegularizer and BiasRegularizer (Keras kernel_regularizer,
	// bias_regularizer) add a penalty to the training loss; nil for none.
	KernelRegularizer, BiasRegularizer Regularizer

	kernel, bias *Param
	in           int
}

// NewDense returns a Dense layer with Keras' defaults: glorot_uniform
// kernel, zero bias, use_bias true. activation may be "" for linear.
func NewDense(units int, activation string) *Dense {
	return &Dense{Units: units, Activation: mustActivation(activation), UseBias: true,
		KernelInitializer: initializers["glorot_uniform"], BiasInitializer: initializers["zeros"]}
}

// ClassName is "Dense".
func (d *Dense) ClassName() string { return "Dense" }

// Kernel returns the (in, units) kernel.
func (d *Dense) Kernel() *Param { return d.kernel }

// Bias returns the bias, or nil with use_bias=False.
func (d *Dense) Bias() *Param { return d.bias }

// Build creates the weights for an input whose last axis has the features.
func (d *Dense) Build(in []Shape, rng *rand.Rand) ([]Shape, error) {
	s, err := expectOne("Dense", in)
	if err != nil {
		return nil, err
	}
	if err := checkActivation(named("Dense", d.Name), d.Activation); err != nil {
		return nil, err
	}
	if d.Units <= 0 {
		return nil, fmt.Errorf("invalid value for argument units: expected a strictly positive value, received units=%d", d.Units)
	}
	if len(s) == 0 {
		return nil, fmt.Errorf("%s needs at least one feature axis, received shape %s", named("Dense", d.Name), tensor.ShapeString(s, true))
	}
	d.in = s[len(s)-1]
	d.ResetParams()
	d.kernel = d.AddParam("kernel", []int{d.in, d.Units}, d.KernelInitializer, rng, !d.Frozen)
	d.bias = nil
	if d.UseBias {
		d.bias = d.AddParam("bias", []int{d.Units}, d.BiasInitializer, rng, !d.Frozen)
	}
	who := named("Dense", d.Name)
	if err := attachAll(who, ruled{d.kernel, "kernel", d.KernelConstraint, d.KernelRegularizer}, ruled{d.bias, "bias", d.BiasConstraint, d.BiasRegularizer}); err != nil {
		return nil, err
	}
	d.MarkBuilt()
	out := append(append(Shape(nil), s[:len(s)-1]...), d.Units)
	return []Shape{out}, nil
}

type denseState struct {
	batch int
	out   *biasAct // bias and activation, with their buffers
	pack  packedKernel
}

func (d *Dense) state(ctx *Context, rows int) *denseState {
	st, _ := ctx.State.(*denseState)
	if st == nil || st.batch != rows {
		st = &denseState{batch: rows, out: newBiasAct(d.Activation, d.Units, rows*d.Units)}
		ctx.State = st
	}
	return st
}

// Forward computes activation(x·kernel + bias).
func (d *Dense) Forward(ctx *Context, in, out []*tensor.Tensor) {
	x, y := in[0], out[0]
	rows := len(x.Data) / d.in
	st := d.state(ctx, rows)
	z := st.out.pre(y.Data)
	stage := st.out.stage(valueOf(d.bias)) // bias and relu in the GEMM
	stage.Packed = st.pack.get(ctx, d.kernel, d.in, d.Units)
	kernels.SgemmOut(false, false, rows, d.Units, d.in, 1, x.Data, d.in, d.kernel.Value.Data, d.Units, 0, z, d.Units, stage.Output())
	st.out.finish(y.Data)
	y.Mask = x.Mask // Dense works per step, so the steps' mask carries over, as in Keras
}

// Backward adds the kernel, bias and input gradients.
func (d *Dense) Backward(ctx *Context, in, out, dOut, dIn []*tensor.Tensor) {
	x := in[0]
	rows := len(x.Data) / d.in
	st := d.state(ctx, rows)
	dz := st.out.grad(out[0].Data, dOut[0].Data, gradOf(d.bias))
	if d.kernel.Grad != nil {
		kernels.Sgemm(true, false, d.in, d.Units, rows, 1, x.Data, d.in, dz, d.Units, 1, d.kernel.Grad.Data, d.Units)
	}
	if dIn[0] != nil {
		beta := float32(1)
		if ctx.SetInputGrad {
			beta = 0 // dIn[0] is written, not read
		}
		kernels.Sgemm(false, true, rows, d.in, d.Units, 1, dz, d.Units, d.kernel.Value.Data, d.Units, beta, dIn[0].Data, d.in)
	}
}

// SetsInputGrad reports true: Backward writes the input gradient with
// Context.SetInputGrad (see InputGradSetter).
func (d *Dense) SetsInputGrad() bool { return true }

// Config returns Keras' Dense config.
func (d *Dense) Config() map[string]any {
	cfg := d.baseConfig()
	cfg["units"] = d.Units
	cfg["activation"] = d.Activation.Name
	cfg["use_bias"] = d.UseBias
	weightConfig(cfg, "kernel", d.KernelInitializer, d.KernelRegularizer, d.KernelConstraint)
	weightConfig(cfg, "bias", d.BiasInitializer, d.BiasRegularizer, d.BiasConstraint)
	cfg["activity_regularizer"] = nil
	return cfg
}
