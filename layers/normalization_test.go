package layers_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/internal/gradcheck"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// randomNormShape returns a per-sample shape of rank 1 to 3 with odd sizes.
func randomNormShape(rng *rand.Rand) layers.Shape {
	s := layers.Shape{}
	for r := 0; r < 1+rng.IntN(3); r++ {
		s = append(s, 1+2*rng.IntN(3))
	}
	return s
}

func newTestBN(rng *rand.Rand) *layers.BatchNormalization {
	l := layers.NewBatchNormalization()
	l.Center, l.Scale = rng.IntN(3) != 0, rng.IntN(3) != 0
	l.Momentum = 0.5 + 0.4*rng.Float64()
	l.Epsilon = []float64{1e-3, 0.1}[rng.IntN(2)]
	l.GammaInitializer = layers.RandomUniform(0.5, 1.5)
	l.BetaInitializer = layers.RandomUniform(-0.5, 0.5)
	l.MovingMeanInitializer = layers.RandomUniform(-0.5, 0.5)
	l.MovingVarianceInitializer = layers.RandomUniform(0.5, 2)
	return l
}

func TestBatchNormalizationGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := 0; trial < 30; trial++ {
		l := newTestBN(rng)
		in := []layers.Shape{randomNormShape(rng)}
		training := trial%2 == 0
		batch := 2 + rng.IntN(4)
		name := fmt.Sprintf("trial %d in %v batch %d center %v scale %v training %v", trial, in[0], batch, l.Center, l.Scale, training)
		if err := gradcheck.Check(l, in, batch, uint64(trial), gradcheck.Options{Training: training}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// TestBatchNormalizationMaskedGradients checks the gradient through the
// masked batch statistics.
func TestBatchNormalizationMaskedGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for trial := 0; trial < 6; trial++ {
		l := newTestBN(rng)
		steps, ch, batch := 3+2*rng.IntN(3), 1+2*rng.IntN(2), 2+rng.IntN(3)
		x := tensor.New(batch, steps, ch)
		for i := range x.Data {
			x.Data[i] = float32(rng.NormFloat64())
		}
		x.Mask = make([]bool, batch*steps)
		for i := range x.Mask {
			x.Mask[i] = i%steps < 2 || rng.IntN(2) == 0 // at least two real steps per sample
		}
		if err := gradcheck.Check(l, []layers.Shape{{steps, ch}}, batch, uint64(trial),
			gradcheck.Options{Training: true, Inputs: []*tensor.Tensor{x}}); err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
	}
}

// bnRef computes the batch mean and biased variance per channel directly.
func bnRef(x []float32, ch int, mask []bool) (mean, variance []float64) {
	mean, variance = make([]float64, ch), make([]float64, ch)
	rows := len(x) / ch
	var n float64
	for r := 0; r < rows; r++ {
		if mask != nil && !mask[r] {
			continue
		}
		n++
		for c := 0; c < ch; c++ {
			mean[c] += float64(x[r*ch+c])
		}
	}
	for c := range mean {
		mean[c] /= n
	}
	for r := 0; r < rows; r++ {
		if mask != nil && !mask[r] {
			continue
		}
		for c := 0; c < ch; c++ {
			d := float64(x[r*ch+c]) - mean[c]
			variance[c] += d * d / n
		}
	}
	return mean, variance
}

func TestBatchNormalizationValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for trial := 0; trial < 8; trial++ {
		l := newTestBN(rng)
		l.Center, l.Scale = true, true
		steps, ch, batch := 1+2*rng.IntN(3), 1+2*rng.IntN(3), 1+rng.IntN(4)
		if _, err := l.Build([]layers.Shape{{steps, ch}}, rng); err != nil {
			t.Fatal(err)
		}
		x := tensor.New(batch, steps, ch)
		for i := range x.Data {
			x.Data[i] = float32(3 + 2*rng.NormFloat64())
		}
		var mask []bool
		if trial%3 == 2 {
			mask = make([]bool, batch*steps)
			for i := range mask {
				mask[i] = i == 0 || rng.IntN(2) == 0
			}
			x.Mask = mask
		}
		y := tensor.New(x.Shape...)
		g, b := l.Gamma().Value.Data, l.Beta().Value.Data
		mm0 := append([]float32(nil), l.MovingMean().Value.Data...)
		mv0 := append([]float32(nil), l.MovingVariance().Value.Data...)
		ctx := &layers.Context{Training: true}
		l.Forward(ctx, []*tensor.Tensor{x}, []*tensor.Tensor{y})
		mean, variance := bnRef(x.Data, ch, mask)
		for i, v := range y.Data {
			c := i % ch
			want := float64(g[c])*(float64(x.Data[i])-mean[c])/math.Sqrt(variance[c]+l.Epsilon) + float64(b[c])
			if math.Abs(float64(v)-want) > 1e-4 {
				t.Fatalf("trial %d: training y[%d] = %g, want %g", trial, i, v, want)
			}
		}
		if mask != nil && &y.Mask[0] != &mask[0] {
			t.Fatalf("mask not passed through")
		}
		for c := 0; c < ch; c++ {
			wm := float64(mm0[c])*l.Momentum + mean[c]*(1-l.Momentum)
			wv := float64(mv0[c])*l.Momentum + variance[c]*(1-l.Momentum)
			if math.Abs(float64(l.MovingMean().Value.Data[c])-wm) > 1e-4 || math.Abs(float64(l.MovingVariance().Value.Data[c])-wv) > 1e-4 {
				t.Fatalf("trial %d: moving stats [%g %g], want [%g %g]", trial,
					l.MovingMean().Value.Data[c], l.MovingVariance().Value.Data[c], wm, wv)
			}
		}
		// Inference uses the (updated) moving statistics and changes nothing.
		mm1 := append([]float32(nil), l.MovingMean().Value.Data...)
		ictx := &layers.Context{}
		l.Forward(ictx, []*tensor.Tensor{x}, []*tensor.Tensor{y})
		for i, v := range y.Data {
			c := i % ch
			want := float64(g[c])*(float64(x.Data[i])-float64(mm1[c]))/math.Sqrt(float64(l.MovingVariance().Value.Data[c])+l.Epsilon) + float64(b[c])
			if math.Abs(float64(v)-want) > 1e-4 {
				t.Fatalf("trial %d: inference y[%d] = %g, want %g", trial, i, v, want)
			}
		}
		if l.MovingMean().Value.Data[0] != mm1[0] {
			t.Fatalf("inference changed the moving mean")
		}
	}
}

