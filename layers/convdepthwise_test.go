package layers_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/internal/conv"
	"github.com/seqnet/seqnet/internal/gradcheck"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// convVariantCase draws a random odd-sized configuration.
type convVariantCase struct {
	k, stride, dil, mult, length, in int
	pad, act                         string
	bias                             bool
}

func randomConvVariant(rng *rand.Rand, pads []string) convVariantCase {
	c := convVariantCase{k: 1 + rng.IntN(4), stride: 1 + rng.IntN(3), dil: 1, mult: 1 + rng.IntN(3),
		in: 1 + 2*rng.IntN(3), pad: pads[rng.IntN(len(pads))],
		act: []string{"linear", "tanh", "sigmoid", "relu"}[rng.IntN(4)], bias: rng.IntN(3) != 0}
	if rng.IntN(2) == 0 {
		c.stride, c.dil = 1, 1+rng.IntN(3)
	}
	c.length = (c.k-1)*c.dil + 1 + rng.IntN(6)
	return c
}

func (c convVariantCase) String() string {
	return fmt.Sprintf("k%d s%d d%d mult%d %s %s bias %v in (%d, %d)", c.k, c.stride, c.dil, c.mult, c.pad, c.act, c.bias, c.length, c.in)
}

func randomTensor(rng *rand.Rand, shape ...int) *tensor.Tensor {
	t := tensor.New(shape...)
	for i := range t.Data {
		t.Data[i] = float32(rng.NormFloat64())
	}
	return t
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-4*math.Max(1, math.Abs(b)) }

func newDepthwise(c convVariantCase) *layers.DepthwiseConv1D {
	l := layers.NewDepthwiseConv1D(c.k)
	l.Strides, l.DilationRate, l.DepthMultiplier, l.Padding, l.UseBias = c.stride, c.dil, c.mult, c.pad, c.bias
	l.Activation, _ = layers.GetActivation(c.act)
	l.BiasInitializer = layers.RandomUniform(-0.5, 0.5)
	return l
}

func TestDepthwiseConv1DGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for trial := 0; trial < 30; trial++ {
		c := randomConvVariant(rng, []string{"valid", "same"})
		l := newDepthwise(c)
		l.Frozen = trial%10 == 9
		if err := gradcheck.Check(l, []layers.Shape{{c.length, c.in}}, 1+rng.IntN(3), uint64(trial), gradcheck.Options{}); err != nil {
			t.Fatalf("%v: %v", c, err)
		}
	}
}

// TestDepthwiseConv1DValues compares with internal/conv's direct
// definition of a grouped convolution with groups = in_channels, which
// reads the (k, in, mult) kernel as (k, 1, in*mult).
func TestDepthwiseConv1DValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	for trial := 0; trial < 20; trial++ {
		c := randomConvVariant(rng, []string{"valid", "same"})
		c.act = "linear"
		l := newDepthwise(c)
		out, err := l.Build([]layers.Shape{{c.length, c.in}}, rng)
		if err != nil {
			t.Fatal(err)
		}
		batch := 1 + rng.IntN(3)
		x := randomTensor(rng, batch, c.length, c.in)
		y := tensor.New(batch, out[0][0], out[0][1])
		l.Forward(&layers.Context{}, []*tensor.Tensor{x}, []*tensor.Tensor{y})
		g := l.Geometry()
		d := conv.Dims{Batch: batch, Length: c.length, In: c.in, Filters: c.in * c.mult, Kernel: c.k, Stride: c.stride,
			Dilation: c.dil, Groups: c.in, PadLeft: g.PadLeft, PadRight: g.PadRight, OutLength: g.OutLength}
		want := make([]float32, len(y.Data))
		conv.ForwardRef(d, x.Data, l.Kernel().Value.Data, want)
		for i := range want {
			if c.bias {
				want[i] += l.Bias().Value.Data[i%(c.in*c.mult)]
			}
			if !near(float64(y.Data[i]), float64(want[i])) {
				t.Fatalf("%v: y[%d] = %g, want %g", c, i, y.Data[i], want[i])
			}
		}
	}
}

func newSeparable(c convVariantCase, filters int) *layers.SeparableConv1D {
	l := layers.NewSeparableConv1D(filters, c.k)
	l.Strides, l.DilationRate, l.DepthMultiplier, l.Padding, l.UseBias = c.stride, c.dil, c.mult, c.pad, c.bias
	l.Activation, _ = layers.GetActivation(c.act)
	l.BiasInitializer = layers.RandomUniform(-0.5, 0.5)
	return l
}

