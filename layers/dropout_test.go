package layers_test

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/seqnet/seqnet/internal/gradcheck"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

func randTensor(rng *rand.Rand, shape ...int) *tensor.Tensor {
	x := tensor.New(shape...)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
		if x.Data[i] == 0 {
			x.Data[i] = 1
		}
	}
	return x
}

func TestDropoutGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := 0; trial < 16; trial++ {
		rate := []float64{0, 0.2, 0.5, 0.9}[trial%4]
		steps, ch, batch := 1+rng.IntN(7), 1+rng.IntN(5), 1+rng.IntN(3)
		var l layers.Layer
		switch trial % 3 {
		case 0:
			l = layers.NewDropout(rate)
		case 1:
			l = layers.NewSpatialDropout1D(rate)
		default:
			d := layers.NewDropout(rate)
			d.NoiseShape = []int{-1, 1, ch}
			l = d
		}
		for _, training := range []bool{true, false} {
			err := gradcheck.Check(l, []layers.Shape{{steps, ch}}, batch, uint64(trial), gradcheck.Options{Training: training, MaxChecks: 100})
			if err != nil {
				t.Fatalf("%s rate %g training=%v (%d, %d, %d): %v", l.ClassName(), rate, training, batch, steps, ch, err)
			}
		}
	}
}

func TestDropoutDropsAndScales(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := randTensor(rng, 8, 50, 25)
	x.Mask = make([]bool, 8*50)
	for _, rate := range []float64{0.1, 0.5, 0.8} {
		d := layers.NewDropout(rate)
		ctx := &layers.Context{Training: true, Rand: rand.New(rand.NewPCG(5, 5))}
		y := run(t, d, ctx, x)
		dropped := 0
		for i, v := range y.Data {
			switch {
			case v == 0:
				dropped++
			case math.Abs(float64(v)-float64(x.Data[i])/(1-rate)) > 1e-5*math.Abs(float64(v)):
				t.Fatalf("rate %g: kept unit %v, want %v/(1-rate)", rate, v, x.Data[i])
			}
		}
		frac := float64(dropped) / float64(len(y.Data))
		if math.Abs(frac-rate) > 0.03 {
			t.Errorf("rate %g dropped %.3f of the units", rate, frac)
		}
		if &y.Mask[0] != &x.Mask[0] {
			t.Error("mask not passed through")
		}
		// A new batch draws a new mask.
		y2 := tensor.New(y.Shape...)
		d.Forward(ctx, []*tensor.Tensor{x}, []*tensor.Tensor{y2})
		if reflect.DeepEqual(y.Data, y2.Data) {
			t.Error("same mask twice")
		}
		// Inference is the identity.
		d.Forward(&layers.Context{}, []*tensor.Tensor{x}, []*tensor.Tensor{y2})
		if !reflect.DeepEqual(x.Data, y2.Data) {
			t.Error("inference changed the input")
		}
	}
	// rate 1 drops everything; no Rand falls back to the layer's seed.
	d := layers.NewDropout(1)
	y := run(t, d, &layers.Context{Training: true}, x)
	for _, v := range y.Data {
		if v != 0 {
			t.Fatal("rate 1 kept a unit")
		}
	}
}

func TestSpatialDropoutDropsWholeChannels(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := randTensor(rng, 6, 9, 40)
	for _, l := range []layers.Layer{layers.NewSpatialDropout1D(0.5), &layers.Dropout{}} {
		if d, ok := l.(*layers.Dropout); ok {
			*d = *layers.NewDropout(0.5)
			d.NoiseShape = []int{-1, 1, -1}
		}
		y := run(t, l, &layers.Context{Training: true, Rand: rand.New(rand.NewPCG(9, 9))}, x)
		dropped := 0
		for b := 0; b < 6; b++ {
			for c := 0; c < 40; c++ {
				zero := y.Data[(b*9)*40+c] == 0
				if zero {
					dropped++
				}
				for s := 1; s < 9; s++ {
					if (y.Data[(b*9+s)*40+c] == 0) != zero {
						t.Fatalf("%s: sample %d channel %d dropped at some steps only", l.ClassName(), b, c)
					}
				}
			}
		}
		if dropped < 80 || dropped > 160 {
			t.Errorf("%s dropped %d of 240 channels at rate 0.5", l.ClassName(), dropped)
		}
	}
}

func TestDropoutConfigAndErrors(t *testing.T) {
	d := layers.NewDropout(0.25)
	seed := 7
	d.Seed = &seed
	d.NoiseShape = []int{-1, 1, 4}
	l := checkRoundTrip(t, d).(*layers.Dropout)
	if l.Rate != 0.25 || *l.Seed != 7 || !reflect.DeepEqual(l.NoiseShape, []int{-1, 1, 4}) {
		t.Fatalf("%+v", l)
	}
	checkRoundTrip(t, layers.NewDropout(0.5))
	sd := checkRoundTrip(t, layers.NewSpatialDropout1D(0.3)).(*layers.SpatialDropout1D)
	if sd.Rate != 0.3 || sd.Seed != nil {
		t.Fatalf("%+v", sd)
	}
	if _, ok := sd.Config()["trainable"]; ok {
		t.Error("SpatialDropout1D config has trainable; Keras writes rate, seed, name, dtype")
	}
	for _, bad := range []layers.Config{{"rate": 1.5}, {"rate": -0.1}, {}, {"rate": "a"}, {"rate": 0.5, "seed": "a"}, {"rate": 0.5, "noise_shape": "a"}} {
		if _, err := layers.FromConfig("Dropout", bad); err == nil {
			t.Errorf("Dropout %v accepted", bad)
		}
		if _, ok := bad["noise_shape"]; ok {
			continue
		}
		if _, err := layers.FromConfig("SpatialDropout1D", bad); err == nil {
			t.Errorf("SpatialDropout1D %v accepted", bad)
		}
	}
	d = layers.NewDropout(0.5)
	d.NoiseShape = []int{-1, 3}
	if _, err := d.Build([]layers.Shape{{4, 2}}, nil); err == nil {
		t.Error("noise_shape of the wrong rank accepted")
	}
	d.NoiseShape = []int{-1, 3, 2}
	if _, err := d.Build([]layers.Shape{{4, 2}}, nil); err == nil {
		t.Error("noise_shape of the wrong size accepted")
	}
	if _, err := layers.NewSpatialDropout1D(0.5).Build([]layers.Shape{{4}}, nil); err == nil {
		t.Error("SpatialDropout1D on rank-1 samples accepted")
	}
}
