package layers

import (
	"math"
	"math/rand/v2"

	"github.com/seqnet/seqnet/tensor"
)

// LayerNormalization is keras.layers.LayerNormalization over the last
// axis: each row of channels is normalised with its own mean and
// (biased) variance, the same way in training and inference,
//
//	y = gamma * (x - mean) / sqrt(variance + epsilon) + beta
//
// With rms_scaling the mean is not subtracted and beta is not used:
// y = gamma * x / sqrt(variance + epsilon), variance still about the mean,
// as Keras 3 computes it. Weights: gamma (scale or rms_scaling), beta
// (center and not rms_scaling), shaped (channels,). A mask passes through.
type LayerNormalization struct {
	Base
	// Axis is the normalised axis, counted with the batch axis as in
	// Keras; only the last one (-1, the default) is supported.
	Axis                              int
	Epsilon                           float64
	Center, Scale, RMSScaling         bool
	GammaInitializer, BetaInitializer Initializer
	// GammaConstraint, BetaConstraint, GammaRegularizer and
	// BetaRegularizer are Keras' gamma_constraint, …; nil for none.
	GammaConstraint, BetaConstraint   Constraint
	GammaRegularizer, BetaRegularizer Regularizer

	gamma, beta *Param
	ch          int
}

// NewLayerNormalization returns a LayerNormalization with Keras' defaults:
// axis -1, epsilon 1e-3, center and scale, gamma ones and beta zeros.
func NewLayerNormalization() *LayerNormalization {
	return &LayerNormalization{Axis: -1, Epsilon: 1e-3, Center: true, Scale: true,
		GammaInitializer: initializers["ones"], BetaInitializer: initializers["zeros"]}
}

// ClassName is "LayerNormalization".
func (l *LayerNormalization) ClassName() string { return "LayerNormalization" }

// Gamma returns the scale weight, or nil.
func (l *LayerNormalization) Gamma() *Param { return l.gamma }

// Beta returns the offset weight, or nil.
func (l *LayerNormalization) Beta() *Param { return l.beta }

// Build creates gamma and beta over the last axis.
func (l *LayerNormalization) Build(in []Shape, rng *rand.Rand) ([]Shape, error) {
	s, ch, err := normInput("LayerNormalization", in, l.Axis, l.Epsilon)
	if err != nil {
		return nil, err
	}
	l.ch = ch
	l.gamma, l.beta = addGammaBeta(&l.Base, ch, l.Scale || l.RMSScaling, l.Center && !l.RMSScaling, l.GammaInitializer, l.BetaInitializer, rng, !l.Frozen)
	if err := attachNormRules("LayerNormalization", l.Name, l.gamma, l.beta, l.GammaConstraint, l.BetaConstraint,
		l.GammaRegularizer, l.BetaRegularizer); err != nil {
		return nil, err
	}
	l.MarkBuilt()
	return []Shape{append(Shape(nil), s...)}, nil
}

type layerNormState struct {
	mean, inv []float64 // per row
}

// Forward normalises every row of the last axis.
func (l *LayerNormalization) Forward(ctx *Context, in, out []*tensor.Tensor) {
	x, y := in[0], out[0]
	C := l.ch
	rows := len(x.Data) / C
	st, _ := ctx.State.(*layerNormState)
	if st == nil || len(st.mean) != rows {
		st = &layerNormState{mean: make([]float64, rows), inv: make([]float64, rows)}
		ctx.State = st
	}
	for r := 0; r < rows; r++ {
		xr, yr := x.Data[r*C:(r+1)*C], y.Data[r*C:(r+1)*C]
		var s float64
		for _, v := range xr {
			s += float64(v)
		}
		mean := s / float64(C)
		var sq float64
		for _, v := range xr {
			d := float64(v) - mean
			sq += d * d
		}
		inv := 1 / math.Sqrt(sq/float64(C)+l.Epsilon)
		st.mean[r], st.inv[r] = mean, inv
		shift := mean
		if l.RMSScaling {
			shift = 0
		}
		for c, v := range xr {
			o := (float64(v) - shift) * inv
			if l.gamma != nil {
				o *= float64(l.gamma.Value.Data[c])
			}
			if l.beta != nil {
				o += float64(l.beta.Value.Data[c])
			}
			yr[c] = float32(o)
		}
	}
	y.Mask = x.Mask
}

