package model

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// countingInit is Keras' "uniform" initializer counting its fills.
type countingInit struct {
	layers.Initializer
	fills *int
}

func (c countingInit) Fill(t *tensor.Tensor, rng *rand.Rand) {
	*c.fills++
	c.Initializer.Fill(t, rng)
}

// textStack returns the layers of a small text CNN whose Embedding counts
// the fills of its weights.
func textStack(fills *int) []layers.Layer {
	emb := layers.NewEmbedding(30, 4)
	emb.EmbeddingsInitializer = countingInit{emb.EmbeddingsInitializer, fills}
	return []layers.Layer{layers.Input(10), emb, layers.NewConv1D(3, 3, layers.ConvActivation("relu")),
		layers.NewGlobalMaxPooling1D(), layers.NewDense(2, "softmax")}
}

func sameModelWeights(t *testing.T, what string, a, b *Model) {
	t.Helper()
	wa, wb := a.Weights(), b.Weights()
	if len(wa) != len(wb) {
		t.Fatalf("%s: %d weight arrays, want %d", what, len(wb), len(wa))
	}
	for i := range wa {
		if !slices.Equal(wa[i].Shape, wb[i].Shape) || !slices.Equal(wa[i].Data, wb[i].Data) {
			t.Fatalf("%s: weight %d differs", what, i)
		}
	}
}

// TestNewSequentialBuildsOnce: NewSequential builds its stack once (it
// built every layer again at each one added, drawing the Embedding's
// weights four times here), with the weights of adding the layers one by
// one.
func TestNewSequentialBuildsOnce(t *testing.T) {
	var fills int
	m, err := NewSequential(textStack(&fills)...)
	if err != nil {
		t.Fatal(err)
	}
	if fills != 1 {
		t.Errorf("the Embedding's weights were drawn %d times, want once", fills)
	}
	var fills2 int
	ls := textStack(&fills2)
	one, err := NewSequential(ls[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls[1:] {
		if err := one.Add(l); err != nil {
			t.Fatal(err)
		}
	}
	sameModelWeights(t, "one by one", m, one)

	_, err = NewSequential(layers.Input(4, 2), layers.NewConv1D(2, 9), layers.NewFlatten())
	if err == nil || !strings.Contains(err.Error(), `layer "conv1d"`) {
		t.Errorf("a kernel longer than the input: error %v, want one naming layer conv1d", err)
	}
	_, err = NewSequential(layers.NewFlatten(), layers.Input(4, 2))
	if err == nil || !strings.Contains(err.Error(), "an Input layer must come first") {
		t.Errorf("an Input second: error %v", err)
	}
}

// TestUnfilledModels: the Unfilled constructors draw no weight and leave
// every one at zero; the model's later builds draw from its seed again.
func TestUnfilledModels(t *testing.T) {
	var fills int
	m, err := NewSequentialUnfilled(textStack(&fills)...)
	if err != nil {
		t.Fatal(err)
	}
	x := Input(6, 2)
	f, err := NewModelUnfilled([]*Tensor{x}, []*Tensor{Call(layers.NewDense(3, ""), Call(layers.NewLSTM(2), x))}, 4)
	if err != nil {
		t.Fatal(err)
	}
	if fills != 0 {
		t.Errorf("NewSequentialUnfilled drew the Embedding's weights %d times", fills)
	}
	for _, mm := range []*Model{m, f} {
		for i, w := range mm.Weights() {
			if slices.ContainsFunc(w.Data, func(v float32) bool { return v != 0 }) {
				t.Errorf("%s: weight %d is not all zero", mm.Name, i)
			}
		}
	}

	// Adding a layer builds the stack again, from the seed.
	if err := m.Add(layers.NewDense(1, "")); err != nil {
		t.Fatal(err)
	}
	if fills != 1 {
		t.Errorf("building the unfilled model again drew the Embedding's weights %d times, want once", fills)
	}
	var fills2 int
	want, err := NewSequential(append(textStack(&fills2), layers.NewDense(1, ""))...)
	if err != nil {
		t.Fatal(err)
	}
	sameModelWeights(t, "built again", want, m)
}
