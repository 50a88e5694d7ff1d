package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// vecLengths covers every remainder modulo 32 and several blocks of 32.
var vecLengths = func() []int {
	var ns []int
	for n := 0; n <= 70; n++ {
		ns = append(ns, n)
	}
	return append(ns, 127, 128, 1000, 1023)
}()

func TestAxpy(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(21, 22))
		for _, n := range vecLengths {
			x, y := randSlice(rng, n+2), randSlice(rng, n+2)
			want := append([]float32(nil), y...)
			for i := 0; i < n; i++ {
				want[i] += -1.25 * x[i]
			}
			Axpy(-1.25, x[:n], y[:n])
			for i := range y {
				// One rounding (fused) or two: within an ulp or so of y.
				if d := math.Abs(float64(y[i] - want[i])); d > 2.4e-7*(math.Abs(float64(want[i]))+1.25*math.Abs(float64(x[i]))) {
					t.Fatalf("n=%d: y[%d] = %v, want %v", n, i, y[i], want[i])
				}
			}
			if y[n] != want[n] || y[n+1] != want[n+1] {
				t.Fatalf("n=%d: Axpy wrote past the end of y", n)
			}
		}
	})
}

func TestDot(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(23, 24))
		for _, n := range vecLengths {
			x, y := randSlice(rng, n), randSlice(rng, n)
			var want, bound float64
			for i := range x {
				want += float64(x[i]) * float64(y[i])
				bound += math.Abs(float64(x[i]) * float64(y[i]))
			}
			got := Dot(x, y)
			if math.Abs(float64(got)-want) > float64(n+1)*1.2e-7*bound {
				t.Fatalf("n=%d: Dot = %v, want %v", n, got, want)
			}
		}
	})
}

func TestAddBias(t *testing.T) {
	rows, n, ldc := 5, 7, 9
	c := make([]float32, (rows-1)*ldc+n)
	for i := range c {
		c[i] = guard
	}
	bias := randSlice(rand.New(rand.NewPCG(25, 26)), n)
	AddBias(c, rows, n, ldc, bias)
	for x, v := range c {
		i, j := x/ldc, x%ldc
		want := guard
		if j < n {
			want += bias[j]
		}
		if v != want {
			t.Fatalf("c[%d] (row %d col %d) = %v, want %v", x, i, j, v, want)
		}
	}
}

func TestVecPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"Axpy":    func() { Axpy(1, make([]float32, 2), make([]float32, 3)) },
		"Dot":     func() { Dot(make([]float32, 2), make([]float32, 3)) },
		"AddBias": func() { AddBias(make([]float32, 5), 2, 3, 3, make([]float32, 3)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s with mismatched lengths did not panic", name)
				}
			}()
			f()
		}()
	}
}

// TestPrefetch: Prefetch leaves x as it is and returns 0 with assembly,
// or the sum of one value of each 64-byte line without, on lengths around
// a line's 16 floats (0 included).
func TestPrefetch(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 17, 33, 1000} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(i + 1)
		}
		var want float32
		if !prefetchIsAsm {
			for j := 0; j < n; j += 16 {
				want += x[j]
			}
		}
		if got := Prefetch(x); got != want {
			t.Errorf("Prefetch of %d floats = %v, want %v", n, got, want)
		}
		for i := range x {
			if x[i] != float32(i+1) {
				t.Fatalf("Prefetch of %d floats changed x[%d]", n, i)
			}
		}
	}
}
