package kernels_test

import (
	"fmt"

	"github.com/seqnet/seqnet/internal/kernels"
)

// A 2×3 times 3×2 product, then a Conv1D-style product whose A rows
// overlap: row t of A is the 2-step window of a 1-channel signal starting
// at step t (lda = 1 < k = 2).
func ExampleSgemm() {
	a := []float32{1, 2, 3, 4, 5, 6}
	b := []float32{1, 0, 0, 1, 1, 1}
	c := make([]float32, 4)
	kernels.Sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2)
	fmt.Println(c)

	signal := []float32{1, 2, 3, 4}
	kernel := []float32{10, 1} // (kernel_size 2, 1 channel, 1 filter)
	out := make([]float32, 3)
	kernels.Sgemm(false, false, 3, 1, 2, 1, signal, 1, kernel, 1, 0, out, 1)
	fmt.Println(out)
	// Output:
	// [4 5 10 11]
	// [12 23 34]
}

func ExampleUse() {
	defer kernels.Use("generic")()
	fmt.Println(kernels.Impl())
	// Output: generic
}

func ExampleAddBias() {
	c := []float32{1, 2, 3, 4}
	kernels.AddBias(c, 2, 2, 2, []float32{10, 20})
	fmt.Println(c)
	// Output: [11 22 13 24]
}

// Two 1-channel signals of 4 steps, end to end, convolved with the kernel
// [1, -1] as one product over the whole batch: rows 3 and 7 of the
// product straddle the two signals, and the row map (Period 4, Keep 3)
// drops row 3 (row 7 is past the last full window), so C gets the 3 valid
// outputs of each signal; the bias 0.5 and relu are applied on the way.
func ExampleSgemmOut() {
	signals := []float32{1, 4, 2, 2, 5, 3, 3, 9}
	kernel := []float32{1, -1}
	out := make([]float32, 6)
	kernels.SgemmOut(false, false, 7, 1, 2, 1, signals, 1, kernel, 1, 0, out, 1,
		kernels.Output{Bias: []float32{0.5}, Relu: true, Period: 4, Keep: 3})
	fmt.Println(out)
	// Output: [0 2.5 0.5 2.5 0.5 0]
}
