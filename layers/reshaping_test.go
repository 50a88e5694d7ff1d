package layers_test

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/internal/gradcheck"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

func TestReshapingGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for trial := 0; trial < 24; trial++ {
		steps, ch, batch := 3+rng.IntN(6), 1+rng.IntN(4), 1+rng.IntN(3)
		var l layers.Layer
		switch trial % 4 {
		case 0:
			l = layers.NewZeroPadding1D(rng.IntN(3), rng.IntN(4))
		case 1:
			l = layers.NewCropping1D(rng.IntN(2), rng.IntN(2))
		case 2:
			l = layers.NewUpSampling1D(1 + rng.IntN(3))
		default:
			l = layers.NewReshape(-1, steps)
		}
		if err := gradcheck.Check(l, []layers.Shape{{steps, ch}}, batch, uint64(trial), gradcheck.Options{MaxChecks: 100}); err != nil {
			t.Fatalf("%s %+v on (%d, %d, %d): %v", l.ClassName(), l, batch, steps, ch, err)
		}
	}
}

func TestReshapingValues(t *testing.T) {
	x := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 1, 3, 2)
	cases := []struct {
		l     layers.Layer
		shape []int
		want  []float32
	}{
		{layers.NewZeroPadding1D(1, 2), []int{1, 6, 2}, []float32{0, 0, 1, 2, 3, 4, 5, 6, 0, 0, 0, 0}},
		{layers.NewCropping1D(1, 1), []int{1, 1, 2}, []float32{3, 4}},
		{layers.NewCropping1D(0, 2), []int{1, 1, 2}, []float32{1, 2}},
		{layers.NewUpSampling1D(2), []int{1, 6, 2}, []float32{1, 2, 1, 2, 3, 4, 3, 4, 5, 6, 5, 6}},
		{layers.NewReshape(2, -1), []int{1, 2, 3}, []float32{1, 2, 3, 4, 5, 6}},
		{layers.NewReshape(6), []int{1, 6}, []float32{1, 2, 3, 4, 5, 6}},
	}
	for _, c := range cases {
		y := run(t, c.l, nil, x)
		if !reflect.DeepEqual(y.Shape, c.shape) || !reflect.DeepEqual(y.Data, c.want) {
			t.Errorf("%s: %v %v, want %v %v", c.l.ClassName(), y.Shape, y.Data, c.shape, c.want)
		}
	}
}

func TestReshapingErrorsAndConfig(t *testing.T) {
	bad := []struct {
		l    layers.Layer
		in   layers.Shape
		want string
	}{
		{layers.NewCropping1D(2, 1), layers.Shape{3, 2}, "only 3"},
		{layers.NewCropping1D(-1, 0), layers.Shape{3, 2}, "non-negative"},
		{layers.NewZeroPadding1D(1, 1), layers.Shape{3}, "(batch, steps, channels)"},
		{layers.NewUpSampling1D(0), layers.Shape{3, 2}, "positive"},
		{layers.NewReshape(4, -1), layers.Shape{3, 2}, "not a multiple of 4"},
		{layers.NewReshape(-1, -1), layers.Shape{3, 2}, "more than one -1"},
		{layers.NewReshape(5), layers.Shape{3, 2}, "has 6 values per sample"},
	}
	for _, c := range bad {
		_, err := c.l.Build([]layers.Shape{c.in}, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s on %v: %v, want %q", c.l.ClassName(), c.in, err, c.want)
		}
	}
	zp := checkRoundTrip(t, layers.NewZeroPadding1D(2, 3)).(*layers.ZeroPadding1D)
	cr := checkRoundTrip(t, layers.NewCropping1D(1, 0)).(*layers.Cropping1D)
	up := checkRoundTrip(t, layers.NewUpSampling1D(3)).(*layers.UpSampling1D)
	rs := checkRoundTrip(t, layers.NewReshape(-1, 4)).(*layers.Reshape)
	if zp.Left != 2 || zp.Right != 3 || cr.Left != 1 || cr.Right != 0 || up.Size != 3 || !reflect.DeepEqual(rs.TargetShape, []int{-1, 4}) {
		t.Fatalf("%+v %+v %+v %+v", zp, cr, up, rs)
	}
	// Keras defaults and the single-integer forms.
	l, err := layers.FromConfig("ZeroPadding1D", layers.Config{"padding": 2.0})
	if err != nil || l.(*layers.ZeroPadding1D).Left != 2 || l.(*layers.ZeroPadding1D).Right != 2 {
		t.Fatalf("padding=2: %+v %v", l, err)
	}
	l, err = layers.FromConfig("cropping1d", nil)
	if err != nil || l.(*layers.Cropping1D).Left != 1 || l.(*layers.Cropping1D).Right != 1 {
		t.Fatalf("default cropping: %+v %v", l, err)
	}
	l, err = layers.FromConfig("up_sampling1d", nil)
	if err != nil || l.(*layers.UpSampling1D).Size != 2 {
		t.Fatalf("default size: %+v %v", l, err)
	}
	if _, err := layers.FromConfig("Reshape", nil); err == nil {
		t.Fatal("Reshape without target_shape accepted")
	}
	if _, err := layers.FromConfig("ZeroPadding1D", layers.Config{"padding": []any{1.0, 2.0, 3.0}}); err == nil {
		t.Fatal("3-element padding accepted")
	}
}
