// Package textmodel builds seqnet's text classifier with a bag-of-words
// path: a text CNN (Embedding, Conv1D, GlobalMaxPooling1D, Dropout, Dense)
// whose logits are added to those of two linear bag-of-words paths (a
// one-value-per-class Embedding of each word, one summed over the text's
// words, one averaged over them), before the sigmoid or softmax.
//
// FitLinear fits multinomial Naive Bayes (its log posterior, and its mean
// log-likelihood per word; on the words, or on the words and their
// character n-grams as fastText's subword features, which still gives a
// value per word) and logistic regression on word counts, and chooses
// their settings and blend weights by cross-fitting; the CNN then
// trains in NewTrainer's model on top of the blend's out-of-fold logits
// (stacking: it learns what the bag of words leaves unexplained, on texts
// the bag was not fitted on). AddCNN makes New's single-input model the
// stacked ensemble of the bag and the trained CNN, the CNN's weight fitted
// on the validation texts, keeping the bag path alone when the CNN does
// not help there; Refit refits the linear part on all the texts. On a few
// thousand texts this matters, since a CNN alone tends to fall short of
// Naive Bayes there.
package textmodel

import (
	"fmt"

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
	// Words are the vocabulary's words in index order (padding, [UNK],
	// then the learned words; Vocab of them), optional: with them
	// FitLinear also offers Naive Bayes over each word's character
	// n-grams (fastText's subword features), which helps where words are
	// rare or spelt in many ways. New does not read them.
	Words []string
}

// subwords are the n-grams of o.Words (nil without them).
func (o Options) subwords() (*subwords, error) {
	if o.Words == nil {
		return nil, nil
	}
	if len(o.Words) != o.Vocab {
		return nil, fmt.Errorf("textmodel: %d words for a vocabulary of %d: Options.Words must be the vocabulary in index order", len(o.Words), o.Vocab)
	}
	return newSubwords(o.Words), nil
}

// Layer names AddCNN refers to.
const (
	BagName     = "bag_of_words"
	MeanBagName = "bag_of_words_mean"
	HeadName    = "cnn_head"
)

func (o Options) logits() int {
	if o.Classes == 2 {
		return 1
	}
	return o.Classes
}

// New builds the classifier (not compiled).
func New(o Options) (*model.Model, error) { return build(o, false) }

// build builds the classifier; with offset, a second input of one logit
// per output unit is added to the logits (NewTrainer).
func build(o Options, offset bool) (*model.Model, error) {
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
	// it holds do (AddCNN sets it).
	bagEmb := layers.NewEmbedding(o.Vocab, o.logits())
	bagEmb.Name = BagName
	bagEmb.EmbeddingsInitializer = layers.MustInitializer("zeros")
	bagEmb.Frozen = true
	bag := model.Call(layers.NewGlobalAveragePooling1D(), model.Call(bagEmb, x))
	// The length-normalised path averages over the text's words only
	// (padding masked): the mean of Naive Bayes' log-likelihoods.
	meanEmb := layers.NewEmbedding(o.Vocab, o.logits())
	meanEmb.Name = MeanBagName
	meanEmb.EmbeddingsInitializer = layers.MustInitializer("zeros")
	meanEmb.MaskZero = true
	meanEmb.Frozen = true
	mean := model.Call(layers.NewGlobalAveragePooling1D(), model.Call(meanEmb, x))
	act := "softmax"
	if o.Classes == 2 {
		act = "sigmoid"
	}
	ins, sum := []*model.Tensor{x}, []*model.Tensor{cnn, bag, mean}
	if offset {
		off := model.Input(o.logits())
		ins, sum = append(ins, off), append(sum, off)
	}
	out := model.Call(layers.NewActivation(act), model.Call(layers.NewAdd(), sum...))
	m, err := model.NewModel(ins, []*model.Tensor{out}, o.Seed)
	if err != nil {
		return nil, err
	}
	m.Seed = o.Seed
	return m, nil
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
