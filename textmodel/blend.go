package textmodel

import (
	"fmt"
	"math"

	"github.com/seqnet/seqnet/baseline"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// The members' settings Blend chooses from on the validation texts:
// Naive Bayes' additive smoothing and logistic regression's inverse
// penalty C (scikit-learn's meaning).
var (
	nbAlphas = []float64{0.1, 0.3, 1}
	lrCs     = []float64{0.3, 1, 3}
)

// BlendResult is what Blend chose on the validation texts. The model's
// class scores are NB·(Naive Bayes' log posterior) + LR·(logistic
// regression's logits) + CNN·(the CNN's logits) + Bias.
type BlendResult struct {
	NBAlpha, LRC float64 // the members' settings
	NB, LR, CNN  float64 // the members' weights; CNN is 0 when the bag alone was kept
	Bias         []float64
	// Validation accuracy and cross-entropy of the bag alone (the best
	// blend of Naive Bayes and logistic regression) and of the model
	// (the same as the bag's when the CNN is not used).
	BagAccuracy, BagLoss, Accuracy, Loss float64
	// The trained CNN head's kernel and bias (per class), which write
	// scales by the CNN's weight.
	cnnKernel []float32
	cnnBias   []float64
}

// Blend turns a model from New whose CNN has been trained with the bag
// path at zero (New's start) into a stacked ensemble of the CNN, multinomial
// Naive Bayes and logistic regression on word counts, the members' weights
// fitted on the validation texts vx, vy (which neither the CNN's weights
// nor the two linear classifiers were fitted on; Wolpert's stacking,
// by hold-out): Naive Bayes' and logistic regression's settings are chosen
// among a few by the validation cross-entropy of their blend (the bag
// path), then the CNN's weight is fitted with them. The bag path holds the
// linear part: a value per word and class, summed over a text's words.
//
// The bag path is a validated floor: when the blend with the CNN is less
// accurate on the validation texts than the bag path alone, the CNN's
// weight is set to zero and the model is the bag path. Refit then refits
// the two linear classifiers on all the texts with the chosen settings.
func Blend(m *model.Model, o Options, x, y, vx, vy *tensor.Tensor) (*BlendResult, error) {
	bag, head, err := parts(m)
	if err != nil {
		return nil, err
	}
	docs, labels, err := sequences(o, x, y)
	if err != nil {
		return nil, err
	}
	vdocs, vlabels, err := sequences(o, vx, vy)
	if err != nil {
		return nil, err
	}
	clear(bag.Embeddings().Value.Data)
	bag.Embeddings().Changed()
	cnn, err := cnnScores(m, o, vx)
	if err != nil {
		return nil, err
	}
	r := &BlendResult{cnnKernel: append([]float32(nil), head.Kernel().Value.Data...), cnnBias: classVector(o, head.Bias().Value.Data)}
	var best *stack
	var nbBest *baseline.NaiveBayes
	var lrBest *baseline.Logistic
	nbs, err := fitNBs(docs, labels, o)
	if err != nil {
		return nil, err
	}
	for _, c := range lrCs {
		lr, err := fitLR(docs, labels, o, c)
		if err != nil {
			return nil, err
		}
		ls := lrScores(lr, vdocs)
		for i, nb := range nbs {
			s := fitStack([][][]float64{nbScores(nb, vdocs), ls}, vlabels)
			if best == nil || s.loss < best.loss {
				best, nbBest, lrBest, r.NBAlpha, r.LRC = s, nb, lr, nbAlphas[i], c
			}
		}
	}
	r.BagAccuracy, r.BagLoss = best.acc, best.loss
	r.NB, r.LR, r.Bias, r.Accuracy, r.Loss = best.w[0], best.w[1], best.b, best.acc, best.loss
	full := fitStack([][][]float64{nbScores(nbBest, vdocs), lrScores(lrBest, vdocs), cnn}, vlabels)
	if full.acc >= best.acc && full.w[2] > 0 {
		r.NB, r.LR, r.CNN, r.Bias, r.Accuracy, r.Loss = full.w[0], full.w[1], full.w[2], full.b, full.acc, full.loss
	}
	r.write(bag, head, o, nbBest, lrBest)
	return r, nil
}

// Refit refits Naive Bayes and logistic regression with the settings Blend
// chose on all the texts x, y (training and validation), and sets the bag
// path from them with the blend's weights; the CNN is kept as it is.
func (r *BlendResult) Refit(m *model.Model, o Options, x, y *tensor.Tensor) error {
	bag, head, err := parts(m)
	if err != nil {
		return err
	}
	docs, labels, err := sequences(o, x, y)
	if err != nil {
		return err
	}
	nb, err := baseline.FitNaiveBayes(docs, labels, o.Classes, o.Vocab, r.NBAlpha)
	if err != nil {
		return fmt.Errorf("textmodel: %w", err)
	}
	lr, err := fitLR(docs, labels, o, r.LRC)
	if err != nil {
		return err
	}
	r.write(bag, head, o, nb, lr)
	return nil
}

// write sets the bag path and the head from the blend's weights: the
// bag's value of word t and class c is NB·log P(t|c) + LR·W[t][c], times
// the sequence length since the path averages over all positions (the
// padding word 0 has the value 0, so that is a sum over the words); the
// head's kernel is the CNN's times its weight, its bias gathers the
// members' biases.
func (r *BlendResult) write(bag *layers.Embedding, head *layers.Dense, o Options, nb *baseline.NaiveBayes, lr *baseline.Logistic) {
	k := o.logits()
	w := bag.Embeddings().Value.Data
	v := make([]float64, o.Classes)
	for t := 0; t < o.Vocab; t++ {
		for c := range v {
			v[c] = 0
			if t > 0 {
				v[c] = float64(o.SeqLen) * (r.NB*nb.LogLik[c][t] + r.LR*lr.W[t*o.Classes+c])
			}
		}
		copy(w[t*k:(t+1)*k], toLogits(o, v))
	}
	kernel := head.Kernel().Value.Data
	for i, k := range r.cnnKernel {
		kernel[i] = float32(r.CNN) * k
	}
	for c := range v {
		v[c] = r.CNN*r.cnnBias[c] + r.NB*nb.LogPrior[c] + r.LR*lr.B[c] + r.Bias[c]
	}
	copy(head.Bias().Value.Data, toLogits(o, v))
	// Inference keeps packed copies of the weights until told they moved.
	bag.Embeddings().Changed()
	head.Kernel().Changed()
	head.Bias().Changed()
}

// toLogits turns class scores into the model's logits: their differences
// from the mean (softmax does not see a common shift), or class 1's minus
// class 0's for a sigmoid.
func toLogits(o Options, v []float64) []float32 {
	if o.Classes == 2 {
		return []float32{float32(v[1] - v[0])}
	}
	mean := 0.0
	for _, s := range v {
		mean += s
	}
	mean /= float64(len(v))
	out := make([]float32, len(v))
	for c, s := range v {
		out[c] = float32(s - mean)
	}
	return out
}

// classVector turns the model's logits into class scores (0 for class 0
// of a sigmoid).
func classVector(o Options, l []float32) []float64 {
	if o.Classes == 2 {
		return []float64{0, float64(l[0])}
	}
	v := make([]float64, len(l))
	for c, s := range l {
		v[c] = float64(s)
	}
	return v
}

func parts(m *model.Model) (*layers.Embedding, *layers.Dense, error) {
	e, ok := m.Layer(BagName).(*layers.Embedding)
	head, ok2 := m.Layer(HeadName).(*layers.Dense)
	if !ok || !ok2 {
		return nil, nil, fmt.Errorf("textmodel: the model has no Embedding %q and Dense %q (not made by textmodel.New)", BagName, HeadName)
	}
	return e, head, nil
}

// cnnScores are the model's class scores on x (its log probabilities;
// for a sigmoid 0 and the logit), with the bag path at zero: the CNN's.
func cnnScores(m *model.Model, o Options, x *tensor.Tensor) ([][]float64, error) {
	p, err := m.Predict(x, 256)
	if err != nil {
		return nil, fmt.Errorf("textmodel: %w", err)
	}
	n, k := x.Shape[0], o.logits()
	s := make([][]float64, n)
	for i := range s {
		row := p.Data[i*k : (i+1)*k]
		if o.Classes == 2 {
			q := math.Min(math.Max(float64(row[0]), 1e-7), 1-1e-7)
			s[i] = []float64{0, math.Log(q / (1 - q))}
			continue
		}
		s[i] = make([]float64, k)
		for c, q := range row {
			s[i][c] = math.Log(math.Max(float64(q), 1e-30))
		}
	}
	return s, nil
}

func fitNBs(docs [][]int, labels []int, o Options) ([]*baseline.NaiveBayes, error) {
	var nbs []*baseline.NaiveBayes
	for _, a := range nbAlphas {
		nb, err := baseline.FitNaiveBayes(docs, labels, o.Classes, o.Vocab, a)
		if err != nil {
			return nil, fmt.Errorf("textmodel: %w", err)
		}
		nbs = append(nbs, nb)
	}
	return nbs, nil
}

func fitLR(docs [][]int, labels []int, o Options, c float64) (*baseline.Logistic, error) {
	bags := make([]baseline.Sparse, len(docs))
	for i, d := range docs {
		bags[i] = baseline.BagOfWords(d)
	}
	lr, err := baseline.FitLogistic(bags, labels, o.Vocab, o.Classes, baseline.LogisticOptions{C: c})
	if err != nil {
		return nil, fmt.Errorf("textmodel: %w", err)
	}
	return lr, nil
}

// nbScores are Naive Bayes' log posteriors (up to a constant per text).
func nbScores(nb *baseline.NaiveBayes, docs [][]int) [][]float64 {
	s := make([][]float64, len(docs))
	for i, d := range docs {
		s[i] = append([]float64(nil), nb.LogPrior...)
		for c := range s[i] {
			for _, t := range d {
				if t > 0 && t < len(nb.LogLik[c]) {
					s[i][c] += nb.LogLik[c][t]
				}
			}
		}
	}
	return s
}

// lrScores are logistic regression's logits.
func lrScores(lr *baseline.Logistic, docs [][]int) [][]float64 {
	s := make([][]float64, len(docs))
	for i, d := range docs {
		s[i] = append([]float64(nil), lr.B...)
		for _, t := range d {
			if t > 0 && t < lr.Features {
				for c := range s[i] {
					s[i][c] += lr.W[t*lr.Classes+c]
				}
			}
		}
	}
	return s
}
