package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRowChunkFor checks the row split of a product over threads on the
// workloads' shapes with the AVX-512 kernel's blocking (12-row panels,
// 96-row blocks): a Conv1D over one sample (252 rows) on 2 threads is cut
// into single panels (11 against 10: not 4 chunks of 3 panels against 3),
// a whole-batch W4 product keeps full blocks, and every split leaves at
// least two chunks a thread when the panels allow it.
func TestRowChunkFor(t *testing.T) {
	kr := &microKernel{mr: 12, nr: 32, mc: 96}
	for _, c := range []struct{ m, nt, want int }{
		{252, 2, 12}, {16382, 2, 96}, {16382, 16, 96}, {192, 2, 48}, {252, 4, 24},
	} {
		got := rowChunkFor(kr, c.m, c.nt)
		if got != c.want {
			t.Errorf("m=%d on %d threads: chunks of %d rows, want %d", c.m, c.nt, got, c.want)
		}
	}
	for m := 1; m < 2000; m += 7 {
		for nt := 2; nt <= 16; nt++ {
			rc := rowChunkFor(kr, m, nt)
			if rc%kr.mr != 0 || rc > kr.mc || rc < kr.mr {
				t.Fatalf("m=%d nt=%d: chunk of %d rows", m, nt, rc)
			}
			if chunks := (m + rc - 1) / rc; rc > kr.mr && chunks < 2*nt {
				t.Fatalf("m=%d nt=%d: %d chunks of %d rows, fewer than two a thread", m, nt, chunks, rc)
			}
		}
	}
}

// TestRowPartsSameBits checks that a product computed in parts of rows
// (as Conv1D's units of samples compute theirs, each on one core) gives the
// whole product's bits, with the bias and relu stage, accumulating into C or
// not, A transposed or not, across K blocks: the parts' last panels take
// the kernels' partial-tile paths (AVX-512's 4- and 8-of-12-row kernels)
// where the whole product took full tiles.
func TestRowPartsSameBits(t *testing.T) {
	defer func(n int, thin bool) { smallGemm, thinGemm = n, thin }(smallGemm, thinGemm)
	smallGemm, thinGemm = 0, false // every part on the tiled path
	for _, kr := range kernels {
		t.Run(kr.name, func(t *testing.T) {
			defer Use(kr.name)()
			rng := rand.New(rand.NewPCG(21, 22))
			for iter := 0; iter < 40; iter++ {
				m, n, k := 24+rng.IntN(80), 2+rng.IntN(70), 1+rng.IntN(100)
				if iter%5 == 0 {
					k = kr.kc + 1 + rng.IntN(kr.kc) // two K blocks
				}
				transA, beta := iter%3 == 1, []float32{0, 1}[iter%2]
				lda := k + rng.IntN(3)
				if transA {
					lda = m + rng.IntN(3)
				}
				a := randSlice(rng, sizeFor(m, k, lda))
				if transA {
					a = randSlice(rng, sizeFor(k, m, lda))
				}
				b, bias, c0 := randSlice(rng, k*n), randSlice(rng, n), randSlice(rng, m*n)
				out := Output{Serial: true}
				if iter%4 < 2 {
					out.Bias, out.Relu = bias, iter%4 == 0
				}
				want := append([]float32(nil), c0...)
				SgemmOut(transA, false, m, n, k, 1, a, lda, b, n, beta, want, n, out)
				got := append([]float32(nil), c0...)
				for i0 := 0; i0 < m; {
					rows := min([]int{8, 2, 3, 12, 5, 4, 20}[rng.IntN(7)], m-i0)
					ai := i0 * lda
					if transA {
						ai = i0
					}
					SgemmOut(transA, false, rows, n, k, 1, a[ai:], lda, b, n, beta, got[i0*n:], n, out)
					i0 += rows
				}
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("iter %d: transA=%v m=%d n=%d k=%d beta=%v: C[%d] = %v in parts, %v whole", iter, transA, m, n, k, beta, i, got[i], want[i])
					}
				}
			}
		})
	}
}
