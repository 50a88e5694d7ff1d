package layers_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/seqnet/seqnet/internal/conv"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// convPoolCase is one random [Embedding →] Conv1D → GlobalMaxPooling1D,
// built, with an input batch.
type convPoolCase struct {
	name string
	emb  *layers.Embedding // nil for none
	conv *layers.Conv1D
	pool *layers.GlobalMaxPooling1D
	x    *tensor.Tensor // indices (batch, steps), or (batch, steps, channels)
}

func newConvPoolCase(t *testing.T, rng *rand.Rand, trial int) convPoolCase {
	t.Helper()
	pad := []string{"valid", "same", "causal"}[trial%3]
	act := []string{"relu", "linear"}[trial/3%2]
	k, stride := 1+rng.IntN(6), 1+rng.IntN(3)
	if pad == "causal" {
		stride = 1
	}
	filters, ch := 1+rng.IntN(70), 1+rng.IntN(40)
	if trial%2 == 1 {
		ch += 31 // an Embedding in front: folded from 32 channels
	}
	steps, batch := k+rng.IntN(60), 4+rng.IntN(29)
	opts := []layers.Conv1DOption{layers.Padding(pad), layers.Strides(stride), layers.ConvActivation(act)}
	if trial%5 == 4 {
		opts = append(opts, layers.NoBias())
	}
	c := layers.NewConv1D(filters, k, opts...)
	pool := layers.NewGlobalMaxPooling1D()
	in := layers.Shape{steps, ch}
	x := tensor.New(batch, steps, ch)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	if trial%7 == 6 {
		x.Data[rng.IntN(len(x.Data))] = float32(math.Inf(1)) // goes through to the maximum
	}
	var emb *layers.Embedding
	if trial%2 == 1 { // an Embedding in front, folded into the kernel
		vocab := 1 + rng.IntN(200)
		emb = layers.NewEmbedding(vocab, ch)
		if _, err := emb.Build([]layers.Shape{{steps}}, rand.New(rand.NewPCG(3, uint64(trial)))); err != nil {
			t.Fatal(err)
		}
		x = tensor.New(batch, steps)
		for i := range x.Data {
			x.Data[i] = float32(rng.IntN(vocab))
			if rng.IntN(40) == 0 {
				x.Data[i] = []float32{-1, float32(vocab), 0.5}[rng.IntN(3)] // invalid: a zero row
			}
		}
	}
	out, err := c.Build([]layers.Shape{in}, rand.New(rand.NewPCG(1, uint64(trial))))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Build(out, nil); err != nil {
		t.Fatal(err)
	}
	if b := c.Bias(); b != nil {
		for i := range b.Value.Data {
			b.Value.Data[i] = float32(rng.NormFloat64()) * 0.1
		}
	}
	name := fmt.Sprintf("trial %d: emb %v, %s %s k%d s%d filters %d, in (%d, %d, %d)", trial, emb != nil, pad, act, k, stride, filters, batch, steps, ch)
	return convPoolCase{name: name, emb: emb, conv: c, pool: pool, x: x}
}

// convInput is the Conv1D's input: x, or x looked up by the Embedding.
func (pc convPoolCase) convInput() *tensor.Tensor {
	if pc.emb == nil {
		return pc.x
	}
	e := tensor.New(pc.x.Shape[0], pc.x.Shape[1], pc.emb.OutputDim)
	pc.emb.Forward(&layers.Context{}, []*tensor.Tensor{pc.x}, []*tensor.Tensor{e})
	return e
}

// layered runs the layers one after the other, as the model does without
// the fusion.
func (pc convPoolCase) layered() *tensor.Tensor {
	batch := pc.x.Shape[0]
	z := tensor.New(batch, pc.conv.Geometry().OutLength, pc.conv.Filters)
	pc.conv.Forward(&layers.Context{}, []*tensor.Tensor{pc.convInput()}, []*tensor.Tensor{z})
	y := tensor.New(batch, pc.conv.Filters)
	pc.pool.Forward(&layers.Context{}, []*tensor.Tensor{z}, []*tensor.Tensor{y})
	return y
}

