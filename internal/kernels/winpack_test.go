package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSgemmWindows checks products whose transposed A is a stride-1
// convolution's windows (lda = channels, m = taps*channels), the kernel
// gradient that gemmWindows multiplies in group order: against the
// reference with guards around C and A, B unchanged (run), and bit for bit
// against the same implementation without gemmWindows, on 1, 2 and 3
// threads. Odd channel counts leave a last group short of gw; taps that do
// not divide the tile's rows (5) and one tap take the usual path.
func TestSgemmWindows(t *testing.T) {
	defer func(f float64, lda int) { serialFlops, windowsMinLda = f, lda }(serialFlops, windowsMinLda)
	serialFlops = 0   // split even these small products
	windowsMinLda = 0 // and take gemmWindows with few channels
	forEachImpl(t, func(t *testing.T) {
		defer SetThreads(0)
		rng := rand.New(rand.NewPCG(21, 22))
		taps := []int{1, 2, 3, 4, 5, 6, 12}
		chans := []int{1, 2, 3, 5, 7, 13, 37}
		filters := []int{1, 5, 31, 32, 33, 70}
		rows := []int{1, 9, 40, 203}
		for iter := 0; iter < 60; iter++ {
			tp, ch := taps[rng.IntN(len(taps))], chans[rng.IntN(len(chans))]
			n, k := filters[rng.IntN(len(filters))], rows[rng.IntN(len(rows))]
			beta := []float32{1, 0, 0.5}[iter%3]
			ldb, ldc := n+iter%2, n+(iter/2)%3
			tc := newCase(rng, true, false, tp*ch, n, k, 1, beta, ch, ldb, ldc)
			SetThreads(1)
			windowsGrad = false
			plain := tc.run(t)
			windowsGrad = true
			for _, nt := range []int{1, 2, 3} {
				SetThreads(nt)
				got := tc.run(t)
				for i := range plain {
					if math.Float32bits(got[i]) != math.Float32bits(plain[i]) {
						t.Fatalf("%v, %d threads: C element %d = %v, without gemmWindows %v", tc, nt, i-tc.pad, got[i], plain[i])
					}
				}
			}
		}
	})
}

// TestSgemmWindowsLarge crosses the real cache blocks: K blocks of the
// kernel's kc, row chunks of its mc, the W4 layer's channels (256 = 85
// groups of 3 and one of 1 with 4 taps).
func TestSgemmWindowsLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large sizes")
	}
	defer func(lda int) { windowsMinLda = lda }(windowsMinLda)
	windowsMinLda = 0
	for _, kr := range kernels {
		t.Run(kr.name, func(t *testing.T) {
			defer Use(kr.name)()
			defer SetThreads(0)
			rng := rand.New(rand.NewPCG(23, 24))
			for _, s := range []struct{ taps, ch, n, k int }{{3, 256, 64, kr.kc + 40}, {4, 256, 33, 2*kr.kc + 1}, {2, 45, 70, 3 * kr.kc}} {
				tc := newCase(rng, true, false, s.taps*s.ch, s.n, s.k, 1, 1, s.ch, s.n, s.n)
				windowsGrad = false
				plain := tc.run(t)
				windowsGrad = true
				SetThreads(2)
				got := tc.run(t)
				for i := range plain {
					if math.Float32bits(got[i]) != math.Float32bits(plain[i]) {
						t.Fatalf("%v: C element %d = %v, without gemmWindows %v", tc, i-tc.pad, got[i], plain[i])
					}
				}
			}
		})
	}
}

// TestWindowsTaken checks which products gemmWindows takes, so that the
// tests above do exercise it where the kernel can.
func TestWindowsTaken(t *testing.T) {
	kr := &microKernel{mr: 12, directT: func(int, []float32, int, []float32, []float32, int, tileOut) {}}
	// W4's kernel gradient by default; W3's 64 channels read in place.
	if got := windows(kr, &gemmArgs{transA: true, m: 768, lda: 256, alpha: 1}); got != 3 {
		t.Errorf("W4's kernel gradient: windows = %d, want 3", got)
	}
	if got := windows(kr, &gemmArgs{transA: true, m: 192, lda: 64, alpha: 1}); got != 0 {
		t.Errorf("W3's kernel gradient: windows = %d, want 0", got)
	}
	defer func(lda int) { windowsMinLda = lda }(windowsMinLda)
	windowsMinLda = 2
	for _, c := range []struct {
		transA  bool
		m, lda  int
		alpha   float32
		relu    bool
		period  int
		want    int
		without bool // no directT kernel
	}{
		{true, 768, 256, 1, false, 0, 3, false},
		{true, 40, 5, 1, false, 0, 0, false},  // 8 taps do not divide 12
		{true, 12, 1, 1, false, 0, 0, false},  // fewer channels than windowsMinLda
		{true, 60, 12, 1, false, 0, 0, false}, // 5 taps
		{true, 24, 24, 1, false, 0, 0, false}, // one tap
		{true, 24, 2, 1, false, 0, 12, false},
		{false, 768, 256, 1, false, 0, 0, false},
		{true, 768, 256, 2, false, 0, 0, false},
		{true, 768, 256, 1, true, 0, 0, false},
		{true, 768, 256, 1, false, 4, 0, false},
		{true, 768, 256, 1, false, 0, 0, true},
	} {
		g := gemmArgs{transA: c.transA, m: c.m, lda: c.lda, alpha: c.alpha, relu: c.relu, period: c.period, keep: 1}
		k := kr
		if c.without {
			k = &microKernel{mr: 12}
		}
		if got := windows(k, &g); got != c.want {
			t.Errorf("%+v: windows = %d, want %d", c, got, c.want)
		}
	}
}

// TestPackWin checks every implementation's packWin (assembly where there
// is one) against the plain loop on random sizes, with guards after each
// group's run.
func TestPackWin(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	for _, kr := range kernels {
		if kr.packWin == nil {
			continue
		}
		for iter := 0; iter < 200; iter++ {
			gw := 1 + rng.IntN(6)
			groups, steps := rng.IntN(9), rng.IntN(40)
			ld := groups*gw + rng.IntN(5)
			stride := steps*gw + rng.IntN(3)
			src := randSlice(rng, max(steps*ld, 1))
			got, want := make([]float32, groups*stride+8), make([]float32, groups*stride+8)
			for i := range got {
				got[i], want[i] = guard, guard
			}
			kr.packWin(steps, src, ld, groups, gw, got, stride)
			if steps > 0 && groups > 0 {
				packWinGo(steps, src, ld, groups, gw, want, stride)
			}
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s gw=%d groups=%d steps=%d ld=%d stride=%d: dst[%d] = %v, want %v", kr.name, gw, groups, steps, ld, stride, i, got[i], want[i])
				}
			}
		}
	}
}
