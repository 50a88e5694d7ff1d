package layers

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/seqnet/seqnet/tensor"
)

// RNN holds the arguments every Keras recurrent layer (LSTM, GRU,
// SimpleRNN) has: those of its cell (units, activations, initializers,
// dropout) and those of the keras.layers.RNN loop around it
// (return_sequences, return_state, go_backwards). LSTM, GRU and SimpleRNN
// embed it, so its fields read as theirs.
//
// The loop follows Keras' backend rnn(): the state starts at zero; with
// go_backwards the steps are read from the last to the first and the
// sequence output comes out in that (reversed) order; at a masked step
// (input Mask false) the state is carried over unchanged and the output is
// the carried-over state, or zeros with ZeroOutputForMask.
type RNN struct {
	Base
	// Units is the size of the state and of the output.
	Units int
	// Activation (default tanh) is applied to the candidate state and, in
	// the LSTM, to the cell state before the output gate.
	Activation *Activation
	// RecurrentActivation (default sigmoid) is applied to the gates.
	RecurrentActivation *Activation
	UseBias             bool
	// KernelInitializer (glorot_uniform), RecurrentInitializer (orthogonal)
	// and BiasInitializer (zeros) fill the three weights.
	KernelInitializer, RecurrentInitializer, BiasInitializer Initializer
	// ReturnSequences makes the output (batch, steps, units), the state
	// after every step; otherwise it is (batch, units), the last one.
	ReturnSequences bool
	// ReturnState adds the final states as extra outputs (LSTM: h and c;
	// GRU and SimpleRNN: h), each (batch, units).
	ReturnState bool
	// GoBackwards reads the steps from last to first and returns the
	// sequence output in that reversed order, as Keras does.
	GoBackwards bool
	// ZeroOutputForMask outputs zeros at masked steps instead of repeating
	// the carried-over state (Keras zero_output_for_mask; Bidirectional
	// sets it when returning sequences).
	ZeroOutputForMask bool
	// Dropout is the fraction of the input features dropped during
	// training, one mask per sequence shared by all steps (Keras dropout).
	Dropout float64
	// RecurrentDropout is the fraction of the state units dropped in the
	// recurrent products during training (Keras recurrent_dropout). As in
	// Keras (implementation 1), it gives every gate masks of its own, for
	// the state and, with Dropout, for the input.
	RecurrentDropout float64
	// Seed is Keras' seed argument, kept for the config; the masks come
	// from the model's random source (Context.Rand), Seed is used only
	// when there is none.
	Seed *int
	// KernelConstraint, RecurrentConstraint and BiasConstraint (Keras
	// kernel_constraint, recurrent_constraint, bias_constraint) project
	// kernel, recurrent_kernel and bias after each optimizer step; nil for
	// none. Axis 0 of a kernel is its input axis, so MaxNorm(c) bounds the
	// weights into each gate unit.
	KernelConstraint, RecurrentConstraint, BiasConstraint Constraint
	// KernelRegularizer, RecurrentRegularizer and BiasRegularizer (Keras
	// kernel_regularizer, …) add a penalty to the training loss; nil for
	// none.
	KernelRegularizer, RecurrentRegularizer, BiasRegularizer Regularizer

	kernel, recurrent, bias *Param
	in, steps               int
}

// RNNOption sets an optional argument of LSTM, GRU or SimpleRNN.
type RNNOption func(*RNN)

// ReturnSequences sets return_sequences=True.
func ReturnSequences() RNNOption { return func(r *RNN) { r.ReturnSequences = true } }

// ReturnState sets return_state=True.
func ReturnState() RNNOption { return func(r *RNN) { r.ReturnState = true } }

// GoBackwards sets go_backwards=True.
func GoBackwards() RNNOption { return func(r *RNN) { r.GoBackwards = true } }

// RNNActivation sets activation by Keras name (default "tanh").
func RNNActivation(name string) RNNOption {
	return func(r *RNN) { r.Activation = mustActivation(name) }
}

// RecurrentActivation sets recurrent_activation by Keras name (default
// "sigmoid").
func RecurrentActivation(name string) RNNOption {
	return func(r *RNN) { r.RecurrentActivation = mustActivation(name) }
}

// RNNNoBias sets use_bias=False.
func RNNNoBias() RNNOption { return func(r *RNN) { r.UseBias = false } }