// reference is the chain in float64 loops: conv.ForwardRef, bias,
// activation, maximum over the steps.
func (pc convPoolCase) reference() []float32 {
	convIn := pc.convInput()
	c, g := pc.conv, pc.conv.Geometry()
	batch, f := pc.x.Shape[0], c.Filters
	d := conv.Dims{Batch: batch, Length: g.Length, In: convIn.Shape[2], Filters: f, Kernel: c.KernelSize,
		Stride: c.Strides, Dilation: 1, Groups: 1, PadLeft: g.PadLeft, PadRight: g.PadRight, OutLength: g.OutLength}
	z := make([]float32, batch*g.OutLength*f)
	conv.ForwardRef(d, convIn.Data, c.Kernel().Value.Data, z)
	y := make([]float32, batch*f)
	for b := 0; b < batch; b++ {
		for o := 0; o < f; o++ {
			m := math.Inf(-1)
			for s := 0; s < g.OutLength; s++ {
				v := float64(z[(b*g.OutLength+s)*f+o])
				if c.Bias() != nil {
					v += float64(c.Bias().Value.Data[o])
				}
				if c.Activation.Name == "relu" {
					v = max(v, 0)
				}
				m = max(m, v)
			}
			y[b*f+o] = float32(m)
		}
	}
	return y
}

// TestConvMaxPoolMatchesLayers: the fused pass gives what the layers give
// one after the other, on random shapes (odd sizes, every padding,
// strides, relu and linear, no bias, an infinite input, an Embedding
// folded in with invalid indices): the same bits without an Embedding
// where the per-sample product takes the blocked GEMM (every shape but
// tiny ones), the same bits on 1, 2 or 3 cores, and the float64
// definition to float32 rounding. Inputs are left unchanged.
func TestConvMaxPoolMatchesLayers(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 5))
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for trial := 0; trial < 40; trial++ {
		pc := newConvPoolCase(t, rng, trial)
		f := layers.FuseConvMaxPool(pc.emb, pc.conv, pc.pool)
		if f == nil {
			t.Fatalf("%s: not fused", pc.name)
		}
		want := pc.layered()
		ref := pc.reference()
		x0 := pc.x.Clone()
		g := pc.conv.Geometry()
		k := pc.conv.KernelSize * pc.conv.Kernel().Value.Shape[1]
		blocked := pc.emb == nil && g.OutLength > 1 && pc.conv.Filters > 1 && g.OutLength*pc.conv.Filters*k > 4096
		var first []float32
		for _, procs := range []int{1, 2, 3} {
			runtime.GOMAXPROCS(procs)
			y := tensor.New(want.Shape...)
			for i := range y.Data {
				y.Data[i] = float32(math.NaN()) // overwritten
			}
			f.Forward(&layers.Context{}, pc.x, y)
			for i := range y.Data {
				tol := 1e-5 * (1 + math.Abs(float64(ref[i])))
				if d := math.Abs(float64(y.Data[i] - ref[i])); y.Data[i] != ref[i] && !(d <= tol) {
					t.Fatalf("%s, %d cores: y[%d] = %v, reference %v", pc.name, procs, i, y.Data[i], ref[i])
				}
				if blocked && math.Float32bits(y.Data[i]) != math.Float32bits(want.Data[i]) {
					t.Fatalf("%s, %d cores: y[%d] = %v fused, %v by the layers", pc.name, procs, i, y.Data[i], want.Data[i])
				}
			}
			if first == nil {
				first = y.Data
			}
			for i := range y.Data {
				if math.Float32bits(y.Data[i]) != math.Float32bits(first[i]) {
					t.Fatalf("%s: y[%d] = %v on %d cores, %v on 1", pc.name, i, y.Data[i], procs, first[i])
				}
			}
		}
		for i := range x0.Data {
			if math.Float32bits(x0.Data[i]) != math.Float32bits(pc.x.Data[i]) {
				t.Fatalf("%s: input changed at %d", pc.name, i)
			}
		}
	}
}