// TestBatchNormalizationFrozen: a frozen layer runs in inference mode even
// in training, as in Keras, and keeps its statistics.
func TestBatchNormalizationFrozen(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	l := newTestBN(rng)
	l.Frozen = true
	if _, err := l.Build([]layers.Shape{{5, 3}}, rng); err != nil {
		t.Fatal(err)
	}
	for _, p := range l.Params() {
		if p.Trainable() {
			t.Fatalf("frozen layer has trainable %s", p.Name)
		}
	}
	x := tensor.New(2, 5, 3)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	y1, y2 := tensor.New(2, 5, 3), tensor.New(2, 5, 3)
	mm := append([]float32(nil), l.MovingMean().Value.Data...)
	l.Forward(&layers.Context{Training: true}, []*tensor.Tensor{x}, []*tensor.Tensor{y1})
	l.Forward(&layers.Context{}, []*tensor.Tensor{x}, []*tensor.Tensor{y2})
	for i := range y1.Data {
		if y1.Data[i] != y2.Data[i] {
			t.Fatalf("frozen training output differs from inference at %d", i)
		}
	}
	for c := range mm {
		if mm[c] != l.MovingMean().Value.Data[c] {
			t.Fatalf("frozen layer updated its moving mean")
		}
	}
	if err := gradcheck.Check(l, []layers.Shape{{5, 3}}, 3, 1, gradcheck.Options{Training: true}); err != nil {
		t.Fatal(err)
	}
}

func TestBatchNormalizationWeightsOrder(t *testing.T) {
	for _, c := range []struct {
		center, scale bool
		want          string
	}{
		{true, true, "gamma beta moving_mean moving_variance"},
		{false, true, "gamma moving_mean moving_variance"},
		{true, false, "beta moving_mean moving_variance"},
	} {
		l := layers.NewBatchNormalization()
		l.Center, l.Scale = c.center, c.scale
		if _, err := l.Build([]layers.Shape{{7, 4}}, rand.New(rand.NewPCG(1, 2))); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range l.Params() {
			names = append(names, p.Name)
			if p.Trainable() != (p.Name == "gamma" || p.Name == "beta") {
				t.Fatalf("%s trainable = %v", p.Name, p.Trainable())
			}
			if len(p.Value.Shape) != 1 || p.Value.Shape[0] != 4 {
				t.Fatalf("%s shape %v", p.Name, p.Value.Shape)
			}
		}
		if got := strings.Join(names, " "); got != c.want {
			t.Fatalf("weights %q, want %q", got, c.want)
		}
		if v := l.MovingVariance().Value.Data[2]; v != 1 {
			t.Fatalf("moving_variance starts at %g, want 1", v)
		}
	}
}

