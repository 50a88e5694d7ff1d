package layers

import (
	"math"
	"sync"
	"sync/atomic"

	"github.com/seqnet/seqnet/internal/kernels"
)

// The Embedding folded into the Conv1D. Conv1D's output at step t is
// Σ_i E[x[t+i]]·W_i (E the embedding table, W_i the kernel's tap i), and
// E[v]·W_i depends only on the token v and the tap: the table T[v][i] =
// E[v]·W_i (vocabulary × kernel_size × filters) is one product, computed
// once for the weights' versions, after which each output step is the sum
// of kernel_size rows of T instead of a product of depth kernel_size ×
// channels. On W5 (20,000 tokens, 128 channels, 128 filters of width 5)
// that turns 5.3 GFLOP a batch into 41 M additions, for a 51 MB table and
// 3.3 GFLOP each time the weights change. The sums are those of the same
// products taken in another order (the rows of T, then the taps), so the
// result agrees with the layers' to float32 rounding, not to the bit.

// foldBudget bounds the floats of a folded table (64 MB).
const foldBudget = 1 << 24

// folded is one folded table and the weights' versions it was made from.
type folded struct {
	t            []float32 // (vocabulary, kernel_size, filters)
	embV, kernV  uint64
	emb          *Embedding
	vocab, taps  int
	filters, dim int
}

// foldCache keeps a Conv1D's folded table, shared by every executor and
// goroutine that predicts with it: readers load the current table, and a
// stale one is replaced (never written over) under mu.
type foldCache struct {
	mu  sync.Mutex
	cur atomic.Pointer[folded]
	// The tokens passes looked up through the layers (not folded) since
	// the weights took the versions below (see ConvMaxPool.FoldNow).
	countMu   sync.Mutex
	looked    int
	lookedEmb *Embedding
	lookedV   [2]uint64
}

// foldMinDim is the smallest embedding size folded. The fold replaces
// the dim multiply-adds that make each value of the table with one read
// of it, often a cache miss: with 32 channels it was 1.1-1.4x faster than
// the layers (W2-like text CNNs, 64 or 3x64 filters, batch 1 and 256), 16
// or 8 channels made it 1.3-2.6x slower, 128 (W2) 3x faster.
const foldMinDim = 32

// foldable reports whether emb can be folded into c: an embedding of at
// least foldMinDim channels, a table within the budget.
func foldable(emb *Embedding, c *Conv1D) bool {
	return emb != nil && emb.OutputDim >= foldMinDim && emb.InputDim > 0 && foldFloats(emb, c) <= foldBudget
}

// foldFloats is the size in floats of the folded table of emb and c,
// vocabulary × kernel_size × filters: what foldable bounds, table makes
// and ConvMaxPool.TableBytes counts. A size past math.MaxInt64 (settings
// no budget takes) is math.MaxInt64 rather than a wrapped product.
func foldFloats(emb *Embedding, c *Conv1D) int64 {
	vocab, row := int64(emb.InputDim), int64(c.KernelSize)*int64(c.Filters)
	if row > 0 && vocab > math.MaxInt64/row {
		return math.MaxInt64
	}
	return vocab * row
}

// current returns the folded table if it was made from emb and the
// weights' current versions ev, kv, or nil.
func (fc *foldCache) current(emb *Embedding, ev, kv uint64) *folded {
	if f := fc.cur.Load(); f != nil && f.emb == emb && f.embV == ev && f.kernV == kv {
		return f
	}
	return nil
}

// ready reports whether a pass looking up n tokens should use the folded
// table: it is current, or the passes that looked up tokens through the
// layers since the weights last changed, this one included, looked up
// at least as many as the table has rows.
func (fc *foldCache) ready(emb *Embedding, c *Conv1D, n int) bool {
	ev, kv := emb.embeddings.Version(), c.kernel.Version()
	if fc.current(emb, ev, kv) != nil {
		return true
	}
	fc.countMu.Lock()
	defer fc.countMu.Unlock()
	if fc.lookedEmb != emb || fc.lookedV != [2]uint64{ev, kv} {
		fc.looked, fc.lookedEmb, fc.lookedV = 0, emb, [2]uint64{ev, kv}
	}
	fc.looked = min(fc.looked+n, emb.InputDim)
	return fc.looked >= emb.InputDim
}

