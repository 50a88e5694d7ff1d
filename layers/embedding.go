package layers

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/seqnet/seqnet/internal/kernels"
	"github.com/seqnet/seqnet/internal/parallel"
	"github.com/seqnet/seqnet/tensor"
)

// Embedding is keras.layers.Embedding: it turns integer token indices into
// dense vectors by looking up rows of its (input_dim, output_dim)
// "embeddings" weight. Input (batch, steps) of float32 values holding
// integers gives output (batch, steps, output_dim); more generally a
// per-sample shape s gives s + (output_dim,), as in Keras.
//
// An index outside [0, input_dim) or a non-integer value is a data error.
// Forward cannot return an error, so it writes a zero vector for such a
// position (and Backward skips it); call CheckIndices on the data first to
// report it (the model's data check does).
//
// With MaskZero, index 0 is padding: the output carries a Keras mask that
// is false where the index is 0, which GlobalAveragePooling1D and
// GlobalMaxPooling1D honour. input_dim must then count the padding index
// (vocabulary size + 1).
type Embedding struct {
	Base
	// InputDim is the vocabulary size: the largest index + 1.
	InputDim int
	// OutputDim is the length of each embedding vector.
	OutputDim int
	// EmbeddingsInitializer defaults to Keras' "uniform" (±0.05).
	EmbeddingsInitializer Initializer
	// MaskZero makes index 0 a padding value that is masked out.
	MaskZero bool

	embeddings *Param
	inShape    Shape
	pretrained *tensor.Tensor // set by SetEmbeddings, applied at every Build
}

// NewEmbedding returns an Embedding with Keras' defaults: "uniform"
// initializer, mask_zero false.
func NewEmbedding(inputDim, outputDim int) *Embedding {
	return &Embedding{InputDim: inputDim, OutputDim: outputDim, EmbeddingsInitializer: initializers["uniform"]}
}

// ClassName is "Embedding".
func (e *Embedding) ClassName() string { return "Embedding" }

// Embeddings returns the (input_dim, output_dim) weight, nil before Build.
func (e *Embedding) Embeddings() *Param { return e.embeddings }

// Build checks the arguments and creates the embeddings.
func (e *Embedding) Build(in []Shape, rng *rand.Rand) ([]Shape, error) {
	s, err := expectOne("Embedding", in)
	if err != nil {
		return nil, err
	}
	if e.InputDim <= 0 {
		return nil, fmt.Errorf("invalid value for argument input_dim: expected a strictly positive value (the vocabulary size, largest index + 1), received input_dim=%d", e.InputDim)
	}
	if e.OutputDim <= 0 {
		return nil, fmt.Errorf("invalid value for argument output_dim: expected a strictly positive value, received output_dim=%d", e.OutputDim)
	}
	if e.MaskZero && len(s) != 1 {
		return nil, fmt.Errorf("%s with mask_zero=True expects input of shape (batch, steps), received %s: a mask marks steps, so give one index per step",
			named("Embedding", e.Name), tensor.ShapeString(s, true))
	}
	if e.EmbeddingsInitializer == nil {
		e.EmbeddingsInitializer = initializers["uniform"]
	}
	e.inShape = append(Shape(nil), s...)
	e.ResetParams()
	e.embeddings = e.AddParam("embeddings", []int{e.InputDim, e.OutputDim}, e.EmbeddingsInitializer, rng, !e.Frozen)
	if e.pretrained != nil {
		if !tensor.SameShape(e.pretrained.Shape, e.embeddings.Value.Shape) {
			return nil, fmt.Errorf("%s: the pretrained matrix has shape %s but the layer needs (%d, %d) (input_dim, output_dim): set input_dim and output_dim to match it",
				named("Embedding", e.Name), tensor.ShapeString(e.pretrained.Shape, false), e.InputDim, e.OutputDim)
		}
		copy(e.embeddings.Value.Data, e.pretrained.Data)
		e.embeddings.Changed()
	}
	e.MarkBuilt()
	return []Shape{append(append(Shape(nil), s...), e.OutputDim)}, nil
}

