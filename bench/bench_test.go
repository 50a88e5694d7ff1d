package bench

import (
	"testing"
	"time"
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
