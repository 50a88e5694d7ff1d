package model_test

import (
	"fmt"
	"math"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// A server prepares a text CNN when it loads it: the embedding table
// folded into the Conv1D is made then, and every request, even of one
// text, adds its rows instead of running the layers.
func ExampleModel_Prepare() {
	m, err := model.NewSequential(layers.Input(20),
		layers.NewEmbedding(1000, 32),
		layers.NewConv1D(8, 3, layers.ConvActivation("relu")),
		layers.NewGlobalMaxPooling1D(),
		layers.NewDense(2, "softmax"))
	if err != nil {
		fmt.Println(err)
		return
	}
	x := tensor.New(1, 20) // one text of 20 token ids
	for i := range x.Data {
		x.Data[i] = float32(i * 37 % 1000)
	}
	layered, _ := m.Predict(x, 1) // the layers: no table yet
	m.Prepare()
	folded, _ := m.Predict(x, 1)
	fmt.Println(folded.Shape, math.Abs(float64(folded.Data[0]-layered.Data[0])) < 1e-6)
	// Output: [1 2] true
}
