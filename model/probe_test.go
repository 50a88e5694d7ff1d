package model

import (
	"math"
	"testing"

	"github.com/seqnet/seqnet/tensor"
)

// TestGradientsMatchFiniteDifferences checks d(output unit)/d(input) of a
// whole model against central differences of Predict.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	m := smallNet(t, 11)
	x, _ := data(9, 3)
	p, err := m.Gradients([]*tensor.Tensor{x}, 0, 1, "conv1d")
	if err != nil {
		t.Fatal(err)
	}
	if p.Taps["conv1d"].Value.Shape[2] != 4 || p.Taps["conv1d"].Grad == nil {
		t.Fatalf("tap shape %v", p.Taps["conv1d"].Value.Shape)
	}
	g := p.InputGrads[0]
	for _, i := range []int{0, 5, 17, 40, 77, 100} {
		orig := x.Data[i]
		h := float32(1e-2)
		x.Data[i] = orig + h
		yp, _ := m.Predict(x, 0)
		x.Data[i] = orig - h
		ym, _ := m.Predict(x, 0)
		x.Data[i] = orig
		b := i / 36
		num := (float64(yp.Data[b*2+1]) - float64(ym.Data[b*2+1])) / (2 * float64(h))
		if math.Abs(num-float64(g.Data[i])) > 2e-2*(1+math.Abs(num)) {
			t.Errorf("input grad[%d] = %g, numeric %g", i, g.Data[i], num)
		}
	}
	if _, err := m.Gradients([]*tensor.Tensor{x}, 0, 5); err == nil {
		t.Error("unit 5 of a 2-unit output accepted")
	}
	if _, err := m.Gradients([]*tensor.Tensor{x}, 0, 0, "nope"); err == nil {
		t.Error("unknown tap accepted")
	}
}
