package main

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// datedSeries writes n daily rows "date,value" from 2024-01-01, newest
// first when reversed.
func datedSeries(t *testing.T, path string, n int, reversed bool) string {
	day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var rows []string
	for i := 0; i < n; i++ {
		rows = append(rows, fmt.Sprintf("%s,%.3f", day.AddDate(0, 0, i).Format("2006-01-02"), math.Sin(float64(i)/5)+float64(i)*0.01))
	}
	if reversed {
		slices.Reverse(rows)
	}
	return writeFile(t, path, "date,value\n"+strings.Join(rows, "\n")+"\n")
}

// TestReverseDateOrderIsRefused: a series whose dates run backwards was
// either refused with a misleading message (the date column "has no
// numeric value", as the sniffer took it for irregular) or, with --features
// or --ignore date, trained on windows that forecast the past, exit 0.
func TestReverseDateOrderIsRefused(t *testing.T) {
	dir := t.TempDir()
	rev := datedSeries(t, filepath.Join(dir, "rev.csv"), 60, true)
	for _, extra := range [][]string{nil, {"--features", "value", "--target", "value"}, {"--ignore", "date"}, {"--row-label", "date"}} {
		args := append([]string{"train", "--data", rev, "--window", "5", "--epochs", "1", "--out", filepath.Join(dir, "m.seqnet")}, small...)
		out, errOut, code := cli(append(args, extra...)...)
		if code != 2 || !strings.Contains(errOut, "backwards in time") || !strings.Contains(errOut, "`date`") ||
			!strings.Contains(errOut, "oldest first") || strings.Contains(out, "Epoch") {
			t.Errorf("%v: exit %d, stderr %q: want exit 2 saying the dates run backwards and to sort the file", extra, code, errOut)
		}
	}
	// A model trained on the series in time order refuses it reversed.
	fwd := datedSeries(t, filepath.Join(dir, "fwd.csv"), 60, false)
	mp := filepath.Join(dir, "fwd.seqnet")
	mustCLI(t, append([]string{"train", "--data", fwd, "--window", "5", "--no-calendar", "--epochs", "1", "--out", mp}, small...)...)
	mustCLI(t, "predict", "--model", mp, "--data", fwd)
	for _, cmd := range []string{"predict", "evaluate"} {
		if _, errOut, code := cli(cmd, "--model", mp, "--data", rev); code != 2 || !strings.Contains(errOut, "backwards in time") {
			t.Errorf("%s on the reversed file: exit %d, %q", cmd, code, errOut)
		}
	}
}

// TestClassOnlyInValidationWarns: Keras' validation_split takes the last
// rows, so a class found only there is never trained on; train says so,
// naming the class and its counts.
func TestClassOnlyInValidationWarns(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("a,b,label\n")
	for i := 0; i < 50; i++ {
		label := []string{"low", "high"}[i%2]
		if i >= 45 {
			label = "late"
		}
		fmt.Fprintf(&b, "%d,%d,%s\n", i%7, i%5, label)
	}
	data := writeFile(t, filepath.Join(dir, "d.csv"), b.String())
	out := mustCLI(t, append([]string{"train", "--data", data, "--epochs", "1", "--out", filepath.Join(dir, "m.seqnet")}, small...)...)
	if !strings.Contains(out, "warning: class `late` is only in the validation rows: 5 of the 10 validation rows, none of the 40 training rows") {
		t.Errorf("no warning naming the validation-only class and its counts:\n%s", out)
	}
	out = mustCLI(t, append([]string{"train", "--data", data, "--validation-split", "0.05", "--epochs", "1", "--out", filepath.Join(dir, "m2.seqnet")}, small...)...)
	if strings.Contains(out, "only in the validation") {
		t.Errorf("warning with every class in the training rows:\n%s", out)
	}
}
