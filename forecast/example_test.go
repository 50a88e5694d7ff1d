package forecast_test

import (
	"fmt"

	"github.com/seqnet/seqnet/forecast"
	"github.com/seqnet/seqnet/tensor"
)

func ExampleInitLinear() {
	// A series rising by 1 each step: windows of 3 values, the next value
	// as target. Training windows end at 0…11, validation windows at 12…15.
	x, y := tensor.New(16, 3, 1), tensor.New(16, 1)
	for i := 0; i < 16; i++ {
		for s := 0; s < 3; s++ {
			x.Data[i*3+s] = float32(i + s)
		}
		y.Data[i] = float32(i + 3)
	}
	o := forecast.Options{Steps: 3, Channels: 1, Targets: []int{0}, Horizon: 1, Filters: forecast.Filters(12), KernelSize: 2, Seed: 1}
	m, _ := forecast.New(o)
	st, _ := forecast.InitLinear(m, o, x.Rows(0, 12), y.Rows(0, 12), x.Rows(12, 16), y.Rows(12, 16))
	// Far past the training levels, the start still continues the line.
	far := tensor.FromSlice([]float32{100, 101, 102}, 1, 3, 1)
	p, _ := m.Predict(far, 1)
	fmt.Printf("%.2f (largest part: %s)\n", p.Data[0], st.Parts[0].Anchor)
	// Output: 103.00 (largest part: last value)
}
