package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/pipeline"
)

// interruptArgs is a small classification run: 70 samples, 56 trained
// on in 7 batches of 8 per epoch.
func interruptArgs(t *testing.T, dir string, more ...string) []string {
	path := classCSV(t, dir, 70, 5)
	return append([]string{"train", "--data", path, "--batch-size", "8", "--dropout", "0.3", "--seed", "4", "--filters", "4", "--units", "8", "--no-curves"}, more...)
}

// interruptedRun trains with a stop asked after n batches (as Ctrl-C
// does) or, with n 0, just after the training loop has ended.
func interruptedRun(n int, args ...string) (stdout, stderr string, code int) {
	testInterruptAfter, testInterruptAfterLoop = n, n == 0
	defer func() { testInterruptAfter, testInterruptAfterLoop = 0, false }()
	return cli(args...)
}

// sameWeights fails t unless the model files at a and b hold the same
// weights, bit for bit.
func sameWeights(t *testing.T, a, b string) {
	t.Helper()
	ma, _, err := checkpoint.Load(a)
	if err != nil {
		t.Fatal(err)
	}
	mb, _, err := checkpoint.Load(b)
	if err != nil {
		t.Fatal(err)
	}
	wa, wb := ma.Weights(), mb.Weights()
	for i := range wa {
		if !slices.Equal(wa[i].Data, wb[i].Data) {
			t.Fatalf("weight %d of %s differs from %s's", i, b, a)
		}
	}
}

// storedInterrupted reads the interrupted mark of a model file's training
// settings.
func storedInterrupted(t *testing.T, path string) bool {
	t.Helper()
	_, extra, err := checkpoint.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var p pipeline.Pipeline
	if err := json.Unmarshal(extra.Preprocessing, &p); err != nil {
		t.Fatal(err)
	}
	c, err := storedTrainConfig(&p)
	if err != nil || c == nil {
		t.Fatalf("training settings: %v %v", c, err)
	}
	return c.Interrupted
}

// TestInterruptAtTheEnd: a Ctrl-C that lands in the last batch of the last
// epoch, or after the training loop has ended, does not cut training
// short: the run finishes as an uninterrupted one (same weights, the
// steps after training done, exit 0), and the file is no checkpoint.
// (Such a run once saved an "interrupted" checkpoint of 30 of 30 epochs
// that --resume refused, leaving the model unfinished.)
func TestInterruptAtTheEnd(t *testing.T) {
	dir := t.TempDir()
	args := interruptArgs(t, dir, "--epochs", "3")
	whole := filepath.Join(dir, "whole.seqnet")
	mustCLI(t, append(args, "--out", whole)...)
	for _, c := range []struct {
		name  string
		after int
		says  string
	}{
		{"last batch", 21, "the interruption came as training ended: finishing the model as usual"},
		{"after the loop", 0, "interrupted after training had ended: finishing the model and saving it"},
	} {
		part := filepath.Join(dir, "part.seqnet")
		out, errOut, code := interruptedRun(c.after, append(args, "--out", part)...)
		if code != 0 || !strings.Contains(out, c.says) || strings.Contains(out, "checkpoint saved") ||
			!strings.Contains(out, "saved "+part+" (3 epochs trained; kept epoch ") || !strings.Contains(out, "majority class") {
			t.Fatalf("%s: exit %d, stderr %q, stdout:\n%s", c.name, code, errOut, out)
		}
		sameWeights(t, whole, part)
		if storedInterrupted(t, part) {
			t.Errorf("%s: the file is marked interrupted", c.name)
		}
		if _, errOut, code := cli("train", "--resume", part); code != 2 || !strings.Contains(errOut, "already trained 3 of 3 epochs") {
			t.Errorf("%s: resume of the finished model: exit %d, %q", c.name, code, errOut)
		}
	}
}

