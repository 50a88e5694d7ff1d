package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// guard fills the parts of C that Sgemm must not touch.
const guard = float32(-7777.25)

// gemmCase is one Sgemm call with its operands laid out in memory.
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	lda, ldb, ldc  int
	a, b, c        []float32 // c includes pad guard values before and after
	pad            int
	bias           []float32 // SgemmOut's output stage, when set
	relu           bool
	period, keep   int // SgemmOut's row map, when period > 0
}

// out is tc's Output.
func (tc *gemmCase) out() Output {
	return Output{Bias: tc.bias, Relu: tc.relu, Period: tc.period, Keep: tc.keep}
}

// withRowMap gives tc a random row map with period at most m and rebuilds
// C for the rows it keeps.
func (tc *gemmCase) withRowMap(rng *rand.Rand) *gemmCase {
	tc.period = 1 + rng.IntN(max(1, tc.m))
	tc.keep = 1 + rng.IntN(tc.period)
	rows := tc.out().rowsOfC(tc.m)
	tc.c = make([]float32, 2*tc.pad+sizeFor(rows, tc.n, tc.ldc))
	for i := range tc.c {
		tc.c[i] = guard
	}
	for i := 0; i < rows; i++ {
		for j := 0; j < tc.n; j++ {
			tc.c[tc.pad+i*tc.ldc+j] = rng.Float32()*2 - 1
		}
	}
	return tc
}

// withStage gives tc a random output stage: a bias (sometimes longer than
// n, as a caller may pass), relu, or both.
func (tc *gemmCase) withStage(rng *rand.Rand) *gemmCase {
	switch rng.IntN(3) {
	case 0:
		tc.bias = randSlice(rng, tc.n+rng.IntN(3))
	case 1:
		tc.relu = true
	default:
		tc.bias, tc.relu = randSlice(rng, tc.n), true
	}
	return tc
}

func (tc *gemmCase) String() string {
	return fmt.Sprintf("tA=%v tB=%v m=%d n=%d k=%d alpha=%v beta=%v lda=%d ldb=%d ldc=%d bias=%v relu=%v period=%d keep=%d",
		tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.lda, tc.ldb, tc.ldc, tc.bias != nil, tc.relu, tc.period, tc.keep)
}

// newCase makes random operands. lda may be below the row length when
// overlapA is set (Conv1D windows).
func newCase(rng *rand.Rand, transA, transB bool, m, n, k int, alpha, beta float32, lda, ldb, ldc int) *gemmCase {
	tc := &gemmCase{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta, lda: lda, ldb: ldb, ldc: ldc, pad: 37}
	rowsA, colsA := m, k
	if transA {
		rowsA, colsA = k, m
	}
	rowsB, colsB := k, n
	if transB {
		rowsB, colsB = n, k
	}
	tc.a = randSlice(rng, sizeFor(rowsA, colsA, lda))
	tc.b = randSlice(rng, sizeFor(rowsB, colsB, ldb))
	tc.c = make([]float32, 2*tc.pad+sizeFor(m, n, ldc))
	for i := range tc.c {
		tc.c[i] = guard
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			tc.c[tc.pad+i*ldc+j] = rng.Float32()*2 - 1
		}
	}
	return tc
}

func sizeFor(rows, cols, ld int) int {
	if rows == 0 || cols == 0 {
		return 0
	}
	return (rows-1)*ld + cols
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = rng.Float32()*2 - 1
	}
	return s
}

func absSlice(s []float32) []float32 {
	r := make([]float32, len(s))
	for i, v := range s {
		r[i] = float32(math.Abs(float64(v)))
	}
	return r
}

func abs32(v float32) float32 { return float32(math.Abs(float64(v))) }

