package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/textmodel"
)

// TestTextInterruptResume: an nbcnn text run interrupted inside an epoch
// and resumed gives the model of an uninterrupted run, bit for bit: the
// CNN trained on the bag of words' out-of-fold logits, then the blend and
// the bag refitted on all the texts (a resumed run once saved the CNN
// alone with a zero bag path).
func TestTextInterruptResume(t *testing.T) {
	dir := t.TempDir()
	path := textTSV(t, dir, 80)
	args := []string{"train", "--data", path, "--text", "--text-column", "subject", "--target", "label", "--epochs", "3",
		"--batch-size", "8", "--filters", "4", "--seed", "3", "--no-curves"}
	whole := filepath.Join(dir, "whole.seqnet")
	if out := mustCLI(t, append(args, "--out", whole)...); !strings.Contains(out, "model: nbcnn") {
		t.Fatalf("not the nbcnn model:\n%s", out)
	}
	part := filepath.Join(dir, "part.seqnet")
	testInterruptAfter = 10 // 8 batches per epoch: epoch 2, after batch 2
	_, errOut, code := cli(append(args, "--out", part)...)
	testInterruptAfter = 0
	if code != exitInterrupted {
		t.Fatalf("interrupted run: exit %d, stderr %q", code, errOut)
	}
	out := mustCLI(t, "train", "--resume", part)
	for _, want := range []string{"resuming " + part + " in epoch 2 after batch 2", "bag of words: Naive Bayes", "bag of words refitted on all 80 texts"} {
		if !strings.Contains(out, want) {
			t.Errorf("resumed run output lacks %q:\n%s", want, out)
		}
	}
	mw, _, err := checkpoint.Load(whole)
	if err != nil {
		t.Fatal(err)
	}
	mp, _, err := checkpoint.Load(part)
	if err != nil {
		t.Fatal(err)
	}
	bag := mw.Layer(textmodel.BagName).Common().Params()[0].Value.Data
	if !slices.ContainsFunc(bag, func(v float32) bool { return v != 0 }) {
		t.Fatal("the uninterrupted run's bag path is zero")
	}
	ww, wp := mw.Weights(), mp.Weights()
	for i := range ww {
		if !slices.Equal(ww[i].Data, wp[i].Data) {
			t.Fatalf("weight %d (%v) differs after resuming", i, ww[i].Shape)
		}
	}
}

// TestTextResumeToFinish: an nbcnn run interrupted between epochs and
// finished with --resume --epochs at the epochs trained (no training)
// gives the model of a run of that many epochs: the bag of words fitted
// again, the blend and the refit done.
func TestTextResumeToFinish(t *testing.T) {
	dir := t.TempDir()
	path := textTSV(t, dir, 80)
	args := []string{"train", "--data", path, "--text", "--text-column", "subject", "--target", "label",
		"--batch-size", "8", "--filters", "4", "--seed", "3", "--no-curves", "--early-stopping", "0"}
	whole := filepath.Join(dir, "whole.seqnet")
	mustCLI(t, append(args, "--epochs", "1", "--out", whole)...)
	part := filepath.Join(dir, "part.seqnet")
	if _, errOut, code := interruptedRun(8, append(args, "--epochs", "3", "--out", part)...); code != exitInterrupted { // 8 batches: epoch 1's last
		t.Fatalf("interrupted run: exit %d, stderr %q", code, errOut)
	}
	out := mustCLI(t, "train", "--resume", part, "--epochs", "1")
	for _, want := range []string{"finishing " + part + " at epoch 1:", "blend on the", "bag of words refitted on all 80 texts"} {
		if !strings.Contains(out, want) {
			t.Errorf("finishing run lacks %q:\n%s", want, out)
		}
	}
	sameWeights(t, whole, part)
}
