package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/seqnet/seqnet/tensor"
)

// dropoutCore is the mechanism shared by Dropout and SpatialDropout1D:
// inverted dropout with a keep mask drawn over a "noise shape" that may
// broadcast along some axes (SpatialDropout1D's is (batch, 1, channels)).
type dropoutCore struct {
	Base
	// Rate is the fraction of units to drop, in [0, 1].
	Rate float64
	// Seed is Keras' seed argument, kept for the config. The masks are drawn
	// from the model's random source (Context.Rand, seeded by the model's
	// Seed), so training is repeatable either way; Seed is used only when a
	// caller runs the layer without a random source.
	Seed *int

	// broadcast[i] is true when the noise shape is 1 along per-sample axis i
	// (the batch axis is never broadcast by SpatialDropout1D; Dropout's
	// noise_shape may broadcast it, see batchShared).
	broadcast   []bool
	batchShared bool
	inShape     Shape
}

type dropoutState struct {
	batch  int
	keep   []float32 // 0 or 1/(1-rate), one per noise element
	index  []int32   // element → noise element, nil when the noise has the input's shape
	active bool      // the last Forward dropped (training and rate > 0)
	rng    *rand.Rand
}

func (d *dropoutCore) checkRate(class string) error {
	if !(d.Rate >= 0 && d.Rate <= 1) {
		return fmt.Errorf("invalid value received for argument rate of %s: expected a float value between 0 and 1, received rate=%v", class, d.Rate)
	}
	return nil
}

func (d *dropoutCore) state(ctx *Context, x *tensor.Tensor) *dropoutState {
	batch := Batch(x)
	st, _ := ctx.State.(*dropoutState)
	if st != nil && st.batch == batch {
		return st
	}
	st = &dropoutState{batch: batch}
	if ctx.State != nil {
		if old, ok := ctx.State.(*dropoutState); ok {
			st.rng = old.rng
		}
	}
	ctx.State = st
	noise := []int{batch}
	if d.batchShared {
		noise[0] = 1
	}
	plain := !d.batchShared
	for i, n := range d.inShape {
		if d.broadcast[i] {
			n = 1
			plain = plain && d.inShape[i] == 1
		}
		noise = append(noise, n)
	}
	st.keep = make([]float32, tensor.Size(noise))
	if plain {
		return st
	}
	// Map every element to its noise element with strides that are 0 along
	// the broadcast axes.
	full := append([]int{batch}, d.inShape...)
	strides := make([]int, len(full))
	s := 1
	for i := len(full) - 1; i >= 0; i-- {
		if noise[i] == 1 {
			strides[i] = 0
		} else {
			strides[i] = s
		}
		s *= noise[i]
	}
	st.index = make([]int32, len(x.Data))
	idx := make([]int, len(full))
	for e := range st.index {
		off := 0
		for i, v := range idx {
			off += v * strides[i]
		}
		st.index[e] = int32(off)
		for i := len(idx) - 1; i >= 0; i-- {
			idx[i]++
			if idx[i] < full[i] {
				break
			}
			idx[i] = 0
		}
	}
	return st
}

// Forward draws a keep mask over the noise shape (training only: single
// units for Dropout, whole channels for SpatialDropout1D) and scales the
// kept units by 1/(1-rate); in inference it copies the input.
func (d *dropoutCore) Forward(ctx *Context, in, out []*tensor.Tensor) {
	x, y := in[0].Data, out[0].Data
	out[0].Mask = in[0].Mask
	st := d.state(ctx, in[0])
	st.active = ctx.Training && d.Rate > 0
	if !st.active {
		copy(y, x)
		return
	}
	rng := ctx.Rand
	if rng == nil {
		if st.rng == nil {
			seed := uint64(0)
			if d.Seed != nil {
				seed = uint64(*d.Seed)
			}
			st.rng = rand.New(rand.NewPCG(seed, 0xd0))
		}
		rng = st.rng
	}
	scale := float32(0)
	if d.Rate < 1 {
		scale = float32(1 / (1 - d.Rate))
	}
	for i := range st.keep {
		if rng.Float64() >= d.Rate {
			st.keep[i] = scale
		} else {
			st.keep[i] = 0
		}
	}
	if st.index == nil {
		keep := st.keep[:len(x)]
		for i, v := range x {
			y[i] = v * keep[i]
		}
		return
	}
	for i, v := range x {
		y[i] = v * st.keep[st.index[i]]
	}
}

