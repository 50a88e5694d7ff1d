package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/data/npy"
	"github.com/seqnet/seqnet/pipeline"
	"github.com/seqnet/seqnet/tensor"
)

// seriesCSV writes a date column, a noisy sine "temp" and a "wind".
func seriesCSV(t *testing.T, dir string, n int) string {
	rng := rand.New(rand.NewPCG(7, 8))
	var b strings.Builder
	b.WriteString("date,temp,wind\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "2020-%03d,%.3f,%.3f\n", i, 20+5*math.Sin(float64(i)/6)+0.2*rng.NormFloat64(), 3+rng.Float64())
	}
	return writeFile(t, filepath.Join(dir, "series.csv"), b.String())
}

func TestTimeSeries(t *testing.T) {
	dir := t.TempDir()
	path := seriesCSV(t, dir, 120)
	mp := filepath.Join(dir, "f.seqnet")
	out := mustCLI(t, append([]string{"train", "--data", path, "--window", "8", "--horizon", "2", "--target", "temp", "--row-label", "date",
		"--epochs", "2", "--out", mp}, small...)...)
	for _, want := range []string{
		"standard scaler fitted on 96 rows",
		"window 0: rows 0–7 (2020-000–2020-007) → target row 9 2020-009 (temp)",
		"window 1: rows 1–8 (2020-001–2020-008) → target row 10 2020-010 (temp)",
		"split by time: 87 training windows (targets in rows before 96), 24 validation windows (targets in rows 96–119)",
		"conv1d_2", // dilations 1, 2, 4 reach the 8 steps
		"cropping1d",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("train output lacks %q:\n%s", want, out)
		}
	}
	// Predict: every window up to the end of the file, named by the row it
	// forecasts, in degrees (the scaling undone).
	recs := readCSVOut(t, mustCLI(t, "predict", "--model", mp, "--data", path))
	if !slices.Equal(recs[0], []string{"target_row", "temp"}) || len(recs) != 1+113 {
		t.Fatalf("header %v, %d rows", recs[0], len(recs)-1)
	}
	if recs[1][0] != "2020-009" || recs[113][0] != "2020-119+2" {
		t.Errorf("rows %s … %s", recs[1][0], recs[113][0])
	}
	var mean float64
	for _, r := range recs[1:] {
		v, _ := strconv.ParseFloat(r[1], 64)
		mean += v / 113
	}
	if mean < 10 || mean > 30 {
		t.Errorf("mean forecast %g: the scaling was not undone (temperatures are 15–25)", mean)
	}
	ev := mustCLI(t, "evaluate", "--model", mp, "--data", path)
	if !strings.Contains(ev, "111 samples: loss: ") || !strings.Contains(ev, "mean absolute error in the data's units (temp): model ") ||
		!strings.Contains(ev, "; persistence ") || !strings.Contains(ev, "; ridge autoregression (same window, alpha ") {
		t.Errorf("evaluate:\n%s", ev)
	}
	// A column the model reads is missing: named.
	writeFile(t, filepath.Join(dir, "nowind.csv"), "date,temp\n2020-001,1\n2020-002,2\n")
	_, errOut, code := cli("predict", "--model", mp, "--data", filepath.Join(dir, "nowind.csv"))
	if code != 2 || !strings.Contains(errOut, "wind") {
		t.Errorf("missing column: exit %d, %q", code, errOut)
	}
}

func textTSV(t *testing.T, dir string, n int) string {
	rng := rand.New(rand.NewPCG(9, 10))
	spam := []string{"free", "money", "win", "cash", "now"}
	ham := []string{"meeting", "lunch", "report", "team", "agenda"}
	var b strings.Builder
	b.WriteString("label\tsubject\n")
	for i := 0; i < n; i++ {
		words, label := ham, "ham"
		if rng.IntN(2) == 0 {
			words, label = spam, "spam"
		}
		var ws []string
		for k := 0; k < 2+rng.IntN(5); k++ {
			ws = append(ws, words[rng.IntN(len(words))])
		}
		fmt.Fprintf(&b, "%s\t%s\n", label, strings.Join(ws, " "))
	}
	return writeFile(t, filepath.Join(dir, "text.tsv"), b.String())
}

