package textmodel_test

import (
	"fmt"

	"github.com/seqnet/seqnet/tensor"
	"github.com/seqnet/seqnet/textmodel"
)

func ExampleInitBag() {
	// Token 2 = "free", 3 = "win", 4 = "meeting", 5 = "notes"; 0 pads.
	x := tensor.FromSlice([]float32{2, 3, 0, 3, 2, 2, 4, 5, 0, 5, 4, 4}, 4, 3)
	y := tensor.FromSlice([]float32{1, 1, 0, 0}, 4)
	o := textmodel.Options{SeqLen: 3, Vocab: 6, Classes: 2, EmbeddingDim: 4, Filters: 4, KernelSize: 2, Seed: 1}
	m, _ := textmodel.New(o)
	name, acc, _ := textmodel.InitBag(m, o, x, y, x, y)
	p, _ := m.Predict(tensor.FromSlice([]float32{3, 3, 0, 4, 0, 0}, 2, 3), 2)
	fmt.Printf("%s (validation accuracy %.2f): spam %v, %v\n", name, acc, p.Data[0] > 0.5, p.Data[1] > 0.5)
	// Output: Naive Bayes (validation accuracy 1.00): spam true, false
}