// SetEmbeddings fills the embeddings from a pretrained (input_dim,
// output_dim) matrix, as Keras' weights=[matrix] argument: the values are
// copied now if the layer is built and again whenever it is (re)built, so
// calling it before the model is assembled works. Freeze the layer
// (Frozen = true, Keras trainable=False) to keep them fixed.
func (e *Embedding) SetEmbeddings(m *tensor.Tensor) error {
	if m == nil || len(m.Shape) != 2 || m.Shape[0] != e.InputDim || m.Shape[1] != e.OutputDim || len(m.Data) != e.InputDim*e.OutputDim {
		got := "nil"
		if m != nil {
			got = tensor.ShapeString(m.Shape, false)
		}
		return fmt.Errorf("%s: expected a matrix of shape (%d, %d) (input_dim, output_dim), received %s; "+
			"a vocabulary of N words needs N rows (N+1 with mask_zero, row 0 being padding)", named("Embedding", e.Name), e.InputDim, e.OutputDim, got)
	}
	for i, v := range m.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("%s: the pretrained matrix holds %v at row %d, column %d: fill missing vectors (zeros or small random values) first",
				named("Embedding", e.Name), v, i/e.OutputDim, i%e.OutputDim)
		}
	}
	e.pretrained = m.Clone()
	e.pretrained.Mask = nil
	if e.embeddings != nil {
		copy(e.embeddings.Value.Data, m.Data)
		e.embeddings.Changed()
	}
	return nil
}

// CheckIndices reports the first value of x (batch first) that is not a
// valid index: not an integer, or outside [0, input_dim). The error names
// the value, its sample and step, the vocabulary size and how many values
// are invalid in all. It returns nil when every index is valid.
func (e *Embedding) CheckIndices(x *tensor.Tensor) error {
	if x == nil || len(x.Shape) == 0 {
		return fmt.Errorf("%s: no input to check", named("Embedding", e.Name))
	}
	if e.inShape != nil && !tensor.SameShape(x.Shape[1:], e.inShape) {
		return fmt.Errorf("%s: input has shape %s, expected %s", named("Embedding", e.Name),
			tensor.ShapeString(x.Shape, false), tensor.ShapeString(e.inShape, true))
	}
	inner := 1
	for _, d := range x.Shape[1:] {
		inner *= d
	}
	first, bad, maxIdx := -1, 0, float32(math.Inf(-1))
	for i, v := range x.Data {
		if !validIndex(v, e.InputDim) {
			if first < 0 {
				first = i
			}
			bad++
		}
		if v > maxIdx {
			maxIdx = v
		}
	}
	if first < 0 {
		return nil
	}
	v := x.Data[first]
	sample, rest := first/inner, first%inner
	where := fmt.Sprintf("sample %d, step %d", sample, rest)
	if len(x.Shape) > 2 {
		where = fmt.Sprintf("sample %d, position %v", sample, unravel(rest, x.Shape[1:]))
	}
	what := "outside the vocabulary"
	fix := fmt.Sprintf("set input_dim to at least %d (largest index + 1), or map rare tokens to an out-of-vocabulary index below %d", int64(maxIdx)+1, e.InputDim)
	switch {
	case math.IsNaN(float64(v)) || math.IsInf(float64(v), 0):
		what, fix = "not a number", "remove or fill missing values"
	case v != float32(math.Trunc(float64(v))):
		what, fix = "not an integer", "the input must hold token indices (integers): do not scale or normalize it, and tokenize text into indices first"
	case v < 0:
		fix = "indices start at 0; map unknown tokens to a reserved index instead of a negative value"
	}
	return fmt.Errorf("%s: input holds %v at %s, %s: indices must be integers in [0, %d) (input_dim = vocabulary size %d); %d of %d values are invalid; %s",
		named("Embedding", e.Name), v, where, what, e.InputDim, e.InputDim, bad, len(x.Data), fix)
}

// validIndex reports whether v is an integer in [0, n).
func validIndex(v float32, n int) bool {
	if !(v >= 0 && v < float32(n)) {
		return false // also catches NaN
	}
	return v == float32(int(v)) && int(v) < n
}

func unravel(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		idx[d] = i % shape[d]
		i /= shape[d]
	}
	return idx
}

// embeddingState is an Embedding's per-executor state: the mask it
// returns, and the lookup or scatter in progress for its row functions.
type embeddingState struct {
	mask            []bool
	x, y, w         []float32
	lookup, scatter func(piece, lo, hi int)
}

// Forward looks up one row per index: out[i, :] = embeddings[x[i], :].
// An invalid index gives a zero row (see CheckIndices). Large batches are
// shared among the cores.
func (e *Embedding) Forward(ctx *Context, in, out []*tensor.Tensor) {
	x, y := in[0].Data, out[0].Data
	st, _ := ctx.State.(*embeddingState)
	if st == nil {
		st = &embeddingState{}
		st.lookup = func(_, lo, hi int) { e.lookupRows(st.x[lo:hi], st.y[lo*e.OutputDim:hi*e.OutputDim], st.w) }
		ctx.State = st
	}
	st.x, st.y, st.w = x, y, e.embeddings.Value.Data
	parallel.For(len(x), len(y), parallelMin, st.lookup)
	st.x, st.y, st.w = nil, nil, nil
	out[0].Mask = nil
	if e.MaskZero {
		if len(st.mask) != len(x) {
			st.mask = make([]bool, len(x))
		}
		for i, v := range x {
			st.mask[i] = v != 0
		}
		out[0].Mask = st.mask
	}
}

