package learningtest

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// pattern is the token sequence whose presence makes a sequence positive.
var pattern = []int{7, 3, 9}

// tokenTask generates n sequences of length steps over tokens 1..vocab-1.
// Half are positive: the pattern planted at a random position. Negatives
// are made hard on purpose: most hold a decoy (the pattern's first or last
// two tokens, or the pattern reversed) so that counting tokens is not
// enough, and none holds the pattern.
func tokenTask(rng *rand.Rand, n, steps, vocab int) (x, y *tensor.Tensor) {
	x, y = tensor.New(n, steps), tensor.New(n, 1)
	decoys := [][]int{{7, 3}, {3, 9}, {9, 3, 7}, {7, 9, 3}}
	for i := 0; i < n; i++ {
		row := x.Data[i*steps : (i+1)*steps]
		for {
			for t := range row {
				row[t] = float32(1 + rng.IntN(vocab-1))
			}
			if !contains(row, pattern) {
				break
			}
		}
		if i%2 == 0 {
			p := rng.IntN(steps - len(pattern) + 1)
			for k, tok := range pattern {
				row[p+k] = float32(tok)
			}
			y.Data[i] = 1
		} else if rng.IntN(4) > 0 {
			d := decoys[rng.IntN(len(decoys))]
			p := rng.IntN(steps - len(d) + 1)
			for k, tok := range d {
				row[p+k] = float32(tok)
			}
			if contains(row, pattern) { // a decoy completed the pattern by chance
				y.Data[i] = 1
			}
		}
	}
	return x, y
}

func contains(row []float32, pat []int) bool {
	for p := 0; p+len(pat) <= len(row); p++ {
		ok := true
		for k, tok := range pat {
			if int(row[p+k]) != tok {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// TestKimCNNFindsPattern trains a Kim-style text CNN (Embedding, three
// Conv1D branches of kernel 3, 4 and 5, global max pooling, concatenation,
// dropout, a sigmoid unit) to tell whether a sequence holds the pattern.
func TestKimCNNFindsPattern(t *testing.T) {
	const vocab, steps = 30, 40
	rng := rand.New(rand.NewPCG(2024, 1))
	xTrain, yTrain := tokenTask(rng, 2400, steps, vocab)
	xTest, yTest := tokenTask(rng, 600, steps, vocab)

	in := model.Input(steps)
	emb := model.Call(layers.NewEmbedding(vocab, 16), in)
	var branches []*model.Tensor
	for _, k := range []int{3, 4, 5} {
		h := model.Call(layers.NewConv1D(32, k, layers.ConvActivation("relu")), emb)
		branches = append(branches, model.Call(layers.NewGlobalMaxPooling1D(), h))
	}
	h := model.Call(layers.NewConcatenate(-1), branches...)
	h = model.Call(layers.NewDropout(0.5), h)
	out := model.Call(layers.NewDense(1, "sigmoid"), h)
	m, err := model.NewModel([]*model.Tensor{in}, []*model.Tensor{out}, 7)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.OutputShapes()[0]; len(got) != 1 || got[0] != 1 {
		t.Fatalf("output shape %v", got)
	}
	if err := m.Compile(model.CompileOptions{OptimizerName: "adam", LearningRate: 3e-3,
		LossName: "binary_crossentropy", Metrics: []string{"accuracy"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Fit(xTrain, yTrain, model.FitOptions{Epochs: 7, BatchSize: 32}); err != nil {
		t.Fatal(err)
	}
	logs, err := m.Evaluate(xTest, yTest, 100)
	if err != nil {
		t.Fatal(err)
	}
	acc := logs.Values["accuracy"]
	t.Logf("Kim CNN test accuracy %.4f, loss %.4f", acc, logs.Values["loss"])
	if acc < 0.95 {
		t.Fatalf("test accuracy %.4f, want at least 0.95", acc)
	}
}

// sineTask cuts windows of a noisy sine (random amplitude, frequency and
// phase per sample): x is (n, steps, 1), y the next value.
func sineTask(rng *rand.Rand, n, steps int, noise float64) (x, y *tensor.Tensor) {
	x, y = tensor.New(n, steps, 1), tensor.New(n, 1)
	for i := 0; i < n; i++ {
		amp := 0.5 + rng.Float64()
		omega := 2 * math.Pi / (15 + 15*rng.Float64())
		phase := 2 * math.Pi * rng.Float64()
		for t := 0; t <= steps; t++ {
			v := float32(amp*math.Sin(omega*float64(t)+phase) + noise*rng.NormFloat64())
			if t < steps {
				x.Data[i*steps+t] = v
			} else {
				y.Data[i] = v
			}
		}
	}
	return x, y
}

// TestCausalDilatedStackForecastsSine trains a WaveNet-like stack of
// causal Conv1D layers with dilation 1, 2, 4 to predict the next value of
// a noisy sine, and compares it with the persistence forecast (the last
// value seen).
func TestCausalDilatedStackForecastsSine(t *testing.T) {
	const steps = 32
	rng := rand.New(rand.NewPCG(99, 3))
	xTrain, yTrain := sineTask(rng, 2000, steps, 0.05)
	xTest, yTest := sineTask(rng, 500, steps, 0.05)

	in := model.Input(steps, 1)
	h := in
	for _, d := range []int{1, 2, 4} {
		h = model.Call(layers.NewConv1D(16, 2, layers.Padding("causal"), layers.DilationRate(d), layers.ConvActivation("relu")), h)
	}
	h = model.Call(layers.NewCropping1D(steps-1, 0), h) // the last step sees the whole receptive field
	h = model.Call(layers.NewFlatten(), h)
	out := model.Call(layers.NewDense(1, ""), h)
	m, err := model.NewModel([]*model.Tensor{in}, []*model.Tensor{out}, 11)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(model.CompileOptions{OptimizerName: "adam", LearningRate: 3e-3, LossName: "mse"}); err != nil {
		t.Fatal(err)
	}
	// A high rate to get there, then a lower one to settle (as a
	// ReduceLROnPlateau callback would).
	if _, err := m.Fit(xTrain, yTrain, model.FitOptions{Epochs: 10, BatchSize: 32}); err != nil {
		t.Fatal(err)
	}
	m.Optimizer().SetLearningRate(5e-4)
	if _, err := m.Fit(xTrain, yTrain, model.FitOptions{Epochs: 5, BatchSize: 32}); err != nil {
		t.Fatal(err)
	}
	pred, err := m.Predict(xTest, 100)
	if err != nil {
		t.Fatal(err)
	}
	var mse, persist float64
	for i, want := range yTest.Data {
		last := xTest.Data[i*steps+steps-1]
		mse += sq(float64(pred.Data[i] - want))
		persist += sq(float64(last - want))
	}
	n := float64(len(yTest.Data))
	mse, persist = mse/n, persist/n
	t.Logf("causal stack test MSE %.5f, persistence %.5f (ratio %.3f)", mse, persist, mse/persist)
	if mse >= persist/4 {
		t.Fatalf("test MSE %.5f is not below a quarter of the persistence baseline's %.5f", mse, persist)
	}
}

func sq(v float64) float64 { return v * v }