// Backward passes the gradient through the same mask and scale.
func (d *dropoutCore) Backward(ctx *Context, _, _, dOut, dIn []*tensor.Tensor) {
	if dIn[0] == nil {
		return
	}
	dx, dy := dIn[0].Data, dOut[0].Data
	st, _ := ctx.State.(*dropoutState)
	if st == nil || !st.active {
		for i, g := range dy {
			dx[i] += g
		}
		return
	}
	if st.index == nil {
		keep := st.keep[:len(dy)]
		for i, g := range dy {
			dx[i] += g * keep[i]
		}
		return
	}
	for i, g := range dy {
		dx[i] += g * st.keep[st.index[i]]
	}
}

func seedConfig(s *int) any {
	if s == nil {
		return nil
	}
	return *s
}

// rateAndSeed reads the rate (required) and seed (nil when absent) of a
// dropout layer's config.
func rateAndSeed(c Config) (rate float64, seed *int, err error) {
	if !c.Has("rate") {
		return 0, nil, fmt.Errorf("rate is required")
	}
	if rate, err = c.Float("rate", 0); err != nil {
		return 0, nil, err
	}
	seed, err = seedFromConfig(c)
	return rate, seed, err
}

func seedFromConfig(c Config) (*int, error) {
	if !c.Has("seed") {
		return nil, nil
	}
	s, err := c.Int("seed", 0)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// Dropout is keras.layers.Dropout: during training (Fit) it sets a
// fraction Rate of the input units to 0 and scales the others by
// 1/(1-rate), so that the expected sum is unchanged (inverted dropout); at
// inference it passes the input through. The mask changes at every batch
// and comes from the model's random source. A Keras mask on the input
// passes through.
type Dropout struct {
	dropoutCore
	// NoiseShape is Keras' noise_shape: the shape of the keep mask, batch
	// axis first, 1 along the axes where one draw is shared (e.g.
	// (batch, 1, channels) drops whole channels). -1 (Keras' None) means
	// the input's size along that axis. nil: one draw per element.
	NoiseShape []int
}

// NewDropout returns a Dropout layer that drops a fraction rate of units.
func NewDropout(rate float64) *Dropout { return &Dropout{dropoutCore: dropoutCore{Rate: rate}} }

// ClassName is "Dropout".
func (d *Dropout) ClassName() string { return "Dropout" }

// Build checks rate and noise_shape; the output has the input's shape.
func (d *Dropout) Build(in []Shape, _ *rand.Rand) ([]Shape, error) {
	s, err := expectOne("Dropout", in)
	if err != nil {
		return nil, err
	}
	if err := d.checkRate("Dropout"); err != nil {
		return nil, err
	}
	d.inShape = append(Shape(nil), s...)
	d.broadcast = make([]bool, len(s))
	d.batchShared = false
	if d.NoiseShape != nil {
		if len(d.NoiseShape) != len(s)+1 {
			return nil, fmt.Errorf("%s: noise_shape %v has %d axes but the input %s has %d (batch axis included); give one entry per axis, 1 to share a draw along it, -1 for the full size",
				named("Dropout", d.Name), d.NoiseShape, len(d.NoiseShape), tensor.ShapeString(s, true), len(s)+1)
		}
		for i, n := range d.NoiseShape {
			full := 0 // the batch size is unknown here
			if i > 0 {
				full = s[i-1]
			}
			switch {
			case n == 1 && i == 0:
				d.batchShared = true
			case n == 1:
				d.broadcast[i-1] = true
			case n == -1 || n == full:
			default:
				return nil, fmt.Errorf("%s: noise_shape %v does not fit the input %s: entry %d must be 1, -1 (None) or the input's size along that axis",
					named("Dropout", d.Name), d.NoiseShape, tensor.ShapeString(s, true), i)
			}
		}
	}
	d.MarkBuilt()
	return []Shape{append(Shape(nil), s...)}, nil
}

// Config returns Keras' Dropout config.
func (d *Dropout) Config() map[string]any {
	cfg := d.baseConfig()
	cfg["rate"] = d.Rate
	cfg["seed"] = seedConfig(d.Seed)
	if d.NoiseShape == nil {
		cfg["noise_shape"] = nil
	} else {
		ns := make([]any, len(d.NoiseShape))
		for i, n := range d.NoiseShape {
			if n >= 0 {
				ns[i] = n
			}
		}
		cfg["noise_shape"] = ns
	}
	return cfg
}

// SpatialDropout1D is keras.layers.SpatialDropout1D: dropout that drops
// whole channels of a (batch, steps, channels) input, one draw per sample
// and channel shared by all steps (noise shape (batch, 1, channels)).
type SpatialDropout1D struct{ dropoutCore }

// NewSpatialDropout1D returns a SpatialDropout1D that drops a fraction
// rate of the channels of each sample.
func NewSpatialDropout1D(rate float64) *SpatialDropout1D {
	return &SpatialDropout1D{dropoutCore{Rate: rate}}
}

// ClassName is "SpatialDropout1D".
func (d *SpatialDropout1D) ClassName() string { return "SpatialDropout1D" }

// Build checks the (steps, channels) input.
func (d *SpatialDropout1D) Build(in []Shape, _ *rand.Rand) ([]Shape, error) {
	s, err := expectOne("SpatialDropout1D", in)
	if err != nil {
		return nil, err
	}
	if err := d.checkRate("SpatialDropout1D"); err != nil {
		return nil, err
	}
	if len(s) != 2 {
		return nil, fmt.Errorf("%s expects input of shape (batch, steps, channels), received %s; use Dropout for other shapes",
			named("SpatialDropout1D", d.Name), tensor.ShapeString(s, true))
	}
	d.inShape = append(Shape(nil), s...)
	d.broadcast = []bool{true, false}
	d.batchShared = false
	d.MarkBuilt()
	return []Shape{append(Shape(nil), s...)}, nil
}

// Config returns Keras' SpatialDropout1D config (rate, seed, name, dtype:
// Keras writes no trainable key for it).
func (d *SpatialDropout1D) Config() map[string]any {
	return map[string]any{"rate": d.Rate, "seed": seedConfig(d.Seed), "name": d.Name, "dtype": "float32"}
}

func init() {
	Register("Dropout", func(c Config) (Layer, error) {
		if err := c.Unknown("rate", "noise_shape", "seed"); err != nil {
			return nil, err
		}
		rate, seed, err := rateAndSeed(c)
		if err != nil {
			return nil, err
		}
		d := NewDropout(rate)
		d.Seed = seed
		if d.NoiseShape, err = c.Ints("noise_shape"); err != nil {
			return nil, err
		}
		for _, n := range d.NoiseShape {
			if n == 0 || n < -1 {
				return nil, fmt.Errorf("noise_shape %v: expected positive integers or None", d.NoiseShape)
			}
		}
		return d, d.checkRate("Dropout")
	})
	Register("SpatialDropout1D", func(c Config) (Layer, error) {
		if err := c.Unknown("rate", "seed"); err != nil {
			return nil, err
		}
		rate, seed, err := rateAndSeed(c)
		if err != nil {
			return nil, err
		}
		d := NewSpatialDropout1D(rate)
		d.Seed = seed
		return d, d.checkRate("SpatialDropout1D")
	})
}
