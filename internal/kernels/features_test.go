package kernels

import (
	"slices"
	"testing"
)

// TestCPUFeatures: the features listed include what the kernels in use
// need.
func TestCPUFeatures(t *testing.T) {
	f := CPUFeatures()
	need := map[string][]string{"avx512": {"avx512f"}, "avx2": {"avx2", "fma"}, "neon": {"neon"}}
	for _, impl := range Impls() {
		for _, feat := range need[impl] {
			if !slices.Contains(f, feat) {
				t.Errorf("kernel %s runs but CPUFeatures() = %v lacks %s", impl, f, feat)
			}
		}
	}
}
