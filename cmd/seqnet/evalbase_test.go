package main

import (
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// TestEvaluateClassBaselines: seqnet evaluate shows a classifier beside
// the baselines fitted on its training rows (stored in the model file):
// Naive Bayes and logistic regression for text, logistic regression for a
// table, on the evaluated rows.
func TestEvaluateClassBaselines(t *testing.T) {
	dir := t.TempDir()
	mp := filepath.Join(dir, "t.seqnet")
	mustCLI(t, append([]string{"train", "--data", textTSV(t, dir, 80), "--text", "--text-column", "subject", "--target", "label",
		"--epochs", "1", "--out", mp}, small...)...)
	texts := writeFile(t, filepath.Join(dir, "eval.tsv"), "label\tsubject\nspam\tfree cash now\nham\tteam lunch agenda\nham\treport meeting\nspam\twin money\nham\tagenda team\n")
	out := mustCLI(t, "evaluate", "--model", mp, "--data", texts)
	m := regexp.MustCompile("these rows, baselines fitted on the training rows, 5 samples: accuracy: model [0-9.]+; majority class `(ham|spam)` ([0-9.]+); Naive Bayes ([0-9.]+); logistic regression ([0-9.]+)\n").FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("evaluate lacks the text baselines:\n%s", out)
	}
	// The words separate the classes: both fitted baselines get every row.
	if m[3] != "1.0000" || m[4] != "1.0000" {
		t.Errorf("Naive Bayes %s, logistic regression %s on separable texts, want 1.0000:\n%s", m[3], m[4], out)
	}
	want := map[string]string{"ham": "0.6000", "spam": "0.4000"}[m[1]]
	if m[2] != want {
		t.Errorf("majority class `%s` accuracy %s, want %s", m[1], m[2], want)
	}

	// A table: logistic regression on the features (no Naive Bayes).
	tp := filepath.Join(dir, "c.seqnet")
	mustCLI(t, append([]string{"train", "--data", classCSV(t, dir, 300, 1), "--target", "label", "--epochs", "1", "--out", tp}, small...)...)
	out = mustCLI(t, "evaluate", "--model", tp, "--data", classCSV(t, t.TempDir(), 200, 5))
	m = regexp.MustCompile("these rows, baselines fitted on the training rows, 200 samples: accuracy: model [0-9.]+; majority class `[a-z]+` [0-9.]+; logistic regression ([0-9.]+)\n").FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("evaluate lacks the table baselines:\n%s", out)
	}
	// The classes are bands of a linear score: logistic regression
	// separates them well on new rows.
	if acc, _ := strconv.ParseFloat(m[1], 64); acc < 0.8 {
		t.Errorf("logistic regression accuracy %g on new rows of a linear rule, want ≥ 0.8:\n%s", acc, out)
	}
}
