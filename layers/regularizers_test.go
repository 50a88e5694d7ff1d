package layers_test

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// checkPenaltyGradient compares the gradient Penalty adds into grad with
// central differences of the penalty itself.
func checkPenaltyGradient(t *testing.T, name string, r layers.Regularizer, w *tensor.Tensor) {
	t.Helper()
	grad := tensor.New(w.Shape...)
	for i := range grad.Data {
		grad.Data[i] = 0.25 // Penalty adds (+=) into grad
	}
	p0 := r.Penalty(w, grad)
	if p1 := r.Penalty(w, nil); p1 != p0 {
		t.Fatalf("%s: penalty %g with a gradient, %g without", name, p0, p1)
	}
	const h = 1e-3
	for i := range w.Data {
		x := w.Data[i]
		w.Data[i] = x + h
		hi, up := r.Penalty(w, nil), float64(w.Data[i])
		w.Data[i] = x - h
		lo, down := r.Penalty(w, nil), float64(w.Data[i])
		w.Data[i] = x
		num := (hi - lo) / (up - down)
		got := float64(grad.Data[i]) - 0.25
		if math.Abs(got-num) > 2e-3*math.Max(1, math.Abs(num)) {
			t.Fatalf("%s: d/dw[%d] = %g, finite differences give %g", name, i, got, num)
		}
	}
}

func TestWeightRegularizers(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	w := randWeight(rng, 1.5, 5, 3, 2)
	var abs, sq float64
	for _, v := range w.Data {
		abs += math.Abs(float64(v))
		sq += float64(v) * float64(v)
	}
	for _, c := range []struct {
		name string
		r    layers.Regularizer
		want float64
	}{
		{"L1", layers.L1(0.03), 0.03 * abs},
		{"L2", layers.L2(0.02), 0.02 * sq}, // Keras 3: no ½
		{"L1L2", layers.L1L2(0.03, 0.02), 0.03*abs + 0.02*sq},
		{"L1L2 l2 only", layers.L1L2(0, 0.5), 0.5 * sq},
	} {
		if got := c.r.Penalty(w, nil); math.Abs(got-c.want) > 1e-9*c.want {
			t.Errorf("%s: penalty %g, want %g", c.name, got, c.want)
		}
		checkPenaltyGradient(t, c.name, c.r, cloneTensor(w))
	}
	// |w| has gradient 0 at 0 (TensorFlow's and JAX's sign(0)).
	z := tensor.FromSlice([]float32{0, -2, 3}, 3)
	g := tensor.New(3)
	if p := layers.L1L2(0.5, 0.25).Penalty(z, g); p != 0.5*5+0.25*13 || !reflect.DeepEqual(g.Data, []float32{0, -1.5, 2}) {
		t.Errorf("L1L2(0.5, 0.25) on %v: penalty %g, gradient %v", z.Data, p, g.Data)
	}
	// Keras' docstring example: L2(2) on ones(5, 5) is 50.
	ones := tensor.New(5, 5)
	for i := range ones.Data {
		ones.Data[i] = 1
	}
	if got := layers.L2(2).Penalty(ones, nil); got != 50 {
		t.Errorf("L2(2) on ones(5,5) = %g, want 50", got)
	}
}

// orthoReference is Keras' formula computed directly: normalize the rows
// (or columns), take all products, sum |off-diagonal| · factor · ½ / pairs.
func orthoReference(w *tensor.Tensor, factor float64, columns bool) float64 {
	r, c := w.Shape[0], w.Shape[1]
	get := func(i, j int) float64 { return float64(w.Data[i*c+j]) }
	n, m := r, c
	if columns {
		n, m = c, r
		get = func(i, j int) float64 { return float64(w.Data[j*c+i]) }
	}
	vec := make([][]float64, n)
	for i := range vec {
		var s float64
		for j := 0; j < m; j++ {
			s += get(i, j) * get(i, j)
		}
		vec[i] = make([]float64, m)
		for j := range vec[i] {
			vec[i][j] = get(i, j) / math.Max(math.Sqrt(s), 1e-7)
		}
	}
	var sum float64
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i != j {
				var p float64
				for k := 0; k < m; k++ {
					p += vec[i][k] * vec[j][k]
				}
				sum += math.Abs(p)
			}
		}
	}
	return factor * 0.5 * sum / (float64(n) * float64(n-1) / 2)
}

func TestOrthogonalRegularizer(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, shape := range [][2]int{{4, 3}, {3, 5}, {2, 7}, {6, 2}} {
		for _, mode := range []string{"rows", "columns"} {
			w := randWeight(rng, 1, shape[0], shape[1])
			r := layers.NewOrthogonalRegularizer(0.3, mode)
			want := orthoReference(w, 0.3, mode == "columns")
			if got := r.Penalty(w, nil); math.Abs(got-want) > 1e-9 {
				t.Errorf("%v %s: penalty %g, want %g", shape, mode, got, want)
			}
			checkPenaltyGradient(t, "orthogonal "+mode, r, w)
		}
	}
	// Orthogonal rows cost nothing.
	eye := tensor.FromSlice([]float32{1, 0, 0, 0, 2, 0}, 2, 3)
	if p := layers.NewOrthogonalRegularizer(1, "rows").Penalty(eye, nil); p != 0 {
		t.Errorf("orthogonal rows: penalty %g", p)
	}
}