func TestText(t *testing.T) {
	dir := t.TempDir()
	path := textTSV(t, dir, 80)
	glove := writeFile(t, filepath.Join(dir, "glove.txt"), "free 1 0 0 0\nmoney 0.9 0.1 0 0\nmeeting 0 0 1 0\nteam 0 0 0.8 0.2\n")
	mp := filepath.Join(dir, "t.seqnet")
	out := mustCLI(t, "train", "--data", path, "--text", "--text-column", "subject", "--target", "label", "--word-vectors", glove,
		"--epochs", "2", "--out", mp, "--filters", "4", "--no-curves", "--seq-len", "5")
	for _, want := range []string{"80 texts from column `subject`, label column `label` with 2 classes", "sequences of 5 tokens",
		"word vectors: glove.txt: ", "embedding (Embedding)", "(None, 5, 4)"} {
		if !strings.Contains(out, want) {
			t.Errorf("train output lacks %q:\n%s", want, out)
		}
	}
	// The word vectors are in the Embedding: frozen, they stay exactly as
	// read; words without a vector (and padding, [UNK]) get zeros.
	frozen := filepath.Join(dir, "frozen.seqnet")
	mustCLI(t, "train", "--data", path, "--text", "--text-column", "subject", "--target", "label", "--word-vectors", glove,
		"--freeze-embeddings", "--epochs", "2", "--out", frozen, "--filters", "4", "--no-curves")
	m, extra, err := checkpoint.Load(frozen)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.Parse(extra.Preprocessing)
	if err != nil {
		t.Fatal(err)
	}
	emb := m.Weights()[0]
	if emb.Shape[0] != p.Vectorizer.VocabularySize() || emb.Shape[1] != 4 {
		t.Fatalf("embedding shape %v", emb.Shape)
	}
	row := func(word string) []float32 {
		i := p.Vectorizer.Lookup(word)
		return emb.Data[i*4 : i*4+4]
	}
	if got := row("money"); !slices.Equal(got, []float32{0.9, 0.1, 0, 0}) {
		t.Errorf("embedding of money %v, want the word vector [0.9 0.1 0 0]", got)
	}
	if got := row("cash"); !slices.Equal(got, []float32{0, 0, 0, 0}) {
		t.Errorf("embedding of cash (no vector) %v, want zeros", got)
	}
	// Predict on texts alone, with kimcnn and lstm models too.
	texts := writeFile(t, filepath.Join(dir, "new.tsv"), "subject\nfree cash now\nteam meeting report\nunknownword\n")
	recs := readCSVOut(t, mustCLI(t, "predict", "--model", mp, "--data", texts))
	if !slices.Equal(recs[0], []string{"line", "label", "prob_ham", "prob_spam"}) || len(recs) != 4 {
		t.Fatalf("predictions %v", recs)
	}
	for _, arch := range []string{"kimcnn", "lstm"} {
		mp2 := filepath.Join(dir, arch+".seqnet")
		out := mustCLI(t, append([]string{"train", "--data", path, "--text", "--target", "label", "--text-column", "subject", "--model", arch,
			"--epochs", "1", "--out", mp2}, small...)...)
		if !strings.Contains(out, "Epoch 1/1") {
			t.Errorf("%s:\n%s", arch, out)
		}
		mustCLI(t, "predict", "--model", mp2, "--data", texts)
	}
	// An unseen label at evaluate is named.
	writeFile(t, filepath.Join(dir, "bad.tsv"), "label\tsubject\nham\tlunch\nphishing\tfree money\n")
	_, errOut, code := cli("evaluate", "--model", mp, "--data", filepath.Join(dir, "bad.tsv"))
	if code != 2 || !strings.Contains(errOut, "phishing") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("unseen label: exit %d, %q", code, errOut)
	}
}

