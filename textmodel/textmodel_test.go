package textmodel

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seqnet/seqnet/baseline"
	"github.com/seqnet/seqnet/tensor"
)

// orderTask makes texts of seqLen tokens from a vocabulary of filler
// words 4…vocab-1 with tokens 2 and 3 next to each other somewhere: the
// label is 1 when 2 comes first. Every text holds the same words in a
// different order, so a bag of words cannot tell the classes apart.
func orderTask(rng *rand.Rand, n, seqLen, vocab int) (*tensor.Tensor, *tensor.Tensor) {
	x, y := tensor.New(n, seqLen), tensor.New(n)
	for i := 0; i < n; i++ {
		row := x.Data[i*seqLen : (i+1)*seqLen]
		for j := range row {
			row[j] = float32(4 + rng.IntN(vocab-4))
		}
		at := rng.IntN(seqLen - 1)
		label := rng.IntN(2)
		row[at], row[at+1] = 3, 2
		if label == 1 {
			row[at], row[at+1] = 2, 3
		}
		y.Data[i] = float32(label)
	}
	return x, y
}

// TestLearnsWordOrderBetterThanNaiveBayes is a learning test of the
// default flow (the CNN trained on the bag's out-of-fold logits, then
// blended, the bag refitted on all texts; trainStacked): on a task that
// only word order decides, Naive Bayes stays near chance and the trained
// classifier does far better. The single-input model also reproduces, on
// new texts, the two parts it was made of: the CNN as trained (times its
// blend weight) plus the blend of the refitted linear classifiers.
func TestLearnsWordOrderBetterThanNaiveBayes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const seqLen, vocab = 12, 30
	x, y := orderTask(rng, 1200, seqLen, vocab)
	vx, vy := orderTask(rng, 300, seqLen, vocab)
	tx, ty := orderTask(rng, 400, seqLen, vocab)
	o := Options{SeqLen: seqLen, Vocab: vocab, Classes: 2, EmbeddingDim: 8, Filters: 16, KernelSize: 3, Dropout: 0.1, Seed: 1}
	m, tm, r := trainStacked(t, o, x, y, vx, vy)
	if r.CNN <= 0 {
		t.Errorf("the blend left the CNN out (validation accuracy with it %.3f, bag alone %.3f)", r.Accuracy, r.BagAccuracy)
	}
	p, err := m.Predict(tx, 128)
	if err != nil {
		t.Fatal(err)
	}
	// The two parts: the trained CNN (NewTrainer's model with a zero
	// offset) and the linear classifiers refitted on all the texts.
	cnn, err := tm.PredictMulti([]*tensor.Tensor{tx, tensor.New(tx.Shape[0], 1)}, 128)
	if err != nil {
		t.Fatal(err)
	}
	docs, labels, _ := sequences(o, x, y)
	vdocs, vlabels, _ := sequences(o, vx, vy)
	all, allLabels := append(docs, vdocs...), append(labels, vlabels...)
	nbAll, _ := baseline.FitNaiveBayes(all, allLabels, 2, vocab, r.NBAlpha)
	lrAll, _ := fitLR(all, allLabels, o, r.LRC)
	tdocs, tlabels, _ := sequences(o, tx, ty)
	bag := (&stack{w: []float64{r.NB, r.LR, r.NBMean}, b: r.Bias}).scores([][][]float64{nbScores(nbAll, tdocs), lrScores(lrAll, tdocs), nbMeanScores(nbAll, tdocs)})
	for i := range tdocs {
		q := math.Min(math.Max(float64(cnn[0].Data[i]), 1e-7), 1-1e-7)
		logit := r.CNN*math.Log(q/(1-q)) + bag[i][1] - bag[i][0]
		if want := 1 / (1 + math.Exp(-logit)); math.Abs(float64(p.Data[i])-want) > 2e-3 {
			t.Fatalf("text %d: the saved model gives %g, its two parts %g", i, p.Data[i], want)
		}
	}
	nb, _ := baseline.FitNaiveBayes(docs, labels, 2, vocab, 1)
	var pm, pn []int
	for i := range tlabels {
		pm = append(pm, int(math.Round(float64(p.Data[i]))))
		pn = append(pn, nb.Predict(tdocs[i]))
	}
	am, an := baseline.Accuracy(pm, tlabels), baseline.Accuracy(pn, tlabels)
	t.Logf("test accuracy: model %.3f, Naive Bayes %.3f", am, an)
	if am < 0.9 || am <= an+0.2 {
		t.Errorf("model accuracy %.3f, Naive Bayes %.3f: want the model above 0.9 and well above Naive Bayes", am, an)
	}
}
