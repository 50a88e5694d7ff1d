package main

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// headerlessTexts writes n "label<TAB>text" lines without a header.
func headerlessTexts(t *testing.T, path string, n int) string {
	rng := rand.New(rand.NewPCG(21, 22))
	spam := []string{"free", "money", "win", "cash", "now"}
	ham := []string{"meeting", "lunch", "report", "team", "agenda"}
	var b strings.Builder
	for i := 0; i < n; i++ {
		words, label := ham, "ham"
		if i%2 == 0 {
			words, label = spam, "spam"
		}
		var ws []string
		for k := 0; k < 2+rng.IntN(4); k++ {
			ws = append(ws, words[rng.IntN(len(words))])
		}
		fmt.Fprintf(&b, "%s\t%s\n", label, strings.Join(ws, " "))
	}
	return writeFile(t, path, b.String())
}

// TestPredictHeaderOfHeaderlessTextModel: a text model trained on a file
// without a header predicted a new file's header line ("label<TAB>text")
// as a sample. The first line that looks like a header is now the user's
// call (--header yes or no), and a headerless file reads as before.
func TestPredictHeaderOfHeaderlessTextModel(t *testing.T) {
	dir := t.TempDir()
	train := headerlessTexts(t, filepath.Join(dir, "train.tsv"), 60)
	mp := filepath.Join(dir, "t.seqnet")
	mustCLI(t, append([]string{"train", "--data", train, "--text", "--target", "0", "--epochs", "1", "--out", mp}, small...)...)
	body := "ham\tteam lunch report\nspam\tfree cash now\nham\tagenda meeting\n"
	withHeader := writeFile(t, filepath.Join(dir, "h.tsv"), "label\ttext\n"+body)
	headerless := writeFile(t, filepath.Join(dir, "n.tsv"), body)

	_, errOut, code := cli("predict", "--model", mp, "--data", withHeader)
	if code != 2 || !strings.Contains(errOut, "looks like a header") || !strings.Contains(errOut, "--header yes") || !strings.Contains(errOut, "--header no") {
		t.Errorf("header line of a headerless model: exit %d, %q: want exit 2 asking for --header yes or no", code, errOut)
	}
	recs := readCSVOut(t, mustCLI(t, "predict", "--model", mp, "--data", withHeader, "--header", "yes"))
	if len(recs) != 4 || recs[1][0] != "2" {
		t.Errorf("--header yes: %v, want 3 predictions from line 2 on", recs)
	}
	recs = readCSVOut(t, mustCLI(t, "predict", "--model", mp, "--data", withHeader, "--header", "no"))
	if len(recs) != 5 || recs[1][0] != "1" {
		t.Errorf("--header no: %v, want 4 predictions, the first line a sample", recs)
	}
	recs = readCSVOut(t, mustCLI(t, "predict", "--model", mp, "--data", headerless))
	if len(recs) != 4 || recs[1][0] != "1" {
		t.Errorf("headerless file: %v, want 3 predictions from line 1", recs)
	}
	mustCLI(t, "evaluate", "--model", mp, "--data", withHeader, "--header", "yes")
	if _, errOut, code := cli("evaluate", "--model", mp, "--data", withHeader); code != 2 || !strings.Contains(errOut, "looks like a header") {
		t.Errorf("evaluate: exit %d, %q", code, errOut)
	}
}

// TestPredictHeaderOfHeaderlessTable: a table model trained without a
// header, given a file with one and --fill mean at training, filled the
// header's names with means and predicted them as a sample.
func TestPredictHeaderOfHeaderlessTable(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(7, 8))
	var b strings.Builder
	for i := 0; i < 40; i++ {
		a, c := rng.NormFloat64(), rng.NormFloat64()
		fmt.Fprintf(&b, "%.3f,%.3f,%.3f\n", a, c, a-c)
	}
	train := writeFile(t, filepath.Join(dir, "train.csv"), b.String())
	mp := filepath.Join(dir, "m.seqnet")
	mustCLI(t, append([]string{"train", "--data", train, "--fill", "mean", "--epochs", "1", "--out", mp}, small...)...)
	body := "0.5,0.1,0.4\n-1.2,0.3,-1.5\n"
	withHeader := writeFile(t, filepath.Join(dir, "h.csv"), "a,c,y\n"+body)
	if _, errOut, code := cli("predict", "--model", mp, "--data", withHeader); code != 2 || !strings.Contains(errOut, "looks like a header") {
		t.Errorf("exit %d, %q: want exit 2 asking for --header", code, errOut)
	}
	recs := readCSVOut(t, mustCLI(t, "predict", "--model", mp, "--data", withHeader, "--header", "yes"))
	if len(recs) != 3 || recs[1][0] != "2" {
		t.Errorf("--header yes: %v", recs)
	}
	plain := readCSVOut(t, mustCLI(t, "predict", "--model", mp, "--data", writeFile(t, filepath.Join(dir, "n.csv"), body)))
	if len(plain) != 3 || !slices.Equal(plain[1][1:], recs[1][1:]) {
		t.Errorf("headerless file %v, want the same predictions as %v", plain, recs)
	}
}