func TestNumpy(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(11, 12))
	n, steps, ch := 40, 6, 2
	x, y := tensor.New(n, steps, ch), tensor.New(n)
	for i := 0; i < n; i++ {
		var s float32
		for j := 0; j < steps*ch; j++ {
			v := float32(rng.NormFloat64())
			x.Data[i*steps*ch+j] = v
			s += v
		}
		if s > 0 {
			y.Data[i] = 1
		}
	}
	xp, yp := filepath.Join(dir, "x.npy"), filepath.Join(dir, "y.npy")
	if err := npy.WriteFile(xp, x); err != nil {
		t.Fatal(err)
	}
	if err := npy.WriteFile(yp, y); err != nil {
		t.Fatal(err)
	}
	mp := filepath.Join(dir, "n.seqnet")
	out := mustCLI(t, append([]string{"train", "--x", xp, "--y", yp, "--classes", "--epochs", "2", "--out", mp}, small...)...)
	if !strings.Contains(out, "(40, 6, 2)") || !strings.Contains(out, "accuracy") {
		t.Errorf("train:\n%s", out)
	}
	recs := readCSVOut(t, mustCLI(t, "predict", "--model", mp, "--x", xp))
	if !slices.Equal(recs[0], []string{"index", "label", "prob_0", "prob_1"}) || len(recs) != n+1 {
		t.Fatalf("predictions header %v, %d rows", recs[0], len(recs)-1)
	}
	mustCLI(t, "evaluate", "--model", mp, "--x", xp, "--y", yp)

	// One .npz with x and y, regression on y as floats.
	npz := filepath.Join(dir, "xy.npz")
	arrays := npy.Named(x, y)
	arrays[0].Name, arrays[1].Name = "x", "y"
	if err := npy.WriteNPZFile(npz, arrays, false); err != nil {
		t.Fatal(err)
	}
	mp2 := filepath.Join(dir, "n2.seqnet")
	out = mustCLI(t, append([]string{"train", "--data", npz, "--epochs", "1", "--out", mp2, "--model", "lstm"}, small...)...)
	if !strings.Contains(out, "mae") {
		t.Errorf("train on npz:\n%s", out)
	}
	_, errOut, code := cli("predict", "--model", mp2, "--x", yp)
	if code != 2 || !strings.Contains(errOut, "seqnet predict: ") {
		t.Errorf("wrong x shape: exit %d, %q", code, errOut)
	}
}

