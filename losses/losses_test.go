package losses

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seqnet/seqnet/tensor"
)

// checkGrad compares Compute's gradient with central differences in
// float64 on the loss's own (float64) arithmetic.
func checkGrad(t *testing.T, l Loss, yTrue, yPred *tensor.Tensor) {
	t.Helper()
	grad := tensor.New(yPred.Shape...)
	l.Compute(yTrue, yPred, grad)
	for i := range yPred.Data {
		orig := yPred.Data[i]
		h := float32(1e-3) * max(1, float32(math.Abs(float64(orig))))
		yPred.Data[i] = orig + h
		hp := float64(yPred.Data[i])
		lp := l.Compute(yTrue, yPred, nil)
		yPred.Data[i] = orig - h
		hm := float64(yPred.Data[i])
		lm := l.Compute(yTrue, yPred, nil)
		yPred.Data[i] = orig
		num := (lp - lm) / (hp - hm)
		if math.Abs(num-float64(grad.Data[i])) > 2e-3*(1+math.Abs(num)) {
			t.Errorf("%s: grad[%d] = %g, numeric %g", l.Name(), i, grad.Data[i], num)
		}
	}
}

func TestLossGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	rows, classes := 5, 3
	y := tensor.New(rows, classes)
	p := tensor.New(rows, classes)
	prob := tensor.New(rows, classes)
	onehot := tensor.New(rows, classes)
	sparse := tensor.New(rows)
	for r := 0; r < rows; r++ {
		var s float64
		for c := 0; c < classes; c++ {
			y.Data[r*classes+c] = float32(rng.NormFloat64())
			p.Data[r*classes+c] = float32(rng.NormFloat64())
			v := 0.1 + rng.Float64()
			prob.Data[r*classes+c] = float32(v)
			s += v
		}
		k := rng.IntN(classes)
		onehot.Data[r*classes+k] = 1
		sparse.Data[r] = float32(k)
	}
	bin := tensor.New(rows, classes)
	for i := range bin.Data {
		bin.Data[i] = float32(rng.IntN(2))
	}
	checkGrad(t, MSE(), y, p)
	checkGrad(t, MAE(), y, p)
	checkGrad(t, Huber(1), y, p)
	checkGrad(t, BinaryCrossentropy(true), bin, p)
	sig := tensor.New(rows, classes)
	for i := range sig.Data {
		sig.Data[i] = float32(0.05 + 0.9*rng.Float64())
	}
	checkGrad(t, BinaryCrossentropy(false), bin, sig)
	checkGrad(t, CategoricalCrossentropy(false), onehot, prob)
	checkGrad(t, CategoricalCrossentropy(true), onehot, p)
	checkGrad(t, SparseCategoricalCrossentropy(false), sparse, prob)
	checkGrad(t, SparseCategoricalCrossentropy(true), sparse, p)
}

func TestLossValues(t *testing.T) {
	y := tensor.FromSlice([]float32{1, 0, 2, 3}, 2, 2)
	p := tensor.FromSlice([]float32{1, 2, 0, 3.5}, 2, 2)
	if v := MAE().Compute(y, p, nil); math.Abs(v-(0+2+2+0.5)/4) > 1e-9 {
		t.Errorf("mae %g", v)
	}
	if v := MSE().Compute(y, p, nil); math.Abs(v-(0+4+4+0.25)/4) > 1e-9 {
		t.Errorf("mse %g", v)
	}
	// huber(1): 0, 1.5, 1.5, 0.125
	if v := Huber(1).Compute(y, p, nil); math.Abs(v-(0+1.5+1.5+0.125)/4) > 1e-9 {
		t.Errorf("huber %g", v)
	}
	// MAE's gradient is 0 at a zero residual.
	g := tensor.New(2, 2)
	MAE().Compute(y, p, g)
	if g.Data[0] != 0 || g.Data[1] != 0.25 || g.Data[2] != -0.25 {
		t.Errorf("mae grad %v", g.Data)
	}
	// BCE clips probabilities at 1e-7: p=0 for t=1 gives -log(1e-7).
	b := BinaryCrossentropy(false).Compute(tensor.FromSlice([]float32{1}, 1, 1), tensor.FromSlice([]float32{0}, 1, 1), nil)
	if math.Abs(b-(-math.Log(1e-7))) > 1e-6 {
		t.Errorf("bce clip %g", b)
	}
	// CCE renormalises rows: [2, 2] is [0.5, 0.5].
	c := CategoricalCrossentropy(false).Compute(tensor.FromSlice([]float32{1, 0}, 1, 2), tensor.FromSlice([]float32{2, 2}, 1, 2), nil)
	if math.Abs(c-math.Log(2)) > 1e-7 {
		t.Errorf("cce %g", c)
	}
}

func TestAccuracyIsPickedLikeKeras(t *testing.T) {
	cases := []struct {
		loss       Loss
		yTrue, yPr []int
		want       string
	}{
		{BinaryCrossentropy(false), []int{1}, []int{1}, "binary"},
		{CategoricalCrossentropy(false), []int{3}, []int{3}, "categorical"},
		{SparseCategoricalCrossentropy(false), []int{1}, []int{3}, "sparse"},
		{MSE(), []int{1}, []int{1}, "binary"},
		{MSE(), []int{1}, []int{4}, "sparse"},
		{MSE(), []int{4}, []int{4}, "categorical"},
	}
	for _, c := range cases {
		m, err := GetMetric("accuracy", c.loss, c.yTrue, c.yPr)
		if err != nil {
			t.Fatal(err)
		}
		if kind := m.(metricFunc).kind; kind != c.want {
			t.Errorf("%s %v %v: got %s accuracy, want %s", c.loss.Name(), c.yTrue, c.yPr, kind, c.want)
		}
	}
	// And they count as they should.
	s, n := SparseCategoricalAccuracy().Measure(tensor.FromSlice([]float32{1, 2}, 2, 1),
		tensor.FromSlice([]float32{0.1, 0.8, 0.1, 0.5, 0.3, 0.2}, 2, 3))
	if s/n != 0.5 {
		t.Errorf("sparse accuracy %g, want 0.5", s/n)
	}
	s, n = BinaryAccuracy().Measure(tensor.FromSlice([]float32{1, 0, 1, 1}, 4, 1), tensor.FromSlice([]float32{0.6, 0.4, 0.4, 0.9}, 4, 1))
	if s/n != 0.75 {
		t.Errorf("binary accuracy %g, want 0.75", s/n)
	}
}
