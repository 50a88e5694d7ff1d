package learningtest

import (
	"math"
	"testing"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// TestMaskThroughModel checks that Embedding(mask_zero)'s mask reaches the
// global poolings through the model's executor (and through Dropout): the
// amount of padding must not change a prediction.
func TestMaskThroughModel(t *testing.T) {
	in := model.Input(6)
	emb := model.Call(func() layers.Layer { e := layers.NewEmbedding(10, 4); e.MaskZero = true; return e }(), in)
	h := model.Call(layers.NewDropout(0.3), emb)
	avg := model.Call(layers.NewGlobalAveragePooling1D(), h)
	mx := model.Call(layers.NewGlobalMaxPooling1D(), h)
	out := model.Call(layers.NewDense(1, ""), model.Call(layers.NewConcatenate(-1), avg, mx))
	m, err := model.NewModel([]*model.Tensor{in}, []*model.Tensor{out}, 3)
	if err != nil {
		t.Fatal(err)
	}
	// The same multiset of real tokens, {5, 8} each twice or once, with
	// different amounts of padding: equal means and maxima.
	x := tensor.FromSlice([]float32{
		5, 8, 0, 0, 0, 0,
		8, 5, 5, 8, 0, 0,
		5, 5, 8, 8, 8, 5,
		5, 8, 1, 0, 0, 0, // a different token: a different prediction
	}, 4, 6)
	y, err := m.Predict(x, 4)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 3; i++ {
		if math.Abs(float64(y.Data[i]-y.Data[0])) > 1e-6 {
			t.Fatalf("padding changed the prediction: %v", y.Data)
		}
	}
	if math.Abs(float64(y.Data[3]-y.Data[0])) < 1e-6 {
		t.Fatalf("prediction ignores the tokens: %v", y.Data)
	}
}