// TestBadInputs pins the one-line messages of user errors (exit 2).
func TestBadInputs(t *testing.T) {
	dir := t.TempDir()
	good := classCSV(t, dir, 30, 2)
	empty := writeFile(t, filepath.Join(dir, "empty.csv"), "")
	blank := writeFile(t, filepath.Join(dir, "blank.csv"), "\n\n")
	ragged := writeFile(t, filepath.Join(dir, "ragged.csv"), "a,b,label\n1,2,x\n3,4,y\n5,6\n7,8,x\n")
	mp := filepath.Join(dir, "m.seqnet")
	mustCLI(t, append([]string{"train", "--data", good, "--epochs", "1", "--out", mp}, small...)...)
	unseen := writeFile(t, filepath.Join(dir, "unseen.csv"), "a,b,c,d,e,label\n1,2,3,4,5,low\n1,2,3,4,5,medium\n")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"missing file", []string{"train", "--data", filepath.Join(dir, "nope.csv"), "--out", mp},
			"seqnet train: --data " + filepath.Join(dir, "nope.csv") + ": no such file: check the path"},
		{"empty file", []string{"train", "--data", empty, "--out", mp}, "the file is empty"},
		{"blank file", []string{"train", "--data", blank, "--out", mp}, "CSV file is empty"},
		{"ragged row", []string{"train", "--data", ragged, "--out", mp}, "line 4 has 2 fields but line 1 (the first row) has 3"},
		{"unknown target", []string{"train", "--data", good, "--target", "colour", "--out", mp}, "colour"},
		{"unknown model", []string{"train", "--data", good, "--model", "resnet", "--out", mp},
			`--model "resnet": not a built-in architecture (cnn, textcnn, kimcnn, nbcnn, bow, forecast, lstm) nor an existing file`},
		{"text model on numbers", []string{"train", "--data", good, "--model", "kimcnn", "--out", mp}, "--model kimcnn needs text (token) input"},
		{"no out", []string{"train", "--data", good}, "--out is required"},
		{"out folder missing", []string{"train", "--data", good, "--out", filepath.Join(dir, "no", "m.seqnet")}, "the folder " + filepath.Join(dir, "no") + " does not exist"},
		{"bad flag", []string{"train", "--epoch", "3"}, "flag provided but not defined: -epoch"},
		{"bad scale", []string{"train", "--data", good, "--scale", "log", "--out", mp}, `--scale "log": expected standard, minmax or none`},
		{"unseen label", []string{"evaluate", "--model", mp, "--data", unseen}, "medium"},
		{"missing model", []string{"predict", "--model", filepath.Join(dir, "none.seqnet"), "--data", good}, "no such file"},
		{"not a model", []string{"summary", good}, "not a seqnet model file"},
		{"bad out format", []string{"predict", "--model", mp, "--data", good, "--out", filepath.Join(dir, "p.xlsx")}, `unknown format ".xlsx"`},
		{"resume changes", []string{"train", "--resume", mp, "--batch-size", "7"}, "--batch-size cannot be changed with --resume"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := cli(c.args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2; stderr %q; stdout %q", code, errOut, out)
			}
			if !strings.Contains(errOut, c.want) {
				t.Errorf("stderr %q lacks %q", errOut, c.want)
			}
			if strings.Count(errOut, "\n") != 1 || !strings.HasSuffix(errOut, "\n") {
				t.Errorf("stderr is not one line: %q", errOut)
			}
		})
	}
}

// TestSeriesDateColumn: a date or year column is never silently a
// feature: train makes it the row label and says so, adds calendar
// features for monthly rows (recomputed at prediction), and --no-calendar
// leaves them out.
func TestSeriesDateColumn(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("date,sales\n")
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&b, "%d-%02d,%.1f\n", 2000+i/12, i%12+1, 100+float64(i)+10*math.Sin(float64(i)*math.Pi/6))
	}
	monthly := writeFile(t, filepath.Join(dir, "monthly.csv"), b.String())
	mp := filepath.Join(dir, "m.seqnet")
	out := mustCLI(t, append([]string{"train", "--data", monthly, "--window", "12", "--epochs", "2", "--out", mp}, small...)...)
	for _, want := range []string{
		"column `date` holds monthly dates: used as the row label, not as a feature",
		"calendar features added as inputs: month_sin, month_cos",
		"validation, 12 windows: mean absolute error in the data's units (sales): model ",
		"; seasonal naive (season 12) ",
		"units: the epoch lines' loss and mae are in scaled units (the targets' standard scaling); the mae figures in brackets are in the units of `sales`; after training, the model and the baselines are compared in the data's units",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("train output lacks %q:\n%s", want, out)
		}
	}
	recs := readCSVOut(t, mustCLI(t, "predict", "--model", mp, "--data", monthly))
	if len(recs) != 1+49 || recs[1][0] != "2001-01" {
		t.Errorf("predictions: %d rows, first %v", len(recs)-1, recs[1])
	}
	out = mustCLI(t, append([]string{"train", "--data", monthly, "--window", "12", "--epochs", "1", "--no-calendar", "--out", mp}, small...)...)
	if strings.Contains(out, "calendar features added") || !strings.Contains(out, "1 columns (sales)") {
		t.Errorf("--no-calendar still adds features:\n%s", out)
	}
	// A plain year column: the row label, never an input.
	b.Reset()
	b.WriteString("year,count\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "%d,%d\n", 1900+i, 50+(i*37)%23)
	}
	yearly := writeFile(t, filepath.Join(dir, "yearly.csv"), b.String())
	out = mustCLI(t, append([]string{"train", "--data", yearly, "--window", "5", "--epochs", "1", "--out", mp}, small...)...)
	if !strings.Contains(out, "column `year` holds yearly dates: used as the row label") || strings.Contains(out, "features (2)") {
		t.Errorf("the year column became a feature or was not named:\n%s", out)
	}
}

