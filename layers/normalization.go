package layers

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/seqnet/seqnet/tensor"
)

// BatchNormalization is keras.layers.BatchNormalization over the last axis
// (the channels of (batch, steps, channels) input, the features of
// (batch, features) input).
//
// In training (Context.Training, and the layer not frozen) it normalises
// with the mean and the biased variance of the current batch, taken over
// every axis but the last, and then updates
//
//	moving_mean     = moving_mean*momentum     + mean*(1-momentum)
//	moving_variance = moving_variance*momentum + variance*(1-momentum)
//
// as Keras 3 does (Keras 2's fused TensorFlow kernel put the unbiased
// variance into moving_variance instead). In inference, and whenever the
// layer is frozen (Keras: "setting trainable = False on a
// BatchNormalization layer means that the layer will be subsequently run
// in inference mode"), it uses the moving statistics:
//
//	y = gamma * (x - mean) / sqrt(variance + epsilon) + beta
//
// A mask on the input (Embedding with mask_zero) leaves the masked steps
// out of the batch statistics, as Keras does, and passes through.
//
// Weights, in Keras' order: gamma (scale=true), beta (center=true),
// moving_mean, moving_variance; the moving statistics are not trainable.
type BatchNormalization struct {
	Base
	// Axis is the normalised axis, counted with the batch axis as in
	// Keras; only the last one (-1, the default) is supported.
	Axis              int
	Momentum, Epsilon float64
	Center, Scale     bool
	// Synchronized is Keras' synchronized option; seqnet trains on one
	// device, where it makes no difference. It is kept for the config.
	Synchronized bool

	GammaInitializer, BetaInitializer                Initializer
	MovingMeanInitializer, MovingVarianceInitializer Initializer
	// GammaConstraint, BetaConstraint, GammaRegularizer and
	// BetaRegularizer are Keras' gamma_constraint, …; nil for none.
	GammaConstraint, BetaConstraint   Constraint
	GammaRegularizer, BetaRegularizer Regularizer

	gamma, beta, movingMean, movingVar *Param
	ch                                 int
}

// NewBatchNormalization returns a BatchNormalization with Keras' defaults:
// axis -1, momentum 0.99, epsilon 1e-3, center and scale, gamma and
// moving_variance initialised to ones, beta and moving_mean to zeros.
func NewBatchNormalization() *BatchNormalization {
	return &BatchNormalization{Axis: -1, Momentum: 0.99, Epsilon: 1e-3, Center: true, Scale: true,
		GammaInitializer: initializers["ones"], BetaInitializer: initializers["zeros"],
		MovingMeanInitializer: initializers["zeros"], MovingVarianceInitializer: initializers["ones"]}
}

// ClassName is "BatchNormalization".
func (l *BatchNormalization) ClassName() string { return "BatchNormalization" }

// Gamma returns the scale weight, or nil with scale=False.
func (l *BatchNormalization) Gamma() *Param { return l.gamma }

// Beta returns the offset weight, or nil with center=False.
func (l *BatchNormalization) Beta() *Param { return l.beta }

// MovingMean returns the non-trainable moving mean.
func (l *BatchNormalization) MovingMean() *Param { return l.movingMean }

// MovingVariance returns the non-trainable moving variance.
func (l *BatchNormalization) MovingVariance() *Param { return l.movingVar }

// Build creates the weights, one value per channel of the last axis.
func (l *BatchNormalization) Build(in []Shape, rng *rand.Rand) ([]Shape, error) {
	s, ch, err := normInput("BatchNormalization", in, l.Axis, l.Epsilon)
	if err != nil {
		return nil, err
	}
	l.ch = ch
	l.gamma, l.beta = addGammaBeta(&l.Base, ch, l.Scale, l.Center, l.GammaInitializer, l.BetaInitializer, rng, !l.Frozen)
	l.movingMean = l.AddParam("moving_mean", []int{ch}, l.MovingMeanInitializer, rng, false)
	l.movingVar = l.AddParam("moving_variance", []int{ch}, l.MovingVarianceInitializer, rng, false)
	if err := attachNormRules("BatchNormalization", l.Name, l.gamma, l.beta, l.GammaConstraint, l.BetaConstraint,
		l.GammaRegularizer, l.BetaRegularizer); err != nil {
		return nil, err
	}
	l.MarkBuilt()
	return []Shape{append(Shape(nil), s...)}, nil
}

