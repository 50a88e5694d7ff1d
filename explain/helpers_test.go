package explain

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// task is a generated classification problem whose label is set by a
// pattern planted at a known place.
type task struct {
	x, y         *tensor.Tensor // training rows
	tx, ty       *tensor.Tensor // test rows
	start, width []int          // test rows: the planted span [start, start+width) (positives)
	m            *model.Model
	acc          float64 // test accuracy
}

const (
	seriesSteps, seriesChannels = 32, 2
	textSteps, vocabSize        = 24, 30
)

var bump = []float32{1, 2, 2, 2, 1}

// seriesRows draws n rows: noise in both channels, and for label 1 a bump
// in channel 0 at a random position; label 0 rows get the same bump in
// channel 1 (a decoy the model must learn to ignore).
func seriesRows(n int, rng *rand.Rand) (x, y *tensor.Tensor, start []int) {
	x = tensor.New(n, seriesSteps, seriesChannels)
	y = tensor.New(n, 1)
	start = make([]int, n)
	for i := range n {
		for j := range seriesSteps * seriesChannels {
			x.Data[i*seriesSteps*seriesChannels+j] = float32(rng.NormFloat64() * 0.4)
		}
		label := i % 2
		p := rng.IntN(seriesSteps - len(bump) + 1)
		ch := 1 - label
		for k, v := range bump {
			x.Data[(i*seriesSteps+p+k)*seriesChannels+ch] += v
		}
		y.Data[i], start[i] = float32(label), p
	}
	return x, y, start
}

var trigram = []int{5, 9, 2}

// decoys look like the trigram but are not it.
var decoys = [][]int{{9, 5, 2}, {2, 9, 5}, {5, 2, 9}, {5, 9, 7}, {4, 9, 2}, {5, 11, 2}}

// textRows draws n rows of random tokens 1..vocabSize-1 where label 1
// rows hold the trigram 5 9 2 at a random position and label 0 rows a
// decoy; no row holds the trigram by chance elsewhere.
func textRows(n int, rng *rand.Rand) (x, y *tensor.Tensor, start []int) {
	x = tensor.New(n, textSteps)
	y = tensor.New(n, 1)
	start = make([]int, n)
	for i := range n {
		label := i % 2
		for {
			row := make([]int, textSteps)
			for t := range row {
				row[t] = 1 + rng.IntN(vocabSize-1)
			}
			p := rng.IntN(textSteps - 2)
			pat := trigram
			if label == 0 {
				pat = decoys[rng.IntN(len(decoys))]
			}
			copy(row[p:], pat)
			if countTrigram(row) != label {
				continue
			}
			for t, v := range row {
				x.Data[i*textSteps+t] = float32(v)
			}
			y.Data[i], start[i] = float32(label), p
			break
		}
	}
	return x, y, start
}

func countTrigram(row []int) int {
	n := 0
	for t := 0; t+3 <= len(row); t++ {
		if row[t] == trigram[0] && row[t+1] == trigram[1] && row[t+2] == trigram[2] {
			n++
		}
	}
	return n
}

func vocabulary() []string {
	v := []string{"<pad>"}
	for i := 1; i < vocabSize; i++ {
		v = append(v, fmt.Sprintf("w%d", i))
	}
	return v
}

func train(t testing.TB, tk *task, first layers.Layer, filters, kernel, epochs int, seed uint64) {
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
	if _, err := m.Fit(tk.x, tk.y, model.FitOptions{Epochs: epochs, BatchSize: 32}); err != nil {
		t.Fatal(err)
	}
	p, err := m.Predict(tk.tx, 0)
	if err != nil {
		t.Fatal(err)
	}
	right := 0
	for i, v := range p.Data {
		if (v > 0.5) == (tk.ty.Data[i] > 0.5) {
			right++
		}
	}
	tk.m, tk.acc = m, float64(right)/float64(len(p.Data))
}

var (
	seriesOnce, textOnce sync.Once
	seriesTask, textTask task
)

// trainedSeries is a Conv1D(8, 5, relu) → GlobalMaxPooling1D → Dense
// sigmoid classifier of the bump task.
func trainedSeries(t testing.TB) *task {
	seriesOnce.Do(func() {
		rng := rand.New(rand.NewPCG(7, 1))
		tk := &seriesTask
		tk.x, tk.y, _ = seriesRows(400, rng)
		tk.tx, tk.ty, tk.start = seriesRows(120, rng)
		tk.width = make([]int, len(tk.start))
		for i := range tk.width {
			tk.width[i] = len(bump)
		}
		train(t, tk, layers.Input(seriesSteps, seriesChannels), 8, 5, 25, 3)
	})
	if seriesTask.m == nil {
		t.Fatal("training the series model failed")
	}
	return &seriesTask
}

// trainedText is an Embedding(30, 8) → Conv1D(16, 3, relu) →
// GlobalMaxPooling1D → Dense sigmoid classifier of the trigram task.
func trainedText(t testing.TB) *task {
	textOnce.Do(func() {
		rng := rand.New(rand.NewPCG(11, 2))
		tk := &textTask
		tk.x, tk.y, _ = textRows(600, rng)
		tk.tx, tk.ty, tk.start = textRows(120, rng)
		tk.width = make([]int, len(tk.start))
		for i := range tk.width {
			tk.width[i] = 3
		}
		train(t, tk, layers.NewEmbedding(vocabSize, 8), 16, 3, 20, 5)
	})
	if textTask.m == nil {
		t.Fatal("training the text model failed")
	}
	return &textTask
}
