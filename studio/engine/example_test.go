package engine_test

import (
	"fmt"

	"github.com/seqnet/seqnet/studio/engine"
)

func ExampleConv() {
	r := engine.Conv(engine.ConvRequest{Input: "0,3,4,5", Kernel: "1,2", Strides: 1, Dilation: 1, Padding: "valid"})
	fmt.Println(r.Result.Output, r.LayerOutput)
	fmt.Println(r.Result.Formula)
	fmt.Println(r.Formula.Filled)
	// Output:
	// [[6] [11] [14]] [[6] [11] [14]]
	// O = floor((W - K) / S) + 1 = floor((4 - 2) / 1) + 1 = 3
	// O = floor((4 + 0 + 0 - (2-1)·1 - 1) / 1) + 1 = floor(2 / 1) + 1 = 3
}

func ExampleShape() {
	r := engine.Shape("16070,1,45", "conv1d:filters=128,kernel_size=10,strides=5 flatten dense:units=1")
	fmt.Println(r.Error)
	// Output:
	// layer 1 conv1d (Conv1D) cannot take input (16070, 1, 45): input length 1 is shorter than the kernel's reach 10 (kernel_size 10, dilation 1): O = floor((1 - 10) / 5) + 1 would be -1
	//   the data has 1 step of 45 channels, so a kernel of 10 cannot fit
	//   fix: if each sample is a 45-step series of one feature, the shape is (16070, 45, 1): --input 16070,45,1
	//   fix: otherwise use padding=same or a kernel of 1
}

func ExampleTrainer() {
	tr, err := engine.NewTrainer(0, 1) // experiment 1: learn [1, 2]
	if err != nil {
		panic(err)
	}
	states, err := tr.Step(200)
	if err != nil {
		panic(err)
	}
	last := states[len(states)-1]
	fmt.Printf("epoch %d: kernel [%.1f %.1f]\n", last.Epoch, last.Kernel[0], last.Kernel[1])
	// Output:
	// epoch 200: kernel [1.0 2.0]
}