// addGammaBeta starts the weights of a normalization layer of ch
// channels: it drops b's weights (a Build again starts anew) and adds
// gamma when scale and beta when center, one value per channel, first
// and in this order, as Keras does; the one left out is nil.
func addGammaBeta(b *Base, ch int, scale, center bool, gammaInit, betaInit Initializer, rng *rand.Rand, trainable bool) (gamma, beta *Param) {
	b.ResetParams()
	if scale {
		gamma = b.AddParam("gamma", []int{ch}, gammaInit, rng, trainable)
	}
	if center {
		beta = b.AddParam("beta", []int{ch}, betaInit, rng, trainable)
	}
	return gamma, beta
}

// attachNormRules gives gamma and beta (either may be nil) their
// constraints and regularizers.
func attachNormRules(class, name string, gamma, beta *Param, gc, bc Constraint, gr, br Regularizer) error {
	who := named(class, name)
	return attachAll(who, ruled{gamma, "gamma", gc, gr}, ruled{beta, "beta", bc, br})
}

// normInput checks the input of a normalization layer: one input, axis
// (counted with the batch axis, negative from the end) naming the last axis
// of the per-sample shape, and a positive epsilon. It returns the input
// shape and the size of its last axis.
func normInput(class string, in []Shape, axis int, epsilon float64) (Shape, int, error) {
	s, err := expectOne(class, in)
	if err != nil {
		return nil, 0, err
	}
	if len(s) == 0 {
		return nil, 0, fmt.Errorf("%s needs at least one feature axis, received shape %s", class, tensor.ShapeString(s, true))
	}
	if axis != -1 && axis != len(s) {
		return nil, 0, fmt.Errorf("%s: only the last axis can be normalised (axis=-1, or %d for input %s), received axis=%d; "+
			"put the axis to normalise last (channels-last) and use axis=-1", class, len(s), tensor.ShapeString(s, true), axis)
	}
	if epsilon <= 0 {
		return nil, 0, fmt.Errorf("%s: epsilon must be positive, received epsilon=%g", class, epsilon)
	}
	return s, s[len(s)-1], nil
}

type batchNormState struct {
	training bool
	// mean and inv = 1/sqrt(var+eps) used by the last Forward.
	mean, inv []float64
	// denom is the number of rows the statistics averaged over (or the
	// masked weight sum + 1e-7, as Keras).
	denom float64
	mask  []bool
	// per-channel scratch
	acc, acc2, acc3 []float64
}

func (l *BatchNormalization) state(ctx *Context) *batchNormState {
	st, _ := ctx.State.(*batchNormState)
	if st == nil || len(st.mean) != l.ch {
		st = &batchNormState{mean: make([]float64, l.ch), inv: make([]float64, l.ch),
			acc: make([]float64, l.ch), acc2: make([]float64, l.ch), acc3: make([]float64, l.ch)}
		ctx.State = st
	}
	return st
}

// rowMask returns the input's mask when it has one entry per row of
// channels (batch*steps for (batch, steps, channels) input), else nil.
func rowMask(x *tensor.Tensor, rows int) []bool {
	if len(x.Mask) == rows {
		return x.Mask
	}
	return nil
}

