package model

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// fuseTokens returns n rows of steps random indices below vocab.
func fuseTokens(rng *rand.Rand, n, steps, vocab int) *tensor.Tensor {
	x := tensor.New(n, steps)
	for i := range x.Data {
		x.Data[i] = float32(rng.IntN(vocab))
	}
	return x
}

// predictRows is Predict one sample at a time: batches of 1, which the
// executor never fuses.
func predictRows(t *testing.T, m *Model, x *tensor.Tensor) []*tensor.Tensor {
	t.Helper()
	outs, err := m.PredictMulti([]*tensor.Tensor{x}, 1)
	if err != nil {
		t.Fatal(err)
	}
	return outs
}

// layerRows is x's outputs, one sample at a time through the layers,
// with nothing fused.
func layerRows(t *testing.T, m *Model, x *tensor.Tensor) []*tensor.Tensor {
	t.Helper()
	e := newExecutor(m, 1, false, false)
	for id, skip := range e.skip {
		if skip {
			t.Fatalf("batch 1: node %d skipped for good (its output has no memory)", id)
		}
	}
	e.fused, e.skip, e.lazy = nil, nil, nil
	n := x.Shape[0]
	var outs []*tensor.Tensor
	for i := 0; i < n; i++ {
		ys := e.forward([]*tensor.Tensor{x.Rows(i, i+1)}, nil)
		if outs == nil {
			for _, y := range ys {
				outs = append(outs, tensor.New(append([]int{n}, y.Shape[1:]...)...))
			}
		}
		for k, y := range ys {
			copy(outs[k].Data[i*len(y.Data):], y.Data)
		}
	}
	return outs
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: element %d = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// TestFusedTextCNN: a text CNN (Embedding → Conv1D relu →
// GlobalMaxPooling1D → Dense) predicts with Conv1D and the pooling fused
// on large batches, the Embedding folded in when the batch looks up at
// least as many tokens as its table holds: the same bits as one sample at
// a time through the layers without the fold, the same to float32
// rounding with it.
func TestFusedTextCNN(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for _, vocab := range []int{50, 5000} {
		m, err := NewSequential(layers.Input(37),
			layers.NewEmbedding(vocab, 32),
			layers.NewConv1D(33, 4, layers.ConvActivation("relu")),
			layers.NewGlobalMaxPooling1D(),
			layers.NewDense(3, "softmax"))
		if err != nil {
			t.Fatal(err)
		}
		x := fuseTokens(rand.New(rand.NewPCG(4, 4)), 21, 37, vocab)
		e := newExecutor(m, 21, false, false)
		folded := vocab <= 21*34
		// Below that batch the fold is chosen on each pass (lazyFold),
		// the Conv1D and pooling fused without it otherwise.
		if lazy := len(e.lazy) == 1 && e.lazy[0].alt != nil; e.fused == nil || lazy == folded || e.fused[3] == nil != lazy || e.skip[1] != folded || e.skip[2] != folded {
			t.Fatalf("vocabulary %d, batch 21: fused %v, skip %v, lazy %v", vocab, e.fused, e.skip, e.lazy)
		}
		for _, id := range []int{1, 2} {
			if e.skip[id] != (e.outs[id][0].Data == nil) {
				t.Errorf("node %d: skipped %v, output of %d values", id, e.skip[id], len(e.outs[id][0].Data))
			}
		}
		if e := newExecutor(m, 21, true, false); e.fused != nil {
			t.Fatal("training executor fused")
		}
		got, err := m.Predict(x, 21)
		if err != nil {
			t.Fatal(err)
		}
		want := layerRows(t, m, x)[0].Data
		if !folded {
			sameBits(t, "predictions", got.Data, want)
			continue
		}
		for i := range want {
			if d := math.Abs(float64(got.Data[i] - want[i])); !(d <= 1e-5) {
				t.Fatalf("vocabulary %d: prediction %d = %v folded, %v by the layers", vocab, i, got.Data[i], want[i])
			}
		}
	}
}

// TestFusedOnlyWhenUnread: in Kim's CNN (an Embedding feeding three
// Conv1D → GlobalMaxPooling1D branches) whose first Conv1D's output is
// also a model output, that Conv1D is not skipped, the two others are
// fused with their pooling, and every output keeps the layers' bits.
func TestFusedOnlyWhenUnread(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	in := Input(30)
	emb := Call(layers.NewEmbedding(40, 16), in)
	var pooled []*Tensor
	var convs []*Tensor
	for _, k := range []int{3, 4, 5} {
		c := Call(layers.NewConv1D(12, k, layers.ConvActivation("relu")), emb)
		convs = append(convs, c)
		pooled = append(pooled, Call(layers.NewGlobalMaxPooling1D(), c))
	}
	h := Call(layers.NewConcatenate(-1), pooled...)
	out := Call(layers.NewDense(1, "sigmoid"), h)
	m, err := NewModel([]*Tensor{in}, []*Tensor{out, convs[0]}, 9)
	if err != nil {
		t.Fatal(err)
	}
	e := newExecutor(m, 16, false, false)
	var fused, skipped int
	for _, nd := range m.nodes {
		if e.fused != nil && e.fused[nd.id] != nil {
			fused++
		}
		if e.skip != nil && e.skip[nd.id] {
			skipped++
			if nd == emb.node || nd == convs[0].node {
				t.Errorf("%s skipped: its output is read elsewhere", nd.layer.ClassName())
			}
		}
	}
	if fused != 2 || skipped != 2 {
		t.Fatalf("fused %d chains skipping %d layers, want 2 and 2", fused, skipped)
	}
	x := fuseTokens(rand.New(rand.NewPCG(5, 5)), 16, 30, 40)
	got, err := m.PredictMulti([]*tensor.Tensor{x}, 16)
	if err != nil {
		t.Fatal(err)
	}
	want := predictRows(t, m, x)
	for i := range want {
		sameBits(t, "output", got[i].Data, want[i].Data)
	}
}