// table returns the folded table of emb and c for their current weights,
// making it when they changed since.
func (fc *foldCache) table(emb *Embedding, c *Conv1D) *folded {
	ev, kv := emb.embeddings.Version(), c.kernel.Version()
	if f := fc.current(emb, ev, kv); f != nil {
		return f
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if f := fc.current(emb, ev, kv); f != nil {
		return f // made by another goroutine meanwhile
	}
	vocab, k, nf, d := emb.InputDim, c.KernelSize, c.Filters, c.in
	f := &folded{t: make([]float32, foldFloats(emb, c)), embV: ev, kernV: kv, emb: emb, vocab: vocab, taps: k, filters: nf, dim: d}
	e, w := emb.embeddings.Value.Data, c.kernel.Value.Data
	for i := 0; i < k; i++ {
		// T[:, i, :] = E · W_i, written k*nf floats apart.
		kernels.Sgemm(false, false, vocab, nf, d, 1, e, d, w[i*d*nf:(i+1)*d*nf], nf, 0, f.t[i*nf:], k*nf)
	}
	fc.cur.Store(f)
	return f
}

// foldedSample computes sample b's output from the folded table: each
// output step sums the table rows of the tokens under the kernel's taps
// (none for padding and invalid indices, whose embedding is zero), adds
// the bias, applies relu, and takes the maximum over the steps into y.
func (f *ConvMaxPool) foldedSample(st *convPoolState, b int) {
	c := f.conv
	g, nf, k := c.geom, c.Filters, c.KernelSize
	t := st.fold
	buf := st.get(nf + 1)
	defer st.put(buf)
	acc := buf[:nf]
	ids := st.x[b*g.Length : (b+1)*g.Length]
	yb := st.y[b*nf : (b+1)*nf]
	bias, relu := st.out.Bias, st.out.Relu
	// The table rows of a token lie together (all its taps): each token's
	// are prefetched whole, foldAhead output steps before the first one
	// needs them, so that their cache misses overlap with each other and
	// with the sums in between rather than stalling each sum in turn.
	// (Prefetch instructions instead of loads: 30-37% less time a sample
	// on W2 at batch 1 and 256, one core.)
	var sink float32
	last := -1 // the last position read ahead
	for s := 0; s < g.OutLength; s++ {
		for end := min((s+foldAhead)*c.Strides+k-1-g.PadLeft, g.Length-1); last < end; {
			last++
			sink += t.touch(ids[last])
		}
		first := true
		for i := 0; i < k; i++ {
			pos := s*c.Strides + i - g.PadLeft
			if pos < 0 || pos >= g.Length {
				continue
			}
			v := ids[pos]
			id := int(v)
			if !(v >= 0 && v < float32(t.vocab) && id < t.vocab && float32(id) == v) {
				continue // an invalid index looks up a zero row
			}
			row := t.t[(id*k+i)*nf : (id*k+i+1)*nf]
			if first {
				copy(acc, row)
				first = false
			} else {
				kernels.Axpy(1, row, acc) // alpha 1: acc[j] += row[j], one rounding
			}
		}
		if first {
			clear(acc)
		}
		switch {
		case bias != nil && relu:
			kernels.AddRelu(acc, bias[:nf])
		case bias != nil:
			kernels.Axpy(1, bias[:nf], acc)
		case relu:
			kernels.Relu(acc)
		}
		if s == 0 {
			copy(yb, acc)
		} else {
			kernels.MaxInto(yb, acc)
		}
	}
	buf[nf] = sink // keeps the reads
}

// foldAhead is how many output steps ahead foldedSample reads the table.
const foldAhead = 2

// touch prefetches index v's table rows (none for an invalid index) and
// returns what kernels.Prefetch returns, for the caller to keep.
func (f *folded) touch(v float32) float32 {
	id := int(v)
	if !(v >= 0 && v < float32(f.vocab) && id < f.vocab && float32(id) == v) {
		return 0
	}
	n := f.taps * f.filters
	return kernels.Prefetch(f.t[id*n : (id+1)*n])
}
