package layers_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/internal/gradcheck"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

func TestConcatenateGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for trial := 0; trial < 20; trial++ {
		n := 1 + rng.IntN(3)
		steps, ch := 1+rng.IntN(6), 1+rng.IntN(5)
		axis := []int{-1, 1, 2, -2}[trial%4]
		var in []layers.Shape
		for i := 0; i < n; i++ {
			s := layers.Shape{steps, ch}
			s[(axis+3)%3-1] = 1 + rng.IntN(5) // the joined axis varies per input
			in = append(in, s)
		}
		if trial%5 == 4 { // rank-1 samples, as after global pooling
			axis = -1
			in = nil
			for i := 0; i < n; i++ {
				in = append(in, layers.Shape{1 + rng.IntN(6)})
			}
		}
		c := layers.NewConcatenate(axis)
		if err := gradcheck.Check(c, in, 1+rng.IntN(3), uint64(trial), gradcheck.Options{MaxChecks: 100}); err != nil {
			t.Fatalf("axis %d in %v: %v", axis, in, err)
		}
	}
}

func TestConcatenateValuesAndMasks(t *testing.T) {
	a := tensor.FromSlice([]float32{1, 2, 3, 4}, 1, 2, 2)
	b := tensor.FromSlice([]float32{5, 6}, 1, 2, 1)
	y := run(t, layers.NewConcatenate(-1), nil, a, b)
	if !reflect.DeepEqual(y.Shape, []int{1, 2, 3}) || !reflect.DeepEqual(y.Data, []float32{1, 2, 5, 3, 4, 6}) {
		t.Fatalf("axis -1: %v %v", y.Shape, y.Data)
	}
	c := tensor.FromSlice([]float32{7, 8}, 1, 1, 2)
	c.Mask = []bool{false}
	y = run(t, layers.NewConcatenate(1), nil, a, c)
	if !reflect.DeepEqual(y.Shape, []int{1, 3, 2}) || !reflect.DeepEqual(y.Data, []float32{1, 2, 3, 4, 7, 8}) {
		t.Fatalf("axis 1: %v %v", y.Shape, y.Data)
	}
	if !reflect.DeepEqual(y.Mask, []bool{true, true, false}) {
		t.Fatalf("steps mask %v", y.Mask)
	}
	a.Mask, b.Mask = []bool{true, false}, []bool{false, false}
	y = run(t, layers.NewConcatenate(-1), nil, a, b)
	if !reflect.DeepEqual(y.Mask, []bool{true, false}) {
		t.Fatalf("channels mask %v", y.Mask)
	}
	b.Mask = nil
	if y = run(t, layers.NewConcatenate(-1), nil, a, b); y.Mask != nil {
		t.Fatalf("mask %v with an unmasked input", y.Mask)
	}
}

