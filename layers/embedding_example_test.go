package layers_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// An Embedding turns token indices into vectors; with MaskZero, index 0 is
// padding and GlobalAveragePooling1D leaves it out of the mean.
// CheckIndices reports an index outside the vocabulary before training.
func ExampleEmbedding() {
	emb := layers.NewEmbedding(4, 2) // vocabulary of 3 tokens + padding, 2-d vectors
	emb.MaskZero = true
	if err := emb.SetEmbeddings(tensor.FromSlice([]float32{
		0, 0, // 0: padding
		1, 0, // 1
		0, 1, // 2
		1, 1, // 3
	}, 4, 2)); err != nil {
		fmt.Println(err)
		return
	}
	pool := layers.NewGlobalAveragePooling1D()
	x := tensor.FromSlice([]float32{1, 3, 0, 0}, 1, 4) // one sequence: tokens 1, 3, then padding

	shape, _ := emb.Build([]layers.Shape{{4}}, rand.New(rand.NewPCG(1, 1)))
	pooled, _ := pool.Build(shape, nil)
	h := tensor.New(append([]int{1}, shape[0]...)...)
	y := tensor.New(append([]int{1}, pooled[0]...)...)
	emb.Forward(&layers.Context{}, []*tensor.Tensor{x}, []*tensor.Tensor{h})
	pool.Forward(&layers.Context{}, []*tensor.Tensor{h}, []*tensor.Tensor{y})
	fmt.Println("vectors:", h.Data)
	fmt.Println("mask:   ", h.Mask)
	fmt.Println("mean:   ", y.Data)

	emb.Name = "embedding"
	fmt.Println(emb.CheckIndices(tensor.FromSlice([]float32{1, 2, 3, 4}, 1, 4)))
	// Output:
	// vectors: [1 0 1 1 0 0 0 0]
	// mask:    [true true false false]
	// mean:    [1 0.5]
	// Embedding "embedding": input holds 4 at sample 0, step 3, outside the vocabulary: indices must be integers in [0, 4) (input_dim = vocabulary size 4); 1 of 4 values are invalid; set input_dim to at least 5 (largest index + 1), or map rare tokens to an out-of-vocabulary index below 4
}
