package layers_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/internal/gradcheck"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// checkRoundTrip passes l's config through JSON (as a Keras file would)
// and FromConfig, and checks the rebuilt layer writes the same config.
func checkRoundTrip(t *testing.T, l layers.Layer) layers.Layer {
	t.Helper()
	l.Common().Name = "my_" + layers.SnakeCase(l.ClassName())
	want, err := json.Marshal(l.Config())
	if err != nil {
		t.Fatal(err)
	}
	var cfg layers.Config
	if err := json.Unmarshal(want, &cfg); err != nil {
		t.Fatal(err)
	}
	l2, err := layers.FromConfig(l.ClassName(), cfg)
	if err != nil {
		t.Fatalf("%s: FromConfig(%s): %v", l.ClassName(), want, err)
	}
	got, _ := json.Marshal(l2.Config())
	if string(got) != string(want) {
		t.Fatalf("%s: config round trip:\nwant %s\ngot  %s", l.ClassName(), want, got)
	}
	if l2.ClassName() != l.ClassName() || l2.Common().Name != l.Common().Name {
		t.Fatalf("round trip gave %s %q", l2.ClassName(), l2.Common().Name)
	}
	return l2
}

// randIndices returns a (batch, steps) tensor of random indices in [0, n).
func randIndices(rng *rand.Rand, batch, steps, n int) *tensor.Tensor {
	x := tensor.New(batch, steps)
	for i := range x.Data {
		x.Data[i] = float32(rng.IntN(n))
	}
	return x
}

// run builds l on per-sample shapes and runs Forward on xs.
func run(t *testing.T, l layers.Layer, ctx *layers.Context, xs ...*tensor.Tensor) *tensor.Tensor {
	t.Helper()
	var in []layers.Shape
	for _, x := range xs {
		in = append(in, x.Shape[1:])
	}
	out, err := l.Build(in, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	y := tensor.New(append([]int{xs[0].Shape[0]}, out[0]...)...)
	if ctx == nil {
		ctx = &layers.Context{}
	}
	l.Forward(ctx, xs, []*tensor.Tensor{y})
	return y
}

func TestEmbeddingGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 12; trial++ {
		vocab, dim := 1+rng.IntN(13), 1+rng.IntN(7)
		batch, steps := 1+rng.IntN(4), 1+rng.IntN(9)
		e := layers.NewEmbedding(vocab, dim)
		e.MaskZero = trial%2 == 1
		x := randIndices(rng, batch, steps, vocab)
		err := gradcheck.Check(e, []layers.Shape{{steps}}, batch, uint64(trial),
			gradcheck.Options{NoInputGrad: true, Inputs: []*tensor.Tensor{x}, MaxChecks: 200})
		if err != nil {
			t.Fatalf("vocab %d dim %d batch %d steps %d: %v", vocab, dim, batch, steps, err)
		}
	}
}

func TestEmbeddingLookupAndMask(t *testing.T) {
	e := layers.NewEmbedding(4, 3)
	e.MaskZero = true
	x := tensor.FromSlice([]float32{2, 0, 3, 1, 1, 0}, 2, 3)
	y := run(t, e, nil, x)
	if !reflect.DeepEqual(y.Shape, []int{2, 3, 3}) {
		t.Fatalf("shape %v", y.Shape)
	}
	w := e.Embeddings().Value.Data
	for i, v := range x.Data {
		k := int(v)
		if !reflect.DeepEqual(y.Data[i*3:i*3+3], w[k*3:k*3+3]) {
			t.Fatalf("position %d: %v, want row %d %v", i, y.Data[i*3:i*3+3], k, w[k*3:k*3+3])
		}
	}
	if want := []bool{true, false, true, true, true, false}; !reflect.DeepEqual(y.Mask, want) {
		t.Fatalf("mask %v, want %v", y.Mask, want)
	}
	for _, v := range w {
		if v < -0.05 || v > 0.05 || v == 0 {
			t.Fatalf("uniform(±0.05) initializer gave %v", v)
		}
	}
	// Without mask_zero the output has no mask, even in a reused tensor.
	e.MaskZero = false
	e.Forward(&layers.Context{}, []*tensor.Tensor{x}, []*tensor.Tensor{y})
	if y.Mask != nil {
		t.Fatal("mask without mask_zero")
	}
}

