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

func TestConv1DGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 40; trial++ {
		pad := []string{"valid", "same", "causal"}[rng.IntN(3)]
		stride, dil := 1+rng.IntN(3), 1
		if rng.IntN(2) == 0 {
			stride, dil = 1, 1+rng.IntN(3)
		}
		groups := 1 + rng.IntN(2)
		k := 1 + rng.IntN(4)
		length := (k-1)*dil + 1 + rng.IntN(7)
		act := []string{"linear", "relu", "tanh", "sigmoid"}[rng.IntN(4)]
		c := layers.NewConv1D(groups*(1+rng.IntN(3)), k, layers.Strides(stride), layers.DilationRate(dil),
			layers.Padding(pad), layers.Groups(groups), layers.ConvActivation(act))
		if rng.IntN(3) == 0 {
			c.UseBias = false
		}
		c.Frozen = trial%7 == 6 // the input gradient still flows, on every path
		in := []layers.Shape{{length, groups * (1 + rng.IntN(3))}}
		name := fmt.Sprintf("k%d s%d d%d g%d %s %s frozen=%v in%v", k, stride, dil, groups, pad, act, c.Frozen, in[0])
		if err := gradcheck.Check(c, in, 1+rng.IntN(3), uint64(trial), gradcheck.Options{}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// TestConv1DWholeBatchGradients covers the whole-batch paths of stride-1
// Conv1D layers: the unpadded one of 'same' and 'causal' in both
// directions, and for 'valid' the row-mapped forward and the backward,
// on sizes where the GEMMs use their micro-kernels, with a frozen kernel
// now and then (the input gradient must still flow) and without bias.
// Relu is left to TestConv1DFusedRelu: with hundreds of units, some sit
// within a finite-difference step of the kink.
func TestConv1DWholeBatchGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for trial := 0; trial < 24; trial++ {
		pad := []string{"same", "causal", "valid"}[trial%3]
		k := 2 + rng.IntN(4)
		act := []string{"linear", "tanh", "sigmoid"}[rng.IntN(3)]
		c := layers.NewConv1D(5+rng.IntN(30), k, layers.Padding(pad), layers.ConvActivation(act))
		c.Frozen = trial%8 == 7
		c.UseBias = trial%5 != 4
		in := []layers.Shape{{k + rng.IntN(20), 1 + rng.IntN(24)}}
		name := fmt.Sprintf("k%d %s %s frozen=%v bias=%v in%v", k, pad, act, c.Frozen, c.UseBias, in[0])
		if err := gradcheck.Check(c, in, 1+rng.IntN(4), uint64(100+trial), gradcheck.Options{}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// TestConv1DFusedRelu: a Conv1D with relu, whose GEMMs add the bias and
// clamp each tile and whose backward writes dL/dz straight into the
// products' layout, gives the bits of the same Conv1D without activation
// followed by a relu Activation layer, forward and backward, on every
// padding.
func TestConv1DFusedRelu(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for trial := 0; trial < 18; trial++ {
		pad := []string{"same", "causal", "valid"}[trial%3]
		k, filters := 1+rng.IntN(5), 5+rng.IntN(40)
		steps, ch, batch := k+rng.IntN(40), 1+rng.IntN(30), 1+rng.IntN(5)
		fused := layers.NewConv1D(filters, k, layers.Padding(pad), layers.ConvActivation("relu"))
		plain := layers.NewConv1D(filters, k, layers.Padding(pad))
		relu := layers.NewActivation("relu")
		in := []layers.Shape{{steps, ch}}
		outShape, err := fused.Build(in, rand.New(rand.NewPCG(1, uint64(trial))))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := plain.Build(in, rand.New(rand.NewPCG(1, uint64(trial)))); err != nil {
			t.Fatal(err)
		}
		if _, err := relu.Build(outShape, nil); err != nil {
			t.Fatal(err)
		}
		for i, v := range fused.Bias().Value.Data {
			fused.Bias().Value.Data[i] = v + float32(rng.NormFloat64())
		}
		copy(plain.Bias().Value.Data, fused.Bias().Value.Data)
		copy(plain.Kernel().Value.Data, fused.Kernel().Value.Data)
		x := tensor.New(batch, steps, ch)
		for i := range x.Data {
			x.Data[i] = float32(rng.NormFloat64())
		}
		outDims := append([]int{batch}, outShape[0]...)
		y1, z2, y2 := tensor.New(outDims...), tensor.New(outDims...), tensor.New(outDims...)
		dy := tensor.New(outDims...)
		for i := range dy.Data {
			dy.Data[i] = float32(rng.NormFloat64())
		}
		c1, c2, c3 := &layers.Context{Training: true}, &layers.Context{Training: true}, &layers.Context{Training: true}
		fused.Forward(c1, []*tensor.Tensor{x}, []*tensor.Tensor{y1})
		plain.Forward(c2, []*tensor.Tensor{x}, []*tensor.Tensor{z2})
		relu.Forward(c3, []*tensor.Tensor{z2}, []*tensor.Tensor{y2})
		name := fmt.Sprintf("%s k%d filters %d in (%d, %d, %d)", pad, k, filters, batch, steps, ch)
		for i := range y1.Data {
			if math.Float32bits(y1.Data[i]) != math.Float32bits(y2.Data[i]) {
				t.Fatalf("%s: y[%d] = %v fused, %v apart", name, i, y1.Data[i], y2.Data[i])
			}
		}
		dx1, dz2, dx2 := tensor.New(batch, steps, ch), tensor.New(outDims...), tensor.New(batch, steps, ch)
		for _, p := range append(fused.Common().Params(), plain.Common().Params()...) {
			p.Grad.Zero()
		}
		fused.Backward(c1, []*tensor.Tensor{x}, []*tensor.Tensor{y1}, []*tensor.Tensor{dy}, []*tensor.Tensor{dx1})
		relu.Backward(c3, []*tensor.Tensor{z2}, []*tensor.Tensor{y2}, []*tensor.Tensor{dy}, []*tensor.Tensor{dz2})
		plain.Backward(c2, []*tensor.Tensor{x}, []*tensor.Tensor{z2}, []*tensor.Tensor{dz2}, []*tensor.Tensor{dx2})
		for _, pair := range [][2][]float32{
			{dx1.Data, dx2.Data},
			{fused.Kernel().Grad.Data, plain.Kernel().Grad.Data},
			{fused.Bias().Grad.Data, plain.Bias().Grad.Data},
		} {
			for i := range pair[0] {
				if math.Float32bits(pair[0][i]) != math.Float32bits(pair[1][i]) {
					t.Fatalf("%s: gradient element %d = %v fused, %v apart", name, i, pair[0][i], pair[1][i])
				}
			}
		}
	}
}

func TestDenseGradients(t *testing.T) {
	for i, act := range []string{"linear", "relu", "softmax", "gelu"} {
		d := layers.NewDense(3+i, act)
		in := []layers.Shape{{5, 7}}
		if i%2 == 1 {
			in = []layers.Shape{{9}}
		}
		if err := gradcheck.Check(d, in, 3, uint64(i), gradcheck.Options{}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestActivationGradients(t *testing.T) {
	for i, name := range layers.ActivationNames() {
		a := layers.NewActivation(name)
		if err := gradcheck.Check(a, []layers.Shape{{4, 5}}, 3, uint64(i), gradcheck.Options{}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestFlattenGradients(t *testing.T) {
	if err := gradcheck.Check(layers.NewFlatten(), []layers.Shape{{3, 5}}, 2, 1, gradcheck.Options{}); err != nil {
		t.Fatal(err)
	}
}

// TestConvOutputHandWorked pins the Keras/TensorFlow padding arithmetic on
// cases worked by hand.
func TestConvOutputHandWorked(t *testing.T) {
	cases := []struct {
		l, k, s, d       int
		pad              string
		out, left, right int
	}{
		{4, 2, 1, 1, "valid", 3, 0, 0},  // the tutorial: [0 3 4 5] * [1 2]
		{10, 3, 1, 1, "valid", 8, 0, 0}, // 10-3+1
		{10, 3, 2, 1, "valid", 4, 0, 0}, // floor(7/2)+1
		{10, 3, 3, 1, "valid", 3, 0, 0}, // floor(7/3)+1
		{10, 3, 1, 2, "valid", 6, 0, 0}, // k_eff 5: 10-5+1
		{10, 3, 1, 3, "valid", 4, 0, 0}, // k_eff 7
		{10, 3, 1, 1, "same", 10, 1, 1}, // total 2 (even)
		{10, 4, 1, 1, "same", 10, 1, 2}, // total 3 (odd): extra on the right
		{10, 3, 2, 1, "same", 5, 0, 1},  // out 5: (5-1)*2+3-10 = 1
		{10, 4, 3, 1, "same", 4, 1, 2},  // out 4: 3*3+4-10 = 3
		{11, 2, 3, 1, "same", 4, 0, 0},  // out 4: 9+2-11 = 0
		{10, 3, 1, 2, "same", 10, 2, 2}, // k_eff 5: total 4
		{10, 2, 1, 3, "same", 10, 1, 2}, // k_eff 4: total 3
		{10, 3, 1, 1, "causal", 10, 2, 0},
		{10, 3, 1, 2, "causal", 10, 4, 0},
		{10, 2, 1, 3, "causal", 10, 3, 0},
		{10, 3, 2, 1, "causal", 5, 2, 0}, // floor((10+2-3)/2)+1
		{10, 3, 3, 1, "causal", 4, 2, 0}, // floor(9/3)+1
		{16070, 10, 5, 1, "valid", 3213, 0, 0},
	}
	for _, c := range cases {
		g, err := layers.ConvOutput(c.l, c.k, c.s, c.d, c.pad)
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if g.OutLength != c.out || g.PadLeft != c.left || g.PadRight != c.right {
			t.Errorf("L=%d k=%d s=%d d=%d %s: got out %d pad %d/%d, want %d %d/%d", c.l, c.k, c.s, c.d, c.pad,
				g.OutLength, g.PadLeft, g.PadRight, c.out, c.left, c.right)
		}
	}
}

func TestConv1DRefusals(t *testing.T) {
	cases := []struct {
		c    *layers.Conv1D
		in   layers.Shape
		want string
	}{
		{layers.NewConv1D(128, 10, layers.Strides(5)), layers.Shape{1, 45}, "reshape it to (N, 45, 1)"},
		{layers.NewConv1D(4, 3, layers.Strides(2), layers.DilationRate(2)), layers.Shape{10, 1}, "strides > 1 together with dilation_rate > 1"},
		{layers.NewConv1D(3, 3, layers.Groups(2)), layers.Shape{10, 4}, "filters (3) must be divisible by groups (2)"},
		{layers.NewConv1D(4, 3, layers.Groups(2)), layers.Shape{10, 3}, "input channels (3) must be divisible by groups (2)"},
		{layers.NewConv1D(0, 3), layers.Shape{10, 3}, "filters=0"},
		{layers.NewConv1D(2, 0), layers.Shape{10, 3}, "kernel_size=0"},
		{layers.NewConv1D(2, 3, layers.Padding("full")), layers.Shape{10, 3}, `unknown padding "full"`},
		{layers.NewConv1D(2, 3, layers.ConvActivation("relux")), layers.Shape{10, 3}, `unknown activation "relux"`},
		{layers.NewConv1D(2, 3), layers.Shape{10}, "expects input of shape (batch, steps, channels)"},
	}
	for _, c := range cases {
		_, err := c.c.Build([]layers.Shape{c.in}, rand.New(rand.NewPCG(1, 1)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("input %v: error %v, want it to contain %q", c.in, err, c.want)
		}
	}
}

// TestTutorialConvolution: [0 3 4 5] * [1 2] = [6 11 14].
func TestTutorialConvolution(t *testing.T) {
	c := layers.NewConv1D(1, 2, layers.NoBias())
	if _, err := c.Build([]layers.Shape{{4, 1}}, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	copy(c.Kernel().Value.Data, []float32{1, 2})
	x := tensor.FromSlice([]float32{0, 3, 4, 5}, 1, 4, 1)
	y := tensor.New(1, 3, 1)
	c.Forward(&layers.Context{}, []*tensor.Tensor{x}, []*tensor.Tensor{y})
	if fmt.Sprint(y.Data) != "[6 11 14]" {
		t.Fatalf("got %v, want [6 11 14]", y.Data)
	}
}

// TestInitializerConfigNames: a zeros bias is written as Keras' Zeros, so
// that a layer rebuilt from its config starts the same way.
func TestInitializerConfigNames(t *testing.T) {
	cfg := layers.NewConv1D(2, 3).Config()
	if got := cfg["bias_initializer"].(map[string]any)["class_name"]; got != "Zeros" {
		t.Errorf("bias_initializer %v, want Zeros", got)
	}
	if got := cfg["kernel_initializer"].(map[string]any)["class_name"]; got != "GlorotUniform" {
		t.Errorf("kernel_initializer %v, want GlorotUniform", got)
	}
}
