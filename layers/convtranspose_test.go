package layers_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/internal/conv"
	"github.com/seqnet/seqnet/internal/gradcheck"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// convVariantCase draws a random odd-sized configuration.
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