func TestEmbeddingScatterAddsRepeatedIndices(t *testing.T) {
	e := layers.NewEmbedding(5, 2)
	x := tensor.FromSlice([]float32{3, 1, 3, 3}, 1, 4)
	y := run(t, e, nil, x)
	dy := tensor.FromSlice([]float32{1, 2, 10, 20, 100, 200, 1000, 2000}, y.Shape...)
	dIn := tensor.New(1, 4)
	for i := range dIn.Data {
		dIn.Data[i] = 7
	}
	e.Backward(&layers.Context{}, []*tensor.Tensor{x}, []*tensor.Tensor{y}, []*tensor.Tensor{dy}, []*tensor.Tensor{dIn})
	g := e.Embeddings().Grad.Data
	want := []float32{0, 0, 10, 20, 0, 0, 1101, 2202, 0, 0}
	if !reflect.DeepEqual(g, want) {
		t.Fatalf("grad %v, want %v", g, want)
	}
	for _, v := range dIn.Data {
		if v != 7 {
			t.Fatal("Backward touched the input gradient")
		}
	}
}

func TestEmbeddingBadIndices(t *testing.T) {
	e := layers.NewEmbedding(10, 4)
	e.Name = "embedding"
	if _, err := e.Build([]layers.Shape{{5}}, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		bad  float32
		want []string
	}{
		{10, []string{"input holds 10 at sample 1, step 3", "[0, 10)", "vocabulary size 10", "1 of 10 values", "at least 11"}},
		{-1, []string{"input holds -1 at sample 1, step 3", "indices start at 0"}},
		{2.5, []string{"2.5", "not an integer"}},
		{float32(math.NaN()), []string{"NaN", "not a number"}},
		{1e9, []string{"outside the vocabulary"}},
	}
	for _, c := range cases {
		x := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6, 7, 8, c.bad, 9}, 2, 5)
		err := e.CheckIndices(x)
		if err == nil {
			t.Fatalf("%v: no error", c.bad)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q lacks %q", c.bad, err, w)
			}
		}
		// Forward must not panic and gives a zero row there; Backward skips it.
		y := tensor.New(2, 5, 4)
		e.Forward(&layers.Context{}, []*tensor.Tensor{x}, []*tensor.Tensor{y})
		for _, v := range y.Data[8*4 : 9*4] {
			if v != 0 {
				t.Fatalf("%v: row %v, want zeros", c.bad, y.Data[8*4:9*4])
			}
		}
		e.Backward(&layers.Context{}, []*tensor.Tensor{x}, []*tensor.Tensor{y}, []*tensor.Tensor{y}, []*tensor.Tensor{nil})
	}
	if err := e.CheckIndices(tensor.FromSlice([]float32{0, 9, 3, 4, 5}, 1, 5)); err != nil {
		t.Fatal(err)
	}
	if err := e.CheckIndices(tensor.New(2, 6)); err == nil || !strings.Contains(err.Error(), "shape") {
		t.Fatalf("shape mismatch: %v", err)
	}
}

func TestEmbeddingPretrainedAndFrozen(t *testing.T) {
	e := layers.NewEmbedding(3, 2)
	if err := e.SetEmbeddings(tensor.New(2, 3)); err == nil || !strings.Contains(err.Error(), "(3, 2)") {
		t.Fatalf("wrong shape accepted: %v", err)
	}
	m := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 3, 2)
	if err := e.SetEmbeddings(m); err != nil {
		t.Fatal(err)
	}
	e.Frozen = true
	// Set before Build (as Keras' weights=), kept across rebuilds.
	for i := 0; i < 2; i++ {
		y := run(t, e, nil, tensor.FromSlice([]float32{2, 0}, 1, 2))
		if !reflect.DeepEqual(y.Data, []float32{5, 6, 1, 2}) {
			t.Fatalf("lookup %v", y.Data)
		}
	}
	if e.Embeddings().Grad != nil {
		t.Fatal("frozen embeddings have a gradient")
	}
	m.Data[0] = 100 // the layer keeps its own copy
	if e.Embeddings().Value.Data[0] != 1 {
		t.Fatal("SetEmbeddings did not copy")
	}
	nan := tensor.FromSlice([]float32{1, 2, 3, float32(math.NaN()), 5, 6}, 3, 2)
	if err := e.SetEmbeddings(nan); err == nil || !strings.Contains(err.Error(), "row 1") {
		t.Fatalf("NaN accepted: %v", err)
	}
}

