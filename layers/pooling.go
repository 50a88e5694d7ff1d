package layers

import (
	"fmt"
	"math/rand/v2"
	"runtime"

	"github.com/seqnet/seqnet/internal/kernels"
	"github.com/seqnet/seqnet/internal/parallel"
	"github.com/seqnet/seqnet/tensor"
)

// pool1D is the mechanism shared by MaxPooling1D and AveragePooling1D: a
// window of PoolSize steps moved by Strides over the steps axis of
// (batch, steps, channels), each channel on its own.
type pool1D struct {
	Base
	// PoolSize is the window length (default 2).
	PoolSize int
	// Strides is the window step (default: PoolSize).
	Strides int
	// Padding is "valid" (default) or "same".
	Padding string

	max      bool
	geom     ConvGeometry
	channels int
}

// MaxPooling1D is keras.layers.MaxPooling1D: the largest value of each
// window, per channel. With padding "same" the padded positions never win
// (TensorFlow pads with -inf). The gradient of a window goes to its first
// maximum when several values tie, as TensorFlow's MaxPoolGrad does.
type MaxPooling1D struct{ pool1D }

// AveragePooling1D is keras.layers.AveragePooling1D: the mean of each
// window, per channel. With padding "same" a window that overlaps the
// padding averages over the real values only, as TensorFlow does.
type AveragePooling1D struct{ pool1D }

// NewMaxPooling1D returns a MaxPooling1D with the given pool_size, strides
// equal to pool_size and padding "valid" (Keras' defaults for a given
// pool_size); set Strides and Padding to change them.
func NewMaxPooling1D(poolSize int) *MaxPooling1D {
	return &MaxPooling1D{pool1D{PoolSize: poolSize, Strides: poolSize, Padding: "valid", max: true}}
}

// NewAveragePooling1D returns an AveragePooling1D with the given
// pool_size, strides equal to pool_size and padding "valid".
func NewAveragePooling1D(poolSize int) *AveragePooling1D {
	return &AveragePooling1D{pool1D{PoolSize: poolSize, Strides: poolSize, Padding: "valid"}}
}

// ClassName is "MaxPooling1D".
func (p *MaxPooling1D) ClassName() string { return "MaxPooling1D" }

// ClassName is "AveragePooling1D".
func (p *AveragePooling1D) ClassName() string { return "AveragePooling1D" }

// Build checks the (steps, channels) input.
func (p *MaxPooling1D) Build(in []Shape, _ *rand.Rand) ([]Shape, error) {
	return p.build(p.ClassName(), in)
}

// Build checks the (steps, channels) input.
func (p *AveragePooling1D) Build(in []Shape, _ *rand.Rand) ([]Shape, error) {
	return p.build(p.ClassName(), in)
}

// Geometry returns the output length and padding computed at Build.
func (p *pool1D) Geometry() ConvGeometry { return p.geom }

func (p *pool1D) build(class string, in []Shape) ([]Shape, error) {
	s, err := expectOne(class, in)
	if err != nil {
		return nil, err
	}
	if len(s) != 2 {
		return nil, fmt.Errorf("%s expects input of shape (batch, steps, channels), received %s; for a plain series of N values per sample use shape (N, 1)",
			named(class, p.Name), tensor.ShapeString(s, true))
	}
	if p.Padding != "valid" && p.Padding != "same" {
		return nil, fmt.Errorf("%s: unknown padding %q: expected \"valid\" or \"same\"", named(class, p.Name), p.Padding)
	}
	if p.PoolSize <= 0 {
		return nil, fmt.Errorf("invalid value for argument pool_size: expected a strictly positive value, received pool_size=%d", p.PoolSize)
	}
	if p.Strides <= 0 {
		return nil, fmt.Errorf("invalid value for argument strides: expected a strictly positive value, received strides=%d", p.Strides)
	}
	g, err := ConvOutput(s[0], p.PoolSize, p.Strides, 1, p.Padding)
	if err != nil {
		return nil, fmt.Errorf("%s on input %s: %w; use a pool_size of at most %d or padding=\"same\"",
			named(class, p.Name), tensor.ShapeString(s, true), err, s[0])
	}
	p.geom, p.channels = g, s[1]
	p.MarkBuilt()
	return []Shape{{g.OutLength, s[1]}}, nil
}

