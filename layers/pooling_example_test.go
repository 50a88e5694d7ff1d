package layers_test

import (
	"fmt"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// MaxPooling1D with padding "same" keeps ceil(steps/strides) outputs; the
// padding never wins a maximum. AveragePooling1D averages an edge window
// over its real values only, as TensorFlow does.
func ExampleMaxPooling1D() {
	x := tensor.FromSlice([]float32{1, 3, 2, 5, 4}, 1, 5, 1) // (batch, steps, channels)
	for _, l := range []layers.Layer{layers.NewMaxPooling1D(2), layers.NewAveragePooling1D(2)} {
		for _, pad := range []string{"valid", "same"} {
			var g layers.ConvGeometry
			switch p := l.(type) {
			case *layers.MaxPooling1D:
				p.Padding = pad
			case *layers.AveragePooling1D:
				p.Padding = pad
			}
			out, err := l.Build([]layers.Shape{{5, 1}}, nil)
			if err != nil {
				fmt.Println(err)
				return
			}
			switch p := l.(type) {
			case *layers.MaxPooling1D:
				g = p.Geometry()
			case *layers.AveragePooling1D:
				g = p.Geometry()
			}
			y := tensor.New(1, out[0][0], 1)
			l.Forward(&layers.Context{}, []*tensor.Tensor{x}, []*tensor.Tensor{y})
			fmt.Printf("%s %-5s %v  (%s)\n", l.ClassName(), pad, y.Data, g.Formula)
		}
	}
	// Output:
	// MaxPooling1D valid [3 5]  (O = floor((W - K) / S) + 1 = floor((5 - 2) / 2) + 1 = 2)
	// MaxPooling1D same  [3 5 4]  (O = ceil(W / S) = ceil(5 / 2) = 3; pad = max((O - 1)*S + K - W, 0) = 1 → 0 left, 1 right)
	// AveragePooling1D valid [2 3.5]  (O = floor((W - K) / S) + 1 = floor((5 - 2) / 2) + 1 = 2)
	// AveragePooling1D same  [2 3.5 4]  (O = ceil(W / S) = ceil(5 / 2) = 3; pad = max((O - 1)*S + K - W, 0) = 1 → 0 left, 1 right)
}
