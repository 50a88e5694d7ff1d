package layers_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// An LSTM over (batch, steps, features) input, returning the whole
// sequence and its final states, with Keras' weight layout.
func ExampleNewLSTM() {
	lstm := layers.NewLSTM(4, layers.ReturnSequences(), layers.ReturnState())
	shapes, err := lstm.Build([]layers.Shape{{10, 8}}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("outputs:", shapes) // sequence, h, c (per sample)
	for _, p := range lstm.Params() {
		fmt.Println(p.Name, tensor.ShapeString(p.Value.Shape, false))
	}
	fmt.Println("initial bias:", lstm.Bias().Value.Data) // forget gate at 1

	x := tensor.New(2, 10, 8) // a batch of two sequences
	for i := range x.Data {
		x.Data[i] = float32(i%7) / 7
	}
	outs := []*tensor.Tensor{tensor.New(2, 10, 4), tensor.New(2, 4), tensor.New(2, 4)}
	lstm.Forward(&layers.Context{}, []*tensor.Tensor{x}, outs)
	last := outs[0].Data[9*4 : 10*4] // sample 0, last step
	fmt.Println("last step equals h:", fmt.Sprint(last) == fmt.Sprint(outs[1].Data[:4]))
	// Output:
	// outputs: [[10 4] [4] [4]]
	// kernel (8, 16)
	// recurrent_kernel (4, 16)
	// bias (16,)
	// initial bias: [0 0 0 0 1 1 1 1 0 0 0 0 0 0 0 0]
	// last step equals h: true
}

// A bidirectional GRU: a forward and a backward copy, outputs
// concatenated.
func ExampleNewBidirectional() {
	bi := layers.NewBidirectional(layers.NewGRU(3, layers.ReturnSequences()), "concat")
	shapes, err := bi.Build([]layers.Shape{{20, 5}}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(shapes, bi.ForwardLayer().Common().Name, bi.BackwardLayer().Common().Name)
	for _, p := range bi.Params() {
		fmt.Print(p.Name, tensor.ShapeString(p.Value.Shape, false), " ")
	}
	fmt.Println()
	// Output:
	// [[20 6]] forward_gru backward_gru
	// kernel(5, 9) recurrent_kernel(3, 9) bias(2, 9) kernel(5, 9) recurrent_kernel(3, 9) bias(2, 9)
}