// TestConvMaxPoolRepacks: after the kernel or the embedding table
// changes (and its version is bumped, as every write path does), the
// fused pass uses the new weights: the packed kernel and the folded table
// are made again.
func TestConvMaxPoolRepacks(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for trial := 0; trial < 2; trial++ {
		pc := newConvPoolCase(t, rng, trial)
		f := layers.FuseConvMaxPool(pc.emb, pc.conv, pc.pool)
		ctx := &layers.Context{}
		y := tensor.New(pc.x.Shape[0], pc.conv.Filters)
		f.Forward(ctx, pc.x, y)
		params := []*layers.Param{pc.conv.Kernel()}
		if pc.emb != nil {
			params = append(params, pc.emb.Embeddings())
		}
		for _, p := range params {
			for i := range p.Value.Data {
				p.Value.Data[i] *= -2
			}
			p.Changed()
			f.Forward(ctx, pc.x, y)
			ref := pc.reference()
			for i := range y.Data {
				if d := math.Abs(float64(y.Data[i] - ref[i])); !(d <= 1e-5*(1+math.Abs(float64(ref[i])))) {
					t.Fatalf("%s: y[%d] = %v after %s changed, want %v", pc.name, i, y.Data[i], p.Name, ref[i])
				}
			}
		}
	}
}

// TestConvMaxPoolRefusals: settings the fused pass does not cover leave
// the layers to run on their own.
func TestConvMaxPoolRefusals(t *testing.T) {
	for _, c := range []*layers.Conv1D{
		layers.NewConv1D(8, 3, layers.ConvActivation("tanh")),
		layers.NewConv1D(8, 3, layers.DilationRate(2)),
		layers.NewConv1D(8, 3, layers.Groups(2)),
	} {
		out, err := c.Build([]layers.Shape{{20, 4}}, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		p := layers.NewGlobalMaxPooling1D()
		if _, err := p.Build(out, nil); err != nil {
			t.Fatal(err)
		}
		if layers.FuseConvMaxPool(nil, c, p) != nil {
			t.Errorf("Conv1D %s dilation %d groups %d: fused", c.Activation.Name, c.DilationRate, c.Groups)
		}
	}
	c := layers.NewConv1D(8, 3)
	p := layers.NewGlobalMaxPooling1D()
	if layers.FuseConvMaxPool(nil, c, p) != nil {
		t.Error("layers not built: fused")
	}
	// An embedding table whose fold would pass 64 MB, and one of fewer
	// than 32 channels (the layers are faster).
	for _, e := range []struct {
		vocab, dim int
		why        string
	}{{1<<24/2048 + 1, 32, "a table of 8193 tokens folded into 512 filters of width 4"}, {100, 31, "an embedding of 31 channels folded"}} {
		c := layers.NewConv1D(512, 4)
		out, err := c.Build([]layers.Shape{{20, e.dim}}, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		p := layers.NewGlobalMaxPooling1D()
		if _, err := p.Build(out, nil); err != nil {
			t.Fatal(err)
		}
		emb := layers.NewEmbedding(e.vocab, e.dim)
		emb.EmbeddingsInitializer, _ = layers.GetInitializer("zeros")
		if _, err := emb.Build([]layers.Shape{{20}}, nil); err != nil {
			t.Fatal(err)
		}
		if layers.FuseConvMaxPool(emb, c, p) != nil {
			t.Error(e.why)
		}
		if e.vocab == 100 && layers.FuseConvMaxPool(nil, c, p) == nil {
			t.Error("without the Embedding: not fused")
		}
	}
}