// Forward normalises x with batch statistics (training) or the moving
// statistics (inference, or frozen).
func (l *BatchNormalization) Forward(ctx *Context, in, out []*tensor.Tensor) {
	x, y := in[0], out[0]
	st := l.state(ctx)
	C := l.ch
	rows := len(x.Data) / C
	st.training = ctx.Training && !l.Frozen
	st.mask = rowMask(x, rows)
	if st.training {
		// Mean and biased variance over all rows, in float64.
		sum, sq := st.acc, st.acc2
		clear(sum)
		clear(sq)
		var w float64
		for r := 0; r < rows; r++ {
			if st.mask != nil && !st.mask[r] {
				continue
			}
			w++
			for c, v := range x.Data[r*C : (r+1)*C] {
				sum[c] += float64(v)
			}
		}
		st.denom = w
		if st.mask != nil {
			st.denom = w + 1e-7 // Keras divides by sum(mask) + backend epsilon
		}
		for c := range sum {
			st.mean[c] = sum[c] / st.denom
		}
		for r := 0; r < rows; r++ {
			if st.mask != nil && !st.mask[r] {
				continue
			}
			for c, v := range x.Data[r*C : (r+1)*C] {
				d := float64(v) - st.mean[c]
				sq[c] += d * d
			}
		}
		mm, mv := l.movingMean.Value.Data, l.movingVar.Value.Data
		for c := range sq {
			v := sq[c] / st.denom
			st.inv[c] = 1 / math.Sqrt(v+l.Epsilon)
			mm[c] = float32(float64(mm[c])*l.Momentum + st.mean[c]*(1-l.Momentum))
			mv[c] = float32(float64(mv[c])*l.Momentum + v*(1-l.Momentum))
		}
	} else {
		for c := 0; c < C; c++ {
			st.mean[c] = float64(l.movingMean.Value.Data[c])
			st.inv[c] = 1 / math.Sqrt(float64(l.movingVar.Value.Data[c])+l.Epsilon)
		}
	}
	// y = x*a + b per channel, with a = gamma*inv and b = beta - mean*a.
	a, b := st.acc, st.acc2
	for c := 0; c < C; c++ {
		a[c] = st.inv[c]
		if l.gamma != nil {
			a[c] *= float64(l.gamma.Value.Data[c])
		}
		b[c] = -st.mean[c] * a[c]
		if l.beta != nil {
			b[c] += float64(l.beta.Value.Data[c])
		}
	}
	for r := 0; r < rows; r++ {
		xr, yr := x.Data[r*C:(r+1)*C], y.Data[r*C:(r+1)*C]
		for c, v := range xr {
			yr[c] = float32(float64(v)*a[c] + b[c])
		}
	}
	y.Mask = x.Mask
}

// Backward adds the gamma, beta and input gradients. In training the
// input gradient goes through the batch mean and variance as well.
func (l *BatchNormalization) Backward(ctx *Context, in, out, dOut, dIn []*tensor.Tensor) {
	x, dy := in[0], dOut[0].Data
	st := l.state(ctx)
	C := l.ch
	rows := len(x.Data) / C
	// Parameter gradients: dbeta = Σ dy, dgamma = Σ dy*xhat.
	for r := 0; r < rows; r++ {
		xr, dyr := x.Data[r*C:(r+1)*C], dy[r*C:(r+1)*C]
		for c, g := range dyr {
			if l.beta != nil && l.beta.Grad != nil {
				l.beta.Grad.Data[c] += g
			}
			if l.gamma != nil && l.gamma.Grad != nil {
				l.gamma.Grad.Data[c] += g * float32((float64(xr[c])-st.mean[c])*st.inv[c])
			}
		}
	}
	if dIn[0] == nil {
		return
	}
	dx := dIn[0].Data
	gamma := func(c int) float64 {
		if l.gamma == nil {
			return 1
		}
		return float64(l.gamma.Value.Data[c])
	}
	if !st.training {
		for r := 0; r < rows; r++ {
			dyr, dxr := dy[r*C:(r+1)*C], dx[r*C:(r+1)*C]
			for c, g := range dyr {
				dxr[c] += float32(float64(g) * gamma(c) * st.inv[c])
			}
		}
		return
	}
	// With g = dy*gamma, xc = x - mean, w the row weight (mask) and D the
	// denominator of the statistics:
	//   dvar  = -1/2 inv³ Σ g·xc
	//   dmean = -inv Σ g - 2 dvar/D Σ w·xc
	//   dx    = g·inv + dvar·2w·xc/D + dmean·w/D
	sgx, sg := st.acc, st.acc2 // Σ g·xc and Σ g
	clear(sgx)
	clear(sg)
	swx := st.acc3 // Σ w·xc: zero up to rounding without a mask
	clear(swx)
	for r := 0; r < rows; r++ {
		xr, dyr := x.Data[r*C:(r+1)*C], dy[r*C:(r+1)*C]
		in := st.mask == nil || st.mask[r]
		for c, g := range dyr {
			xc := float64(xr[c]) - st.mean[c]
			gg := float64(g) * gamma(c)
			sgx[c] += gg * xc
			sg[c] += gg
			if in {
				swx[c] += xc
			}
		}
	}
	for c := 0; c < C; c++ {
		inv := st.inv[c]
		dvar := -0.5 * inv * inv * inv * sgx[c]
		dmean := -inv*sg[c] - 2*dvar/st.denom*swx[c]
		sgx[c], sg[c] = dvar, dmean
	}
	for r := 0; r < rows; r++ {
		xr, dyr, dxr := x.Data[r*C:(r+1)*C], dy[r*C:(r+1)*C], dx[r*C:(r+1)*C]
		w := 1.0
		if st.mask != nil && !st.mask[r] {
			w = 0
		}
		for c, g := range dyr {
			xc := float64(xr[c]) - st.mean[c]
			d := float64(g)*gamma(c)*st.inv[c] + w*(sgx[c]*2*xc+sg[c])/st.denom
			dxr[c] += float32(d)
		}
	}
}