func TestSeparableConv1DGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 36))
	for trial := 0; trial < 30; trial++ {
		c := randomConvVariant(rng, []string{"valid", "same"})
		l := newSeparable(c, 1+2*rng.IntN(3))
		l.Frozen = trial%10 == 9
		if err := gradcheck.Check(l, []layers.Shape{{c.length, c.in}}, 1+rng.IntN(3), uint64(trial), gradcheck.Options{}); err != nil {
			t.Fatalf("%v filters %d: %v", c, l.Filters, err)
		}
	}
}

func TestSeparableConv1DValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(37, 38))
	for trial := 0; trial < 15; trial++ {
		c := randomConvVariant(rng, []string{"valid", "same"})
		c.act = "tanh"
		filters := 1 + 2*rng.IntN(3)
		l := newSeparable(c, filters)
		out, err := l.Build([]layers.Shape{{c.length, c.in}}, rng)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range l.Params() {
			names = append(names, fmt.Sprintf("%s%v", p.Name, p.Value.Shape))
		}
		wantNames := fmt.Sprintf("depthwise_kernel[%d %d %d] pointwise_kernel[1 %d %d]", c.k, c.in, c.mult, c.in*c.mult, filters)
		if c.bias {
			wantNames += fmt.Sprintf(" bias[%d]", filters)
		}
		if got := strings.Join(names, " "); got != wantNames {
			t.Fatalf("weights %s, want %s", got, wantNames)
		}
		batch := 1 + rng.IntN(3)
		x := randomTensor(rng, batch, c.length, c.in)
		y := tensor.New(batch, out[0][0], out[0][1])
		l.Forward(&layers.Context{}, []*tensor.Tensor{x}, []*tensor.Tensor{y})
		g := l.Geometry()
		n := c.in * c.mult
		d := conv.Dims{Batch: batch, Length: c.length, In: c.in, Filters: n, Kernel: c.k, Stride: c.stride,
			Dilation: c.dil, Groups: c.in, PadLeft: g.PadLeft, PadRight: g.PadRight, OutLength: g.OutLength}
		mid := make([]float32, batch*g.OutLength*n)
		conv.ForwardRef(d, x.Data, l.DepthwiseKernel().Value.Data, mid)
		pw := l.PointwiseKernel().Value.Data
		for r := 0; r < batch*g.OutLength; r++ {
			for f := 0; f < filters; f++ {
				var s float64
				for j := 0; j < n; j++ {
					s += float64(mid[r*n+j]) * float64(pw[j*filters+f])
				}
				if c.bias {
					s += float64(l.Bias().Value.Data[f])
				}
				if got := float64(y.Data[r*filters+f]); !near(got, math.Tanh(s)) {
					t.Fatalf("%v: y[%d,%d] = %g, want %g", c, r, f, got, math.Tanh(s))
				}
			}
		}
	}
}

