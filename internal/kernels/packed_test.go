package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// sameBits fails unless got and want hold the same bits.
func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: C[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// TestPackedB: a product with B packed beforehand gives the bits of the
// same product packing B itself, for every implementation (with tiny
// blocks too, so that the pack has several column and row blocks), on one
// thread and several, splitting rows or columns, with output stages and
// row maps.
func TestPackedB(t *testing.T) {
	defer func(f float64) { serialFlops = f }(serialFlops)
	serialFlops = 0
	forEachImpl(t, func(t *testing.T) {
		defer SetThreads(0)
		rng := rand.New(rand.NewPCG(21, 22))
		var pb PackedB
		for iter := 0; iter < 40; iter++ {
			m, n, k := 1+rng.IntN(90), 1+rng.IntN(90), 1+rng.IntN(70)
			if iter%5 == 0 {
				m = 2 + rng.IntN(6) // few rows: the columns are split
			}
			transA, transB := rng.IntN(2) == 0, rng.IntN(2) == 0
			tc := newCase(rng, transA, transB, m, n, k, 1, []float32{0, 1}[iter%2], max(k, m)+1, max(n, k)+2, n+1)
			if iter%3 == 0 {
				tc.withStage(rng)
			}
			if iter%4 == 1 {
				tc.withRowMap(rng)
			}
			pb.Pack(tc.transB, tc.k, tc.n, tc.b, tc.ldb)
			for _, threads := range []int{1, 3} {
				SetThreads(threads)
				want := append([]float32(nil), tc.c...)
				got := append([]float32(nil), tc.c...)
				out := tc.out()
				SgemmOut(tc.transA, tc.transB, m, n, k, tc.alpha, tc.a, tc.lda, tc.b, tc.ldb, tc.beta, want, tc.ldc, out)
				out.B = &pb
				SgemmOut(tc.transA, tc.transB, m, n, k, tc.alpha, tc.a, tc.lda, tc.b, tc.ldb, tc.beta, got, tc.ldc, out)
				sameBits(t, tc.String(), got, want)
			}
		}
	})
}

// TestPackedBUsedOnlyWhereItFits: a pack is used for its own B (shown by
// changing B in place afterwards, which the pack does not see: the
// caller's promise broken on purpose) and ignored for another slice, other
// dimensions or after the kernel changed.
func TestPackedBUsedOnlyWhereItFits(t *testing.T) {
	defer func(n int) { smallGemm = n }(smallGemm)
	smallGemm = 0
	rng := rand.New(rand.NewPCG(23, 24))
	const m, n, k = 37, 29, 41
	a, b := randSlice(rng, m*k), randSlice(rng, k*n)
	product := func(b []float32, pb *PackedB, n, k int) []float32 {
		c := make([]float32, m*n)
		SgemmOut(false, false, m, n, k, 1, a, k, b, n, 0, c, n, Output{B: pb})
		return c
	}
	for _, impl := range Impls() {
		restore := Use(impl)
		var pb PackedB
		pb.Pack(false, k, n, b, n)
		old := product(b, nil, n, k)
		b2 := append([]float32(nil), b...)
		for i := range b2 {
			b2[i] = -b2[i]
		}
		sameBits(t, impl+": other slice", product(b2, &pb, n, k), product(b2, nil, n, k))
		sameBits(t, impl+": fewer columns", product(b2, &pb, n-1, k), product(b2, nil, n-1, k))
		saved := append([]float32(nil), b...)
		copy(b, b2) // b changes in place: the pack still holds the old values
		sameBits(t, impl+": own slice, used", product(b, &pb, n, k), old)
		if len(Impls()) > 1 {
			other := Impls()[len(Impls())-1]
			if other == impl {
				other = Impls()[0]
			}
			r := Use(other)
			sameBits(t, impl+" packed, "+other+" running", product(b, &pb, n, k), product(b, nil, n, k))
			r()
		}
		copy(b, saved)
		restore()
	}
}
