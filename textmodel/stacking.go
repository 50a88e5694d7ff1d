package textmodel

import (
	"fmt"

	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// NewTrainer builds the model nbcnn's CNN trains in: New's classifier
// with a second input, the bag of words' out-of-fold logits (Offsets),
// added to the CNN's logits before the sigmoid or softmax (its bag path
// stays at zero). The CNN so learns what the bag of words leaves
// unexplained on texts the bag was not fitted on (stacking, Wolpert
// 1992); trained on in-sample bag logits it would learn nothing, since
// the bag already fits its training texts almost perfectly.
//
// Its weights are New's, in the same order (SetWeights copies them either
// way), and so are an optimizer's slots: the trained weights move into
// New's single-input model, which adds the bag path refitted on all the
// texts in their place (AddCNN, Refit).
func NewTrainer(o Options) (*model.Model, error) { return build(o, true) }

// Offsets are the bag of words' out-of-fold logits of FitLinear's
// training and validation texts, (n, 1) for two classes, (n, classes)
// else: NewTrainer's second input. Without validation texts both are the
// training texts'.
func (r *BlendResult) Offsets(o Options) (train, val *tensor.Tensor, err error) {
	if len(r.oof) < r.nTrain || r.nTrain == 0 {
		return nil, nil, fmt.Errorf("textmodel: no out-of-fold scores (the BlendResult was not made by FitLinear)")
	}
	rows := func(s [][]float64) *tensor.Tensor {
		k := o.logits()
		t := tensor.New(len(s), k)
		for i, v := range s {
			copy(t.Data[i*k:(i+1)*k], toLogits(o, v))
		}
		return t
	}
	train = rows(r.oof[:r.nTrain])
	if len(r.oof) == r.nTrain {
		return train, train, nil
	}
	return train, rows(r.oof[r.nTrain:]), nil
}
