package optimizers_test

import (
	"fmt"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/optimizers"
	"github.com/seqnet/seqnet/tensor"
)

// Keras 3's Adam moves every weight by about the learning rate on its
// first step, whatever the gradient's scale.
func ExampleAdam() {
	w := &layers.Param{Name: "w", Value: tensor.FromSlice([]float32{1, 1}, 2), Grad: tensor.FromSlice([]float32{0.001, -50}, 2)}
	opt := optimizers.NewAdam(0.1)
	opt.Step([]*layers.Param{w})
	fmt.Printf("%.3f %.3f\n", w.Value.Data[0], w.Value.Data[1])
	// Output: 0.900 1.100
}
