package layers_test

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// FuseConvMaxPool runs Conv1D and GlobalMaxPooling1D as one pass at
// inference; package model does this by itself for Predict on large
// batches. The result is the two layers' output.
func ExampleFuseConvMaxPool() {
	c := layers.NewConv1D(4, 3, layers.ConvActivation("relu"))
	p := layers.NewGlobalMaxPooling1D()
	out, _ := c.Build([]layers.Shape{{10, 2}}, rand.New(rand.NewPCG(1, 2)))
	p.Build(out, nil)
	x := tensor.New(8, 10, 2) // 8 samples of 10 steps, 2 channels
	for i := range x.Data {
		x.Data[i] = float32(i%7) - 3
	}

	fused := tensor.New(8, 4)
	layers.FuseConvMaxPool(nil, c, p).Forward(&layers.Context{}, x, fused)

	z, apart := tensor.New(8, 8, 4), tensor.New(8, 4)
	c.Forward(&layers.Context{}, []*tensor.Tensor{x}, []*tensor.Tensor{z})
	p.Forward(&layers.Context{}, []*tensor.Tensor{z}, []*tensor.Tensor{apart})
	fmt.Println(fused.Shape, slices.Equal(fused.Data, apart.Data))
	// Output: [8 4] true
}