// TestFittedFill: --fill mean stores the training means and applies
// exactly those at prediction (the same row predicts the same value
// whatever else is in its file, and a one-row file with a gap works);
// --fill zero on a column far from zero warns.
func TestFittedFill(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("a,b,y\n")
	rng := rand.New(rand.NewPCG(5, 5))
	for i := 0; i < 80; i++ {
		a := fmt.Sprintf("%.2f", 300+10*rng.NormFloat64())
		if i == 7 {
			a = ""
		}
		fmt.Fprintf(&b, "%s,%.2f,%.2f\n", a, rng.NormFloat64(), rng.NormFloat64())
	}
	path := writeFile(t, filepath.Join(dir, "train.csv"), b.String())
	mp := filepath.Join(dir, "fill.seqnet")
	mustCLI(t, append([]string{"train", "--data", path, "--fill", "mean", "--epochs", "1", "--out", mp}, small...)...)
	one := writeFile(t, filepath.Join(dir, "one.csv"), "a,b\n,0.5\n")
	two := writeFile(t, filepath.Join(dir, "two.csv"), "a,b\n,0.5\n1000,0.5\n")
	p1 := readCSVOut(t, mustCLI(t, "predict", "--model", mp, "--data", one))
	p2 := readCSVOut(t, mustCLI(t, "predict", "--model", mp, "--data", two))
	if len(p1) != 2 || len(p2) != 3 || p1[1][1] != p2[1][1] {
		t.Fatalf("the same row predicted %v alone and %v beside another row: the fill must be the training mean", p1, p2)
	}
	// The stored means are the training file's.
	_, extra, err := checkpoint.Load(mp)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := pipeline.Parse(extra.Preprocessing)
	if err != nil {
		t.Fatal(err)
	}
	if m := pl.FillValues["a"]; m < 290 || m > 310 {
		t.Errorf("stored fill value of a: %g (%v), want the training mean ≈ 300", m, pl.FillValues)
	}
	out := mustCLI(t, append([]string{"train", "--data", path, "--fill", "zero", "--epochs", "1", "--out", mp}, small...)...)
	if !strings.Contains(out, "warning: --fill zero on column `a`, whose mean is 299.9") || strings.Contains(out, "column `b`, whose mean") {
		t.Errorf("--fill zero warning missing or wrong:\n%s", out)
	}
}

// TestSeriesBadDate: a row label that is a date on every line but one is
// an error naming that line and value.
func TestSeriesBadDate(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("date,v\n")
	for i := 0; i < 30; i++ {
		d := fmt.Sprintf("2001-%02d-%02d", 1+i/28, 1+i%28)
		if i == 17 {
			d = "2001-01-3x"
		}
		fmt.Fprintf(&b, "%s,%d\n", d, i%5)
	}
	path := writeFile(t, filepath.Join(dir, "bad.csv"), b.String())
	_, errOut, code := cli(append([]string{"train", "--data", path, "--window", "3", "--row-label", "date", "--epochs", "1", "--out", filepath.Join(dir, "m.seqnet")}, small...)...)
	if code != 2 || !strings.Contains(errOut, `line 19: "2001-01-3x" is not a date`) {
		t.Errorf("exit %d, stderr %q: want exit 2 and the line and value named", code, errOut)
	}
}
