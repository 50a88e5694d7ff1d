package losses_test

import (
	"fmt"

	"github.com/seqnet/seqnet/losses"
	"github.com/seqnet/seqnet/tensor"
)

// Losses average over all elements, as Keras does.
func ExampleMAE() {
	yTrue := tensor.FromSlice([]float32{6, 11, 14}, 1, 3, 1)
	yPred := tensor.FromSlice([]float32{5, 11, 16}, 1, 3, 1)
	fmt.Println(losses.MAE().Compute(yTrue, yPred, nil))
	// Output: 1
}
