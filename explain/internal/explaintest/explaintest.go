// Package explaintest generates the classification tasks with planted
// patterns, and trains the small models on them, that the tests of explain
// and explain/explainplot share (for tests only).
package explaintest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// Task is a generated classification problem whose label is set by a
// pattern planted at a known place.
type Task struct {
	X, Y         *tensor.Tensor // training rows
	TX, TY       *tensor.Tensor // test rows
	Start, Width []int          // test rows: the planted span [Start, Start+Width) (positives)
	M            *model.Model
	Acc          float64 // test accuracy
}

// The generated rows' sizes.
const (
	SeriesSteps, SeriesChannels = 32, 2
	TextSteps, VocabSize        = 24, 30
)

// Bump is the pattern planted in a series row.
var Bump = []float32{1, 2, 2, 2, 1}

// SeriesRows draws n rows: noise in both channels, and for label 1 a bump
// in channel 0 at a random position; label 0 rows get the same bump in
// channel 1 (a decoy the model must learn to ignore).
func SeriesRows(n int, rng *rand.Rand) (x, y *tensor.Tensor, start []int) {
	x = tensor.New(n, SeriesSteps, SeriesChannels)
	y = tensor.New(n, 1)
	start = make([]int, n)
	for i := range n {
		for j := range SeriesSteps * SeriesChannels {
			x.Data[i*SeriesSteps*SeriesChannels+j] = float32(rng.NormFloat64() * 0.4)
		}
		label := i % 2
		p := rng.IntN(SeriesSteps - len(Bump) + 1)
		ch := 1 - label
		for k, v := range Bump {
			x.Data[(i*SeriesSteps+p+k)*SeriesChannels+ch] += v
		}
		y.Data[i], start[i] = float32(label), p
	}
	return x, y, start
}

// Trigram is the token pattern planted in a positive text row.
var Trigram = []int{5, 9, 2}

// Decoys look like the trigram but are not it.
var Decoys = [][]int{{9, 5, 2}, {2, 9, 5}, {5, 2, 9}, {5, 9, 7}, {4, 9, 2}, {5, 11, 2}}

// TextRows draws n rows of random tokens 1..vocabSize-1 where label 1
// rows hold the trigram 5 9 2 at a random position and label 0 rows a
// decoy; no row holds the trigram by chance elsewhere.
func TextRows(n int, rng *rand.Rand) (x, y *tensor.Tensor, start []int) {
	x = tensor.New(n, TextSteps)
	y = tensor.New(n, 1)
	start = make([]int, n)
	for i := range n {
		label := i % 2
		for {
			row := make([]int, TextSteps)
			for t := range row {
				row[t] = 1 + rng.IntN(VocabSize-1)
			}
			p := rng.IntN(TextSteps - 2)
			pat := Trigram
			if label == 0 {
				pat = Decoys[rng.IntN(len(Decoys))]
			}
			copy(row[p:], pat)
			if CountTrigram(row) != label {
				continue
			}
			for t, v := range row {
				x.Data[i*TextSteps+t] = float32(v)
			}
			y.Data[i], start[i] = float32(label), p
			break
		}
	}
	return x, y, start
}

// CountTrigram counts the trigram's occurrences in row.
func CountTrigram(row []int) int {
	n := 0
	for t := 0; t+3 <= len(row); t++ {
		if row[t] == Trigram[0] && row[t+1] == Trigram[1] && row[t+2] == Trigram[2] {
			n++
		}
	}
	return n
}

// Vocabulary names the tokens: "<pad>", then w1, w2, ….
func Vocabulary() []string {
	v := []string{"<pad>"}
	for i := 1; i < VocabSize; i++ {
		v = append(v, fmt.Sprintf("w%d", i))
	}
	return v
}

// Train fits a first → Conv1D(filters, kernel, relu) → GlobalMaxPooling1D
// → Dense sigmoid classifier on tk's training rows and sets tk.M and its
// test accuracy tk.Acc.
func Train(t testing.TB, tk *Task, first layers.Layer, filters, kernel, epochs int, seed uint64) {
	m, err := model.NewSequential(first,
		layers.NewConv1D(filters, kernel, layers.ConvActivation("relu")),
		layers.NewGlobalMaxPooling1D(),
		layers.NewDense(1, "sigmoid"))
	if err != nil {
		t.Fatal(err)
	}
	m.Seed = seed
	if err := m.Compile(model.CompileOptions{OptimizerName: "adam", LearningRate: 0.01, LossName: "binary_crossentropy"}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Fit(tk.X, tk.Y, model.FitOptions{Epochs: epochs, BatchSize: 32}); err != nil {
		t.Fatal(err)
	}
	p, err := m.Predict(tk.TX, 0)
	if err != nil {
		t.Fatal(err)
	}
	right := 0
	for i, v := range p.Data {
		if (v > 0.5) == (tk.TY.Data[i] > 0.5) {
			right++
		}
	}
	tk.M, tk.Acc = m, float64(right)/float64(len(p.Data))
}

var (
	seriesOnce, textOnce sync.Once
	seriesTask, textTask Task
)

// TrainedSeries is a Conv1D(8, 5, relu) → GlobalMaxPooling1D → Dense
// sigmoid classifier of the bump task.
func TrainedSeries(t testing.TB) *Task {
	seriesOnce.Do(func() {
		rng := rand.New(rand.NewPCG(7, 1))
		tk := &seriesTask
		tk.X, tk.Y, _ = SeriesRows(400, rng)
		tk.TX, tk.TY, tk.Start = SeriesRows(120, rng)
		tk.Width = slices.Repeat([]int{len(Bump)}, len(tk.Start))
		Train(t, tk, layers.Input(SeriesSteps, SeriesChannels), 8, 5, 25, 3)
	})
	if seriesTask.M == nil {
		t.Fatal("training the series model failed")
	}
	return &seriesTask
}

// TrainedText is an Embedding(30, 8) → Conv1D(16, 3, relu) →
// GlobalMaxPooling1D → Dense sigmoid classifier of the trigram task.
func TrainedText(t testing.TB) *Task {
	textOnce.Do(func() {
		rng := rand.New(rand.NewPCG(11, 2))
		tk := &textTask
		tk.X, tk.Y, _ = TextRows(600, rng)
		tk.TX, tk.TY, tk.Start = TextRows(120, rng)
		tk.Width = slices.Repeat([]int{3}, len(tk.Start))
		Train(t, tk, layers.NewEmbedding(VocabSize, 8), 16, 3, 20, 5)
	})
	if textTask.M == nil {
		t.Fatal("training the text model failed")
	}
	return &textTask
}
