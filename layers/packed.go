package layers

import "github.com/seqnet/seqnet/internal/kernels"

// packedKernel keeps a layer's kernel packed for the GEMM between
// inference calls, so that a small batch does not pack the weights again
// every time (about a tenth of a batch-1 Conv1D). It packs again when the
// weight's version (Param.Changed) has moved. Training does not use it:
// the weights change at every step anyway.
type packedKernel struct {
	pb      kernels.PackedB
	version uint64
}

// get returns kernel p, a k×n matrix, packed as of its current version, or
// nil in training.
func (pk *packedKernel) get(ctx *Context, p *Param, k, n int) *kernels.PackedB {
	if ctx.Training || k == 0 || n <= 1 {
		return nil // n = 1: Sgemm takes its one-column path, without packing
	}
	if v := p.Version(); !pk.pb.Usable() || pk.version != v {
		// The version is read first: a write during Pack moves it again,
		// and the next call packs again.
		pk.pb.Pack(false, k, n, p.Value.Data, n)
		pk.version = v
	}
	return &pk.pb
}
