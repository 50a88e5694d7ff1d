package textmodel

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seqnet/seqnet/baseline"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// TestOffsetsAreOutOfFold checks NewTrainer's second input: each text's
// offset is the blend FitLinear chose applied to Naive Bayes and logistic
// regression fitted without the text's fold (training and validation texts
// together, text i in fold i mod CrossFolds), so the text's own label
// never enters its offset.
func TestOffsetsAreOutOfFold(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	const seqLen, vocab, classes = 6, 25, 3
	x, y := wordTask(rng, 80, seqLen, vocab, classes)
	vx, vy := wordTask(rng, 20, seqLen, vocab, classes)
	o := Options{SeqLen: seqLen, Vocab: vocab, Classes: classes}
	r, err := FitLinear(o, x, y, vx, vy)
	if err != nil {
		t.Fatal(err)
	}
	off, voff, err := r.Offsets(o)
	if err != nil {
		t.Fatal(err)
	}
	if off.Shape[0] != 80 || voff.Shape[0] != 20 || off.Shape[1] != classes {
		t.Fatalf("offsets of shapes %v and %v for 80 and 20 texts", off.Shape, voff.Shape)
	}
	docs, labels, _ := sequences(o, x, y)
	vdocs, vlabels, _ := sequences(o, vx, vy)
	all, allLabels := append(docs, vdocs...), append(labels, vlabels...)
	for _, i := range []int{0, 3, 79, 80, 99} {
		var fd [][]int
		var fl []int
		for j := range all {
			if j%CrossFolds != i%CrossFolds {
				fd, fl = append(fd, all[j]), append(fl, allLabels[j])
			}
		}
		nb, _ := baseline.FitNaiveBayes(fd, fl, classes, vocab, r.NBAlpha)
		lr, _ := fitLR(fd, fl, o, r.LRC)
		d := [][]int{all[i]}
		st := &stack{w: []float64{r.NB, r.LR, r.NBMean}, b: r.Bias}
		want := toLogits(o, st.scores([][][]float64{nbScores(nb, d), lrScores(lr, d), nbMeanScores(nb, d)})[0])
		got := off.Data
		row := i
		if i >= 80 {
			got, row = voff.Data, i-80
		}
		for c, w := range want {
			if g := got[row*classes+c]; math.Abs(float64(g-w)) > 1e-4 {
				t.Fatalf("text %d class %d: offset %g, the blend of the classifiers fitted without its fold gives %g", i, c, g, w)
			}
		}
	}
}

// trainStacked trains o's CNN as the CLI does: in NewTrainer's model on
// the bag's out-of-fold logits, the weights then moved into New's model,
// the CNN blended in (AddCNN) and the bag refitted on all the texts. It
// returns New's model, the trained NewTrainer model and the blend.
func trainStacked(t *testing.T, o Options, x, y, vx, vy *tensor.Tensor) (*model.Model, *model.Model, *BlendResult) {
	t.Helper()
	m, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	r, err := FitLinear(o, x, y, vx, vy)
	if err != nil {
		t.Fatal(err)
	}
	off, voff, err := r.Offsets(o)
	if err != nil {
		t.Fatal(err)
	}
	tm, err := NewTrainer(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := tm.SetWeights(m.Weights()); err != nil {
		t.Fatal(err)
	}
	if err := tm.Compile(model.CompileOptions{OptimizerName: "adam", LearningRate: 0.005, LossName: "binary_crossentropy"}); err != nil {
		t.Fatal(err)
	}
	es := &model.EarlyStopping{Patience: 5, RestoreBestWeights: true}
	val := &model.Dataset{X: []*tensor.Tensor{vx, voff}, Y: []*tensor.Tensor{vy}}
	if _, err := tm.FitData(model.Dataset{X: []*tensor.Tensor{x, off}, Y: []*tensor.Tensor{y}},
		model.FitOptions{Epochs: 60, BatchSize: 32, ValidationData: val, Callbacks: []model.Callback{es}}); err != nil {
		t.Fatal(err)
	}
	if err := m.SetWeights(tm.Weights()); err != nil {
		t.Fatal(err)
	}
	if err := r.AddCNN(m, o, vx, vy); err != nil {
		t.Fatal(err)
	}
	all := tensor.FromSlice(append(append([]float32(nil), x.Data...), vx.Data...), x.Shape[0]+vx.Shape[0], o.SeqLen)
	ally := tensor.FromSlice(append(append([]float32(nil), y.Data...), vy.Data...), all.Shape[0])
	if err := r.Refit(m, o, all, ally); err != nil {
		t.Fatal(err)
	}
	return m, tm, r
}