// window returns the input steps [lo, hi) that output step o covers,
// padding excluded.
func (p *pool1D) window(o int) (lo, hi int) {
	start := o*p.Strides - p.geom.PadLeft
	return max(start, 0), min(start+p.PoolSize, p.geom.Length)
}

// Forward takes the maximum of each window (x: (B, L, C), y: (B, O, C)),
// one step at a time with a vector maximum, the samples shared among the
// cores when there are many (see maxPoolSamples).
func (p *MaxPooling1D) Forward(ctx *Context, in, out []*tensor.Tensor) {
	st := p.state(ctx)
	st.x, st.y = in[0].Data, out[0].Data
	parallel.For(Batch(in[0]), len(st.x), parallelMin, st.fwd)
	st.done()
	out[0].Mask = nil
}

// Backward routes each output gradient to the first input step of its
// window that equals the maximum (TensorFlow's MaxPool gradient also goes
// to one step: the first maximum), the samples shared among the cores
// when there are many.
func (p *MaxPooling1D) Backward(ctx *Context, in, out, dOut, dIn []*tensor.Tensor) {
	if dIn[0] == nil {
		return
	}
	st := p.state(ctx)
	st.x, st.y, st.dx, st.dy = in[0].Data, out[0].Data, dIn[0].Data, dOut[0].Data
	st.setDx = ctx.SetInputGrad
	parallel.For(Batch(in[0]), len(st.x), parallelMin, st.bwd)
	st.done()
}

// SetsInputGrad reports true: Backward writes the input gradient with
// Context.SetInputGrad (see InputGradSetter).
func (p *MaxPooling1D) SetsInputGrad() bool { return true }

// Forward averages each window over its real (unpadded) steps.
func (p *AveragePooling1D) Forward(_ *Context, in, out []*tensor.Tensor) {
	x, y := in[0].Data, out[0].Data
	L, O, C := p.geom.Length, p.geom.OutLength, p.channels
	for b := 0; b < len(y)/(O*C); b++ {
		xb := x[b*L*C : (b+1)*L*C]
		for o := 0; o < O; o++ {
			lo, hi := p.window(o)
			yo := y[(b*O+o)*C : (b*O+o+1)*C]
			clear(yo)
			for t := lo; t < hi; t++ {
				xt := xb[t*C : (t+1)*C]
				xt = xt[:len(yo)]
				for c, v := range xt {
					yo[c] += v
				}
			}
			inv := 1 / float32(hi-lo)
			for c := range yo {
				yo[c] *= inv
			}
		}
	}
	out[0].Mask = nil
}

// Backward spreads each output gradient evenly over its window.
func (p *AveragePooling1D) Backward(_ *Context, _, _, dOut, dIn []*tensor.Tensor) {
	if dIn[0] == nil {
		return
	}
	dx, dy := dIn[0].Data, dOut[0].Data
	L, O, C := p.geom.Length, p.geom.OutLength, p.channels
	for b := 0; b < len(dy)/(O*C); b++ {
		dxb := dx[b*L*C : (b+1)*L*C]
		for o := 0; o < O; o++ {
			lo, hi := p.window(o)
			inv := 1 / float32(hi-lo)
			dyo := dy[(b*O+o)*C : (b*O+o+1)*C]
			for t := lo; t < hi; t++ {
				dxt := dxb[t*C : (t+1)*C]
				dxt = dxt[:len(dyo)]
				for c, g := range dyo {
					dxt[c] += g * inv
				}
			}
		}
	}
}

// Config returns Keras' MaxPooling1D config.
func (p *MaxPooling1D) Config() map[string]any { return p.config() }

// Config returns Keras' AveragePooling1D config.
func (p *AveragePooling1D) Config() map[string]any { return p.config() }

func (p *pool1D) config() map[string]any {
	cfg := p.baseConfig()
	cfg["pool_size"] = []int{p.PoolSize}
	cfg["strides"] = []int{p.Strides}
	cfg["padding"] = p.Padding
	cfg["data_format"] = "channels_last"
	return cfg
}

