package textmodel

import (
	"fmt"
	"math"

	"github.com/seqnet/seqnet/baseline"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// The members' settings FitLinear chooses from by cross-fitting:
// Naive Bayes' additive smoothing and logistic regression's inverse
// penalty C (scikit-learn's meaning).
var (
	nbAlphas = []float64{0.1, 0.3, 1}
	lrCs     = []float64{0.3, 1, 3}
)

// BlendResult is what FitLinear and AddCNN chose on the validation texts.
// The model's class scores are NB·(Naive Bayes' log posterior) +
// LR·(logistic regression's logits) + NBMean·(Naive Bayes' mean
// log-likelihood per word) + CNN·(the CNN's logits) + Bias.
type BlendResult struct {
	NBAlpha, LRC float64 // the members' settings
	// NBSubwords says that Naive Bayes reads each word's character
	// n-grams (MinGram to MaxGram characters) as well as the word: chosen
	// by cross-fitting like the other settings, when Options.Words is
	// given.
	NBSubwords  bool
	NB, LR, CNN float64 // the members' weights; CNN is 0 when the bag alone is kept
	// NBMean weighs the length-normalised Naive Bayes: the mean of its
	// log-likelihoods over the text's words (Rennie et al. 2003 normalise
	// for length so that long texts do not get overconfident scores).
	NBMean float64
	Bias   []float64
	// Validation accuracy and cross-entropy of the bag alone (the best
	// blend of Naive Bayes and logistic regression) and of the model
	// (the same as the bag's when the CNN is not used).
	BagAccuracy, BagLoss, Accuracy, Loss float64

	nb  *baseline.NaiveBayes
	lr  *baseline.Logistic
	sub *subwords // the vocabulary's n-grams (nil without Options.Words)
	// oof are the blend's out-of-fold class scores of every text FitLinear
	// was given (the training texts, then the validation texts, when
	// there are any); the first nTrain are the training texts'.
	oof    [][]float64
	nTrain int
	// The CNN head's kernel and bias (per class) as trained, which write
	// scales by the CNN's weight.
	cnnKernel []float32
	cnnBias   []float64
}

// FitLinear fits the linear part of the blend: multinomial Naive Bayes
// (summed and length-normalised) and logistic regression on word counts.
// Their settings (smoothing, and with o.Words whether Naive Bayes also
// reads the words' character n-grams; inverse penalty C) and the weights
// and class biases of their blend are chosen by cross-fitting on all the
// texts, training x, y and validation vx, vy
// (token sequences (n, SeqLen), 0 padding; class labels): fitted on
// CrossFolds folds, scored on the fold left out, the blend that gives the
// out-of-fold scores the lowest cross-entropy wins. The two classifiers are
// then fitted on the training texts (Refit refits them on all the texts
// at the end); the blend's out-of-fold scores are kept (Offsets), and its
// out-of-fold accuracy and cross-entropy on the validation texts are the
// bag path's. The model is not touched: its CNN trains in NewTrainer's
// model on the out-of-fold logits (the bag paths stay at New's zero), then
// AddCNN blends it in.
func FitLinear(o Options, x, y, vx, vy *tensor.Tensor) (*BlendResult, error) {
	docs, labels, err := sequences(o, x, y)
	if err != nil {
		return nil, err
	}
	vdocs, vlabels, err := sequences(o, vx, vy)
	if err != nil {
		return nil, err
	}
	allDocs, allLabels := append(append([][]int(nil), docs...), vdocs...), append(append([]int(nil), labels...), vlabels...)
	if vx == x { // no validation texts: the training texts validate
		allDocs, allLabels = docs, labels
	}
	sub, err := o.subwords()
	if err != nil {
		return nil, err
	}
	oof, err := crossFit(allDocs, allLabels, o, sub)
	if err != nil {
		return nil, fmt.Errorf("textmodel: %w", err)
	}
	a, c, best := oof.chooseLinear(allLabels)
	nbs := oof.nbs[a]
	r := &BlendResult{NBAlpha: nbs.alpha, NBSubwords: nbs.subwords, LRC: lrCs[c], NB: best.w[0], LR: best.w[1], NBMean: best.w[2], Bias: best.b, sub: sub}
	r.oof, r.nTrain = best.scores(oof.members(a, c)), len(docs)
	if r.nb, err = r.fitNB(docs, labels, o); err != nil {
		return nil, err
	}
	if r.lr, err = fitLR(docs, labels, o, r.LRC); err != nil {
		return nil, err
	}
	// The bag's validation figures are from its out-of-fold scores, as
	// the CNN sees them in training (NewTrainer) and AddCNN weighs them.
	val := &stack{w: []float64{1}, b: make([]float64, o.Classes)}
	val.evaluate([][][]float64{r.valScores()}, vlabels)
	r.BagAccuracy, r.BagLoss, r.Accuracy, r.Loss = val.acc, val.loss, val.acc, val.loss
	return r, nil
}

// valScores are the bag's out-of-fold class scores of the validation
// texts (of the training texts when there were none).
func (r *BlendResult) valScores() [][]float64 {
	if len(r.oof) == r.nTrain {
		return r.oof
	}
	return r.oof[r.nTrain:]
}

// AddCNN makes a model from New whose CNN has trained (alone, or in
// NewTrainer on the bag's out-of-fold logits; its bag path at zero) the
// blend: the weights of the bag of words (FitLinear's blend of Naive Bayes
// and logistic regression, by its out-of-fold scores) and of the CNN's
// logits are fitted on the validation texts vx, vy (FitLinear's), which
// the CNN's weights were not fitted on (stacking by hold-out, Wolpert
// 1992). The bag path is a validated floor: when that blend is less
// accurate on the validation texts than the bag alone, the CNN's weight
// is set to zero and the model is the bag path (a value per word and
// class, summed over a text's words).
func (r *BlendResult) AddCNN(m *model.Model, o Options, vx, vy *tensor.Tensor) error {
	bag, head, err := parts(m)
	if err != nil {
		return err
	}
	_, vlabels, err := sequences(o, vx, vy)
	if err != nil {
		return err
	}
	if len(r.valScores()) != len(vlabels) {
		return fmt.Errorf("textmodel: AddCNN needs FitLinear's %d validation texts, received %d", len(r.valScores()), len(vlabels))
	}
	for _, e := range []*layers.Embedding{bag.sum, bag.mean} {
		clear(e.Embeddings().Value.Data)
		e.Embeddings().Changed()
	}
	cnn, err := cnnScores(m, o, vx)
	if err != nil {
		return err
	}
	r.cnnKernel = append([]float32(nil), head.Kernel().Value.Data...)
	r.cnnBias = classVector(o, head.Bias().Value.Data)
	// The linear part enters as one member, its cross-fitted blend, so
	// that the validation texts fit two weights: the bag's and the CNN's.
	// No class biases are fitted here: the members bring theirs, fitted
	// on more texts, and the validation texts (the last ones of the
	// training file) can hold the classes in other proportions than the
	// texts to predict.
	full := fitStack([][][]float64{r.valScores(), cnn}, vlabels, false)
	if full.acc >= r.BagAccuracy && full.w[1] > 0 {
		r.NB, r.LR, r.NBMean, r.CNN, r.Accuracy, r.Loss = full.w[0]*r.NB, full.w[0]*r.LR, full.w[0]*r.NBMean, full.w[1], full.acc, full.loss
		for c := range r.Bias {
			r.Bias[c] = full.w[0]*r.Bias[c] + full.b[c]
		}
	}
	r.write(bag, head, o, r.nb, r.lr)
	return nil
}

// Refit refits Naive Bayes and logistic regression with the settings
// FitLinear chose on all the texts x, y (training and validation), and sets the bag
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
	nb, err := r.fitNB(docs, labels, o)
	if err != nil {
		return err
	}
	lr, err := fitLR(docs, labels, o, r.LRC)
	if err != nil {
		return err
	}
	r.nb, r.lr = nb, lr
	r.write(bag, head, o, nb, lr)
	return nil
}

