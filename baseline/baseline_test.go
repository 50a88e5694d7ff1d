package baseline

import (
	"math"
	"strings"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func sameFloats(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values %v, want %d %v", what, len(got), got, len(want), want)
	}
	for i := range got {
		if !near(got[i], want[i]) {
			t.Fatalf("%s: %v, want %v", what, got, want)
		}
	}
}

func TestPersistenceAndSeasonalNaive(t *testing.T) {
	y := []float64{1, 2, 4, 7, 11}
	p, err := Persistence(y, []int{2, 4}, 1)
	if err != nil {
		t.Fatal(err)
	}
	sameFloats(t, "persistence h=1", p, []float64{2, 7})
	p, _ = Persistence(y, []int{4}, 2)
	sameFloats(t, "persistence h=2", p, []float64{4})
	s, err := SeasonalNaive(y, []int{2, 3, 4}, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	sameFloats(t, "seasonal naive m=2", s, []float64{1, 2, 4})
	// Horizon 3 with season 2: two seasons back.
	s, _ = SeasonalNaive(y, []int{4}, 3, 2)
	sameFloats(t, "seasonal naive m=2 h=3", s, []float64{1})
	if _, err := SeasonalNaive(y, []int{3}, 3, 2); err == nil || !strings.Contains(err.Error(), "row -1") {
		t.Errorf("a row before the series: error %v, want one naming row -1", err)
	}
	if _, err := Persistence(y, []int{1}, 0); err == nil {
		t.Error("horizon 0 accepted")
	}
}

func TestRidgeHandComputed(t *testing.T) {
	x := []float64{0, 1, 2, 3}
	y := []float64{1, 3, 5, 7}
	m, err := FitRidge(x, 4, 1, y, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	sameFloats(t, "alpha 0 weights", append(m.W, m.B...), []float64{2, 1})
	// Centred x: ±1.5, ±0.5, Sxx = 5, Sxy = 10: w = 10/(5+5) = 1,
	// b = mean(y) - mean(x)·w = 4 - 1.5 = 2.5.
	m, err = FitRidge(x, 4, 1, y, 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	sameFloats(t, "alpha 5 weights", append(m.W, m.B...), []float64{1, 2.5})
	sameFloats(t, "alpha 5 predictions", m.Predict([]float64{10, -1}, 2), []float64{12.5, 1.5})
}

func TestRidgeTwoOutputs(t *testing.T) {
	// y0 = 1 + 2a - 3b, y1 = a + b - 4, exactly.
	x := []float64{0, 0, 1, 0, 0, 1, 2, 1, 3, 5}
	var y []float64
	for r := 0; r < 5; r++ {
		a, b := x[2*r], x[2*r+1]
		y = append(y, 1+2*a-3*b, a+b-4)
	}
	m, err := FitRidge(x, 5, 2, y, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	sameFloats(t, "W", m.W, []float64{2, 1, -3, 1})
	sameFloats(t, "B", m.B, []float64{1, -4})
	// A repeated column makes alpha 0 singular: a clear error.
	dup := []float64{1, 1, 2, 2, 3, 3}
	if _, err := FitRidge(dup, 3, 2, []float64{1, 2, 3}, 1, 0); err == nil || !strings.Contains(err.Error(), "singular") {
		t.Errorf("duplicate columns with alpha 0: error %v, want singular", err)
	}
	if _, err := FitRidge(dup, 3, 2, []float64{1, 2}, 1, 0); err == nil {
		t.Error("mismatched y length accepted")
	}
}

func TestSelectRidgeChoosesOnValidation(t *testing.T) {
	// Training: y = 2x exactly; validation from the same line: alpha 0
	// (no shrinkage) has zero validation error and wins.
	x := []float64{0, 1, 2, 3}
	y := []float64{0, 2, 4, 6}
	m, err := SelectRidge(x, 4, 1, y, 1, []float64{4, 5}, 2, []float64{8, 10})
	if err != nil {
		t.Fatal(err)
	}
	if m.Alpha != 0 {
		t.Errorf("alpha %g chosen, want 0", m.Alpha)
	}
	// Validation targets flat at the training mean: the largest penalty
	// (most shrinkage towards the mean) wins.
	m, err = SelectRidge(x, 4, 1, y, 1, []float64{4, 5}, 2, []float64{3, 3})
	if err != nil {
		t.Fatal(err)
	}
	if want := RidgeAlphas[len(RidgeAlphas)-1] * 5 / 1; !near(m.Alpha, want) {
		t.Errorf("alpha %g chosen, want %g (the largest)", m.Alpha, want)
	}
}

func TestMajority(t *testing.T) {
	if c, _ := Majority([]int{2, 0, 2, 1}, 3); c != 2 {
		t.Errorf("majority %d, want 2", c)
	}
	if c, _ := Majority([]int{1, 0}, 2); c != 0 {
		t.Errorf("tie: %d, want the smaller index 0", c)
	}
	if _, err := Majority([]int{3}, 2); err == nil {
		t.Error("label 3 of 2 classes accepted")
	}
}

func TestNaiveBayesHandComputed(t *testing.T) {
	docs := [][]int{{1, 1, 2}, {3}, {0, 3}}
	nb, err := FitNaiveBayes(docs, []int{0, 1, 1}, 2, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Class 0: 3 tokens (1, 1, 2); class 1: 2 tokens (3, 3; 0 is padding).
	sameFloats(t, "priors", nb.LogPrior, []float64{math.Log(1.0 / 3), math.Log(2.0 / 3)})
	sameFloats(t, "class 0", nb.LogLik[0], []float64{math.Log(1.0 / 7), math.Log(3.0 / 7), math.Log(2.0 / 7), math.Log(1.0 / 7)})
	sameFloats(t, "class 1", nb.LogLik[1], []float64{math.Log(1.0 / 6), math.Log(1.0 / 6), math.Log(1.0 / 6), math.Log(3.0 / 6)})
	// {1}: log(1/3)+log(3/7) = -1.946 against log(2/3)+log(1/6) = -2.197.
	if c := nb.Predict([]int{1}); c != 0 {
		t.Errorf("predict {1}: %d, want 0", c)
	}
	if c := nb.Predict([]int{3, 0, 9}); c != 1 {
		t.Errorf("predict {3}: %d, want 1", c)
	}
}

func TestLogisticGradientHandComputed(t *testing.T) {
	m := &Logistic{Features: 1, Classes: 2, W: []float64{0, 0}, B: []float64{0, 0}}
	x := []Sparse{Dense([]float64{1}), Dense([]float64{2})}
	// At zero weights p = ½ each: gW = ½(1·(½-1) + 2·½, 1·½ + 2·(½-1)).
	sameFloats(t, "gradient", m.Gradient(x, []int{0, 1}, 1), []float64{0.25, -0.25, 0, 0})
	m.W = []float64{1, 0}
	// Sample 1: z = (1, 0), p0 = e/(e+1); sample 2: z = (2, 0).
	p1, p2 := math.E/(math.E+1), math.Exp(2)/(math.Exp(2)+1)
	g := m.Gradient(x, []int{0, 1}, 2)
	want := []float64{(1*(p1-1)+2*p2)/2 + 1.0/(2*2), (1*(1-p1) + 2*(1-p2-1)) / 2, (p1 - 1 + p2) / 2, (1 - p1 + 1 - p2 - 1) / 2}
	sameFloats(t, "gradient at W=(1,0), C=2", g, want)
}

func TestLogisticFits(t *testing.T) {
	// Three classes told apart by which feature is present.
	var x []Sparse
	var y []int
	for i := 0; i < 30; i++ {
		c := i % 3
		x = append(x, Sparse{Index: []int{c, 3}, Value: []float64{1, float64(i%5) * 0.1}})
		y = append(y, c)
	}
	m, err := FitLogistic(x, y, 4, 3, LogisticOptions{Iterations: 2000})
	if err != nil {
		t.Fatal(err)
	}
	pred := make([]int, len(x))
	for i := range x {
		pred[i] = m.Predict(x[i])
	}
	if a := Accuracy(pred, y); a != 1 {
		t.Errorf("training accuracy %g, want 1", a)
	}
	// At the optimum of the penalised objective the gradient vanishes.
	for i, g := range m.Gradient(x, y, 1) {
		if math.Abs(g) > 1e-4 {
			t.Fatalf("gradient[%d] = %g after fitting, want ≈ 0", i, g)
		}
	}
	if _, err := FitLogistic([]Sparse{{Index: []int{5}, Value: []float64{1}}}, []int{0}, 4, 2, LogisticOptions{}); err == nil {
		t.Error("feature 5 of 4 accepted")
	}
}

func TestBagOfWordsAndMetrics(t *testing.T) {
	b := BagOfWords([]int{0, 4, 4, 2})
	if len(b.Index) != 3 || b.Index[0] != 4 || b.Index[2] != 2 {
		t.Errorf("bag of words %v", b)
	}
	if a := Accuracy([]int{1, 0, 1, 1}, []int{1, 1, 1, 0}); a != 0.5 {
		t.Errorf("accuracy %g", a)
	}
	if e := MAE([]float64{1, 2}, []float64{2, 4}); e != 1.5 {
		t.Errorf("MAE %g", e)
	}
	if e := MSE([]float64{1, 2}, []float64{2, 4}); e != 2.5 {
		t.Errorf("MSE %g", e)
	}
}

func TestRidgeNoInterceptHandComputed(t *testing.T) {
	// x = (1, 2), y = (2, 5): XᵀX = 5, Xᵀy = 12; alpha 1: w = 12/6 = 2.
	m, err := FitRidgeNoIntercept([]float64{1, 2}, 2, 1, []float64{2, 5}, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	sameFloats(t, "no intercept", append(m.W, m.B...), []float64{2, 0})
}