func poolFromConfig(c Config, p *pool1D) error {
	if err := c.Unknown("pool_size", "strides", "padding"); err != nil {
		return err
	}
	var err error
	if p.PoolSize, err = c.Int("pool_size", 2); err != nil {
		return err
	}
	if p.Strides, err = c.Int("strides", p.PoolSize); err != nil {
		return err
	}
	if p.Padding, err = c.String("padding", "valid"); err != nil {
		return err
	}
	if p.Padding != "valid" && p.Padding != "same" {
		return fmt.Errorf("unknown padding %q: expected \"valid\" or \"same\"", p.Padding)
	}
	return nil
}

// globalPool1D is the mechanism shared by GlobalMaxPooling1D and
// GlobalAveragePooling1D: one value per channel over all steps.
type globalPool1D struct {
	Base
	// Keepdims keeps the steps axis with length 1: (batch, 1, channels)
	// instead of (batch, channels).
	Keepdims bool

	max             bool
	steps, channels int
}

// GlobalMaxPooling1D is keras.layers.GlobalMaxPooling1D: the largest value
// of each channel over the steps. When several steps tie for the maximum
// they share its gradient equally, as TensorFlow's reduce_max gradient does.
//
// Masked steps (Embedding with mask_zero) never win the maximum; a sample
// whose steps are all masked gives 0. Keras 3's GlobalMaxPooling1D ignores
// the mask, so on masked input seqnet differs from Keras where padding
// would have won.
type GlobalMaxPooling1D struct{ globalPool1D }

// GlobalAveragePooling1D is keras.layers.GlobalAveragePooling1D: the mean
// of each channel over the steps. Masked steps are left out of the mean,
// as in Keras; a sample whose steps are all masked gives 0 (Keras gives
// NaN).
type GlobalAveragePooling1D struct{ globalPool1D }

// NewGlobalMaxPooling1D returns a GlobalMaxPooling1D (keepdims false).
func NewGlobalMaxPooling1D() *GlobalMaxPooling1D {
	return &GlobalMaxPooling1D{globalPool1D{max: true}}
}

// NewGlobalAveragePooling1D returns a GlobalAveragePooling1D (keepdims false).
func NewGlobalAveragePooling1D() *GlobalAveragePooling1D {
	return &GlobalAveragePooling1D{}
}

// ClassName is "GlobalMaxPooling1D".
func (p *GlobalMaxPooling1D) ClassName() string { return "GlobalMaxPooling1D" }

// ClassName is "GlobalAveragePooling1D".
func (p *GlobalAveragePooling1D) ClassName() string { return "GlobalAveragePooling1D" }

// Build checks the (steps, channels) input.
func (p *GlobalMaxPooling1D) Build(in []Shape, _ *rand.Rand) ([]Shape, error) {
	return p.build(p.ClassName(), in)
}

// Build checks the (steps, channels) input.
func (p *GlobalAveragePooling1D) Build(in []Shape, _ *rand.Rand) ([]Shape, error) {
	return p.build(p.ClassName(), in)
}

func (p *globalPool1D) build(class string, in []Shape) ([]Shape, error) {
	s, err := expectOne(class, in)
	if err != nil {
		return nil, err
	}
	if len(s) != 2 {
		return nil, fmt.Errorf("%s expects input of shape (batch, steps, channels), received %s; it pools over the steps axis",
			named(class, p.Name), tensor.ShapeString(s, true))
	}
	p.steps, p.channels = s[0], s[1]
	p.MarkBuilt()
	if p.Keepdims {
		return []Shape{{1, s[1]}}, nil
	}
	return []Shape{{s[1]}}, nil
}

// mask returns the input's step mask when it fits, else nil.
func (p *globalPool1D) mask(x *tensor.Tensor) []bool {
	if m := x.Mask; m != nil && len(m) == len(x.Data)/p.channels {
		return m
	}
	return nil
}

// Forward takes the maximum over the unmasked steps (x: (B, L, C), y: (B, C)).
func (p *GlobalMaxPooling1D) Forward(ctx *Context, in, out []*tensor.Tensor) {
	x, y := in[0].Data, out[0].Data
	mask := p.mask(in[0])
	L, C := p.steps, p.channels
	if mask == nil {
		// The common case without a mask: a running maximum over the
		// steps, the samples shared among the cores when there are many.
		st := p.state(ctx)
		st.x, st.y = x, y
		parallel.For(len(y)/C, len(x), parallelMin, st.maxRows)
		st.x, st.y = nil, nil
		out[0].Mask = nil
		return
	}
	for b := 0; b < len(y)/C; b++ {
		yb := y[b*C : (b+1)*C]
		first := true
		for t := 0; t < L; t++ {
			if mask != nil && !mask[b*L+t] {
				continue
			}
			xt := x[(b*L+t)*C : (b*L+t+1)*C]
			xt = xt[:len(yb)]
			if first {
				copy(yb, xt)
				first = false
				continue
			}
			for c, v := range xt {
				if v > yb[c] {
					yb[c] = v
				}
			}
		}
		if first {
			clear(yb) // every step masked
		}
	}
	out[0].Mask = nil
}