// run calls Sgemm on a copy of tc's C and checks it against sgemmRef, the
// guard values around and between the rows of C, and that A and B were not
// written. It returns the C that Sgemm produced.
func (tc *gemmCase) run(t *testing.T) []float32 {
	t.Helper()
	a0, b0 := append([]float32(nil), tc.a...), append([]float32(nil), tc.b...)
	bias0 := append([]float32(nil), tc.bias...)
	got := append([]float32(nil), tc.c...)
	if tc.bias != nil || tc.relu || tc.period > 0 {
		SgemmOut(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, tc.a, tc.lda, tc.b, tc.ldb, tc.beta, tc.cview(got), tc.ldc, tc.out())
	} else {
		Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, tc.a, tc.lda, tc.b, tc.ldb, tc.beta, tc.cview(got), tc.ldc)
	}
	want, bound, cRows := tc.reference()
	eps := float32(math.Nextafter32(1, 2) - 1)
	tol := float32(2*tc.k+4) * eps
	inC := make([]bool, len(got))
	for _, i := range cRows {
		for j := 0; j < tc.n; j++ {
			x := tc.pad + i*tc.ldc + j
			inC[x] = true
			if d := abs32(got[x] - want[x]); !(d <= tol*bound[x]) {
				t.Fatalf("%v: C[%d][%d] = %v, want %v (bound %v)", tc, i, j, got[x], want[x], tol*bound[x])
			}
		}
	}
	for x, v := range got {
		if !inC[x] && v != guard {
			t.Fatalf("%v: element %d outside C changed from %v to %v", tc, x-tc.pad, guard, v)
		}
	}
	tc.checkUnchanged(t, "A", a0, tc.a)
	tc.checkUnchanged(t, "B", b0, tc.b)
	tc.checkUnchanged(t, "bias", bias0, tc.bias)
	return got
}

// cview is the part of a padded C buffer that holds C itself.
func (tc *gemmCase) cview(c []float32) []float32 { return c[tc.pad : len(c)-tc.pad] }

// reference computes, from sgemmRef row by row through the row map, what C
// must hold (want), its error bound — the same run on absolute values,
// |alpha|·|A|·|B| + |beta|·|C| — and the C row of each kept product row.
func (tc *gemmCase) reference() (want, bound []float32, cRows []int) {
	want = append([]float32(nil), tc.c...)
	bound = absSlice(tc.c)
	absA, absB := absSlice(tc.a), absSlice(tc.b)
	for i := 0; i < tc.m && tc.n > 0; i++ {
		ci := i
		if tc.period > 0 {
			if i%tc.period >= tc.keep {
				continue
			}
			ci = i/tc.period*tc.keep + i%tc.period
		}
		cRows = append(cRows, ci)
		ai := i * tc.lda
		if tc.transA {
			ai = i
		}
		arow, absArow := tc.a, absA // empty when k is 0
		if len(arow) > 0 {
			arow, absArow = arow[ai:], absA[ai:]
		}
		crow := func(c []float32) []float32 { return tc.cview(c)[ci*tc.ldc:] }
		if tc.k > 0 && tc.alpha != 0 {
			sgemmRef(tc.transA, tc.transB, 1, tc.n, tc.k, tc.alpha, arow, tc.lda, tc.b, tc.ldb, tc.beta, crow(want), tc.ldc)
		} else {
			scaleC(1, tc.n, tc.beta, crow(want), tc.ldc)
		}
		sgemmRef(tc.transA, tc.transB, 1, tc.n, tc.k, abs32(tc.alpha), absArow, tc.lda, absB, tc.ldb, abs32(tc.beta), crow(bound), tc.ldc)
	}
	// The output stage: bias then relu (1-Lipschitz, so the bound holds).
	for _, i := range cRows {
		for j := 0; j < tc.n && (tc.bias != nil || tc.relu); j++ {
			x := tc.pad + i*tc.ldc + j
			if tc.bias != nil {
				want[x] += tc.bias[j]
				bound[x] += abs32(tc.bias[j])
			}
			if tc.relu && want[x] < 0 {
				want[x] = 0
			}
		}
	}
	return want, bound, cRows
}