func TestConvVariantsConfig(t *testing.T) {
	dw := layers.NewDepthwiseConv1D(3)
	dw.DepthMultiplier, dw.Strides, dw.Padding = 2, 2, "same"
	dw.Activation, _ = layers.GetActivation("relu")
	checkRoundTrip(t, dw)
	sep := layers.NewSeparableConv1D(8, 5)
	sep.DilationRate, sep.UseBias = 2, false
	checkRoundTrip(t, sep)
	tr := layers.NewConv1DTranspose(4, 3)
	tr.Strides, tr.OutputPadding, tr.Padding = 3, 2, "same"
	tr2 := checkRoundTrip(t, tr).(*layers.Conv1DTranspose)
	if tr2.OutputPadding != 2 || tr2.Strides != 3 {
		t.Fatalf("round trip gave %+v", tr2)
	}
	checkRoundTrip(t, layers.NewConv1DTranspose(4, 3))
	// Constraints and regularizers travel with the config and reach the weights.
	sep = layers.NewSeparableConv1D(4, 3)
	sep.PointwiseConstraint, sep.DepthwiseRegularizer, sep.BiasRegularizer = layers.MaxNorm(2), layers.L2(1e-3), layers.L1(1e-4)
	sep2 := checkRoundTrip(t, sep).(*layers.SeparableConv1D)
	if _, err := sep2.Build([]layers.Shape{{9, 3}}, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	if sep2.PointwiseKernel().Constraint == nil || sep2.DepthwiseKernel().Regularizer == nil || sep2.Bias().Regularizer == nil ||
		sep2.DepthwiseKernel().Constraint != nil {
		t.Fatalf("rules not attached")
	}
	dw = layers.NewDepthwiseConv1D(3)
	dw.DepthwiseConstraint, dw.BiasRegularizer = layers.NonNeg(), layers.L2(0.1)
	checkRoundTrip(t, dw)
	tr = layers.NewConv1DTranspose(2, 3)
	tr.KernelConstraint, tr.KernelRegularizer = layers.MaxNorm(1), layers.L2(0.1)
	tr2 = checkRoundTrip(t, tr).(*layers.Conv1DTranspose)
	if _, err := tr2.Build([]layers.Shape{{5, 2}}, rand.New(rand.NewPCG(1, 1))); err != nil || tr2.Kernel().Constraint == nil {
		t.Fatalf("Conv1DTranspose rules: %v", err)
	}
	// Keras JSON as written by get_config.
	l, err := layers.FromConfig("conv1d_transpose", layers.Config{"filters": float64(2), "kernel_size": []any{float64(3)},
		"strides": []any{float64(2)}, "padding": "same", "data_format": "channels_last"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := l.Build([]layers.Shape{{7, 3}}, rand.New(rand.NewPCG(1, 1)))
	if err != nil || out[0][0] != 14 || out[0][1] != 2 {
		t.Fatalf("Conv1DTranspose from config: %v %v", out, err)
	}
	for _, c := range []struct {
		class string
		cfg   layers.Config
		want  string
	}{
		{"DepthwiseConv1D", layers.Config{"depth_multiplier": float64(2)}, "kernel_size is required"},
		{"SeparableConv1D", layers.Config{"kernel_size": float64(3)}, "filters is required"},
		{"Conv1DTranspose", layers.Config{"filters": float64(2), "kernel_size": float64(3), "groups": float64(2)}, `unsupported option "groups"`},
		{"SeparableConv1D", layers.Config{"filters": float64(2), "kernel_size": float64(3), "activation": "nope"}, "nope"},
		{"DepthwiseConv1D", layers.Config{"kernel_size": float64(3), "data_format": "channels_first"}, "channels_last"},
		{"Conv1DTranspose", layers.Config{"filters": float64(2), "kernel_size": float64(3), "output_padding": float64(-2)}, "output_padding"},
		{"SeparableConv1D", layers.Config{"filters": float64(2), "kernel_size": float64(3), "pointwise_regularizer": "nope"}, "pointwise_regularizer"},
	} {
		_, err := layers.FromConfig(c.class, c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%s %v: error %v, want one mentioning %q", c.class, c.cfg, err, c.want)
		}
	}
}

func TestConvVariantsBuildErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, c := range []struct {
		l    layers.Layer
		in   layers.Shape
		want string
	}{
		{func() layers.Layer { l := layers.NewDepthwiseConv1D(3); l.Padding = "causal"; return l }(), layers.Shape{8, 2}, "causal"},
		{layers.NewDepthwiseConv1D(5), layers.Shape{3, 2}, "kernel_size of at most 3"},
		{func() layers.Layer { l := layers.NewSeparableConv1D(4, 3); l.DepthMultiplier = 0; return l }(), layers.Shape{8, 2}, "depth_multiplier"},
		{func() layers.Layer { l := layers.NewSeparableConv1D(4, 3); l.Strides, l.DilationRate = 2, 2; return l }(), layers.Shape{8, 2}, "dilation_rate"},
		{layers.NewSeparableConv1D(4, 3), layers.Shape{8}, "(batch, steps, channels)"},
		{func() layers.Layer { l := layers.NewConv1DTranspose(4, 3); l.OutputPadding = 1; return l }(), layers.Shape{8, 2}, "output_padding must be smaller than strides"},
		{layers.NewConv1DTranspose(0, 3), layers.Shape{8, 2}, "filters"},
	} {
		if _, err := c.l.Build([]layers.Shape{c.in}, rng); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s on %v: error %v, want one mentioning %q", c.l.ClassName(), c.in, err, c.want)
		}
	}
}

// Conv1DTranspose with strides 2 doubles the length: each input step
// places a scaled copy of the kernel, 2 steps after the previous one, and
// overlapping copies add up.
