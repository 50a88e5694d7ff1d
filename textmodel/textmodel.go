// Package textmodel builds seqnet's text classifier with a bag-of-words
// path: a text CNN (Embedding, Conv1D, GlobalMaxPooling1D, Dropout, Dense)
// whose logits are added to those of a linear bag-of-words path (a
// one-value-per-class Embedding of each word, summed over the text's
// words), before the sigmoid or softmax.
//
// The bag path starts at zero and is frozen, so the CNN trains on its own;
// Blend then makes the model a stacked ensemble: multinomial Naive Bayes
// and logistic regression on word counts (in the bag path) and the CNN,
// their weights fitted on validation texts, the bag path alone kept when
// the CNN does not help there. On a few thousand texts this matters, since
// a CNN alone tends to fall short of Naive Bayes there. InitBag instead
// starts the bag path at the better of the two linear classifiers, for a
// CNN that learns what word counts miss.
package textmodel

import (
	"fmt"

	"github.com/seqnet/seqnet/baseline"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// Options describe the classifier.
type Options struct {
	SeqLen, Vocab int
	// Classes is 2 for a sigmoid output, more for softmax.
	Classes                           int
	EmbeddingDim, Filters, KernelSize int
	Dropout                           float64
	// FreezeEmbedding keeps the CNN's Embedding fixed (e.g. pretrained
	// word vectors).
	FreezeEmbedding bool
	Seed            uint64
}

// Layer names InitBag refers to.
const (
	BagName  = "bag_of_words"
	HeadName = "cnn_head"
)

func (o Options) logits() int {
	if o.Classes == 2 {
		return 1
	}
	return o.Classes
}

// New builds the classifier (not compiled).
func New(o Options) (*model.Model, error) {
	if o.SeqLen < 1 || o.Vocab < 2 || o.Classes < 2 || o.EmbeddingDim < 1 || o.Filters < 1 || o.KernelSize < 1 {
		return nil, fmt.Errorf("textmodel: need sequence length ≥ 1, vocabulary ≥ 2, classes ≥ 2 and positive sizes, received %d, %d, %d, %d, %d, %d",
			o.SeqLen, o.Vocab, o.Classes, o.EmbeddingDim, o.Filters, o.KernelSize)
	}
	if o.Dropout < 0 || o.Dropout >= 1 {
		return nil, fmt.Errorf("textmodel: dropout must be in [0, 1), received %g", o.Dropout)
	}
	x := model.Input(o.SeqLen)
	emb := layers.NewEmbedding(o.Vocab, o.EmbeddingDim)
	emb.Frozen = o.FreezeEmbedding
	h := model.Call(emb, x)
	h = model.Call(layers.NewConv1D(o.Filters, o.KernelSize, layers.ConvActivation("relu"), layers.Padding("same")), h)
	h = model.Call(layers.NewGlobalMaxPooling1D(), h)
	if o.Dropout > 0 {
		h = model.Call(layers.NewDropout(o.Dropout), h)
	}
	head := layers.NewDense(o.logits(), "")
	head.Name = HeadName
	head.KernelInitializer = layers.MustInitializer("zeros")
	cnn := model.Call(head, h)
	// The bag path averages over all positions without a mask: the
	// padding word 0 has the value 0, so with its values scaled by the
	// sequence length it sums over the words, as the linear classifiers
	// it holds do. It starts at zero (the CNN alone).
	bagEmb := layers.NewEmbedding(o.Vocab, o.logits())
	bagEmb.Name = BagName
	bagEmb.EmbeddingsInitializer = layers.MustInitializer("zeros")
	bagEmb.Frozen = true
	bag := model.Call(layers.NewGlobalAveragePooling1D(), model.Call(bagEmb, x))
	act := "softmax"
	if o.Classes == 2 {
		act = "sigmoid"
	}
	out := model.Call(layers.NewActivation(act), model.Call(layers.NewAdd(), cnn, bag))
	m, err := model.NewModel([]*model.Tensor{x}, []*model.Tensor{out}, o.Seed)
	if err != nil {
		return nil, err
	}
	m.Seed = o.Seed
	return m, nil
}

// InitBag starts the bag path at the better, on the validation texts vx,
// vy, of two classifiers fitted on the training texts x, y (token
// sequences (n, SeqLen) with 0 as padding; class labels): multinomial Naive
// Bayes (alpha 1; its log-likelihoods, centred over the classes) and
// logistic regression on word counts (baseline.FitLogistic, C 1; its
// weights, its bias in the CNN head's bias), and the CNN head's kernel at
// zero, so that the model starts as that classifier exactly. It returns
// the name of the classifier chosen and its validation accuracy.
func InitBag(m *model.Model, o Options, x, y, vx, vy *tensor.Tensor) (string, float64, error) {
	e, ok := m.Layer(BagName).(*layers.Embedding)
	head, ok2 := m.Layer(HeadName).(*layers.Dense)
	if !ok || !ok2 {
		return "", 0, fmt.Errorf("textmodel: the model has no Embedding %q and Dense %q (not made by textmodel.New)", BagName, HeadName)
	}
	docs, labels, err := sequences(o, x, y)
	if err != nil {
		return "", 0, err
	}
	vdocs, vlabels, err := sequences(o, vx, vy)
	if err != nil {
		return "", 0, err
	}
	// The path averages over all SeqLen positions; padding is 0.
	scale := float64(o.SeqLen)
	nb, err := baseline.FitNaiveBayes(docs, labels, o.Classes, o.Vocab, 1)
	if err != nil {
		return "", 0, fmt.Errorf("textmodel: %w", err)
	}
	bags := make([]baseline.Sparse, len(docs))
	for i, d := range docs {
		bags[i] = baseline.BagOfWords(d)
	}
	lr, err := baseline.FitLogistic(bags, labels, o.Vocab, o.Classes, baseline.LogisticOptions{})
	if err != nil {
		return "", 0, fmt.Errorf("textmodel: %w", err)
	}
	pn, pl := make([]int, len(vdocs)), make([]int, len(vdocs))
	for i, d := range vdocs {
		pn[i], pl[i] = nb.Predict(d), lr.Predict(baseline.BagOfWords(d))
	}
	an, al := baseline.Accuracy(pn, vlabels), baseline.Accuracy(pl, vlabels)
	// score(t, c): the chosen classifier's per-word score of class c.
	score := func(t, c int) float64 { return nb.LogLik[c][t] }
	bias := make([]float64, o.Classes)
	name, acc := "Naive Bayes", an
	if al > an {
		name, acc = "logistic regression", al
		score = func(t, c int) float64 { return lr.W[t*o.Classes+c] }
		copy(bias, lr.B)
	} else {
		copy(bias, nb.LogPrior)
	}
	k := o.logits()
	w := e.Embeddings().Value.Data // (vocab, k)
	centred := func(f func(c int) float64, c int) float64 {
		if o.Classes == 2 {
			return f(1) - f(0)
		}
		mean := 0.0
		for j := 0; j < o.Classes; j++ {
			mean += f(j)
		}
		return f(c) - mean/float64(o.Classes)
	}
	for t := 1; t < o.Vocab; t++ {
		for c := 0; c < k; c++ {
			w[t*k+c] = float32(scale * centred(func(j int) float64 { return score(t, j) }, c))
		}
	}
	clear(w[:k])
	clear(head.Kernel().Value.Data)
	b := head.Bias().Value.Data
	for c := 0; c < k; c++ {
		b[c] = float32(centred(func(j int) float64 { return bias[j] }, c))
	}
	e.Embeddings().Changed()
	head.Kernel().Changed()
	head.Bias().Changed()
	return name, acc, nil
}

// sequences turns (n, SeqLen) token indices and labels into documents
// without padding and class indices.
func sequences(o Options, x, y *tensor.Tensor) ([][]int, []int, error) {
	if x == nil || y == nil || x.Rank() != 2 || x.Shape[1] != o.SeqLen || y.Len() != x.Shape[0] || x.Shape[0] == 0 {
		var xs []int
		if x != nil {
			xs = x.Shape
		}
		return nil, nil, fmt.Errorf("textmodel: token sequences of shape %v do not match (n, %d) with n ≥ 1 and one label each", xs, o.SeqLen)
	}
	n := x.Shape[0]
	docs := make([][]int, n)
	labels := make([]int, n)
	for i := range docs {
		for j := 0; j < o.SeqLen; j++ {
			if t := int(x.Data[i*o.SeqLen+j]); t != 0 {
				docs[i] = append(docs[i], t)
			}
		}
		labels[i] = int(y.Data[i])
		if labels[i] < 0 || labels[i] >= o.Classes {
			return nil, nil, fmt.Errorf("textmodel: label %d of text %d is outside 0–%d", labels[i], i, o.Classes-1)
		}
	}
	return docs, labels, nil
}