// checkUnchanged fails the test if an input of the product was written.
func (tc *gemmCase) checkUnchanged(t *testing.T, name string, before, after []float32) {
	t.Helper()
	for i := range before {
		if before[i] != after[i] {
			t.Fatalf("%v: %s[%d] changed", tc, name, i)
		}
	}
}

// forEachImpl runs f once per implementation this machine has, with that
// implementation forced, and once more per implementation with tiny cache
// blocks so that every blocking loop takes several turns on small sizes.
func forEachImpl(t *testing.T, f func(t *testing.T)) {
	defer func(n int, thin bool) { smallGemm, thinGemm = n, thin }(smallGemm, thinGemm)
	smallGemm, thinGemm = 0, false
	t.Run("smallpath", func(t *testing.T) {
		// Every product takes the plain-loop path.
		smallGemm = math.MaxInt
		defer func() { smallGemm = 0 }()
		f(t)
	})
	t.Run("thinpath", func(t *testing.T) {
		// One-row and one-column products take the Dot/Axpy path.
		thinGemm = true
		defer func() { thinGemm = false }()
		f(t)
	})
	for _, kr := range kernels {
		t.Run(kr.name, func(t *testing.T) {
			defer Use(kr.name)()
			f(t)
		})
		small := *kr
		small.name += "-smallblocks"
		small.kc, small.mc, small.nc = 5, 2*kr.mr, 3*kr.nr
		t.Run(small.name, func(t *testing.T) {
			prev := active.Swap(&small)
			defer active.Store(prev)
			f(t)
		})
	}
}

func TestSgemmSizes(t *testing.T) {
	sizes := []int{0, 1, 2, 3, 5, 6, 7, 11, 12, 13, 15, 16, 17, 25, 31, 32, 33, 47, 64, 65}
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for iter := 0; iter < 300; iter++ {
			m := sizes[rng.IntN(len(sizes))]
			n := sizes[rng.IntN(len(sizes))]
			k := sizes[rng.IntN(len(sizes))]
			transA, transB := iter&1 != 0, iter&2 != 0
			alpha := []float32{1, -0.5, 2.25, 0}[rng.IntN(4)]
			beta := []float32{0, 1, -1.5, 0.5}[rng.IntN(4)]
			lda := max(1, k) + rng.IntN(3)
			if transA {
				lda = max(1, m) + rng.IntN(3)
			}
			ldb := max(1, n) + rng.IntN(3)
			if transB {
				ldb = max(1, k) + rng.IntN(3)
			}
			ldc := max(1, n) + rng.IntN(4)
			tc := newCase(rng, transA, transB, m, n, k, alpha, beta, lda, ldb, ldc)
			if iter%3 == 0 {
				tc.withStage(rng)
			}
			if iter%5 == 0 {
				tc.withRowMap(rng)
			}
			tc.run(t)
		}
	})
}

// TestSgemmTails sweeps m and n over every remainder modulo the tiles.
func TestSgemmTails(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for m := 1; m <= 25; m++ {
			for n := 1; n <= 33; n++ {
				k := 1 + rng.IntN(40)
				tA, tB := rng.IntN(2) == 1, rng.IntN(2) == 1
				lda, ldb := k+1, n+2
				if tA {
					lda = m + 1
				}
				if tB {
					ldb = k + 2
				}
				tc := newCase(rng, tA, tB, m, n, k, 1, 1, lda, ldb, n+3)
				if rng.IntN(2) == 0 {
					tc.withStage(rng)
				}
				if rng.IntN(3) == 0 {
					tc.withRowMap(rng)
				}
				tc.run(t)
			}
		}
	})
}