// RNNKernelConstraint sets kernel_constraint.
func RNNKernelConstraint(c Constraint) RNNOption { return func(r *RNN) { r.KernelConstraint = c } }

// RNNRecurrentConstraint sets recurrent_constraint.
func RNNRecurrentConstraint(c Constraint) RNNOption {
	return func(r *RNN) { r.RecurrentConstraint = c }
}

// RNNBiasConstraint sets bias_constraint.
func RNNBiasConstraint(c Constraint) RNNOption { return func(r *RNN) { r.BiasConstraint = c } }

// RNNKernelRegularizer sets kernel_regularizer.
func RNNKernelRegularizer(g Regularizer) RNNOption {
	return func(r *RNN) { r.KernelRegularizer = g }
}

// RNNRecurrentRegularizer sets recurrent_regularizer.
func RNNRecurrentRegularizer(g Regularizer) RNNOption {
	return func(r *RNN) { r.RecurrentRegularizer = g }
}

// RNNBiasRegularizer sets bias_regularizer.
func RNNBiasRegularizer(g Regularizer) RNNOption { return func(r *RNN) { r.BiasRegularizer = g } }

// RNNName sets the layer name.
func RNNName(n string) RNNOption { return func(r *RNN) { r.Name = n } }

func newRNN(units int, opts []RNNOption) RNN {
	r := RNN{Units: units, Activation: activations["tanh"], RecurrentActivation: activations["sigmoid"],
		UseBias: true, KernelInitializer: initializers["glorot_uniform"],
		RecurrentInitializer: initializers["orthogonal"], BiasInitializer: initializers["zeros"]}
	for _, o := range opts {
		o(&r)
	}
	return r
}

// rnn gives Bidirectional access to the shared arguments.
func (r *RNN) rnn() *RNN { return r }

// Kernel returns the (input_dim, gates*units) input kernel.
func (r *RNN) Kernel() *Param { return r.kernel }

// RecurrentKernel returns the (units, gates*units) recurrent kernel.
func (r *RNN) RecurrentKernel() *Param { return r.recurrent }

// Bias returns the bias, or nil with use_bias=False.
func (r *RNN) Bias() *Param { return r.bias }

// build checks the arguments and the input and creates kernel and
// recurrent_kernel with gates*units columns; the caller adds the bias.
func (r *RNN) build(class string, in []Shape, gates int, rng *rand.Rand) error {
	s, err := expectOne(class, in)
	if err != nil {
		return err
	}
	for _, d := range []struct {
		key  string
		rate float64
	}{{"dropout", r.Dropout}, {"recurrent_dropout", r.RecurrentDropout}} {
		if d.rate < 0 || d.rate >= 1 || math.IsNaN(d.rate) {
			return fmt.Errorf("invalid value for argument %s: expected a fraction in [0, 1), received %s=%g", d.key, d.key, d.rate)
		}
	}
	if r.Units <= 0 {
		return fmt.Errorf("invalid value for argument units: expected a positive integer, received units=%d", r.Units)
	}
	for _, a := range []*Activation{r.Activation, r.RecurrentActivation} {
		if err := checkActivation(named(class, r.Name), a); err != nil {
			return err
		}
	}
	if len(s) != 2 {
		return fmt.Errorf("%s expects input of shape (batch, steps, features), received per-sample shape %s; "+
			"a (batch, steps) sequence of numbers must be reshaped to (batch, steps, 1), token indices go through an Embedding first",
			class, tensor.ShapeString(s, true))
	}
	if s[0] <= 0 || s[1] <= 0 {
		return fmt.Errorf("%s needs at least one step and one feature, received per-sample shape %s", class, tensor.ShapeString(s, true))
	}
	r.steps, r.in = s[0], s[1]
	r.ResetParams()
	r.kernel = r.AddParam("kernel", []int{r.in, gates * r.Units}, r.KernelInitializer, rng, !r.Frozen)
	r.recurrent = r.AddParam("recurrent_kernel", []int{r.Units, gates * r.Units}, r.RecurrentInitializer, rng, !r.Frozen)
	r.bias = nil
	return nil
}

// outShapes returns the output shapes: the output, then one (units) shape
// per state with return_state.
func (r *RNN) outShapes(states int) []Shape {
	out := []Shape{{r.Units}}
	if r.ReturnSequences {
		out[0] = Shape{r.steps, r.Units}
	}
	if r.ReturnState {
		for i := 0; i < states; i++ {
			out = append(out, Shape{r.Units})
		}
	}
	return out
}

