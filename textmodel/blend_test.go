package textmodel

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seqnet/seqnet/baseline"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// wordTask makes texts of seqLen tokens (the last few padding) in which
// each class prefers its own part of the vocabulary: word counts decide.
func wordTask(rng *rand.Rand, n, seqLen, vocab, classes int) (*tensor.Tensor, *tensor.Tensor) {
	x, y := tensor.New(n, seqLen), tensor.New(n)
	for i := 0; i < n; i++ {
		c := rng.IntN(classes)
		y.Data[i] = float32(c)
		words := seqLen - rng.IntN(seqLen/2)
		for j := 0; j < words; j++ {
			tok := 1 + rng.IntN(vocab-1)
			if rng.Float64() < 0.5 {
				tok = 1 + c*(vocab-1)/classes + rng.IntN((vocab-1)/classes)
			}
			x.Data[i*seqLen+j] = float32(tok)
		}
	}
	return x, y
}

// predicted returns the model's classes for x.
func predicted(t *testing.T, m *model.Model, o Options, x *tensor.Tensor) []int {
	t.Helper()
	p, err := m.Predict(x, 64)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int, x.Shape[0])
	for i := range out {
		if o.Classes == 2 {
			if p.Data[i] > 0.5 {
				out[i] = 1
			}
			continue
		}
		for c := 1; c < o.Classes; c++ {
			if p.Data[i*o.Classes+c] > p.Data[i*o.Classes+out[i]] {
				out[i] = c
			}
		}
	}
	return out
}

func labelsOf(y *tensor.Tensor) []int {
	l := make([]int, y.Len())
	for i, v := range y.Data {
		l[i] = int(v)
	}
	return l
}

// TestBlendFloor checks the validated floor: with an untrained CNN whose
// head is random noise, the blend AddCNN reports on the validation texts
// (the bag's out-of-fold scores and the CNN's) is never less accurate
// than the bag alone, and when the CNN is left out the model is its bag
// path: it classifies the validation texts as the blend of the members
// fitted on the training texts, for two and four classes.
func TestBlendFloor(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, classes := range []int{2, 4} {
		const seqLen, vocab = 10, 41
		x, y := wordTask(rng, 400, seqLen, vocab, classes)
		vx, vy := wordTask(rng, 200, seqLen, vocab, classes)
		o := Options{SeqLen: seqLen, Vocab: vocab, Classes: classes, EmbeddingDim: 4, Filters: 8, KernelSize: 3, Seed: 2}
		m, err := New(o)
		if err != nil {
			t.Fatal(err)
		}
		_, head, _ := parts(m)
		for i := range head.Kernel().Value.Data {
			head.Kernel().Value.Data[i] = float32(rng.NormFloat64() * 5)
		}
		head.Kernel().Changed()
		r, err := FitLinear(o, x, y, vx, vy)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.AddCNN(m, o, vx, vy); err != nil {
			t.Fatal(err)
		}
		t.Logf("%d classes: blend %.3f, bag %.3f, CNN weight %.3g", classes, r.Accuracy, r.BagAccuracy, r.CNN)
		if r.Accuracy < r.BagAccuracy {
			t.Errorf("%d classes: validation accuracy %.4f is below the bag path's %.4f", classes, r.Accuracy, r.BagAccuracy)
		}
		if r.BagAccuracy < 0.7 {
			t.Errorf("%d classes: the bag path reaches only %.4f on a task word counts decide", classes, r.BagAccuracy)
		}
		if r.CNN != 0 {
			continue
		}
		if r.Accuracy != r.BagAccuracy {
			t.Errorf("%d classes: CNN left out, yet accuracy %.4f differs from the bag's %.4f", classes, r.Accuracy, r.BagAccuracy)
		}
		docs, _, _ := sequences(o, vx, vy)
		want := (&stack{w: []float64{r.NB, r.LR, r.NBMean}, b: r.Bias}).scores([][][]float64{nbScores(r.nb, docs), lrScores(r.lr, docs), nbMeanScores(r.nb, docs)})
		for i, got := range predicted(t, m, o, vx) {
			if best := argmax(want[i]); got != best && math.Abs(want[i][got]-want[i][best]) > 1e-3 {
				t.Fatalf("%d classes: text %d: the model says class %d, its bag blend %d", classes, i, got, best)
			}
		}
	}
}

func argmax(v []float64) int {
	best := 0
	for c := range v {
		if v[c] > v[best] {
			best = c
		}
	}
	return best
}