// TestSgemmConv1D uses A with overlapping rows the way Conv1D does: row t
// of A is the kernel_size×channels window starting at step t*strides.
func TestSgemmConv1D(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, s := range []struct{ steps, ch, ks, stride, filters int }{
			{30, 3, 3, 1, 5}, {50, 8, 5, 2, 33}, {40, 16, 3, 1, 64}, {27, 7, 4, 3, 17}, {100, 32, 9, 1, 40},
		} {
			lout := (s.steps-s.ks)/s.stride + 1
			k := s.ks * s.ch
			lda := s.stride * s.ch
			tc := newCase(rng, false, false, lout, s.filters, k, 1, 0, lda, s.filters, s.filters)
			// The input must be exactly steps×ch long: rows share elements.
			if len(tc.a) != (lout-1)*lda+k || (lout-1)*s.stride+s.ks > s.steps {
				t.Fatalf("bad Conv1D layout %+v", s)
			}
			tc.run(t)
			// With the layer's bias and relu fused in.
			newCase(rng, false, false, lout, s.filters, k, 1, 0, lda, s.filters, s.filters).withStage(rng).run(t)
			// And written through a row map, as for a whole batch.
			newCase(rng, false, false, lout, s.filters, k, 1, 0, lda, s.filters, s.filters).withStage(rng).withRowMap(rng).run(t)
			// Backward accumulates into the gradient: beta 1, ldc > n.
			newCase(rng, false, true, lout, s.filters, k, 1, 1, lda, k, s.filters+5).run(t)
			// The kernel gradient reads the windows transposed:
			// dW (k×filters) += windowsᵀ · dY, op(A)[i][p] = a[p*lda+i].
			newCase(rng, true, false, k, s.filters, lout, 1, 1, lda, s.filters, s.filters).run(t)
		}
	})
}

// TestSgemmBlocks uses sizes that cross the real cache blocks.
func TestSgemmBlocks(t *testing.T) {
	if testing.Short() {
		t.Skip("large sizes")
	}
	for _, kr := range kernels {
		t.Run(kr.name, func(t *testing.T) {
			defer Use(kr.name)()
			rng := rand.New(rand.NewPCG(7, 8))
			newCase(rng, false, false, 2*kr.mc+5, 70, kr.kc+3, 1.5, 0.5, kr.kc+4, 71, 73).run(t)
			newCase(rng, true, true, 2*kr.mc+5, 70, kr.kc+3, 1, 0, 2*kr.mc+6, kr.kc+3, 70).run(t)
			newCase(rng, false, false, 2*kr.mc+5, 70, kr.kc+3, 1, 0.5, kr.kc+4, 71, 73).withStage(rng).run(t)
			newCase(rng, false, false, 2*kr.mc+5, 70, kr.kc+3, 1, 0.5, kr.kc+4, 71, 73).withStage(rng).withRowMap(rng).run(t)
		})
	}
}

// TestSgemmBetaZeroIgnoresC checks that NaNs in C do not survive beta 0
// and that NaNs in A do reach C as in BLAS.
func TestSgemmNaN(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		m, n, k := 13, 35, 9
		rng := rand.New(rand.NewPCG(9, 10))
		a, b := randSlice(rng, m*k), randSlice(rng, k*n)
		c := make([]float32, m*n)
		nan := float32(math.NaN())
		for i := range c {
			c[i] = nan
		}
		Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
		for i, v := range c {
			if v != v {
				t.Fatalf("beta=0: C[%d] is NaN, C must not be read", i)
			}
		}
		a[5*k+3] = nan
		b[2*n+7] = float32(math.Inf(1))
		Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
		want := make([]float32, m*n)
		sgemmRef(false, false, m, n, k, 1, a, k, b, n, 0, want, n)
		for i := range c {
			if (c[i] != c[i]) != (want[i] != want[i]) || math.IsInf(float64(c[i]), 0) != math.IsInf(float64(want[i]), 0) {
				t.Fatalf("C[%d] = %v, reference gives %v", i, c[i], want[i])
			}
		}
	})
}