// TestInterruptAsEarlyStoppingStops: a Ctrl-C in the last batch of the
// epoch where early stopping ends training does not cut it short: the
// best epoch's weights come back, as without the Ctrl-C.
func TestInterruptAsEarlyStoppingStops(t *testing.T) {
	dir := t.TempDir()
	path := classCSV(t, dir, 60, 8) // 48 trained on: 2 batches of 32
	args := append([]string{"train", "--data", path, "--epochs", "40", "--early-stopping", "1", "--learning-rate", "0.05"}, small...)
	whole := filepath.Join(dir, "whole.seqnet")
	out := mustCLI(t, append(args, "--out", whole)...)
	_, extra, err := checkpoint.Load(whole)
	if err != nil {
		t.Fatal(err)
	}
	epochs := len(extra.History.Epochs)
	if !strings.Contains(out, fmt.Sprintf("Early stopping at epoch %d", epochs)) || strings.Contains(out, fmt.Sprintf("kept epoch %d's", epochs)) {
		t.Fatalf("the uninterrupted run does not stop early or keeps its last epoch:\n%s", out)
	}
	part := filepath.Join(dir, "part.seqnet")
	out, errOut, code := interruptedRun(2*epochs, append(args, "--out", part)...)
	if code != 0 || !strings.Contains(out, "the interruption came as training ended") || !strings.Contains(out, fmt.Sprintf("Early stopping at epoch %d", epochs)) {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	sameWeights(t, whole, part)
	// One batch earlier, the Ctrl-C cuts the epoch short: a checkpoint.
	out, errOut, code = interruptedRun(2*epochs-1, append(args, "--out", part)...)
	if code != exitInterrupted || !strings.Contains(out, fmt.Sprintf("interrupted in epoch %d after batch 1", epochs)) {
		t.Fatalf("a batch earlier: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
}

// TestResumeToFinish: a run interrupted between epochs is marked so in its
// checkpoint, and --resume with --epochs at the epochs trained finishes it
// without training more (the steps after training run), giving the model
// of a run of that many epochs; --epochs below them, or inside an
// interrupted epoch, is refused with the values to give. Early stopping is
// off, so the finishing run keeps the last epoch's weights (with it on, see
// TestEarlyStoppingResume).
func TestResumeToFinish(t *testing.T) {
	dir := t.TempDir()
	args := interruptArgs(t, dir, "--early-stopping", "0") // see below
	whole := filepath.Join(dir, "whole.seqnet")
	mustCLI(t, append(args, "--epochs", "2", "--out", whole)...)
	part := filepath.Join(dir, "part.seqnet")
	out, errOut, code := interruptedRun(14, append(args, "--epochs", "5", "--out", part)...)
	if code != exitInterrupted || !strings.Contains(out, "interrupted after epoch 2; checkpoint saved to "+part) ||
		!strings.Contains(out, "or finish it now at epoch 2: seqnet train --resume "+part+" --epochs 2") || strings.Contains(out, "majority class") {
		t.Fatalf("interrupted run: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	if !storedInterrupted(t, part) {
		t.Error("the checkpoint is not marked interrupted")
	}
	if _, errOut, code := cli("train", "--resume", part, "--epochs", "1"); code != 2 || !strings.Contains(errOut, "--epochs 1 is fewer than the 2 epochs already trained; give --epochs 2 to finish") {
		t.Errorf("--epochs below the epochs trained: exit %d, %q", code, errOut)
	}
	out = mustCLI(t, "train", "--resume", part, "--epochs", "2")
	for _, want := range []string{"finishing " + part + " at epoch 2: no epoch left to train", "majority class", "saved " + part + " (2 epochs trained; kept epoch 2's weights, the last"} {
		if !strings.Contains(out, want) {
			t.Errorf("finishing run lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Epoch ") {
		t.Errorf("the finishing run trained:\n%s", out)
	}
	sameWeights(t, whole, part)
	if storedInterrupted(t, part) {
		t.Error("the finished model is still marked interrupted")
	}
	if _, errOut, code := cli("train", "--resume", part); code != 2 || !strings.Contains(errOut, "already trained 2 of 2 epochs") {
		t.Errorf("resume of the finished model: exit %d, %q", code, errOut)
	}
	// Interrupted inside epoch 2: finishing needs that epoch done.
	_, _, code = interruptedRun(10, append(args, "--epochs", "5", "--out", part)...)
	if _, errOut, code2 := cli("train", "--resume", part, "--epochs", "1"); code != exitInterrupted || code2 != 2 ||
		!strings.Contains(errOut, "interrupted inside epoch 2; give --epochs 2 or more") {
		t.Errorf("inside an epoch: exit %d then %d, %q", code, code2, errOut)
	}
}
