package layers_test

import (
	"testing"

	"github.com/seqnet/seqnet/internal/gradcheck"
	. "github.com/seqnet/seqnet/layers"
)

// TestConv1DGradientsBatchSplit checks Conv1D's gradients against finite
// differences on batches large enough for its passes to be split into
// units of samples (internal/conv's batch split: 8 samples of 258 output
// steps or more), for each of its paths: valid and causal padding (the
// whole-batch products), 'same' (the same-length path) and strides 2 (per
// sample), with a bias and a kernel gradient summed over the units. No
// relu: over 2,300 output steps a finite difference steps over one of its
// kinks somewhere whatever the step size (the check then fails on main's
// whole-batch products as well).
// (internal/conv's TestUnitsSizes checks that these shapes split.)
func TestConv1DGradientsBatchSplit(t *testing.T) {
	for i, c := range []struct {
		padding string
		strides int
		length  int
	}{{"valid", 1, 260}, {"causal", 1, 258}, {"same", 1, 258}, {"valid", 2, 520}} {
		l := NewConv1D(3, 3, Padding(c.padding), Strides(c.strides))
		err := gradcheck.Check(l, []Shape{{c.length, 2}}, 9, uint64(i), gradcheck.Options{MaxChecks: 80})
		if err != nil {
			t.Errorf("%s, strides %d: %v", c.padding, c.strides, err)
		}
	}
}
