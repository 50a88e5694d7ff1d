package kernels

import "testing"

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