// timeAt returns the input step read at processing step p.
func (r *RNN) timeAt(p int) int {
	if r.GoBackwards {
		return r.steps - 1 - p
	}
	return p
}

// masked reports whether row (b, t) of a (batch, steps) mask is padding.
func masked(mask []bool, row int) bool { return mask != nil && !mask[row] }

// emit writes the output of processing step p (input step t) from the
// current state h (batch, units): every step with return_sequences, the
// last one otherwise.
func (r *RNN) emit(out *tensor.Tensor, h []float32, mask []bool, p, t, batch int) {
	T, U := r.steps, r.Units
	if !r.ReturnSequences && p != T-1 {
		return
	}
	for b := 0; b < batch; b++ {
		dst := out.Data[b*U : (b+1)*U]
		if r.ReturnSequences {
			dst = out.Data[(b*T+p)*U : (b*T+p+1)*U]
		}
		if r.ZeroOutputForMask && masked(mask, b*T+t) {
			clear(dst)
		} else {
			copy(dst, h[b*U:(b+1)*U])
		}
	}
}

// finish writes the final states and the output masks: the sequence
// output keeps the input mask (as Keras' compute_mask, even with
// go_backwards), a last-step output and the states have none.
func (r *RNN) finish(in *tensor.Tensor, out []*tensor.Tensor, states ...[]float32) {
	out[0].Mask = nil
	if r.ReturnSequences {
		out[0].Mask = in.Mask
	}
	if r.ReturnState {
		for i, s := range states {
			copy(out[1+i].Data, s)
			out[1+i].Mask = nil
		}
	}
}

// seedGrad starts backpropagation through time: dh (and dc) take the
// gradients of the returned final states.
func (r *RNN) seedGrad(dOut []*tensor.Tensor, ds ...[]float32) {
	for i, d := range ds {
		clear(d)
		if r.ReturnState {
			copy(d, dOut[1+i].Data)
		}
	}
}

// addOutputGrad adds into dh (batch, units) the gradient of the output of
// processing step p, which is the state after that step unless the step
// is masked and ZeroOutputForMask is set.
func (r *RNN) addOutputGrad(dOut *tensor.Tensor, dh []float32, mask []bool, p, t, batch int) {
	T, U := r.steps, r.Units
	if !r.ReturnSequences && p != T-1 {
		return
	}
	for b := 0; b < batch; b++ {
		if r.ZeroOutputForMask && masked(mask, b*T+t) {
			continue
		}
		src := dOut.Data[b*U : (b+1)*U]
		if r.ReturnSequences {
			src = dOut.Data[(b*T+p)*U : (b*T+p+1)*U]
		}
		d := dh[b*U : (b+1)*U]
		for j, v := range src {
			d[j] += v
		}
	}
}

// rnnConfig writes the keys of keras.layers.RNN.get_config and the cell
// keys the recurrent layers share.
// attachRules gives kernel, recurrent_kernel and bias (when there is one)
// their constraints and regularizers; the layers call it once the bias is
// made.
func (r *RNN) attachRules(class string) error {
	who := named(class, r.Name)
	return attachAll(who, ruled{r.kernel, "kernel", r.KernelConstraint, r.KernelRegularizer},
		ruled{r.recurrent, "recurrent", r.RecurrentConstraint, r.RecurrentRegularizer},
		ruled{r.bias, "bias", r.BiasConstraint, r.BiasRegularizer})
}

func (r *RNN) rnnConfig() map[string]any {
	cfg := r.baseConfig()
	cfg["return_sequences"] = r.ReturnSequences
	cfg["return_state"] = r.ReturnState
	cfg["go_backwards"] = r.GoBackwards
	cfg["stateful"] = false
	cfg["unroll"] = false
	cfg["zero_output_for_mask"] = r.ZeroOutputForMask
	cfg["units"] = r.Units
	cfg["activation"] = r.Activation.Name
	cfg["recurrent_activation"] = r.RecurrentActivation.Name
	cfg["use_bias"] = r.UseBias
	weightConfig(cfg, "kernel", r.KernelInitializer, r.KernelRegularizer, r.KernelConstraint)
	weightConfig(cfg, "recurrent", r.RecurrentInitializer, r.RecurrentRegularizer, r.RecurrentConstraint)
	weightConfig(cfg, "bias", r.BiasInitializer, r.BiasRegularizer, r.BiasConstraint)
	cfg["activity_regularizer"] = nil
	cfg["dropout"] = r.Dropout
	cfg["recurrent_dropout"] = r.RecurrentDropout
	cfg["seed"] = seedConfig(r.Seed)
	return cfg
}

