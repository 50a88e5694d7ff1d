package layers_test

import (
	"fmt"

	"github.com/seqnet/seqnet/layers"
)

// Layers can be made from Keras configs (as in a saved Keras model) and
// report shape mistakes with every input shape.
func ExampleConcatenate() {
	c, err := layers.FromConfig("Concatenate", layers.Config{"axis": -1.0})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Three Conv1D branches with kernels 3, 4, 5 on 40 steps, not pooled:
	_, err = c.Build([]layers.Shape{{38, 32}, {37, 32}, {36, 32}}, nil)
	fmt.Println(err)
	gmp, _ := layers.FromConfig("GlobalMaxPooling1D", nil)
	pooled, _ := gmp.Build([]layers.Shape{{38, 32}}, nil)
	// The same after GlobalMaxPooling1D:
	out, err := c.Build([]layers.Shape{pooled[0], pooled[0], pooled[0]}, nil)
	fmt.Println(out, err)
	// Output:
	// Concatenate (axis=-1) requires inputs with matching shapes except for the concatenation axis, received (None, 38, 32), (None, 37, 32), (None, 36, 32): axis 1 differs (38 vs 37)
	// [[96]] <nil>
}