// TestSgemmParallel checks that the result does not depend on the number
// of threads, bit for bit, for splits along M and along N.
func TestSgemmParallel(t *testing.T) {
	defer func(f float64) { serialFlops = f }(serialFlops)
	serialFlops = 0 // split even these small products
	forEachImpl(t, func(t *testing.T) {
		defer SetThreads(0)
		rng := rand.New(rand.NewPCG(11, 12))
		for _, s := range []struct{ m, n, k int }{{301, 67, 129}, {7, 900, 300}, {200, 200, 200}} {
			tc := newCase(rng, false, false, s.m, s.n, s.k, 1, 1, s.k, s.n, s.n+1)
			SetThreads(1)
			one := tc.run(t)
			for _, nt := range []int{2, 3} {
				SetThreads(nt)
				par := tc.run(t)
				for i := range one {
					if math.Float32bits(one[i]) != math.Float32bits(par[i]) {
						t.Fatalf("%v: %d threads give C[%d] = %v, one thread %v", tc, nt, i, par[i], one[i])
					}
				}
			}
		}
	})
}

// TestSgemmNoAllocs checks that a product allocates nothing once its
// buffers exist, even when a garbage collection runs between products (it
// would empty a sync.Pool).
func TestSgemmNoAllocs(t *testing.T) {
	defer SetThreads(0)
	rng := rand.New(rand.NewPCG(13, 14))
	for _, s := range []struct{ m, n, k int }{{8, 8, 8}, {300, 130, 200}, {7, 900, 700}} {
		a, b, c := randSlice(rng, s.m*s.k), randSlice(rng, s.k*s.n), randSlice(rng, s.m*s.n)
		for _, nt := range []int{1, 2} {
			SetThreads(nt)
			for _, name := range Impls() {
				restore := Use(name)
				allocs := testing.AllocsPerRun(20, func() {
					Sgemm(false, false, s.m, s.n, s.k, 1, a, s.k, b, s.n, 0, c, s.n)
				})
				Sgemm(false, false, s.m, s.n, s.k, 1, a, s.k, b, s.n, 0, c, s.n)
				allocs += testing.AllocsPerRun(3, func() {
					runtime.GC()
					Sgemm(false, false, s.m, s.n, s.k, 1, a, s.k, b, s.n, 0, c, s.n)
				})
				restore()
				if allocs != 0 {
					t.Errorf("%s %v threads=%d: %v allocations per call, want 0", name, s, nt, allocs)
				}
			}
		}
	}
}

func TestSgemmPanics(t *testing.T) {
	for _, f := range []func(){
		func() {
			Sgemm(false, false, 2, 2, 2, 1, make([]float32, 3), 2, make([]float32, 4), 2, 0, make([]float32, 4), 2)
		},
		func() {
			Sgemm(false, false, 2, 2, 2, 1, make([]float32, 4), 2, make([]float32, 4), 2, 0, make([]float32, 3), 2)
		},
		func() {
			Sgemm(false, false, 2, 3, 2, 1, make([]float32, 4), 2, make([]float32, 6), 3, 0, make([]float32, 6), 2)
		},
		func() { Sgemm(false, false, -1, 2, 2, 1, nil, 2, nil, 2, 0, nil, 2) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("Sgemm with bad arguments did not panic")
				}
			}()
			f()
		}()
	}
}

func TestUse(t *testing.T) {
	impls := Impls()
	if impls[len(impls)-1] != "generic" {
		t.Fatalf("Impls() = %v, want generic last", impls)
	}
	before := Impl()
	restore := Use("generic")
	if Impl() != "generic" {
		t.Fatalf("after Use(generic), Impl() = %q", Impl())
	}
	restore()
	if Impl() != before {
		t.Fatalf("after restore, Impl() = %q, want %q", Impl(), before)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Use of an unknown name did not panic")
		}
	}()
	Use("sse9")
}

