package layers_test

import (
	"testing"

	"github.com/seqnet/seqnet/internal/gradcheck"
	. "github.com/seqnet/seqnet/layers"
)

// TestSetInputGradGradients checks, against finite differences, the input
// gradients that Dense, Conv1D, MaxPooling1D and GlobalMaxPooling1D write with
// Context.SetInputGrad over buffers full of NaNs (a model skips zeroing
// them): Conv1D on each of its paths, unsplit and split into units of
// samples (9 samples of 258 output steps or more), MaxPooling1D with pool
// 2 (the vector path) and 3 with 'same' padding and stride 1 (windows
// that overlap and steps that no window takes first), GlobalMaxPooling1D
// on one core and with its samples shared among the cores.
func TestSetInputGradGradients(t *testing.T) {
	pool3 := NewMaxPooling1D(3)
	pool3.Strides, pool3.Padding = 1, "same"
	cases := []struct {
		name  string
		l     Layer
		in    Shape
		batch int
	}{
		{"Dense", NewDense(5, "relu"), Shape{7}, 4},
		{"Dense on steps", NewDense(3, ""), Shape{6, 4}, 3},
		{"Conv1D valid", NewConv1D(3, 3), Shape{12, 2}, 3},
		{"Conv1D same", NewConv1D(3, 3, Padding("same")), Shape{12, 2}, 3},
		{"Conv1D causal, dilation 2", NewConv1D(4, 3, Padding("causal"), DilationRate(2)), Shape{12, 2}, 3},
		{"Conv1D strides 2", NewConv1D(3, 3, Strides(2)), Shape{13, 2}, 3},
		{"Conv1D groups 2", NewConv1D(4, 2, Groups(2), Padding("same")), Shape{10, 4}, 2},
		{"Conv1D valid, split", NewConv1D(3, 3), Shape{260, 2}, 9},
		{"Conv1D same, split", NewConv1D(3, 3, Padding("same")), Shape{258, 2}, 9},
		{"Conv1D causal, split", NewConv1D(3, 3, Padding("causal")), Shape{258, 2}, 9},
		{"Conv1D strides 2, split", NewConv1D(3, 3, Strides(2)), Shape{520, 2}, 9},
		{"MaxPooling1D 2", NewMaxPooling1D(2), Shape{9, 3}, 3},
		{"MaxPooling1D 3 same stride 1", pool3, Shape{8, 3}, 3},
		{"GlobalMaxPooling1D", NewGlobalMaxPooling1D(), Shape{9, 3}, 3},
		{"GlobalMaxPooling1D, samples shared", NewGlobalMaxPooling1D(), Shape{300, 40}, 8},
	}
	for i, c := range cases {
		err := gradcheck.Check(c.l, []Shape{c.in}, c.batch, uint64(i), gradcheck.Options{SetInputGrad: true, MaxChecks: 80})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