// TestLayerNormalizationWeights: gamma with scale or rms_scaling, beta
// with center unless rms_scaling, in that order, trainable unless frozen;
// a second Build starts anew.
func TestLayerNormalizationWeights(t *testing.T) {
	for _, c := range []struct {
		center, scale, rms bool
		want               string
	}{
		{true, true, false, "gamma beta"},
		{true, false, false, "beta"},
		{false, true, false, "gamma"},
		{true, false, true, "gamma"},
		{false, false, false, ""},
	} {
		l := layers.NewLayerNormalization()
		l.Center, l.Scale, l.RMSScaling = c.center, c.scale, c.rms
		for range 2 {
			if _, err := l.Build([]layers.Shape{{7, 4}}, rand.New(rand.NewPCG(1, 2))); err != nil {
				t.Fatal(err)
			}
		}
		var names []string
		for _, p := range l.Params() {
			names = append(names, p.Name)
			if !p.Trainable() || len(p.Value.Shape) != 1 || p.Value.Shape[0] != 4 {
				t.Errorf("%+v: %s trainable %v shape %v", c, p.Name, p.Trainable(), p.Value.Shape)
			}
		}
		if got := strings.Join(names, " "); got != c.want || (l.Gamma() != nil) != strings.Contains(c.want, "gamma") || (l.Beta() != nil) != strings.Contains(c.want, "beta") {
			t.Errorf("%+v: weights %q (gamma %v, beta %v), want %q", c, got, l.Gamma() != nil, l.Beta() != nil, c.want)
		}
	}
}

func newTestLN(rng *rand.Rand) *layers.LayerNormalization {
	l := layers.NewLayerNormalization()
	l.Center, l.Scale = rng.IntN(3) != 0, rng.IntN(3) != 0
	l.RMSScaling = rng.IntN(4) == 0
	l.Epsilon = []float64{1e-3, 0.1}[rng.IntN(2)]
	l.GammaInitializer = layers.RandomUniform(0.5, 1.5)
	l.BetaInitializer = layers.RandomUniform(-0.5, 0.5)
	return l
}

func TestLayerNormalizationGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for trial := 0; trial < 30; trial++ {
		l := newTestLN(rng)
		in := []layers.Shape{randomNormShape(rng)}
		if in[0][len(in[0])-1] == 1 {
			in[0][len(in[0])-1] = 3 // one channel normalises to beta exactly
		}
		name := fmt.Sprintf("trial %d in %v center %v scale %v rms %v", trial, in[0], l.Center, l.Scale, l.RMSScaling)
		if err := gradcheck.Check(l, in, 1+rng.IntN(3), uint64(trial), gradcheck.Options{Training: trial%2 == 0}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

func TestLayerNormalizationValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for trial := 0; trial < 6; trial++ {
		l := newTestLN(rng)
		l.Center, l.Scale, l.RMSScaling = true, true, trial%2 == 1
		steps, ch := 1+2*rng.IntN(3), 3+2*rng.IntN(3)
		if _, err := l.Build([]layers.Shape{{steps, ch}}, rng); err != nil {
			t.Fatal(err)
		}
		x := tensor.New(2, steps, ch)
		for i := range x.Data {
			x.Data[i] = float32(1 + rng.NormFloat64())
		}
		y := tensor.New(x.Shape...)
		l.Forward(&layers.Context{}, []*tensor.Tensor{x}, []*tensor.Tensor{y})
		for r := 0; r < len(x.Data)/ch; r++ {
			var m float64
			for _, v := range x.Data[r*ch : (r+1)*ch] {
				m += float64(v) / float64(ch)
			}
			var v2 float64
			for _, v := range x.Data[r*ch : (r+1)*ch] {
				v2 += (float64(v) - m) * (float64(v) - m) / float64(ch)
			}
			for c := 0; c < ch; c++ {
				g := float64(l.Gamma().Value.Data[c])
				want := g * (float64(x.Data[r*ch+c]) - m) / math.Sqrt(v2+l.Epsilon)
				if l.RMSScaling {
					want = g * float64(x.Data[r*ch+c]) / math.Sqrt(v2+l.Epsilon)
				} else {
					want += float64(l.Beta().Value.Data[c])
				}
				if got := float64(y.Data[r*ch+c]); math.Abs(got-want) > 1e-4 {
					t.Fatalf("trial %d rms %v: y[%d,%d] = %g, want %g", trial, l.RMSScaling, r, c, got, want)
				}
			}
		}
	}
}

func TestNormalizationConfig(t *testing.T) {
	bn := layers.NewBatchNormalization()
	bn.Momentum, bn.Epsilon, bn.Center = 0.9, 1e-5, false
	bn2 := checkRoundTrip(t, bn).(*layers.BatchNormalization)
	if bn2.Momentum != 0.9 || bn2.Epsilon != 1e-5 || bn2.Center || !bn2.Scale {
		t.Fatalf("round trip gave %+v", bn2)
	}
	bn = layers.NewBatchNormalization()
	bn.GammaRegularizer, bn.BetaConstraint = layers.L2(0.01), layers.NonNeg()
	bn2 = checkRoundTrip(t, bn).(*layers.BatchNormalization)
	if _, err := bn2.Build([]layers.Shape{{4, 3}}, nil); err != nil {
		t.Fatal(err)
	}
	if bn2.Gamma().Regularizer == nil || bn2.Beta().Constraint == nil || bn2.Gamma().Constraint != nil {
		t.Fatalf("rules not attached: gamma %+v beta %+v", bn2.Gamma(), bn2.Beta())
	}
	ln := layers.NewLayerNormalization()
	ln.RMSScaling, ln.Epsilon = true, 1e-6
	ln2 := checkRoundTrip(t, ln).(*layers.LayerNormalization)
	if !ln2.RMSScaling || ln2.Epsilon != 1e-6 || ln2.Axis != -1 {
		t.Fatalf("round trip gave %+v", ln2)
	}
	// Keras JSON forms: axis as an int or a list, snake-case class names.
	for _, c := range []struct {
		class string
		cfg   layers.Config
	}{
		{"batch_normalization", layers.Config{"axis": float64(-1), "momentum": 0.9}},
		{"LayerNormalization", layers.Config{"axis": []any{float64(-1)}}},
		{"BatchNormalization", layers.Config{"axis": float64(2)}},
	} {
		l, err := layers.FromConfig(c.class, c.cfg)
		if err != nil {
			t.Fatalf("%s %v: %v", c.class, c.cfg, err)
		}
		if _, err := l.Build([]layers.Shape{{6, 3}}, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatalf("%s %v: build: %v", c.class, c.cfg, err)
		}
	}
	for _, c := range []struct {
		class string
		cfg   layers.Config
		want  string
	}{
		{"BatchNormalization", layers.Config{"renorm": true}, `unsupported option "renorm"`},
		{"LayerNormalization", layers.Config{"axis": []any{float64(1), float64(2)}}, "last axis only"},
		{"BatchNormalization", layers.Config{"gamma_regularizer": "nope"}, "gamma_regularizer"},
		{"LayerNormalization", layers.Config{"beta_constraint": "nope"}, "beta_constraint"},
		{"LayerNormalization", layers.Config{"epsilon": "tiny"}, "epsilon"},
	} {
		_, err := layers.FromConfig(c.class, c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%s %v: error %v, want one mentioning %q", c.class, c.cfg, err, c.want)
		}
	}
	// axis 1 of (steps, channels) input is the steps axis: refused at Build.
	l, _ := layers.FromConfig("BatchNormalization", layers.Config{"axis": float64(1)})
	if _, err := l.Build([]layers.Shape{{6, 3}}, nil); err == nil || !strings.Contains(err.Error(), "axis=-1") {
		t.Fatalf("axis=1 on (6, 3): %v", err)
	}
}

// BatchNormalization normalises with the batch's statistics in training
// and moves its running statistics a step (1-momentum) towards them; in
// inference it uses the running statistics.
func ExampleBatchNormalization() {
	l := layers.NewBatchNormalization()
	l.Momentum = 0.5
	if _, err := l.Build([]layers.Shape{{1}}, nil); err != nil {
		fmt.Println(err)
		return
	}
	x := tensor.FromSlice([]float32{1, 3, 5, 7}, 4, 1) // mean 4, variance 5
	y := tensor.New(4, 1)
	l.Forward(&layers.Context{Training: true}, []*tensor.Tensor{x}, []*tensor.Tensor{y})
	fmt.Printf("training:  %.3f\n", y.Data)
	fmt.Printf("moving:    mean %.1f variance %.1f\n", l.MovingMean().Value.Data[0], l.MovingVariance().Value.Data[0])
	l.Forward(&layers.Context{}, []*tensor.Tensor{x}, []*tensor.Tensor{y})
	fmt.Printf("inference: %.3f\n", y.Data)
	// Output:
	// training:  [-1.342 -0.447 0.447 1.342]
	// moving:    mean 2.0 variance 3.0
	// inference: [-0.577 0.577 1.732 2.886]
}
