package main

import (
	"fmt"

	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/pipeline"
	"github.com/seqnet/seqnet/tensor"
	"github.com/seqnet/seqnet/textmodel"
)

// textOpts are the nbcnn model's options, read back from the model and
// the pipeline.
func (t *trainer) textOpts() textmodel.Options {
	return textOptions(t.c.Arch, t.p, t.m.InputShapes()[0], t.c.Seed)
}

// textSplit returns the training and validation texts as Fit will split
// them (the last validationSplit of ds.X unless separate validation data
// is given; the training texts themselves when there is no validation).
func textSplit(ds *pipeline.Batch, validationSplit float64) (x, y, vx, vy *tensor.Tensor, where string) {
	n := ds.X.Shape[0]
	nTrain := n
	if ds.ValX == nil && validationSplit > 0 {
		nTrain = splitAt(n, validationSplit)
	}
	x, y = ds.X.Rows(0, nTrain), ds.Y.Rows(0, nTrain)
	vx, vy, where = ds.ValX, ds.ValY, "validation"
	if vx == nil {
		vx, vy = ds.X.Rows(nTrain, n), ds.Y.Rows(nTrain, n)
	}
	if vx.Shape[0] == 0 {
		vx, vy, where = x, y, "training (no validation texts: chosen in-sample)"
	}
	return x, y, vx, vy, where
}

// startText fits the linear part of nbcnn's blend (the bag path stays at
// zero while the CNN trains).
func (t *trainer) startText(ds *pipeline.Batch, validationSplit float64) error {
	x, y, vx, vy, where := textSplit(ds, validationSplit)
	r, err := textmodel.FitLinear(t.textOpts(), x, y, vx, vy)
	if err != nil {
		return asUser(err)
	}
	t.textBlend = r
	fmt.Fprintf(t.w, "bag of words: Naive Bayes (%s, alpha %g) ×%.3g + logistic regression (C %g) ×%.3g + Naive Bayes per word (length-normalised) ×%.3g, settings (Naive Bayes on words, or on words and their character n-grams) and weights chosen by %d-fold cross-fitting on the %d texts, then fitted on the %d training texts (out-of-fold accuracy %.4f, loss %.4f on the %d %s texts); the CNN trains on top of the bag's out-of-fold logits, then joins the blend\n",
		nbFeatures(r), r.NBAlpha, r.NB, r.LRC, r.LR, r.NBMean, textmodel.CrossFolds, x.Shape[0]+vx.Shape[0], x.Shape[0], r.BagAccuracy, r.BagLoss, vx.Shape[0], where)
	return nil
}

// nbFeatures says what the blend's Naive Bayes reads.
func nbFeatures(r *textmodel.BlendResult) string {
	if r.NBSubwords {
		return fmt.Sprintf("words and their character %d–%d-grams", textmodel.MinGram, textmodel.MaxGram)
	}
	return "words"
}

// addCNN weighs the trained CNN against the bag path's two classifiers on
// the validation texts, and says what it chose.
func (t *trainer) addCNN(ds *pipeline.Batch) error {
	_, _, vx, vy, where := textSplit(ds, t.c.ValidationSplit)
	r := t.textBlend
	if err := r.AddCNN(t.m, t.textOpts(), vx, vy); err != nil {
		return asUser(err)
	}
	if r.CNN > 0 {
		fmt.Fprintf(t.w, "blend on the %d %s texts: Naive Bayes ×%.3g + logistic regression ×%.3g + Naive Bayes per word ×%.3g + CNN ×%.3g: accuracy %.4f, loss %.4f (bag of words alone %.4f, %.4f; out of fold)\n",
			vx.Shape[0], where, r.NB, r.LR, r.NBMean, r.CNN, r.Accuracy, r.Loss, r.BagAccuracy, r.BagLoss)
	} else {
		fmt.Fprintf(t.w, "blend on the %d %s texts: the CNN left out (it did not raise the bag of words' accuracy %.4f): the model is the bag of words\n", vx.Shape[0], where, r.BagAccuracy)
	}
	return nil
}

// refitText refits the blend's linear classifiers on all the texts the
// model was given (training and validation).
func (t *trainer) refitText(ds *pipeline.Batch) error {
	x, y := ds.X, ds.Y
	if ds.ValX != nil {
		x, y = concatRows(ds.X, ds.ValX), concatRows(ds.Y, ds.ValY)
	}
	if err := t.textBlend.Refit(t.m, t.textOpts(), x, y); err != nil {
		return asUser(err)
	}
	fmt.Fprintf(t.w, "bag of words refitted on all %d texts with the settings and weights chosen above (the validation figures above are from before)\n", x.Shape[0])
	return nil
}

// concatRows stacks b's rows under a's (same inner shape).
func concatRows(a, b *tensor.Tensor) *tensor.Tensor {
	s := append([]int{a.Shape[0] + b.Shape[0]}, a.Shape[1:]...)
	return tensor.FromSlice(append(append(make([]float32, 0, len(a.Data)+len(b.Data)), a.Data...), b.Data...), s...)
}

// fitText trains nbcnn's CNN by stacking: in textmodel.NewTrainer's model,
// its logits added to the bag of words' out-of-fold logits of each text,
// so that it learns what the bag leaves unexplained. That model shares
// t.m's weight layout and optimizer: the weights, the optimizer's slots
// and the training state move from t.m before and back after, so that an
// interrupted run saves t.m as a checkpoint that --resume continues
// exactly.
func (t *trainer) fitText(ds *pipeline.Batch, o model.FitOptions) (*model.History, error) {
	opts := t.textOpts()
	off, voff, err := t.textBlend.Offsets(opts)
	if err != nil {
		return nil, err
	}
	if ds.ValX == nil && o.ValidationSplit > 0 {
		off = concatRows(off, voff) // the validation texts are ds.X's last rows
	}
	if off.Shape[0] != ds.X.Shape[0] {
		return nil, fmt.Errorf("nbcnn: %d out-of-fold scores for %d training texts", off.Shape[0], ds.X.Shape[0])
	}
	if o.ValidationData != nil {
		o.ValidationData = &model.Dataset{X: []*tensor.Tensor{ds.ValX, voff}, Y: []*tensor.Tensor{ds.ValY}}
	}
	if t.stackM, err = textmodel.NewTrainer(opts); err != nil {
		return nil, err
	}
	if err := t.stackM.SetWeights(t.m.Weights()); err != nil {
		return nil, err
	}
	if err := compileWith(t.stackM, t.p, t.c.Loss, t.m.Optimizer()); err != nil {
		return nil, err
	}
	if o.Resume {
		if err := t.stackM.SetTrainingState(t.m.TrainingState()); err != nil {
			return nil, err
		}
	}
	hist, err := t.stackM.FitData(model.Dataset{X: []*tensor.Tensor{ds.X, off}, Y: []*tensor.Tensor{ds.Y}}, o)
	if err != nil {
		return nil, err
	}
	if err := t.m.SetWeights(t.stackM.Weights()); err != nil {
		return nil, err
	}
	return hist, t.m.SetTrainingState(t.stackM.TrainingState())
}
