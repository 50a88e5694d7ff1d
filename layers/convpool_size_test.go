package layers

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestFoldTableSize: the fold's bound (foldable), the table it makes and
// the bytes it reports (TableBytes) are one size, vocabulary ×
// kernel_size × filters floats: a table of exactly the budget folds and
// one token more does not; the table made holds TableBytes/4 floats; a
// size past int64 does not wrap around into the budget.
func TestFoldTableSize(t *testing.T) {
	conv := &Conv1D{KernelSize: 4, Filters: 512}
	at := &Embedding{InputDim: foldBudget / (4 * 512), OutputDim: foldMinDim}
	over := &Embedding{InputDim: at.InputDim + 1, OutputDim: foldMinDim}
	if !foldable(at, conv) || foldFloats(at, conv) != foldBudget || foldable(over, conv) {
		t.Errorf("%d tokens (%d floats) foldable %v, %d tokens foldable %v: want the budget of %d floats to fold and no more",
			at.InputDim, foldFloats(at, conv), foldable(at, conv), over.InputDim, foldable(over, conv), foldBudget)
	}
	huge := &Embedding{InputDim: math.MaxInt, OutputDim: foldMinDim}
	if n := foldFloats(huge, &Conv1D{KernelSize: 1 << 20, Filters: 1 << 20}); n != math.MaxInt64 {
		t.Errorf("an overflowing size is %d, want math.MaxInt64", n)
	}

	rng := rand.New(rand.NewPCG(3, 3))
	emb := NewEmbedding(50, foldMinDim)
	if _, err := emb.Build([]Shape{{12}}, rng); err != nil {
		t.Fatal(err)
	}
	c := NewConv1D(8, 3)
	out, err := c.Build([]Shape{{12, foldMinDim}}, rng)
	if err != nil {
		t.Fatal(err)
	}
	p := NewGlobalMaxPooling1D()
	if _, err := p.Build(out, nil); err != nil {
		t.Fatal(err)
	}
	f := FuseConvMaxPool(emb, c, p)
	if f == nil {
		t.Fatal("not fused")
	}
	f.Prepare()
	table := c.fold.cur.Load()
	if table == nil {
		t.Fatal("Prepare made no table")
	}
	if f.TableBytes() != 4*50*3*8 || int64(len(table.t))*4 != f.TableBytes() {
		t.Errorf("TableBytes %d, table of %d floats: want 4 × 50 × 3 × 8 bytes, the table's size", f.TableBytes(), len(table.t))
	}
}
