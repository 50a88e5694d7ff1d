package rnntest

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

const (
	vocab   = 12 // tokens 1…11; 0 is padding
	maxLen  = 24
	minLen  = 10
	nTrain  = 2400
	nTest   = 1000
	epochs  = 10
	seed    = 7
	batchSz = 32
)

// pattern is the ordered token sequence that makes a sample positive.
var pattern = []int{3, 7, 2}

func contains(seq []int, pat []int) bool {
	for i := 0; i+len(pat) <= len(seq); i++ {
		match := true
		for j, p := range pat {
			if seq[i+j] != p {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// generate makes n right-padded sequences of random length. Positives
// have the pattern planted at a random position; half of the negatives
// have the same tokens planted in another order, so that counting tokens
// is not enough: the order matters.
func generate(rng *rand.Rand, n int) (x, y *tensor.Tensor) {
	x, y = tensor.New(n, maxLen), tensor.New(n, 1)
	for i := 0; i < n; i++ {
		positive := i%2 == 0
		var seq []int
		for {
			length := minLen + rng.IntN(maxLen-minLen+1)
			seq = make([]int, length)
			for t := range seq {
				seq[t] = 1 + rng.IntN(vocab-1)
			}
			at := rng.IntN(length - len(pattern) + 1)
			switch {
			case positive:
				copy(seq[at:], pattern)
			case rng.IntN(2) == 0:
				shuffled := []int{pattern[1], pattern[0], pattern[2]}
				if rng.IntN(2) == 0 {
					shuffled = []int{pattern[2], pattern[1], pattern[0]}
				}
				copy(seq[at:], shuffled)
			}
			if contains(seq, pattern) == positive {
				break
			}
		}
		for t, v := range seq {
			x.Data[i*maxLen+t] = float32(v)
		}
		if positive {
			y.Data[i] = 1
		}
	}
	return x, y
}

// train fits Embedding(mask_zero) → recurrent → Dense(1, sigmoid) on
// the task and returns the test accuracy.
func train(t *testing.T, recurrent layers.Layer, epochs int) float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	xTrain, yTrain := generate(rng, nTrain)
	xTest, yTest := generate(rng, nTest)
	emb := layers.NewEmbedding(vocab, 8)
	emb.MaskZero = true
	m, err := model.NewSequential(layers.Input(maxLen), emb, recurrent, layers.NewDense(1, "sigmoid"))
	if err != nil {
		t.Fatal(err)
	}
	m.Seed = seed
	if err := m.Build(); err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(model.CompileOptions{OptimizerName: "adam", LearningRate: 1e-2,
		LossName: "binary_crossentropy", Metrics: []string{"accuracy"}}); err != nil {
		t.Fatal(err)
	}
	hist, err := m.Fit(xTrain, yTrain, model.FitOptions{Epochs: epochs, BatchSize: batchSz, Verbose: logWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	logs, err := m.Evaluate(xTest, yTest, 256)
	if err != nil {
		t.Fatal(err)
	}
	acc := logs.Values["accuracy"]
	t.Logf("train loss %.4f accuracy %.4f; test accuracy %.4f", hist.Last("loss"), hist.Last("accuracy"), acc)
	return acc
}

// TestLSTMLearnsPlantedPattern: Embedding(mask_zero) → LSTM(16) →
// Dense(1, sigmoid) must reach ≥ 95% test accuracy.
func TestLSTMLearnsPlantedPattern(t *testing.T) {
	if acc := train(t, layers.NewLSTM(16), epochs); acc < 0.95 {
		t.Fatalf("test accuracy %.4f, want ≥ 0.95", acc)
	}
}

// TestBidirectionalGRULearnsPlantedPattern: the same task through
// Bidirectional(GRU(8, dropout=0.1, recurrent_dropout=0.1)), which reads
// the padded sequences backwards too.
func TestBidirectionalGRULearnsPlantedPattern(t *testing.T) {
	gru := layers.NewGRU(8)
	gru.Dropout, gru.RecurrentDropout = 0.1, 0.1
	if acc := train(t, layers.NewBidirectional(gru, "concat"), 6); acc < 0.95 {
		t.Fatalf("test accuracy %.4f, want ≥ 0.95", acc)
	}
}

// logWriter sends Fit's per-epoch lines to the test log (shown with -v or
// on failure).
type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// TestPaddingIsInvisible: with Embedding(mask_zero), extra padding must
// not change a prediction. The same weights run on steps 7 and 12 (the
// recurrent weights do not depend on the length); every layer on the way
// — LSTM with return_sequences, the backward GRU of a Bidirectional that
// meets the padding first, the masked global pooling — has to honour the
// mask for the predictions to agree.
func TestPaddingIsInvisible(t *testing.T) {
	mk := func(steps int) *model.Model {
		emb := layers.NewEmbedding(vocab, 5)
		emb.MaskZero = true
		m, err := model.NewSequential(layers.Input(steps), emb,
			layers.NewLSTM(6, layers.ReturnSequences()),
			layers.NewBidirectional(layers.NewGRU(4, layers.ReturnSequences()), "concat"),
			layers.NewGlobalAveragePooling1D(), layers.NewDense(1, "sigmoid"))
		if err != nil {
			t.Fatal(err)
		}
		m.Seed = 3
		if err := m.Build(); err != nil {
			t.Fatal(err)
		}
		return m
	}
	short, long := mk(7), mk(12)
	if err := long.SetWeights(short.Weights()); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	const n = 9
	xs, xl := tensor.New(n, 7), tensor.New(n, 12)
	for i := 0; i < n; i++ {
		length := 1 + rng.IntN(7)
		for t := 0; t < length; t++ {
			v := float32(1 + rng.IntN(vocab-1))
			xs.Data[i*7+t], xl.Data[i*12+t] = v, v
		}
	}
	ps, err := short.Predict(xs, 4)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := long.Predict(xl, 4)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ps.Data {
		if d := ps.Data[i] - pl.Data[i]; d > 1e-6 || d < -1e-6 {
			t.Errorf("sample %d: %v with 7 steps, %v with 12", i, ps.Data[i], pl.Data[i])
		}
	}
}
