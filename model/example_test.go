package model_test

import (
	"fmt"
	"slices"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/optimizers"
	"github.com/seqnet/seqnet/tensor"
)

// The tutorial's first experiment: a Conv1D without bias learns the kernel
// [1, 2] from [0 3 4 5] → [6 11 14].
func Example() {
	x := tensor.FromSlice([]float32{0, 3, 4, 5}, 1, 4, 1)
	y := tensor.FromSlice([]float32{6, 11, 14}, 1, 3, 1)
	m, err := model.NewSequential(
		layers.Input(4, 1),
		layers.NewConv1D(1, 2, layers.NoBias()),
	)
	if err != nil {
		panic(err)
	}
	if err := m.Compile(model.CompileOptions{Optimizer: optimizers.NewAdam(0.05), LossName: "mae"}); err != nil {
		panic(err)
	}
	h, err := m.Fit(x, y, model.FitOptions{Epochs: 200, BatchSize: 1})
	if err != nil {
		panic(err)
	}
	k := m.Weights()[0].Data
	fmt.Printf("kernel ≈ [%.1f %.1f], final MAE below 0.25: %v\n", k[0], k[1], h.Last("loss") < 0.25)
	// Output: kernel ≈ [1.0 2.0], final MAE below 0.25: true
}

// A functional model with two branches, as Keras' functional API.
func ExampleNewModel() {
	in := model.Input(10, 1)
	a := model.Call(layers.NewConv1D(4, 3, layers.ConvActivation("relu")), in)
	b := model.Call(layers.NewConv1D(4, 5, layers.ConvActivation("relu")), in)
	fa := model.Call(layers.NewFlatten(), a)
	fb := model.Call(layers.NewFlatten(), b)
	out := model.Call(layers.NewDense(1, ""), model.Call(layers.NewConcatenate(-1), fa, fb))
	m, err := model.NewModel([]*model.Tensor{in}, []*model.Tensor{out}, 1)
	if err != nil {
		panic(err)
	}
	fmt.Println(m.OutputShapes(), len(m.Layers()))
	// Output: [[1]] 6
}

// Shape mistakes are errors that say how to fix them.
func ExampleNewSequential_shapeError() {
	_, err := model.NewSequential(layers.Input(1, 45), layers.NewConv1D(128, 10, layers.Strides(5)))
	fmt.Println(err)
	// Output: layer "conv1d" (Conv1D): Conv1D on input (None, 1, 45): input length 1 is shorter than the kernel's reach 10 (kernel_size 10, dilation 1): O = floor((1 - 10) / 5) + 1 would be -1; your data has 45 values per sample in 1 step(s) of 45 channels: if each sample is a 45-step series of 1 feature, reshape it to (N, 45, 1); otherwise use padding="same" or a kernel_size of at most 1
}

// A loader builds the model without drawing its weights, then sets every
// one of them: here from another model of the same layers.
func ExampleNewSequentialUnfilled() {
	stack := func() []layers.Layer {
		return []layers.Layer{layers.Input(4), layers.NewEmbedding(1000, 8), layers.NewGlobalAveragePooling1D(), layers.NewDense(1, "")}
	}
	trained, _ := model.NewSequential(stack()...)
	m, _ := model.NewSequentialUnfilled(stack()...)
	fmt.Println("before:", m.Weights()[0].Data[:3])
	if err := m.SetWeights(trained.Weights()); err != nil {
		fmt.Println(err)
	}
	fmt.Println("after: the trained weights:", slices.Equal(m.Weights()[0].Data, trained.Weights()[0].Data))
	// Output:
	// before: [0 0 0]
	// after: the trained weights: true
}
