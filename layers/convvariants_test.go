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

func newTranspose(c convVariantCase, filters, outputPadding int) *layers.Conv1DTranspose {
	l := layers.NewConv1DTranspose(filters, c.k)
	l.Strides, l.DilationRate, l.Padding, l.UseBias, l.OutputPadding = c.stride, c.dil, c.pad, c.bias, outputPadding
	l.Activation, _ = layers.GetActivation(c.act)
	l.BiasInitializer = layers.RandomUniform(-0.5, 0.5)
	return l
}

// randomOutputPadding draws None (-1) or a valid output_padding, keeping
// the output non-empty.
func randomOutputPadding(rng *rand.Rand, c convVariantCase) int {
	if rng.IntN(2) == 0 {
		return -1
	}
	op := rng.IntN(c.stride)
	if g, err := layers.ConvTransposeOutput(c.length, c.k, c.stride, c.dil, c.pad, op); err != nil || g.OutLength <= 0 {
		return -1
	}
	return op
}

func TestConv1DTransposeGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for trial := 0; trial < 40; trial++ {
		c := randomConvVariant(rng, []string{"valid", "same"})
		c.length = 1 + rng.IntN(5)
		op := randomOutputPadding(rng, c)
		l := newTranspose(c, 1+2*rng.IntN(3), op)
		l.Frozen = trial%10 == 9
		if err := gradcheck.Check(l, []layers.Shape{{c.length, c.in}}, 1+rng.IntN(3), uint64(trial), gradcheck.Options{}); err != nil {
			t.Fatalf("%v output_padding %d: %v", c, op, err)
		}
	}
}

// transposeRef is the transposed convolution as Keras' JAX backend
// defines it (backend_utils._convert_conv_transpose_padding_args_from_keras_to_jax
// and lax.conv_transpose with transpose_kernel): dilate the input by the
// stride, pad left/right, and correlate with the spatially flipped kernel
// read as (filters, in).
func transposeRef(x []float32, batch, length, in int, w []float32, k, filters, s, d int, padding string, outputPadding int) ([]float32, int) {
	ke := (k-1)*d + 1
	var left, right int
	if padding == "valid" {
		op := outputPadding
		if op < 0 {
			op = max(ke, s) - ke
		}
		left, right = ke-1, ke-1+op
	} else {
		var pad int
		if outputPadding < 0 {
			pad = s + ke - 2
		} else {
			pad = ke + ke%2 - 2 + outputPadding
		}
		left = min(pad/2+pad%2, ke-1)
		right = pad - left
	}
	dl := (length-1)*s + 1 + left + right // dilated, padded input length
	outLen := dl - ke + 1
	y := make([]float32, batch*outLen*filters)
	for b := 0; b < batch; b++ {
		for p := 0; p < outLen; p++ {
			for f := 0; f < filters; f++ {
				var sum float64
				for j := 0; j < k; j++ {
					q := p + j*d - left
					if q < 0 || q%s != 0 || q/s >= length {
						continue
					}
					t := q / s
					i := k - 1 - j
					for c := 0; c < in; c++ {
						sum += float64(x[(b*length+t)*in+c]) * float64(w[(i*filters+f)*in+c])
					}
				}
				y[(b*outLen+p)*filters+f] = float32(sum)
			}
		}
	}
	return y, outLen
}

func TestConv1DTransposeValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	for trial := 0; trial < 60; trial++ {
		c := randomConvVariant(rng, []string{"valid", "same"})
		c.act = "linear"
		c.length = 1 + rng.IntN(6)
		filters := 1 + 2*rng.IntN(3)
		op := randomOutputPadding(rng, c)
		l := newTranspose(c, filters, op)
		out, err := l.Build([]layers.Shape{{c.length, c.in}}, rng)
		if err != nil {
			t.Fatalf("%v op %d: %v", c, op, err)
		}
		batch := 1 + rng.IntN(3)
		x := randomTensor(rng, batch, c.length, c.in)
		want, wantLen := transposeRef(x.Data, batch, c.length, c.in, l.Kernel().Value.Data, c.k, filters, c.stride, c.dil, c.pad, op)
		if out[0][0] != wantLen || out[0][1] != filters {
			t.Fatalf("%v op %d: output shape %v, want (%d, %d)", c, op, out[0], wantLen, filters)
		}
		y := tensor.New(batch, wantLen, filters)
		l.Forward(&layers.Context{}, []*tensor.Tensor{x}, []*tensor.Tensor{y})
		for i := range want {
			if c.bias {
				want[i] += l.Bias().Value.Data[i%filters]
			}
			if !near(float64(y.Data[i]), float64(want[i])) {
				t.Fatalf("%v op %d: y[%d] = %g, want %g", c, op, i, y.Data[i], want[i])
			}
		}
	}
}

