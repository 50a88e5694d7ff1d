package model

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/seqnet/seqnet/tensor"
)

// TestFoldWithinMaxMemory: a folded table (here 500 × 4 × 33 floats,
// 264 KB) is made and used only when it fits within MaxMemory beside the
// weights and the activations of the batch. One byte short, Prepare
// makes no table, no executor plans a fold (batch 1 folds lazily, batch
// 40 on every pass), and Predict runs without it: the layers' bits, and
// no error. With the table counted in, the executors fold and Prepare makes
// it.
func TestFoldWithinMaxMemory(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	defer func(old int64) { MaxMemory = old }(MaxMemory)
	m := lazyTextCNN(t)
	x := fuseTokens(rand.New(rand.NewPCG(3, 3)), 40, 37, 500)
	want := layerRows(t, m, x)
	cps := m.convPools()
	if len(cps) != 1 || cps[0].fold == nil || cps[0].fold.TableBytes() != 4*500*4*33 {
		t.Fatalf("the model's fold: %+v", cps)
	}
	table := cps[0].fold.TableBytes()
	limit := func(batch int) int64 {
		weights, acts, _, _ := m.memoryNeed(batch, false)
		return int64(weights+acts) + table
	}
	for _, batch := range []int{1, 40} {
		MaxMemory = limit(batch) - 1
		if batch == 1 {
			m.Prepare()
			if cps[0].fold.FoldNow(1) { // true only with a current table (34 tokens looked up, of 500)
				t.Fatal("Prepare made a table that does not fit")
			}
		}
		// (The Conv1D and the pooling may still run as one pass, the
		// Embedding before them.)
		if e := newExecutor(m, batch, false, false); len(e.lazy) != 0 || e.skip != nil && e.skip[1] {
			t.Fatalf("batch %d: a fold planned beyond MaxMemory (lazy %v, skip %v)", batch, e.lazy, e.skip)
		}
		got, err := m.PredictMulti([]*tensor.Tensor{x}, batch)
		if err != nil {
			t.Fatalf("batch %d: Predict without the table: %v", batch, err)
		}
		sameBits(t, "layers", got[0].Data, want[0].Data)

		MaxMemory++
		e := newExecutor(m, batch, false, false)
		if folds := len(e.lazy) == 1 || (e.fused != nil && e.fused[3] != nil && e.skip[1]); !folds {
			t.Fatalf("batch %d: no fold with the table within MaxMemory", batch)
		}
	}
	m2 := lazyTextCNN(t)
	MaxMemory = limit(1)
	m2.Prepare()
	if !m2.convPools()[0].fold.FoldNow(1) {
		t.Fatal("Prepare made no table, though it fits")
	}
}
