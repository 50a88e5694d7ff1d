package explain_test

import (
	"fmt"

	"github.com/seqnet/seqnet/explain"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// A hand-set series model: a Conv1D summing two neighbouring steps, the
// maximum over steps, a Dense of weight 1. On [0 0 3 4 0 0] the output is
// 3 + 4 = 7, and every method points at steps 2 and 3.
func Example() {
	m, _ := model.NewSequential(layers.Input(6, 1), layers.NewConv1D(1, 2),
		layers.NewGlobalMaxPooling1D(), layers.NewDense(1, "linear"))
	_ = m.SetWeights([]*tensor.Tensor{
		tensor.FromSlice([]float32{1, 1}, 2, 1, 1), tensor.New(1), // conv kernel, bias
		tensor.FromSlice([]float32{1}, 1, 1), tensor.New(1), // dense kernel, bias
	})
	x := tensor.FromSlice([]float32{0, 0, 3, 4, 0, 0, 1, 1, 1, 1, 1, 1}, 2, 6, 1)
	for _, method := range explain.Methods {
		a, err := explain.ForRow(m, x, 0, method, explain.Options{Window: 1})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%-10s scores %v, peak at step %d\n", method, a.Scores, a.Peak())
	}
	ig, _ := explain.ForRow(m, x, 0, "integrated", explain.Options{})
	fmt.Printf("integrated gradients add up to %.3f = f(x) − f(baseline) = %.3f − %.3f\n", ig.Total(), ig.Prediction, ig.BaselinePrediction)
	_, err := explain.ForRow(m, x, 2, "gradient", explain.Options{})
	fmt.Println(err)
	// Output:
	// gradient   scores [0 0 1 1 0 0], peak at step 2
	// gradxinput scores [0 0 3 4 0 0], peak at step 3
	// integrated scores [0 0 3 4 0 0], peak at step 3
	// occlusion  scores [0 0 3 4 0 0], peak at step 3
	// integrated gradients add up to 7.000 = f(x) − f(baseline) = 7.000 − 0.000
	// row 2 does not exist: the data has 2 rows (0–1)
}

// The filter report of a hand-set text model: one filter adding the
// embeddings (cat = 1, sat = 2) of two neighbouring words.
func ExampleFilterReport() {
	m, _ := model.NewSequential(layers.Input(4), layers.NewEmbedding(4, 1), layers.NewConv1D(1, 2),
		layers.NewGlobalMaxPooling1D(), layers.NewDense(1, "sigmoid"))
	_ = m.SetWeights([]*tensor.Tensor{
		tensor.FromSlice([]float32{0, 0, 1, 2}, 4, 1), // embeddings of <pad> the cat sat
		tensor.FromSlice([]float32{1, 1}, 2, 1, 1), tensor.New(1),
		tensor.FromSlice([]float32{1}, 1, 1), tensor.New(1),
	})
	vocab := []string{"<pad>", "the", "cat", "sat"}
	x := tensor.FromSlice([]float32{1, 2, 3, 1, 3, 1, 2, 1}, 2, 4) // "the cat sat the", "sat the cat the"
	r, err := explain.FilterReport(m, x, vocab, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range r.Layers {
		fmt.Printf("%s: %d-grams\n", l.Layer, l.Field)
		for _, f := range l.Filters {
			for _, mt := range f.Top {
				fmt.Printf("  filter %d: %-8s %.0f (row %d, tokens %d–%d)\n", f.Filter, mt.Text, mt.Activation, mt.Row, mt.Start, mt.End-1)
			}
		}
	}
	// Output:
	// conv1d: 2-grams
	//   filter 0: cat sat  3 (row 0, tokens 1–2)
	//   filter 0: sat the  2 (row 0, tokens 2–3)
	//   filter 0: the cat  1 (row 0, tokens 0–1)
}