// write sets the bag path and the head from the blend's weights: the
// bag's value of word t and class c is NB·log P(t|c) + LR·W[t][c], times
// the sequence length since the path averages over all positions (the
// padding word 0 has the value 0, so that is a sum over the words); the
// head's kernel is the CNN's times its weight, its bias gathers the
// members' biases.
func (r *BlendResult) write(bag bagPaths, head *layers.Dense, o Options, nb *baseline.NaiveBayes, lr *baseline.Logistic) {
	k := o.logits()
	w, wm := bag.sum.Embeddings().Value.Data, bag.mean.Embeddings().Value.Data
	v, vm := make([]float64, o.Classes), make([]float64, o.Classes)
	for t := 0; t < o.Vocab; t++ {
		for c := range v {
			v[c], vm[c] = 0, 0
			if t > 0 {
				v[c] = float64(o.SeqLen) * (r.NB*nb.LogLik[c][t] + r.LR*lr.W[t*o.Classes+c])
				vm[c] = r.NBMean * nb.LogLik[c][t]
			}
		}
		copy(w[t*k:(t+1)*k], toLogits(o, v))
		copy(wm[t*k:(t+1)*k], toLogits(o, vm))
	}
	kernel := head.Kernel().Value.Data
	for i, k := range r.cnnKernel {
		kernel[i] = float32(r.CNN) * k
	}
	for c := range v {
		v[c] = r.NB*nb.LogPrior[c] + r.LR*lr.B[c] + r.Bias[c]
		if r.cnnBias != nil {
			v[c] += r.CNN * r.cnnBias[c]
		}
	}
	copy(head.Bias().Value.Data, toLogits(o, v))
	// Inference keeps packed copies of the weights until told they moved.
	bag.sum.Embeddings().Changed()
	bag.mean.Embeddings().Changed()
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

// bagPaths are the model's two bag-of-words Embeddings: summed and
// averaged over a text's words.
type bagPaths struct{ sum, mean *layers.Embedding }

func parts(m *model.Model) (bagPaths, *layers.Dense, error) {
	e, ok := m.Layer(BagName).(*layers.Embedding)
	me, ok3 := m.Layer(MeanBagName).(*layers.Embedding)
	head, ok2 := m.Layer(HeadName).(*layers.Dense)
	if !ok || !ok2 || !ok3 {
		return bagPaths{}, nil, fmt.Errorf("textmodel: the model has no Embeddings %q, %q and Dense %q (not made by textmodel.New)", BagName, MeanBagName, HeadName)
	}
	return bagPaths{e, me}, head, nil
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

// fitNB fits Naive Bayes with the chosen setting on docs.
func (r *BlendResult) fitNB(docs [][]int, labels []int, o Options) (*baseline.NaiveBayes, error) {
	return nbSetting{r.NBAlpha, r.NBSubwords}.fit(docs, labels, o, r.sub)
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
		addLogLik(nb, d, s[i])
	}
	return s
}

// nbMeanScores are the means of Naive Bayes' log-likelihoods over each
// text's words (no prior; 0 for a text without words): the
// length-normalised member.
func nbMeanScores(nb *baseline.NaiveBayes, docs [][]int) [][]float64 {
	s := make([][]float64, len(docs))
	for i, d := range docs {
		s[i] = make([]float64, len(nb.LogPrior))
		if len(d) == 0 {
			continue
		}
		addLogLik(nb, d, s[i])
		for c := range s[i] {
			s[i][c] /= float64(len(d))
		}
	}
	return s
}

// addLogLik adds to each class's s[c] the log-likelihoods under class c of
// doc's words, one at a time (padding and ids outside the vocabulary add
// nothing).
func addLogLik(nb *baseline.NaiveBayes, doc []int, s []float64) {
	for c := range s {
		for _, t := range doc {
			if t > 0 && t < len(nb.LogLik[c]) {
				s[c] += nb.LogLik[c][t]
			}
		}
	}
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