// Backward adds the gamma, beta and input gradients.
func (l *LayerNormalization) Backward(ctx *Context, in, out, dOut, dIn []*tensor.Tensor) {
	x, dy := in[0], dOut[0].Data
	st := ctx.State.(*layerNormState)
	C := l.ch
	rows := len(x.Data) / C
	for r := 0; r < rows; r++ {
		xr, dyr := x.Data[r*C:(r+1)*C], dy[r*C:(r+1)*C]
		mean, inv := st.mean[r], st.inv[r]
		shift := mean
		if l.RMSScaling {
			shift = 0
		}
		// sg = Σ g, sgx = Σ g·(x-shift)·inv with g = dy*gamma.
		var sg, sgx float64
		for c, d := range dyr {
			xh := (float64(xr[c]) - shift) * inv
			if l.beta != nil && l.beta.Grad != nil {
				l.beta.Grad.Data[c] += d
			}
			if l.gamma != nil && l.gamma.Grad != nil {
				l.gamma.Grad.Data[c] += d * float32(xh)
			}
			g := float64(d)
			if l.gamma != nil {
				g *= float64(l.gamma.Value.Data[c])
			}
			sg += g
			sgx += g * xh
		}
		if dIn[0] == nil {
			continue
		}
		dxr := dIn[0].Data[r*C : (r+1)*C]
		n := float64(C)
		for c, d := range dyr {
			g := float64(d)
			if l.gamma != nil {
				g *= float64(l.gamma.Value.Data[c])
			}
			xc := (float64(xr[c]) - mean) * inv // centred, normalised
			var v float64
			if l.RMSScaling {
				// y = x·inv·gamma: dx = inv·(g - xc·Σ g·x·inv / n)
				v = inv * (g - xc*sgx/n)
			} else {
				v = inv * (g - sg/n - xc*sgx/n)
			}
			dxr[c] += float32(v)
		}
	}
}

// Config returns Keras' LayerNormalization config (axis as the list a
// built Keras layer writes).
func (l *LayerNormalization) Config() map[string]any {
	cfg := l.baseConfig()
	cfg["axis"] = []int{l.Axis}
	cfg["epsilon"] = l.Epsilon
	cfg["center"] = l.Center
	cfg["scale"] = l.Scale
	cfg["rms_scaling"] = l.RMSScaling
	weightConfig(cfg, "beta", l.BetaInitializer, l.BetaRegularizer, l.BetaConstraint)
	weightConfig(cfg, "gamma", l.GammaInitializer, l.GammaRegularizer, l.GammaConstraint)
	return cfg
}

func init() {
	Register("LayerNormalization", func(c Config) (Layer, error) {
		if err := c.Unknown("axis", "epsilon", "center", "scale", "rms_scaling", "beta_initializer", "gamma_initializer",
			"beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"); err != nil {
			return nil, err
		}
		l := NewLayerNormalization()
		var err error
		if l.Axis, err = configAxis(c); err != nil {
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
		if l.RMSScaling, err = c.Bool("rms_scaling", false); err != nil {
			return nil, err
		}
		if l.BetaInitializer, err = c.Initializer("beta_initializer", "zeros"); err != nil {
			return nil, err
		}
		if l.GammaInitializer, err = c.Initializer("gamma_initializer", "ones"); err != nil {
			return nil, err
		}
		a := &configReader{c: c}
		a.getConstraint(&l.GammaConstraint, "gamma_constraint")
		a.getConstraint(&l.BetaConstraint, "beta_constraint")
		a.getRegularizer(&l.GammaRegularizer, "gamma_regularizer")
		a.getRegularizer(&l.BetaRegularizer, "beta_regularizer")
		return l, a.err
	}, "LayerNorm")
}
