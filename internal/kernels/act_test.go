package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestElementwiseEveryImpl: each element-wise loop gives the same bits with
// every implementation, on every length up to 70 (all tails), with guard
// values after the slices untouched.
func TestElementwiseEveryImpl(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for n := 0; n <= 70; n++ {
		mk := func() []float32 {
			s := make([]float32, n+3)
			for i := range s {
				s[i] = float32(rng.NormFloat64())
				if rng.IntN(9) == 0 {
					s[i] = 0
				}
			}
			return s
		}
		y0, b, dy, x := mk(), mk(), mk(), mk()
		type result struct{ relu, addRelu, grad, max []float32 }
		var ref *result
		for _, impl := range Impls() {
			restore := Use(impl)
			r := &result{append([]float32(nil), y0...), append([]float32(nil), y0...), make([]float32, n+3), append([]float32(nil), y0...)}
			for i := n; i < n+3; i++ {
				r.grad[i] = 42
			}
			Relu(r.relu[:n])
			AddRelu(r.addRelu[:n], b[:n])
			ReluGrad(r.grad[:n], dy[:n], y0[:n])
			MaxInto(r.max[:n], x[:n])
			restore()
			// The reference meaning, written out.
			for i := 0; i < n; i++ {
				want := max(y0[i], 0)
				if r.relu[i] != want {
					t.Fatalf("%s n=%d: Relu[%d] = %g, want %g", impl, n, i, r.relu[i], want)
				}
				if w := max(y0[i]+b[i], 0); r.addRelu[i] != w {
					t.Fatalf("%s n=%d: AddRelu[%d] = %g, want %g", impl, n, i, r.addRelu[i], w)
				}
				wg := float32(0)
				if y0[i] > 0 {
					wg = dy[i]
				}
				if r.grad[i] != wg {
					t.Fatalf("%s n=%d: ReluGrad[%d] = %g, want %g", impl, n, i, r.grad[i], wg)
				}
				if w := max(y0[i], x[i]); r.max[i] != w {
					t.Fatalf("%s n=%d: MaxInto[%d] = %g, want %g", impl, n, i, r.max[i], w)
				}
			}
			for i := n; i < n+3; i++ {
				if r.relu[i] != y0[i] || r.addRelu[i] != y0[i] || r.max[i] != y0[i] || r.grad[i] != 42 {
					t.Fatalf("%s n=%d: a guard value after the slice changed", impl, n)
				}
			}
			if ref == nil {
				ref = r
			}
		}
	}
}

// TestPool2GradEveryImpl: the pooling gradient routes every value to one
// step, the first on ties, with the same bits in every implementation.
func TestPool2GradEveryImpl(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for n := 0; n <= 40; n++ {
		x0, x1, g := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x0 {
			x0[i], x1[i], g[i] = float32(rng.IntN(3)), float32(rng.IntN(3)), float32(rng.NormFloat64())
		}
		y := make([]float32, n)
		for i := range y {
			y[i] = max(x0[i], x1[i])
		}
		for _, impl := range Impls() {
			restore := Use(impl)
			d0, d1 := make([]float32, n), make([]float32, n)
			for i := range d0 {
				d0[i], d1[i] = 0.5, -0.5
			}
			Pool2Grad(d0, d1, x0, y, g)
			restore()
			for i := 0; i < n; i++ {
				w0, w1 := float32(0.5), float32(-0.5)
				if x0[i] >= x1[i] {
					w0 += g[i]
				} else {
					w1 += g[i]
				}
				if d0[i] != w0 || d1[i] != w1 {
					t.Fatalf("%s n=%d i=%d: got %g %g, want %g %g", impl, n, i, d0[i], d1[i], w0, w1)
				}
			}
		}
	}
}

func BenchmarkAddRelu(b *testing.B) {
	y := make([]float32, 252*128)
	bias := make([]float32, len(y))
	for i := range y {
		y[i] = float32(i%7) - 3
	}
	for _, impl := range Impls() {
		b.Run(impl, func(b *testing.B) {
			defer Use(impl)()
			for b.Loop() {
				AddRelu(y, bias)
			}
		})
	}
}

// TestAdamEveryImpl: the Adam step gives the same bits with every
// implementation, on every length up to 70, equal to the formula written
// out, with the elements past the slices untouched.
func TestAdamEveryImpl(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	const alpha, b1, b2, eps = float32(0.0013), float32(0.1), float32(0.001), float32(1e-7)
	for n := 0; n <= 70; n++ {
		mk := func(scale float64) []float32 {
			s := make([]float32, n+2)
			for i := range s {
				s[i] = float32(rng.NormFloat64() * scale)
			}
			return s
		}
		w0, g, m0 := mk(1), mk(1), mk(0.1)
		v0 := mk(0.01)
		for i := range v0 {
			v0[i] *= v0[i] // second moments are not negative
		}
		var ref [3][]float32
		for k, impl := range Impls() {
			restore := Use(impl)
			w, m, v := append([]float32(nil), w0...), append([]float32(nil), m0...), append([]float32(nil), v0...)
			Adam(w[:n], g[:n], m[:n], v[:n], alpha, b1, b2, eps)
			restore()
			for i := n; i < n+2; i++ {
				if w[i] != w0[i] || m[i] != m0[i] || v[i] != v0[i] {
					t.Fatalf("%s n=%d: element %d past the end changed", impl, n, i)
				}
			}
			for i := 0; i < n; i++ {
				// Each product rounded, as Keras computes (Go would fuse
				// them into FMAs on arm64 without the conversions).
				wm := m0[i] + float32((g[i]-m0[i])*b1)
				wv := v0[i] + float32((float32(g[i]*g[i])-v0[i])*b2)
				ww := w0[i] - float32(wm*alpha)/(float32(math.Sqrt(float64(wv)))+eps)
				if m[i] != wm || v[i] != wv || w[i] != ww {
					t.Fatalf("%s n=%d i=%d: got w,m,v %v %v %v, want %v %v %v", impl, n, i, w[i], m[i], v[i], ww, wm, wv)
				}
			}
			if k == 0 {
				ref = [3][]float32{w, m, v}
				continue
			}
			for i := range w {
				if w[i] != ref[0][i] || m[i] != ref[1][i] || v[i] != ref[2][i] {
					t.Fatalf("%s n=%d: element %d differs from %s", impl, n, i, Impls()[0])
				}
			}
		}
	}
}