func TestConcatenateErrors(t *testing.T) {
	_, err := layers.NewConcatenate(-1).Build([]layers.Shape{{10, 4}, {9, 5}, {10, 2}}, nil)
	if err == nil {
		t.Fatal("mismatched steps accepted")
	}
	for _, w := range []string{"(None, 10, 4), (None, 9, 5), (None, 10, 2)", "axis 1"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	for _, c := range []struct {
		axis int
		in   []layers.Shape
	}{{0, []layers.Shape{{2, 3}, {2, 3}}}, {3, []layers.Shape{{2, 3}, {2, 3}}}, {-1, []layers.Shape{{2, 3}, {3}}}, {-1, nil}} {
		if _, err := layers.NewConcatenate(c.axis).Build(c.in, nil); err == nil {
			t.Errorf("axis %d on %v accepted", c.axis, c.in)
		}
	}
	l := checkRoundTrip(t, layers.NewConcatenate(1)).(*layers.Concatenate)
	if l.Axis != 1 {
		t.Fatal(l.Axis)
	}
	if l, err := layers.FromConfig("concatenate", nil); err != nil || l.(*layers.Concatenate).Axis != -1 {
		t.Fatalf("default axis: %v %v", l, err)
	}
}

func TestMergeGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	makers := []func() *layers.Merge{layers.NewAdd, layers.NewSubtract, layers.NewMultiply, layers.NewAverage}
	for trial := 0; trial < 40; trial++ {
		m := makers[trial%4]()
		n := 1 + rng.IntN(4)
		if m.ClassName() == "Subtract" {
			n = 2
		}
		full := layers.Shape{1 + rng.IntN(6), 1 + rng.IntN(5)}
		var in []layers.Shape
		for i := 0; i < n; i++ {
			s := append(layers.Shape(nil), full...)
			switch rng.IntN(4) {
			case 0:
				s[0] = 1 // broadcast over steps, e.g. a per-sample gate
			case 1:
				s[1] = 1 // broadcast over channels, e.g. attention weights
			case 2:
				s = s[1:] // lower rank: leading axis of size 1
			}
			in = append(in, s)
		}
		name := fmt.Sprintf("%s %v", m.ClassName(), in)
		if err := gradcheck.Check(m, in, 1+rng.IntN(3), uint64(trial), gradcheck.Options{MaxChecks: 100}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

func TestMergeValues(t *testing.T) {
	a := tensor.FromSlice([]float32{1, 2, 3, 4}, 1, 2, 2)
	b := tensor.FromSlice([]float32{10, 20, 30, 40}, 1, 2, 2)
	w := tensor.FromSlice([]float32{0, 2}, 1, 2, 1)
	cases := []struct {
		l    *layers.Merge
		in   []*tensor.Tensor
		want []float32
	}{
		{layers.NewAdd(), []*tensor.Tensor{a, b, a}, []float32{12, 24, 36, 48}},
		{layers.NewSubtract(), []*tensor.Tensor{b, a}, []float32{9, 18, 27, 36}},
		{layers.NewMultiply(), []*tensor.Tensor{a, b}, []float32{10, 40, 90, 160}},
		{layers.NewAverage(), []*tensor.Tensor{a, b}, []float32{5.5, 11, 16.5, 22}},
		{layers.NewMultiply(), []*tensor.Tensor{a, w}, []float32{0, 0, 6, 8}},
	}
	for _, c := range cases {
		y := run(t, c.l, nil, c.in...)
		if !close32(y.Data, c.want) {
			t.Errorf("%s: %v, want %v", c.l.ClassName(), y.Data, c.want)
		}
	}
	// Multiply's gradient with a zero factor (no division by the input).
	m := layers.NewMultiply()
	ctx := &layers.Context{}
	z := tensor.FromSlice([]float32{0, 3}, 1, 2)
	v := tensor.FromSlice([]float32{5, 7}, 1, 2)
	y := run(t, m, ctx, z, v)
	dz, dv := tensor.New(1, 2), tensor.New(1, 2)
	m.Backward(ctx, []*tensor.Tensor{z, v}, []*tensor.Tensor{y}, []*tensor.Tensor{tensor.FromSlice([]float32{1, 1}, 1, 2)}, []*tensor.Tensor{dz, dv})
	if !reflect.DeepEqual(dz.Data, []float32{5, 7}) || !reflect.DeepEqual(dv.Data, []float32{0, 3}) {
		t.Fatalf("dz %v dv %v", dz.Data, dv.Data)
	}
	// Masks: or of the input masks, nil when one input is unmasked.
	a.Mask, b.Mask = []bool{true, false}, []bool{false, false}
	if y := run(t, layers.NewAdd(), nil, a, b); !reflect.DeepEqual(y.Mask, []bool{true, false}) {
		t.Fatalf("mask %v", y.Mask)
	}
	if y := run(t, layers.NewAdd(), nil, a, w); y.Mask != nil {
		t.Fatalf("mask %v with an unmasked input", y.Mask)
	}
}

func TestMergeErrorsAndConfig(t *testing.T) {
	_, err := layers.NewAdd().Build([]layers.Shape{{10, 4}, {10, 5}}, nil)
	if err == nil || !strings.Contains(err.Error(), "(None, 10, 4), (None, 10, 5)") {
		t.Fatalf("mismatch: %v", err)
	}
	if _, err := layers.NewSubtract().Build([]layers.Shape{{3}, {3}, {3}}, nil); err == nil {
		t.Fatal("Subtract of 3 inputs accepted")
	}
	for _, m := range []*layers.Merge{layers.NewAdd(), layers.NewSubtract(), layers.NewMultiply(), layers.NewAverage()} {
		checkRoundTrip(t, m)
	}
	if _, err := layers.FromConfig("Add", layers.Config{"axis": 1.0}); err == nil {
		t.Fatal("unknown option accepted")
	}
}
