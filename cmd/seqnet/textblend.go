package main

import (
	"fmt"

	"github.com/seqnet/seqnet/pipeline"
	"github.com/seqnet/seqnet/tensor"
	"github.com/seqnet/seqnet/textmodel"
)

// isBlendedText reports whether the model is nbcnn's text classifier, which
// training ends by blending (textmodel.Blend).
func (t *trainer) isBlendedText() bool {
	if t.p == nil || t.p.Kind != pipeline.KindText || t.m == nil {
		return false
	}
	_, _, ok := t.textParts()
	return ok
}

// textParts are the nbcnn model's options, read back from the model and
// the pipeline.
func (t *trainer) textParts() (textmodel.Options, int, bool) {
	if t.m.Layer(textmodel.BagName) == nil || t.m.Layer(textmodel.HeadName) == nil {
		return textmodel.Options{}, 0, false
	}
	in := t.m.InputShapes()
	if len(in) != 1 || len(in[0]) != 1 {
		return textmodel.Options{}, 0, false
	}
	return textOptions(t.c.Arch, t.p, in[0], t.c.Seed), in[0][0], true
}

// blendText stacks the trained CNN with Naive Bayes and logistic
// regression, weights fitted on the validation rows (nTrain… of n, or
// the separate validation data), and says what it chose.
func (t *trainer) blendText(ds *pipeline.Batch, nTrain, n int) (*textmodel.BlendResult, error) {
	o, _, _ := t.textParts()
	x, y := ds.X.Rows(0, nTrain), ds.Y.Rows(0, nTrain)
	vx, vy := ds.ValX, ds.ValY
	where := "validation"
	if vx == nil {
		vx, vy = ds.X.Rows(nTrain, n), ds.Y.Rows(nTrain, n)
		if nTrain == n {
			vx, vy, where = x, y, "training (no validation part: the weights are fitted in-sample)"
		}
	}
	r, err := textmodel.Blend(t.m, o, x, y, vx, vy)
	if err != nil {
		return nil, asUser(err)
	}
	fmt.Fprintf(t.w, "blend on the %d %s texts: Naive Bayes (alpha %g) ×%.3g + logistic regression (C %g) ×%.3g", vx.Shape[0], where, r.NBAlpha, r.NB, r.LRC, r.LR)
	if r.CNN > 0 {
		fmt.Fprintf(t.w, " + CNN ×%.3g: accuracy %.4f, loss %.4f (bag of words alone %.4f, %.4f)\n", r.CNN, r.Accuracy, r.Loss, r.BagAccuracy, r.BagLoss)
	} else {
		fmt.Fprintf(t.w, "; the CNN left out (it did not raise the bag of words' accuracy %.4f): the model is the bag of words\n", r.BagAccuracy)
	}
	return r, nil
}

// refitText refits the blend's linear classifiers on all the texts the
// model was given (training and validation).
func (t *trainer) refitText(r *textmodel.BlendResult, ds *pipeline.Batch) error {
	o, _, _ := t.textParts()
	x, y := ds.X, ds.Y
	if ds.ValX != nil {
		x, y = concatRows(ds.X, ds.ValX), concatRows(ds.Y, ds.ValY)
	}
	if err := r.Refit(t.m, o, x, y); err != nil {
		return asUser(err)
	}
	fmt.Fprintf(t.w, "bag of words refitted on all %d texts with the settings and weights chosen above (the figures above are before this)\n", x.Shape[0])
	return nil
}

// concatRows stacks b's rows under a's (same inner shape).
func concatRows(a, b *tensor.Tensor) *tensor.Tensor {
	s := append([]int{a.Shape[0] + b.Shape[0]}, a.Shape[1:]...)
	return tensor.FromSlice(append(append(make([]float32, 0, len(a.Data)+len(b.Data)), a.Data...), b.Data...), s...)
}