// globalMaxState is a GlobalMaxPooling1D's per-executor state: the
// backward pass's scratch, and the forward pass in progress for its row
// function.
type globalMaxState struct {
	ties, share           []float32 // per range of samples, channels each
	x, y, dy, dx          []float32
	setDx                 bool // write dx rather than add into it
	maxRows, shareSamples func(piece, lo, hi int)
}

func (p *GlobalMaxPooling1D) state(ctx *Context) *globalMaxState {
	st, _ := ctx.State.(*globalMaxState)
	if st == nil {
		st = &globalMaxState{ties: make([]float32, p.channels), share: make([]float32, p.channels)}
		st.maxRows = func(_, lo, hi int) { p.maxRows(st.x, st.y, lo, hi) }
		st.shareSamples = func(piece, lo, hi int) {
			p.shareRows(st, st.x, st.y, st.dy, st.dx, nil, lo, hi, piece)
		}
		ctx.State = st
	}
	return st
}

// maxRows sets y[b] to the maximum over the steps of x[b] for samples
// [lo, hi).
func (p *GlobalMaxPooling1D) maxRows(x, y []float32, lo, hi int) {
	L, C := p.steps, p.channels
	for b := lo; b < hi; b++ {
		yb := y[b*C : (b+1)*C]
		xb := x[b*L*C : (b+1)*L*C]
		copy(yb, xb[:C])
		for t := 1; t < L; t++ {
			kernels.MaxInto(yb, xb[t*C:(t+1)*C])
		}
	}
}

// Backward shares each output gradient among the steps equal to the
// maximum (TensorFlow's reduce_max gradient): it counts the ties, then
// adds dy/ties to each of them, a row of channels at a time (AVX).
func (p *GlobalMaxPooling1D) Backward(ctx *Context, in, out, dOut, dIn []*tensor.Tensor) {
	if dIn[0] == nil {
		return
	}
	x, y, dy, dx := in[0].Data, out[0].Data, dOut[0].Data, dIn[0].Data
	mask := p.mask(in[0])
	C := p.channels
	st := p.state(ctx)
	if need := C * max(1, runtime.GOMAXPROCS(0)); len(st.ties) < need {
		st.ties, st.share = make([]float32, need), make([]float32, need)
	}
	st.setDx = ctx.SetInputGrad
	if mask != nil {
		p.shareRows(st, x, y, dy, dx, mask, 0, len(y)/C, 0)
		return
	}
	// Without a mask the samples are shared among the cores, each with
	// its own scratch.
	st.x, st.y, st.dy, st.dx = x, y, dy, dx
	parallel.For(len(y)/C, len(x), parallelMin, st.shareSamples)
	st.x, st.y, st.dy, st.dx = nil, nil, nil, nil
}

// SetsInputGrad reports true: Backward writes the input gradient with
// Context.SetInputGrad (see InputGradSetter).
func (p *GlobalMaxPooling1D) SetsInputGrad() bool { return true }

// shareRows does Backward for samples [lo, hi) with scratch piece w. With
// st.setDx it clears each row of dx just before adding into it (the row is
// then in cache), instead of the model clearing the whole buffer in a pass
// of its own before the step.
func (p *GlobalMaxPooling1D) shareRows(st *globalMaxState, x, y, dy, dx []float32, mask []bool, lo, hi, w int) {
	L, C := p.steps, p.channels
	for b := lo; b < hi; b++ {
		yb, dyb := y[b*C:(b+1)*C], dy[b*C:(b+1)*C]
		n, share := st.ties[w*C:(w+1)*C], st.share[w*C:(w+1)*C]
		clear(n)
		for t := 0; t < L; t++ {
			if mask != nil && !mask[b*L+t] {
				continue
			}
			kernels.EqCount(n, x[(b*L+t)*C:(b*L+t)*C+C], yb)
		}
		for c := range share {
			share[c] = dyb[c] / n[c] // used only where a step ties, so n[c] >= 1
		}
		for t := 0; t < L; t++ {
			row := dx[(b*L+t)*C : (b*L+t)*C+C]
			if st.setDx {
				clear(row)
			}
			if mask != nil && !mask[b*L+t] {
				continue
			}
			kernels.EqAdd(row, x[(b*L+t)*C:(b*L+t)*C+C], yb, share)
		}
	}
}

