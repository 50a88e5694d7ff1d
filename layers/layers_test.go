package layers_test

import (
	"fmt"
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
		in := []layers.Shape{{length, groups * (1 + rng.IntN(3))}}
		name := fmt.Sprintf("k%d s%d d%d g%d %s %s in%v", k, stride, dil, groups, pad, act, in[0])
		if err := gradcheck.Check(c, in, 1+rng.IntN(3), uint64(trial), gradcheck.Options{}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// TestConv1DSameLengthGradients covers the unpadded path that 'same' and
// 'causal' Conv1D layers with stride 1 take in both directions, on sizes
// where the GEMMs use their micro-kernels, with a frozen kernel now and
// then (the input gradient must still flow).
func TestConv1DSameLengthGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for trial := 0; trial < 16; trial++ {
		pad := []string{"same", "causal"}[trial%2]
		k := 2 + rng.IntN(4)
		act := []string{"linear", "relu", "tanh"}[rng.IntN(3)]
		c := layers.NewConv1D(5+rng.IntN(30), k, layers.Padding(pad), layers.ConvActivation(act))
		c.Frozen = trial%8 == 7
		in := []layers.Shape{{k + rng.IntN(20), 1 + rng.IntN(24)}}
		name := fmt.Sprintf("k%d %s %s frozen=%v in%v", k, pad, act, c.Frozen, in[0])
		if err := gradcheck.Check(c, in, 1+rng.IntN(4), uint64(100+trial), gradcheck.Options{}); err != nil {
			t.Fatalf("%s: %v", name, err)
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