// TestSgemmConcurrent runs split products from several goroutines at once:
// they share the worker goroutines and must still get their own results.
func TestSgemmConcurrent(t *testing.T) {
	defer SetThreads(0)
	SetThreads(2)
	rng := rand.New(rand.NewPCG(15, 16))
	defer func(f float64) { serialFlops = f }(serialFlops)
	serialFlops = 0
	const m, n, k = 200, 120, 140
	type job struct{ a, b, want []float32 }
	jobs := make([]job, 4)
	for i := range jobs {
		a, b := randSlice(rng, m*k), randSlice(rng, k*n)
		want := make([]float32, m*n)
		Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, want, n)
		jobs[i] = job{a, b, want}
	}
	errs := make(chan string, len(jobs))
	for _, j := range jobs {
		go func() {
			c := make([]float32, m*n)
			for range 5 {
				Sgemm(false, false, m, n, k, 1, j.a, k, j.b, n, 0, c, n)
				for x := range c {
					if c[x] != j.want[x] {
						errs <- fmt.Sprintf("C[%d] = %v, want %v", x, c[x], j.want[x])
						return
					}
				}
			}
			errs <- ""
		}()
	}
	for range jobs {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}

// TestSgemmZeroLeadingDimension reads every row of A (or B) from the same
// memory: legal, since the operands are only read.
func TestSgemmZeroLeadingDimension(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(17, 18))
		newCase(rng, false, false, 40, 70, 33, 1, 0, 0, 70, 70).run(t)
		newCase(rng, false, false, 40, 70, 33, 1.5, 1, 33, 0, 71).run(t)
		newCase(rng, true, true, 40, 70, 33, 1, 0.5, 0, 0, 70).run(t)
	})
}

// TestSgemmBiasBits checks that the fused output stage gives the bits of
// Sgemm followed by a separate bias-and-relu pass, on every path (A in
// place, transposed in place, packed), with several K blocks (k past the
// AVX-512 kernel's 768 too), with NaNs that relu must keep, and on one
// thread and several.
func TestSgemmBiasBits(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(11, 12))
		for iter := 0; iter < 48; iter++ {
			m, n, k := 1+rng.IntN(150), 1+rng.IntN(80), 1+rng.IntN(40)
			switch iter % 6 {
			case 0:
				m, n, k = 300+rng.IntN(200), 64+rng.IntN(100), 200+rng.IntN(300) // parallel sizes
			case 3:
				m, n, k = 24+rng.IntN(40), 32+rng.IntN(70), 769+rng.IntN(900) // several K blocks
			}
			transA := iter%5 == 1
			lda := k + rng.IntN(3)
			if transA {
				lda = m + rng.IntN(3)
			}
			a, b := randSlice(rng, sizeFor(m, k, lda)), randSlice(rng, k*n)
			if transA {
				a = randSlice(rng, sizeFor(k, m, lda))
			}
			bias := randSlice(rng, n)
			relu := iter%2 == 0
			c0 := randSlice(rng, m*n)
			if iter%7 == 2 {
				for range m * n / 10 {
					c0[rng.IntN(m*n)] = float32(math.NaN()) // relu must keep NaN
				}
			}
			beta := []float32{0, 1, 0.5}[iter%3]
			want := append([]float32(nil), c0...)
			Sgemm(transA, false, m, n, k, 1, a, lda, b, n, beta, want, n)
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					v := want[i*n+j] + bias[j]
					if relu && 0 > v {
						v = 0
					}
					want[i*n+j] = v
				}
			}
			for _, threads := range []int{1, 2, 3} {
				SetThreads(threads)
				got := append([]float32(nil), c0...)
				SgemmOut(transA, false, m, n, k, 1, a, lda, b, n, beta, got, n, Output{Bias: bias, Relu: relu})
				SetThreads(0)
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("transA=%v m=%d n=%d k=%d beta=%v relu=%v threads=%d: C[%d] = %v, separate pass gives %v",
							transA, m, n, k, beta, relu, threads, i, got[i], want[i])
					}
				}
			}
		}
	})
}