// TestPredictDelimiterFlag: predict reads a file laid out unlike the
// training file when told (--delimiter, --header), as train does.
func TestPredictDelimiterFlag(t *testing.T) {
	dir := t.TempDir()
	csvPath := classCSV(t, dir, 40, 3)
	mp := filepath.Join(dir, "m.seqnet")
	mustCLI(t, append([]string{"train", "--data", csvPath, "--epochs", "1", "--out", mp}, small...)...)
	want := readCSVOut(t, mustCLI(t, "predict", "--model", mp, "--data", csvPath))
	semi := writeFile(t, filepath.Join(dir, "semi.txt"), strings.ReplaceAll(mustRead(t, csvPath), ",", ";"))
	got := readCSVOut(t, mustCLI(t, "predict", "--model", mp, "--data", semi, "--delimiter", ";"))
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("--delimiter ';' gives %v, want %v", got[:2], want[:2])
	}
	if out := mustCLI(t, "evaluate", "--model", mp, "--data", semi, "--delimiter", "semicolon", "--header", "yes"); !strings.Contains(out, "accuracy") {
		t.Errorf("evaluate with --delimiter semicolon:\n%s", out)
	}
	if _, errOut, code := cli("predict", "--model", mp, "--data", csvPath, "--header", "maybe"); code != 2 || !strings.Contains(errOut, "--header") {
		t.Errorf("--header maybe: exit %d, %q", code, errOut)
	}
}

// TestRegressionTargetWithTextIsRefused: evaluating a regression model on
// a file whose target column holds text in a third of its rows (here a
// header read with --header no) read the column as class labels and scored
// the class indices as values, exit 0.
func TestRegressionTargetWithTextIsRefused(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(9, 8))
	var b strings.Builder
	for i := 0; i < 40; i++ {
		a, c := rng.NormFloat64(), rng.NormFloat64()
		fmt.Fprintf(&b, "%.3f,%.3f,%.3f\n", a, c, a-c)
	}
	train := writeFile(t, filepath.Join(dir, "train.csv"), b.String())
	mp := filepath.Join(dir, "m.seqnet")
	mustCLI(t, append([]string{"train", "--data", train, "--fill", "mean", "--epochs", "1", "--out", mp}, small...)...)
	withHeader := writeFile(t, filepath.Join(dir, "h.csv"), "a,c,y\n0.5,0.1,0.4\n-1.2,0.3,-1.5\n")
	if _, errOut, code := cli("evaluate", "--model", mp, "--data", withHeader, "--header", "no"); code != 2 || !strings.Contains(errOut, `"y"`) || !strings.Contains(errOut, "regression") {
		t.Errorf("exit %d, %q: want exit 2 naming the value \"y\"", code, errOut)
	}
	if out := mustCLI(t, "evaluate", "--model", mp, "--data", withHeader, "--header", "auto"); !strings.Contains(out, "2 samples") {
		t.Errorf("--header auto on a headerless model: want the header skipped:\n%s", out)
	}
}

// TestTrainFurtherReadsTheGivenLayout: train --model saved.seqnet with
// --delimiter and --header read the new file with the stored layout,
// ignoring them ("target column index 2 is out of range: the file has 1
// columns").
func TestTrainFurtherReadsTheGivenLayout(t *testing.T) {
	dir := t.TempDir()
	csvPath := classCSV(t, dir, 40, 4)
	mp := filepath.Join(dir, "m.seqnet")
	mustCLI(t, append([]string{"train", "--data", csvPath, "--epochs", "1", "--out", mp}, small...)...)
	semi := writeFile(t, filepath.Join(dir, "semi.txt"), strings.ReplaceAll(mustRead(t, csvPath), ",", ";"))
	out := mustCLI(t, "train", "--model", mp, "--data", semi, "--delimiter", ";", "--epochs", "2", "--no-curves", "--out", filepath.Join(dir, "m2.seqnet"))
	if !strings.Contains(out, "Epoch 3/3") {
		t.Errorf("train further on a ';' file:\n%s", out)
	}
}

// TestFiltersAndExplainTakeLayout: the commands that read --data with a
// model's stored preprocessing all take --header (the headerless model's
// question names it), explain-model and filters included.
func TestFiltersAndExplainTakeLayout(t *testing.T) {
	dir := t.TempDir()
	train := headerlessTexts(t, filepath.Join(dir, "train.tsv"), 60)
	mp := filepath.Join(dir, "t.seqnet")
	mustCLI(t, append([]string{"train", "--data", train, "--text", "--target", "0", "--epochs", "1", "--out", mp}, small...)...)
	withHeader := writeFile(t, filepath.Join(dir, "h.tsv"), "label\ttext\nham\tteam lunch report\nspam\tfree cash now\n")
	for _, args := range [][]string{
		{"filters", "--model", mp, "--data", withHeader},
		{"explain-model", "--model", mp, "--data", withHeader, "--row", "0", "--out", filepath.Join(dir, "e.csv")},
	} {
		if _, errOut, code := cli(args...); code != 2 || !strings.Contains(errOut, "looks like a header") {
			t.Errorf("%s: exit %d, %q: want the header question", args[0], code, errOut)
		}
		mustCLI(t, append(args, "--header", "yes")...)
	}
}