type globalAvgState struct{ inv []float32 } // 1/count of real steps per sample

// Forward averages over the unmasked steps.
func (p *GlobalAveragePooling1D) Forward(ctx *Context, in, out []*tensor.Tensor) {
	x, y := in[0].Data, out[0].Data
	mask := p.mask(in[0])
	L, C := p.steps, p.channels
	batch := len(y) / C
	st, _ := ctx.State.(*globalAvgState)
	if st == nil || len(st.inv) != batch {
		st = &globalAvgState{inv: make([]float32, batch)}
		ctx.State = st
	}
	for b := 0; b < batch; b++ {
		yb := y[b*C : (b+1)*C]
		clear(yb)
		n := 0
		for t := 0; t < L; t++ {
			if mask != nil && !mask[b*L+t] {
				continue
			}
			n++
			xt := x[(b*L+t)*C : (b*L+t+1)*C]
			xt = xt[:len(yb)]
			for c, v := range xt {
				yb[c] += v
			}
		}
		st.inv[b] = 0
		if n > 0 {
			st.inv[b] = 1 / float32(n)
		}
		for c := range yb {
			yb[c] *= st.inv[b]
		}
	}
	out[0].Mask = nil
}

// Backward spreads each output gradient evenly over the unmasked steps.
func (p *GlobalAveragePooling1D) Backward(ctx *Context, in, _, dOut, dIn []*tensor.Tensor) {
	if dIn[0] == nil {
		return
	}
	st := ctx.State.(*globalAvgState)
	dy, dx := dOut[0].Data, dIn[0].Data
	mask := p.mask(in[0])
	L, C := p.steps, p.channels
	for b := 0; b < len(dy)/C; b++ {
		dyb := dy[b*C : (b+1)*C]
		inv := st.inv[b]
		for t := 0; t < L; t++ {
			if mask != nil && !mask[b*L+t] {
				continue
			}
			dxt := dx[(b*L+t)*C : (b*L+t+1)*C]
			dxt = dxt[:len(dyb)]
			for c, g := range dyb {
				dxt[c] += g * inv
			}
		}
	}
}

// Config returns Keras' GlobalMaxPooling1D config.
func (p *GlobalMaxPooling1D) Config() map[string]any { return p.config() }

// Config returns Keras' GlobalAveragePooling1D config.
func (p *GlobalAveragePooling1D) Config() map[string]any { return p.config() }

func (p *globalPool1D) config() map[string]any {
	cfg := p.baseConfig()
	cfg["data_format"] = "channels_last"
	cfg["keepdims"] = p.Keepdims
	return cfg
}

func globalPoolFromConfig(c Config, p *globalPool1D) error {
	if err := c.Unknown("keepdims"); err != nil {
		return err
	}
	var err error
	p.Keepdims, err = c.Bool("keepdims", false)
	return err
}

func init() {
	Register("MaxPooling1D", func(c Config) (Layer, error) {
		p := NewMaxPooling1D(2)
		return p, poolFromConfig(c, &p.pool1D)
	}, "MaxPool1D")
	Register("AveragePooling1D", func(c Config) (Layer, error) {
		p := NewAveragePooling1D(2)
		return p, poolFromConfig(c, &p.pool1D)
	}, "AvgPool1D", "AveragePool1D")
	Register("GlobalMaxPooling1D", func(c Config) (Layer, error) {
		p := NewGlobalMaxPooling1D()
		return p, globalPoolFromConfig(c, &p.globalPool1D)
	}, "GlobalMaxPool1D")
	Register("GlobalAveragePooling1D", func(c Config) (Layer, error) {
		p := NewGlobalAveragePooling1D()
		return p, globalPoolFromConfig(c, &p.globalPool1D)
	}, "GlobalAvgPool1D", "GlobalAveragePool1D")
}