func TestEmbeddingConfig(t *testing.T) {
	e := layers.NewEmbedding(20000, 128)
	e.MaskZero = true
	l := checkRoundTrip(t, e).(*layers.Embedding)
	if l.InputDim != 20000 || l.OutputDim != 128 || !l.MaskZero || l.EmbeddingsInitializer.Name() != "uniform" {
		t.Fatalf("%+v", l)
	}
	cfg := e.Config()
	for _, k := range []string{"input_dim", "output_dim", "embeddings_initializer", "mask_zero", "embeddings_regularizer", "embeddings_constraint"} {
		if _, ok := cfg[k]; !ok {
			t.Errorf("config lacks %s", k)
		}
	}
	// A Keras 2 file (input_length) and CLI strings are accepted.
	if _, err := layers.FromConfig("embedding", layers.Config{"input_dim": "50", "output_dim": "8", "input_length": 10.0}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []layers.Config{
		{"output_dim": 8.0},
		{"input_dim": 5.0, "output_dim": 8.0, "lora_rank": 4.0},
		{"input_dim": 5.0, "output_dim": 8.0, "embeddings_regularizer": "l2"},
		{"input_dim": 5.0, "output_dim": 8.0, "bogus": 1.0},
	} {
		if _, err := layers.FromConfig("Embedding", bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	if _, err := layers.NewEmbedding(0, 3).Build([]layers.Shape{{4}}, nil); err == nil || !strings.Contains(err.Error(), "input_dim") {
		t.Errorf("input_dim 0: %v", err)
	}
	masked := layers.NewEmbedding(5, 3)
	masked.MaskZero = true
	if _, err := masked.Build([]layers.Shape{{4, 2}}, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("mask_zero on rank-2 samples accepted")
	}
	// Any per-sample rank: (batch, 4, 2) → (batch, 4, 2, 3).
	out, err := layers.NewEmbedding(5, 3).Build([]layers.Shape{{4, 2}}, rand.New(rand.NewPCG(1, 1)))
	if err != nil || !reflect.DeepEqual(out[0], layers.Shape{4, 2, 3}) {
		t.Fatalf("%v %v", out, err)
	}
}

// BenchmarkEmbeddingW2 is the W2 benchmark's Embedding(20000, 128) on a
// batch of 64 sequences of 256 tokens: one Forward and one Backward, and
// for scale the zeroing of its 20000×128 gradient that the model does
// before every step.
func BenchmarkEmbeddingW2(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	e := layers.NewEmbedding(20000, 128)
	if _, err := e.Build([]layers.Shape{{256}}, rng); err != nil {
		b.Fatal(err)
	}
	x := randIndices(rng, 64, 256, 20000)
	y := tensor.New(64, 256, 128)
	ctx := &layers.Context{}
	in, out := []*tensor.Tensor{x}, []*tensor.Tensor{y}
	b.Run("forward", func(b *testing.B) {
		for range b.N {
			e.Forward(ctx, in, out)
		}
	})
	b.Run("backward", func(b *testing.B) {
		for range b.N {
			e.Backward(ctx, in, out, out, []*tensor.Tensor{nil})
		}
	})
	// Lower bounds: the same bytes moved without the gather/scatter.
	src := tensor.New(y.Shape...)
	b.Run("baseline-copy", func(b *testing.B) {
		for range b.N {
			copy(y.Data, src.Data)
		}
	})
	b.Run("baseline-add", func(b *testing.B) {
		for range b.N {
			for i, v := range src.Data {
				y.Data[i] += v
			}
		}
	})
	b.Run("zero-grad", func(b *testing.B) {
		for range b.N {
			e.Embeddings().Grad.Zero()
		}
	})
}

// TestEmbeddingScatterBits checks the gradient against the plain in-order
// sum grad[x[i]] += dy[i] to the bit, on rows whose width (77) has a SIMD
// body and a tail, with many repeated indices, on one and on two cores
// (the cores share the vocabulary, each adding its rows in token order).
func TestEmbeddingScatterBits(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	const vocab, dim, batch, steps = 50, 77, 8, 300
	rng := rand.New(rand.NewPCG(9, 9))
	x := tensor.New(batch, steps)
	for i := range x.Data {
		x.Data[i] = float32(rng.IntN(vocab))
	}
	dy := tensor.New(batch, steps, dim)
	for i := range dy.Data {
		dy.Data[i] = float32(rng.NormFloat64())
	}
	want := make([]float32, vocab*dim)
	for i, v := range x.Data {
		for j := 0; j < dim; j++ {
			want[int(v)*dim+j] += dy.Data[i*dim+j]
		}
	}
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		e := layers.NewEmbedding(vocab, dim)
		ctx := &layers.Context{Training: true}
		y := tensor.New(batch, steps, dim)
		if _, err := e.Build([]layers.Shape{{steps}}, rng); err != nil {
			t.Fatal(err)
		}
		e.Forward(ctx, []*tensor.Tensor{x}, []*tensor.Tensor{y})
		e.Backward(ctx, []*tensor.Tensor{x}, []*tensor.Tensor{y}, []*tensor.Tensor{dy}, []*tensor.Tensor{nil})
		for i, g := range e.Embeddings().Grad.Data {
			if math.Float32bits(g) != math.Float32bits(want[i]) {
				t.Fatalf("%d cores: grad[%d] = %v, want %v", procs, i, g, want[i])
			}
		}
	}
}