// TestRefitIsTheBlendOfRefittedClassifiers checks that after Refit, a
// model whose CNN is left out classifies every text as the blend of Naive
// Bayes (summed and length-normalised) and logistic regression fitted on
// all the texts does.
func TestRefitIsTheBlendOfRefittedClassifiers(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const seqLen, vocab, classes = 8, 31, 3
	x, y := wordTask(rng, 300, seqLen, vocab, classes)
	vx, vy := wordTask(rng, 100, seqLen, vocab, classes)
	o := Options{SeqLen: seqLen, Vocab: vocab, Classes: classes, EmbeddingDim: 4, Filters: 4, KernelSize: 2, Seed: 3}
	m, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	r, err := FitLinear(o, x, y, vx, vy)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.AddCNN(m, o, vx, vy); err != nil {
		t.Fatal(err)
	}
	r.CNN = 0
	all := tensor.FromSlice(append(append([]float32(nil), x.Data...), vx.Data...), 400, seqLen)
	ally := tensor.FromSlice(append(append([]float32(nil), y.Data...), vy.Data...), 400)
	if err := r.Refit(m, o, all, ally); err != nil {
		t.Fatal(err)
	}
	docs, labels, _ := sequences(o, all, ally)
	nb, _ := baseline.FitNaiveBayes(docs, labels, classes, vocab, r.NBAlpha)
	lr, _ := fitLR(docs, labels, o, r.LRC)
	ns, ls, ms := nbScores(nb, docs), lrScores(lr, docs), nbMeanScores(nb, docs)
	got := predicted(t, m, o, all)
	for i := range docs {
		want := 0
		score := func(c int) float64 { return r.NB*ns[i][c] + r.LR*ls[i][c] + r.NBMean*ms[i][c] + r.Bias[c] }
		for c := 1; c < classes; c++ {
			if score(c) > score(want) {
				want = c
			}
		}
		if got[i] != want && math.Abs(score(got[i])-score(want)) > 1e-3 {
			t.Fatalf("text %d: the model says class %d, the refitted blend %d", i, got[i], want)
		}
	}
}

// TestFitStackWeighsMembersByWorth checks the stacking fit: a member that
// knows the class gets a large weight, one that is noise a small one.
func TestFitStackWeighsMembersByWorth(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const n, k = 300, 3
	good, noise := make([][]float64, n), make([][]float64, n)
	labels := make([]int, n)
	for i := range labels {
		labels[i] = rng.IntN(k)
		good[i], noise[i] = make([]float64, k), make([]float64, k)
		for c := 0; c < k; c++ {
			good[i][c] = rng.NormFloat64()
			noise[i][c] = rng.NormFloat64()
		}
		good[i][labels[i]] += 2
	}
	s := fitStack([][][]float64{good, noise}, labels, true)
	t.Logf("weights %.3f, accuracy %.3f, loss %.3f", s.w, s.acc, s.loss)
	if s.w[0] < 0.5 || s.w[1] > 0.2*s.w[0] || s.acc < 0.7 {
		t.Errorf("weights %v, accuracy %.3f: want the informative member weighted far above the noise and accuracy ≥ 0.7", s.w, s.acc)
	}
	if s.w[1] < 0 {
		t.Errorf("negative weight %g", s.w[1])
	}
}

// TestCrossFitIsOutOfFold checks that each text's cross-fitted Naive Bayes
// scores come from the model fitted on the other folds only.
func TestCrossFitIsOutOfFold(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const seqLen, vocab, classes = 6, 21, 2
	x, y := wordTask(rng, 60, seqLen, vocab, classes)
	o := Options{SeqLen: seqLen, Vocab: vocab, Classes: classes}
	docs, labels, err := sequences(o, x, y)
	if err != nil {
		t.Fatal(err)
	}
	s, err := crossFit(docs, labels, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 7, 59} {
		var fd [][]int
		var fl []int
		for j := range docs {
			if j%CrossFolds != i%CrossFolds {
				fd, fl = append(fd, docs[j]), append(fl, labels[j])
			}
		}
		nb, _ := baseline.FitNaiveBayes(fd, fl, classes, vocab, nbAlphas[0])
		want := nbScores(nb, [][]int{docs[i]})[0]
		for c := range want {
			if math.Abs(s.nb[0][i][c]-want[c]) > 1e-9 {
				t.Fatalf("text %d class %d: cross-fitted score %g, the model without its fold gives %g", i, c, s.nb[0][i][c], want[c])
			}
		}
	}
}
