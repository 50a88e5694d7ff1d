package bench

import (
	"testing"
	"time"

	"github.com/seqnet/seqnet/internal/kernels"
)

// TestWorkloadsRun runs each workload once with the shortest timing, to
// keep the benchmark code working; it asserts no speed.
func TestWorkloadsRun(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	var got []Result
	err := Run(Options{Workloads: []string{"W1", "W4"}, Reps: 3, MinTime: time.Millisecond, Threads: 1},
		func(r Result) { got = append(got, r) })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("got %d results, want 5 (3 W1, 2 W4)", len(got))
	}
	for _, r := range got {
		if r.Median <= 0 || r.Min > r.Median || r.Median > r.Max || r.Reps != 3 {
			t.Errorf("bad result %+v", r)
		}
	}
	// The toy fits must still converge with the ones init, as in PyTorch.
	k := got[0].Extra["final_kernel_keras_layout"].([]float32)
	if k[0] < 0.8 || k[0] > 1.2 || k[1] < 1.8 || k[1] > 2.2 {
		t.Errorf("blog-toy-a final kernel %v, want ≈ [1 2]", k)
	}
}

// TestPeakFraction: with PeakFraction, W4 also reports its forward pass
// as a fraction of the FMA peak timed beside it (where the build has the
// assembly that measures the peak).
func TestPeakFraction(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	var got []Result
	err := Run(Options{Workloads: []string{"W4"}, Reps: 3, MinTime: time.Millisecond, Threads: 1, PeakFraction: true},
		func(r Result) { got = append(got, r) })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d results, want 3", len(got))
	}
	// Builds without vector assembly compare with plain Go's scalar
	// peak, and must not call it the FMA peak.
	name, key := "conv1d-layer-fwd-of-fma-peak", "fma_peak_gflops_median"
	if kernels.PeakLoop() == "go-scalar" {
		name, key = "conv1d-layer-fwd-of-go-scalar-peak", "go_scalar_peak_gflops_median"
	}
	r := got[2]
	if r.Name != name || r.Metric != "fraction" || !(r.Median > 0) || r.Reps != 3 {
		t.Errorf("bad peak fraction %+v", r)
	}
	if p, _ := r.Extra[key].(float64); !(p > 0) {
		t.Errorf("no peak in %+v", r.Extra)
	}
}