// TestConv1DTransposeIsAdjoint checks <ConvT(x), y> = <x, Conv1D(y)> with
// the same kernel read as a Conv1D kernel (kernel_size, filters, in) and
// Conv1D's own padding of the output length: the transposed convolution
// is the input-gradient of Conv1D, as in TensorFlow.
func TestConv1DTransposeIsAdjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 46))
	compared := 0
	for trial := 0; trial < 20; trial++ {
		c := randomConvVariant(rng, []string{"valid", "same"})
		c.act, c.bias = "linear", false
		c.length = 1 + rng.IntN(6)
		filters := 1 + rng.IntN(3)
		l := newTranspose(c, filters, -1)
		out, err := l.Build([]layers.Shape{{c.length, c.in}}, rng)
		if err != nil {
			t.Fatal(err)
		}
		lout := out[0][0]
		g, err := layers.ConvOutput(lout, c.k, c.stride, c.dil, c.pad)
		if err != nil || g.OutLength != c.length {
			// Conv1D of the output does not come back to the input length
			// (valid with kernel < stride leaves a tail): nothing to compare.
			continue
		}
		x := randomTensor(rng, 1, c.length, c.in)
		yT := tensor.New(1, lout, filters)
		l.Forward(&layers.Context{}, []*tensor.Tensor{x}, []*tensor.Tensor{yT})
		v := randomTensor(rng, 1, lout, filters)
		d := conv.Dims{Batch: 1, Length: lout, In: filters, Filters: c.in, Kernel: c.k, Stride: c.stride, Dilation: c.dil,
			Groups: 1, PadLeft: g.PadLeft, PadRight: g.PadRight, OutLength: g.OutLength}
		cv := make([]float32, c.length*c.in)
		conv.ForwardRef(d, v.Data, l.Kernel().Value.Data, cv)
		var lhs, rhs float64
		for i := range yT.Data {
			lhs += float64(yT.Data[i]) * float64(v.Data[i])
		}
		for i := range cv {
			rhs += float64(cv[i]) * float64(x.Data[i])
		}
		if !near(lhs, rhs) {
			t.Fatalf("%v: <ConvT x, y> = %g, <x, Conv y> = %g", c, lhs, rhs)
		}
		compared++
	}
	if compared < 10 {
		t.Fatalf("only %d of 20 cases compared", compared)
	}
}

// TestConvTransposeOutputHandWorked pins Keras' output lengths.
func TestConvTransposeOutputHandWorked(t *testing.T) {
	cases := []struct {
		l, k, s, d, op int
		pad            string
		out            int
	}{
		{5, 3, 1, 1, -1, "valid", 7},  // (5-1)*1 + 3
		{5, 3, 2, 1, -1, "valid", 11}, // (5-1)*2 + 3
		{5, 1, 3, 1, -1, "valid", 15}, // (5-1)*3 + 1 + (3-1): L*s when k < s
		{5, 3, 2, 1, 1, "valid", 12},  // + output_padding
		{5, 3, 1, 2, -1, "valid", 9},  // k_eff 5
		{5, 3, 2, 1, -1, "same", 10},  // L*s
		{5, 4, 3, 1, -1, "same", 15},  // L*s
		{5, 3, 2, 1, 0, "same", 9},    // (5-1)*2 + 3%2 + 0
		{5, 4, 2, 1, 1, "same", 9},    // (5-1)*2 + 0 + 1
	}
	for _, c := range cases {
		g, err := layers.ConvTransposeOutput(c.l, c.k, c.s, c.d, c.pad, c.op)
		if err != nil || g.OutLength != c.out {
			t.Errorf("L%d k%d s%d d%d op%d %s: %d (%v), want %d", c.l, c.k, c.s, c.d, c.op, c.pad, g.OutLength, err, c.out)
		}
	}
	if _, err := layers.ConvTransposeOutput(5, 3, 2, 1, "same", 2); err == nil || !strings.Contains(err.Error(), "output_padding") {
		t.Errorf("output_padding = strides: %v", err)
	}
	if _, err := layers.ConvTransposeOutput(5, 3, 2, 1, "causal", -1); err == nil {
		t.Errorf("causal accepted")
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
func ExampleConv1DTranspose() {
	l := layers.NewConv1DTranspose(1, 3)
	l.Strides = 2
	l.KernelInitializer = layers.Constant(1)
	for _, pad := range []string{"valid", "same"} {
		l.Padding = pad
		out, err := l.Build([]layers.Shape{{3, 1}}, nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		l.Kernel().Value.Data[2] = 10 // kernel [1 1 10]
		x := tensor.FromSlice([]float32{1, 2, 3}, 1, 3, 1)
		y := tensor.New(1, out[0][0], 1)
		l.Forward(&layers.Context{}, []*tensor.Tensor{x}, []*tensor.Tensor{y})
		fmt.Printf("%-5s %v  (%s)\n", pad, y.Data, l.Geometry().Formula)
	}
	// Output:
	// valid [1 1 12 2 23 3 30]  (O = (W - 1)*S + K + output_padding = (3 - 1)*2 + 3 + 0 = 7)
	// same  [1 1 12 2 23 3]  (O = W*S = 3*2 = 6)
}