// TestEqualEveryImpl: EqCount and EqAdd give the bits of the definition
// with every implementation on every length up to 70 (ties, NaNs and -0
// included), with the elements past the slices untouched.
func TestEqualEveryImpl(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for n := 0; n <= 70; n++ {
		x, y, share, cnt0, dx0 := make([]float32, n+2), make([]float32, n+2), make([]float32, n+2), make([]float32, n+2), make([]float32, n+2)
		for i := range x {
			x[i] = float32(rng.IntN(3)) // many ties
			y[i] = float32(rng.IntN(3))
			share[i] = float32(rng.NormFloat64())
			cnt0[i] = float32(rng.IntN(4))
			dx0[i] = float32(rng.NormFloat64())
			switch rng.IntN(12) {
			case 0:
				x[i], y[i] = float32(math.NaN()), float32(math.NaN())
			case 1:
				dx0[i] = float32(math.Copysign(0, -1))
			}
		}
		for _, impl := range Impls() {
			restore := Use(impl)
			cnt, dx := append([]float32(nil), cnt0...), append([]float32(nil), dx0...)
			EqCount(cnt[:n], x[:n], y[:n])
			EqAdd(dx[:n], x[:n], y[:n], share[:n])
			restore()
			for i := range cnt {
				wc, wd := cnt0[i], dx0[i]
				if i < n {
					if x[i] == y[i] {
						wc++
						wd += share[i]
					} else {
						wd += 0
					}
				}
				if math.Float32bits(cnt[i]) != math.Float32bits(wc) || math.Float32bits(dx[i]) != math.Float32bits(wd) {
					t.Fatalf("%s n=%d i=%d: cnt %v dx %v, want %v %v", impl, n, i, cnt[i], dx[i], wc, wd)
				}
			}
		}
	}
}

// TestAddRowsEveryImpl: AddRows gives the bits of adding the rows one at a
// time, with every implementation, on widths up to 40 (all tails), row
// distances above the width, and rows counts from 0.
func TestAddRowsEveryImpl(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for n := 0; n <= 40; n++ {
		for _, rows := range []int{0, 1, 2, 7, 33} {
			ld := n + rng.IntN(5)
			z := make([]float32, max(0, (rows-1)*ld+n)+3)
			for i := range z {
				z[i] = float32(rng.NormFloat64())
			}
			acc0 := make([]float32, n+2)
			for i := range acc0 {
				acc0[i] = float32(rng.NormFloat64())
			}
			want := append([]float32(nil), acc0...)
			for r := 0; r < rows; r++ {
				for j := 0; j < n; j++ {
					want[j] += z[r*ld+j]
				}
			}
			for _, impl := range Impls() {
				restore := Use(impl)
				acc := append([]float32(nil), acc0...)
				AddRows(acc[:n], z, rows, ld)
				restore()
				for i := range acc {
					if math.Float32bits(acc[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s n=%d rows=%d ld=%d: acc[%d] = %v, want %v", impl, n, rows, ld, i, acc[i], want[i])
					}
				}
			}
		}
	}
}

// TestFMAPeak: the peak loop runs and reports a positive rate on every
// build, and is the plain-Go scalar loop where there is no vector assembly.
func TestFMAPeak(t *testing.T) {
	g := FMAPeak(1, 20*time.Millisecond)
	if !(g > 0) {
		t.Fatalf("FMAPeak = %v GFLOP/s (loop %s)", g, PeakLoop())
	}
	want := map[string]bool{"avx512": true, "avx2": true, "neon": true, "go-scalar": true}
	if !want[PeakLoop()] {
		t.Fatalf("PeakLoop() = %q", PeakLoop())
	}
	if (len(archKernels()) == 0) != (PeakLoop() == "go-scalar") {
		t.Fatalf("vector kernels %d but PeakLoop() = %q", len(archKernels()), PeakLoop())
	}
}

// TestGoScalarPeakComputes: the plain-Go peak loop really runs its 12
// chains (a compiler or an edit that dropped or merged some would change
// the values it stores back).
func TestGoScalarPeakComputes(t *testing.T) {
	var x, want [goPeakChains]float32
	for i := range x {
		x[i] = float32(i) - 5
		want[i] = x[i]
	}
	const n, b, c = 1000, float32(0.999), float32(0.01)
	goScalarPeak(n, &x, b, c)
	for i := range want {
		for j := 0; j < n; j++ {
			want[i] = want[i]*b + c
		}
		// Within rounding: arm64 and GOAMD64=v3 may fuse the multiply-add.
		if d := x[i] - want[i]; d > 1e-4 || d < -1e-4 {
			t.Fatalf("chain %d after %d passes: %v, want %v", i, n, x[i], want[i])
		}
	}
}
