package model

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// TestPredictOneChunkAllocations: a batch Predict runs in one chunk (a
// server's usual call) goes into the pass as it is, with no view of its
// rows: the call allocates its result (the list, the tensor, its shape
// and values) and the input list, 5 allocations; it made 8 with the view.
// The answer is the one of a pass in chunks, bit for bit.
func TestPredictOneChunkAllocations(t *testing.T) {
	m, err := NewSequential(layers.Input(12, 3), layers.NewConv1D(4, 3), layers.NewFlatten(), layers.NewDense(2, ""))
	if err != nil {
		t.Fatal(err)
	}
	x := randTensor(rand.New(rand.NewPCG(1, 2)), 4, 12, 3)
	one, err := m.Predict(x, 4)
	if err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(100, func() { m.Predict(x, 4) }); a > 5 {
		t.Errorf("Predict of 4 samples in one chunk allocated %v times, want at most 5", a)
	}
	chunks, err := m.Predict(x, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(one.Shape, []int{4, 2}) || !slices.Equal(one.Data, chunks.Data) {
		t.Errorf("one chunk %v %v, chunks of 3 %v %v", one.Shape, one.Data, chunks.Shape, chunks.Data)
	}
	// An input whose values run past its shape goes in as its rows' view.
	long := &tensor.Tensor{Shape: x.Shape, Data: append(slices.Clone(x.Data), 9, 9, 9)}
	got, err := m.Predict(long, 4)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Data, one.Data) {
		t.Errorf("an input with values past its shape: %v, want %v", got.Data, one.Data)
	}
}
