package model

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// lazyTextCNN is a text CNN whose Embedding folds into its Conv1D: a
// vocabulary of 500, 37 tokens a text (34 output steps).
func lazyTextCNN(t *testing.T) *Model {
	t.Helper()
	m, err := NewSequential(layers.Input(37),
		layers.NewEmbedding(500, 32),
		layers.NewConv1D(33, 4, layers.ConvActivation("relu")),
		layers.NewGlobalMaxPooling1D(),
		layers.NewDense(3, "softmax"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// closeTo fails unless got and want agree to float32 rounding.
func closeTo(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); !(d <= 1e-5*(1+math.Abs(float64(want[i])))) {
			t.Fatalf("%s: element %d = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// TestLazyFold: on batches too small to make the folded table on every
// pass, an executor runs the layers until the passes since the weights
// last changed looked up as many tokens as the table has rows (500: the
// 15th pass of 34 tokens), then the folded pass while the table is
// current. An optimizer step, SetWeights and SetEmbeddings each make the
// layers run again (the table is stale); Prepare makes it at once. The
// layers' passes give the layers' bits, the folded ones the same to
// float32 rounding.
func TestLazyFold(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	m := lazyTextCNN(t)
	if err := m.Compile(CompileOptions{OptimizerName: "adam", LearningRate: 1e-2, LossName: "sparse_categorical_crossentropy"}); err != nil {
		t.Fatal(err)
	}
	x := fuseTokens(rand.New(rand.NewPCG(8, 8)), 40, 37, 500)
	e := newExecutor(m, 1, false, false)
	if len(e.lazy) != 1 || e.lazy[0].alt != nil || e.skip[1] || e.skip[2] {
		t.Fatalf("batch 1: lazy %v, skip %v", e.lazy, e.skip)
	}
	// run predicts sample i with e and reports whether it folded.
	want := layerRows(t, m, x)
	run := func(i int) bool {
		y := e.forward([]*tensor.Tensor{x.Rows(i, i+1)}, nil)[0]
		folded := e.fused[3] == e.lazy[0].fold
		if folded != e.skip[1] || folded != e.skip[2] {
			t.Fatalf("pass %d: folded %v, skip %v", i, folded, e.skip)
		}
		if folded {
			closeTo(t, "folded", y.Data, want[0].Data[i*3:i*3+3])
		} else {
			sameBits(t, "layers", y.Data, want[0].Data[i*3:i*3+3])
		}
		return folded
	}
	for i := 0; i < 20; i++ {
		if got := run(i); got != (i >= 14) {
			t.Fatalf("pass %d (%d tokens looked up): folded %v", i, 34*(i+1), got)
		}
	}
	changes := []struct {
		name   string
		change func()
	}{
		{"optimizer step", func() {
			y := tensor.New(4)
			if _, err := m.TrainOnBatch(x.Rows(0, 4), y); err != nil {
				t.Fatal(err)
			}
		}},
		{"SetWeights", func() {
			w := m.Weights()
			for i := range w[1].Data {
				w[1].Data[i] *= -1
			}
			if err := m.SetWeights(w); err != nil {
				t.Fatal(err)
			}
		}},
		{"SetEmbeddings", func() {
			emb := m.nodes[1].layer.(*layers.Embedding)
			w := emb.Embeddings().Value.Clone()
			for i := range w.Data {
				w.Data[i] += 0.25
			}
			if err := emb.SetEmbeddings(w); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, c := range changes {
		c.change()
		want = layerRows(t, m, x)
		if run(0) {
			t.Fatalf("after %s: folded with a stale table", c.name)
		}
		m.Prepare()
		if !run(1) {
			t.Fatalf("after %s and Prepare: not folded", c.name)
		}
	}
}

// TestLazyFoldConcurrent: predictions at batch 1 from several goroutines
// while the table gets made (when the passes' count of looked-up tokens
// reaches its rows) are each the layers' to float32 rounding; run with
// -race.
func TestLazyFoldConcurrent(t *testing.T) {
	m := lazyTextCNN(t)
	x := fuseTokens(rand.New(rand.NewPCG(9, 9)), 64, 37, 500)
	want := layerRows(t, m, x)[0].Data
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < 64; i += 2 {
				y, err := m.Predict(x.Rows(i, i+1), 1)
				if err != nil {
					errs <- err.Error()
					return
				}
				for k, v := range y.Data {
					w := want[i*3+k]
					if d := math.Abs(float64(v - w)); !(d <= 1e-5*(1+math.Abs(float64(w)))) {
						errs <- "a prediction differs from the layers'"
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}