// rnnConfigKeys are the keys rnnFromConfig reads (besides the class's own).
var rnnConfigKeys = []string{"units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
	"recurrent_initializer", "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
	"kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed",
	"return_sequences", "return_state", "go_backwards", "stateful", "unroll", "zero_output_for_mask", "use_cudnn",
	"implementation", "time_major"}

// rnnFromConfig reads the shared arguments of a Keras recurrent layer config,
// refusing the ones seqnet does not implement by name.
func rnnFromConfig(c Config, extra ...string) (RNN, error) {
	if err := c.Unknown(append(append([]string(nil), rnnConfigKeys...), extra...)...); err != nil {
		return RNN{}, err
	}
	if !c.Has("units") {
		return RNN{}, fmt.Errorf("units is required")
	}
	units, err := c.Int("units", 0)
	if err != nil {
		return RNN{}, err
	}
	r := newRNN(units, nil)
	for _, a := range []struct {
		p        **Activation
		key, def string
	}{{&r.Activation, "activation", "tanh"}, {&r.RecurrentActivation, "recurrent_activation", "sigmoid"}} {
		name, err := c.String(a.key, a.def)
		if err != nil {
			return r, err
		}
		if *a.p, err = GetActivation(name); err != nil {
			return r, fmt.Errorf("%s: %w", a.key, err)
		}
	}
	for _, b := range []struct {
		p   *bool
		key string
		def bool
	}{{&r.UseBias, "use_bias", true}, {&r.ReturnSequences, "return_sequences", false},
		{&r.ReturnState, "return_state", false}, {&r.GoBackwards, "go_backwards", false},
		{&r.ZeroOutputForMask, "zero_output_for_mask", false}} {
		if *b.p, err = c.Bool(b.key, b.def); err != nil {
			return r, err
		}
	}
	for _, in := range []struct {
		p        *Initializer
		key, def string
	}{{&r.KernelInitializer, "kernel_initializer", "glorot_uniform"},
		{&r.RecurrentInitializer, "recurrent_initializer", "orthogonal"},
		{&r.BiasInitializer, "bias_initializer", "zeros"}} {
		if *in.p, err = c.Initializer(in.key, in.def); err != nil {
			return r, err
		}
	}
	for _, key := range []string{"stateful", "time_major"} {
		if on, err := c.Bool(key, false); err != nil {
			return r, err
		} else if on {
			return r, fmt.Errorf("unsupported option %s=true: seqnet's recurrent layers start every batch from a zero state "+
				"and take (batch, steps, features) input; set %s=false", key, key)
		}
	}
	if r.Dropout, err = c.Float("dropout", 0); err != nil {
		return r, err
	}
	if r.RecurrentDropout, err = c.Float("recurrent_dropout", 0); err != nil {
		return r, err
	}
	if r.Seed, err = seedFromConfig(c); err != nil {
		return r, err
	}
	err = r.rulesFromConfig(c)
	return r, err
}

// rulesFromConfig reads a recurrent layer's kernel, recurrent and bias
// constraints and regularizers.
func (r *RNN) rulesFromConfig(c Config) error {
	var err error
	for _, k := range []struct {
		p   *Constraint
		key string
	}{{&r.KernelConstraint, "kernel_constraint"}, {&r.RecurrentConstraint, "recurrent_constraint"},
		{&r.BiasConstraint, "bias_constraint"}} {
		if *k.p, err = c.Constraint(k.key); err != nil {
			return err
		}
	}
	for _, k := range []struct {
		p   *Regularizer
		key string
	}{{&r.KernelRegularizer, "kernel_regularizer"}, {&r.RecurrentRegularizer, "recurrent_regularizer"},
		{&r.BiasRegularizer, "bias_regularizer"}} {
		if *k.p, err = c.Regularizer(k.key); err != nil {
			return err
		}
	}
	return nil
}
