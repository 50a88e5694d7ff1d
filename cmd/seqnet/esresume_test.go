package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/checkpoint"
)

// esResumeArgs is a run whose validation loss falls to its best at epoch
// 7, then rises: with --early-stopping 3 it stops at epoch 10 and keeps
// epoch 7 (asserted in TestEarlyStoppingResume). 48 samples are trained
// on in 2 batches of 32 per epoch.
func esResumeArgs(t *testing.T, dir string) []string {
	path := classCSV(t, dir, 60, 8)
	return append([]string{"train", "--data", path, "--epochs", "40", "--early-stopping", "3", "--learning-rate", "0.05"}, small...)
}

// savedLine returns the "saved …" summary line of out without the file
// name.
func savedLine(t *testing.T, out string) string {
	t.Helper()
	line := regexp.MustCompile(`(?m)^saved \S+ (\(.*)$`).FindStringSubmatch(out)
	if line == nil {
		t.Fatalf("no saved line in:\n%s", out)
	}
	return line[1]
}

// TestEarlyStoppingResume: early stopping continues across --resume. The
// run is cut after epoch 8 (the best, epoch 7, before the interruption,
// one epoch waited) or inside epoch 9, and resumed; early stopping must
// fire at epoch 10 after the resume and keep epoch 7's weights, bit for
// bit those and the summary of the uninterrupted run. Started afresh, the
// resumed run knew nothing of epoch 7 and kept another epoch. Finishing
// the run cut after epoch 8 without training more keeps epoch 7, as an
// 8-epoch run does.
func TestEarlyStoppingResume(t *testing.T) {
	dir := t.TempDir()
	args := esResumeArgs(t, dir)
	whole := filepath.Join(dir, "whole.seqnet")
	out := mustCLI(t, append(args, "--out", whole)...)
	want := savedLine(t, out)
	if !strings.Contains(out, "Early stopping at epoch 10:") || !strings.Contains(want, "kept epoch 7's weights, the best val_loss") {
		t.Fatalf("the uninterrupted run does not stop at epoch 10 keeping epoch 7:\n%s", out)
	}
	for _, cut := range []struct {
		batches int
		where   string
	}{{16, "after epoch 8"}, {17, "in epoch 9 after batch 1"}} {
		part := filepath.Join(dir, fmt.Sprintf("part%d.seqnet", cut.batches))
		out, errOut, code := interruptedRun(cut.batches, append(args, "--out", part)...)
		if code != exitInterrupted || !strings.Contains(out, "interrupted "+cut.where) {
			t.Fatalf("cut after %d batches: exit %d, stderr %q, stdout:\n%s", cut.batches, code, errOut, out)
		}
		_, extra, err := checkpoint.Load(part)
		if err != nil {
			t.Fatal(err)
		}
		if es := extra.EarlyStopping; es == nil || es.BestEpoch != 6 || es.Wait != 1 || es.BestWeights == nil {
			t.Fatalf("cut after %d batches: the checkpoint's early stopping state is %+v, want best epoch 6 (0-based), wait 1, best weights", cut.batches, es)
		}
		out = mustCLI(t, "train", "--resume", part, "--no-curves")
		if !strings.Contains(out, "Early stopping at epoch 10:") || savedLine(t, out) != want {
			t.Errorf("cut %s and resumed: want early stopping at epoch 10 and %q; got:\n%s", cut.where, want, out)
		}
		sameWeights(t, whole, part)
	}
	// Finishing the run cut after epoch 8 at epoch 8 equals an 8-epoch run.
	eight := filepath.Join(dir, "eight.seqnet")
	want8 := savedLine(t, mustCLI(t, append(args, "--epochs", "8", "--out", eight)...))
	part := filepath.Join(dir, "part16.seqnet")
	if _, errOut, code := interruptedRun(16, append(args, "--out", part)...); code != exitInterrupted {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	out = mustCLI(t, "train", "--resume", part, "--epochs", "8", "--no-curves")
	if got := savedLine(t, out); got != want8 || !strings.Contains(got, "kept epoch 7's weights, the best val_loss") {
		t.Errorf("finishing at epoch 8: %q, want %q (epoch 7 kept)", got, want8)
	}
	sameWeights(t, eight, part)
}

// TestEarlyStoppingResumeOldFile: a checkpoint written before early
// stopping's progress was stored still resumes, with early stopping
// started afresh, and says so.
func TestEarlyStoppingResumeOldFile(t *testing.T) {
	dir := t.TempDir()
	args := esResumeArgs(t, dir)
	part := filepath.Join(dir, "part.seqnet")
	if _, errOut, code := interruptedRun(16, append(args, "--out", part)...); code != exitInterrupted {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	m, extra, err := checkpoint.Load(part)
	if err != nil {
		t.Fatal(err)
	}
	if extra.EarlyStopping == nil {
		t.Fatal("the checkpoint holds no early stopping state")
	}
	extra.EarlyStopping = nil // as an older seqnet wrote it
	if err := checkpoint.Save(part, m, extra); err != nil {
		t.Fatal(err)
	}
	out := mustCLI(t, "train", "--resume", part, "--no-curves")
	for _, w := range []string{"holds no early stopping progress", "early stopping starts afresh", "resuming " + part + " after epoch 8"} {
		if !strings.Contains(out, w) {
			t.Errorf("the old file's resume lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(savedLine(t, out), "kept epoch 7's") {
		t.Errorf("started afresh, early stopping cannot know epoch 7, yet:\n%s", out)
	}
	// A run cut with early stopping off holds no state, and needs no note
	// when resumed with it on.
	if _, errOut, code := interruptedRun(16, append(args, "--early-stopping", "0", "--out", part)...); code != exitInterrupted {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, extra, err := checkpoint.Load(part); err != nil || extra.EarlyStopping != nil {
		t.Errorf("early stopping off: the checkpoint holds %+v (%v)", extra.EarlyStopping, err)
	}
	if out := mustCLI(t, "train", "--resume", part, "--early-stopping", "3", "--no-curves"); strings.Contains(out, "note:") || !strings.Contains(out, "Early stopping at epoch") {
		t.Errorf("early stopping turned on at --resume:\n%s", out)
	}
}

// TestTextEarlyStoppingResume: the same for nbcnn, whose CNN trains in a
// stacking model (fitText): its best weights are stored and restored too.
// The run's best epoch is 12 of the 14 it trains (--early-stopping 2);
// it is cut after epoch 13 or inside epoch 14 (8 batches per epoch).
func TestTextEarlyStoppingResume(t *testing.T) {
	dir := t.TempDir()
	path := textTSV(t, dir, 80)
	args := []string{"train", "--data", path, "--text", "--text-column", "subject", "--target", "label", "--epochs", "20",
		"--batch-size", "8", "--filters", "4", "--seed", "3", "--no-curves", "--early-stopping", "2", "--learning-rate", "0.01"}
	whole := filepath.Join(dir, "whole.seqnet")
	out := mustCLI(t, append(args, "--out", whole)...)
	want := savedLine(t, out)
	if !strings.Contains(out, "Early stopping at epoch 14:") || !strings.Contains(want, "kept epoch 12's weights") {
		t.Fatalf("the uninterrupted run does not stop at epoch 14 keeping epoch 12:\n%s", out)
	}
	for _, n := range []int{104, 106} {
		part := filepath.Join(dir, fmt.Sprintf("part%d.seqnet", n))
		if _, errOut, code := interruptedRun(n, append(args, "--out", part)...); code != exitInterrupted {
			t.Fatalf("cut after %d batches: exit %d: %s", n, code, errOut)
		}
		out := mustCLI(t, "train", "--resume", part)
		if !strings.Contains(out, "Early stopping at epoch 14:") || savedLine(t, out) != want {
			t.Errorf("cut after %d batches and resumed: want early stopping at epoch 14 and %q; got:\n%s", n, want, out)
		}
		sameWeights(t, whole, part)
	}
}

// TestResumeEarlyStoppingSettings pins what train's help and the README
// say of early stopping on --resume besides an interrupted run's exact
// continuation:
//   - a finished run (stopped at epoch 10, epoch 7 kept) trained on to a
//     larger --epochs starts early stopping afresh: the kept epoch is the
//     best of the new ones, though epoch 7's val_loss was lower;
//   - a new --early-stopping on a run cut after epoch 8 (best epoch 7, one
//     epoch waited) counts the stored progress against the new patience:
//     1 stops at epoch 9 (an uninterrupted run with patience 1 stops at
//     epoch 2), 6 at epoch 13, both keeping epoch 7; 0 turns it off and the
//     last epoch is kept.
func TestResumeEarlyStoppingSettings(t *testing.T) {
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	for _, w := range []string{"started afresh", "the best of the new epochs is kept", "counts the stored best\n                        epoch and epochs waited against P"} {
		if !strings.Contains(trainUsage, w) {
			t.Errorf("train's help does not say %q", w)
		}
	}
	dir := t.TempDir()
	args := esResumeArgs(t, dir)
	whole := filepath.Join(dir, "whole.seqnet")
	if out := mustCLI(t, append(args, "--out", whole)...); !strings.Contains(savedLine(t, out), "(10 epochs trained; kept epoch 7's weights") {
		t.Fatalf("the run does not stop at epoch 10 keeping epoch 7:\n%s", out)
	}
	out := mustCLI(t, "train", "--resume", whole, "--epochs", "30", "--no-curves")
	kept := regexp.MustCompile(`kept epoch (\d+)'s weights`).FindStringSubmatch(savedLine(t, out))
	if !strings.Contains(out, "resuming "+whole+" after epoch 10, to epoch 30") || kept == nil || atoi(kept[1]) <= 10 {
		t.Errorf("a finished run trained on: want early stopping afresh, keeping an epoch after 10; got:\n%s", out)
	}
	part := filepath.Join(dir, "part.seqnet")
	for _, c := range []struct{ patience, want string }{
		{"1", "Early stopping at epoch 9: val_loss has not improved for 1 epochs (best 0.7044 at epoch 7)"},
		{"6", "Early stopping at epoch 13: val_loss has not improved for 6 epochs (best 0.7044 at epoch 7)"},
		{"0", "(40 epochs trained; kept epoch 40's weights, the last:"},
	} {
		if _, errOut, code := interruptedRun(16, append(args, "--out", part)...); code != exitInterrupted {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		out := mustCLI(t, "train", "--resume", part, "--early-stopping", c.patience, "--no-curves")
		if !strings.Contains(out, c.want) || (c.patience != "0" && !strings.Contains(savedLine(t, out), "kept epoch 7's weights")) {
			t.Errorf("--resume --early-stopping %s: want %q and epoch 7 kept; got:\n%s", c.patience, c.want, out)
		}
	}
}