// Config returns Keras' BatchNormalization config.
func (l *BatchNormalization) Config() map[string]any {
	cfg := l.baseConfig()
	cfg["axis"] = l.Axis
	cfg["momentum"] = l.Momentum
	cfg["epsilon"] = l.Epsilon
	cfg["center"] = l.Center
	cfg["scale"] = l.Scale
	weightConfig(cfg, "beta", l.BetaInitializer, l.BetaRegularizer, l.BetaConstraint)
	weightConfig(cfg, "gamma", l.GammaInitializer, l.GammaRegularizer, l.GammaConstraint)
	cfg["moving_mean_initializer"] = initializerConfig(l.MovingMeanInitializer)
	cfg["moving_variance_initializer"] = initializerConfig(l.MovingVarianceInitializer)
	cfg["synchronized"] = l.Synchronized
	return cfg
}

// configAxis reads Keras' axis: an integer, or a list of one integer.
func configAxis(c Config) (int, error) {
	axes, err := c.Ints("axis")
	if err != nil {
		return 0, err
	}
	switch len(axes) {
	case 0:
		return -1, nil
	case 1:
		return axes[0], nil
	}
	return 0, fmt.Errorf("axis: seqnet normalises over the last axis only, received axis=%v; use axis=-1", axes)
}

func init() {
	Register("BatchNormalization", func(c Config) (Layer, error) {
		if err := c.Unknown("axis", "momentum", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer",
			"moving_mean_initializer", "moving_variance_initializer", "beta_regularizer", "gamma_regularizer",
			"beta_constraint", "gamma_constraint", "synchronized"); err != nil {
			return nil, err
		}
		l := NewBatchNormalization()
		var err error
		if l.Axis, err = configAxis(c); err != nil {
			return nil, err
		}
		if l.Momentum, err = c.Float("momentum", 0.99); err != nil {
			return nil, err
		}
		if l.Epsilon, err = c.Float("epsilon", 1e-3); err != nil {
			return nil, err
		}
		if l.Center, err = c.Bool("center", true); err != nil {
			return nil, err
		}
		if l.Scale, err = c.Bool("scale", true); err != nil {
			return nil, err
		}
		if l.Synchronized, err = c.Bool("synchronized", false); err != nil {
			return nil, err
		}
		for _, f := range []struct {
			p   *Initializer
			key string
			def string
		}{{&l.BetaInitializer, "beta_initializer", "zeros"}, {&l.GammaInitializer, "gamma_initializer", "ones"},
			{&l.MovingMeanInitializer, "moving_mean_initializer", "zeros"},
			{&l.MovingVarianceInitializer, "moving_variance_initializer", "ones"}} {
			if *f.p, err = c.Initializer(f.key, f.def); err != nil {
				return nil, err
			}
		}
		a := &configReader{c: c}
		a.getConstraint(&l.GammaConstraint, "gamma_constraint")
		a.getConstraint(&l.BetaConstraint, "beta_constraint")
		a.getRegularizer(&l.GammaRegularizer, "gamma_regularizer")
		a.getRegularizer(&l.BetaRegularizer, "beta_regularizer")
		return l, a.err
	}, "BatchNorm", "BatchNorm1d")
}