// lookupRows copies the embedding row of each index of x into y.
func (e *Embedding) lookupRows(x, y, w []float32) {
	d, n := e.OutputDim, e.InputDim
	for i, v := range x {
		row := y[i*d : i*d+d]
		k := int(v)
		if v >= 0 && v < float32(n) && k < n && float32(k) == v {
			copy(row, w[k*d:k*d+d])
		} else {
			clear(row)
		}
	}
}

// Backward scatter-adds the output gradient into the embeddings gradient:
// grad[x[i], :] += dOut[i, :]. Indices have no gradient, so dIn is left
// alone; a frozen layer does nothing. With many indices the cores share
// the table, each adding the rows of its own range of it in index order,
// so the sums are those of one pass.
func (e *Embedding) Backward(ctx *Context, in, _, dOut, _ []*tensor.Tensor) {
	if e.embeddings.Grad == nil {
		return
	}
	st, _ := ctx.State.(*embeddingState)
	if st == nil { // Backward without Forward on this Context
		e.scatterRows(in[0].Data, dOut[0].Data, 0, e.InputDim)
		return
	}
	st.x, st.y = in[0].Data, dOut[0].Data
	if st.scatter == nil {
		st.scatter = func(_, lo, hi int) { e.scatterRows(st.x, st.y, lo, hi) }
	}
	parallel.For(e.InputDim, len(st.y), parallelMin, st.scatter)
	st.x, st.y = nil, nil
}

// scatterRows adds dy[i, :] into grad[x[i], :] for the indices x[i] in
// [lo, hi), in the order of i. Axpy with alpha 1 rounds each sum once, as
// grad[j] += dy[j] does, with the SIMD loop (3.5× the Go loop on W2's
// Embedding(20000, 128), BenchmarkEmbeddingW2/backward).
func (e *Embedding) scatterRows(x, dy []float32, lo, hi int) {
	g, d, n := e.embeddings.Grad.Data, e.OutputDim, e.InputDim
	for i, v := range x {
		k := int(v)
		if !(v >= 0 && v < float32(n) && k < n && float32(k) == v) || k < lo || k >= hi {
			continue
		}
		kernels.Axpy(1, dy[i*d:i*d+d], g[k*d:k*d+d])
	}
}

// Config returns Keras' Embedding config.
func (e *Embedding) Config() map[string]any {
	cfg := e.baseConfig()
	cfg["input_dim"] = e.InputDim
	cfg["output_dim"] = e.OutputDim
	in := e.EmbeddingsInitializer
	if in == nil {
		in = initializers["uniform"]
	}
	cfg["embeddings_initializer"] = initializerConfig(in)
	cfg["embeddings_regularizer"] = nil
	cfg["activity_regularizer"] = nil
	cfg["embeddings_constraint"] = nil
	cfg["mask_zero"] = e.MaskZero
	cfg["quantization_config"] = nil
	return cfg
}

func init() {
	Register("Embedding", func(c Config) (Layer, error) {
		if err := c.Unknown("input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer",
			"embeddings_constraint", "mask_zero", "input_length", "lora_rank", "lora_alpha", "quantization_config", "sparse"); err != nil {
			return nil, err
		}
		if !c.Has("input_dim") || !c.Has("output_dim") {
			return nil, fmt.Errorf("input_dim and output_dim are required")
		}
		inDim, err := c.Int("input_dim", 0)
		if err != nil {
			return nil, err
		}
		outDim, err := c.Int("output_dim", 0)
		if err != nil {
			return nil, err
		}
		e := NewEmbedding(inDim, outDim)
		if e.EmbeddingsInitializer, err = c.Initializer("embeddings_initializer", "uniform"); err != nil {
			return nil, err
		}
		if e.MaskZero, err = c.Bool("mask_zero", false); err != nil {
			return nil, err
		}
		if sparse, err := c.Bool("sparse", false); err != nil || sparse {
			if err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("unsupported option \"sparse\"=true: seqnet's Embedding gradient is dense")
		}
		if c.Has("quantization_config") {
			return nil, fmt.Errorf("unsupported option \"quantization_config\": seqnet computes in float32")
		}
		return e, refuseUnimplemented(c, "embeddings_regularizer", "embeddings_constraint", "lora_rank", "lora_alpha")
	})
}
