package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/data/npy"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/pipeline"
	"github.com/seqnet/seqnet/tensor"
)

// cli runs one seqnet command line as main does.
func cli(args ...string) (stdout, stderr string, code int) {
	var o, e strings.Builder
	code = run(args, &o, &e)
	return o.String(), e.String(), code
}

// mustCLI runs a command that must succeed.
func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := cli(args...)
	if code != 0 {
		t.Fatalf("seqnet %s: exit %d\nstderr: %s\nstdout: %s", strings.Join(args, " "), code, errOut, out)
	}
	return out
}

func writeFile(t *testing.T, path, s string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// classCSV writes n rows of 5 features and a string label that depends on
// them (3 classes), seeded.
func classCSV(t *testing.T, dir string, n int, seed uint64) string {
	rng := rand.New(rand.NewPCG(seed, 1))
	var b strings.Builder
	b.WriteString("a,b,c,d,e,label\n")
	for i := 0; i < n; i++ {
		v := make([]float64, 5)
		for j := range v {
			v[j] = rng.NormFloat64()*2 + float64(j)
		}
		s := v[0] - v[1] + v[2] - 1
		label := "mid"
		if s > 1 {
			label = "high"
		} else if s < -1 {
			label = "low"
		}
		for _, x := range v {
			fmt.Fprintf(&b, "%.3f,", x)
		}
		b.WriteString(label + "\n")
	}
	return writeFile(t, filepath.Join(dir, "classes.csv"), b.String())
}

func readCSVOut(t *testing.T, s string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatalf("%v in\n%s", err, s)
	}
	return recs
}

var small = []string{"--filters", "4", "--units", "8", "--embedding-dim", "8", "--no-curves"}

func TestTrainPredictCSVClassification(t *testing.T) {
	dir := t.TempDir()
	path := classCSV(t, dir, 90, 1)
	mp := filepath.Join(dir, "m.seqnet")
	out := mustCLI(t, []string{"train", "--data", path, "--epochs", "3", "--batch-size", "16", "--out", mp,
		"--filters", "4", "--units", "8"}...)
	for _, want := range []string{
		"90 samples × 5 steps × 1 channel, target: column `label` with 3 classes",
		"standard scaler fitted on 72 rows",
		"Total params",
		"Epoch 3/3 - 5/5 batches",
		"val_accuracy",
		"saved " + mp + " (3 epochs trained",
		"learning curves: " + filepath.Join(dir, "m-curves.png"),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("train output lacks %q:\n%s", want, out)
		}
	}
	for _, f := range []string{"m.seqnet", "m-curves.png", "m-curves.svg"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}

	// Predict on stdout: label and class probabilities, in label order.
	recs := readCSVOut(t, mustCLI(t, "predict", "--model", mp, "--data", path))
	if want := []string{"line", "label", "prob_high", "prob_low", "prob_mid"}; !slices.Equal(recs[0], want) {
		t.Fatalf("header %v, want %v", recs[0], want)
	}
	if len(recs) != 91 || recs[1][0] != "2" || recs[90][0] != "91" {
		t.Fatalf("%d rows, first line %s", len(recs)-1, recs[1][0])
	}
	for _, r := range recs[1:] {
		var sum float64
		best, bestP := "", -1.0
		for j, s := range r[2:] {
			p, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatal(err)
			}
			sum += p
			if p > bestP {
				best, bestP = recs[0][2+j][5:], p
			}
		}
		if math.Abs(sum-1) > 1e-4 || r[1] != best {
			t.Fatalf("row %v: probabilities sum to %g, label %s, most likely %s", r, sum, r[1], best)
		}
	}

	// The stored scaler and columns are applied: ten rows with the
	// columns reordered and no label predict as in the full file (a
	// scaler refitted on them would not).
	lines := strings.Split(strings.TrimSpace(mustRead(t, path)), "\n")
	var b strings.Builder
	b.WriteString("e,d,c,b,a,extra\n")
	for _, l := range lines[1:11] {
		f := strings.Split(l, ",")
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,x\n", f[4], f[3], f[2], f[1], f[0])
	}
	part := writeFile(t, filepath.Join(dir, "part.csv"), b.String())
	precs := readCSVOut(t, mustCLI(t, "predict", "--model", mp, "--data", part))
	for i := 1; i <= 10; i++ {
		if !slices.Equal(precs[i][1:], recs[i][1:]) {
			t.Errorf("row %d: %v, want %v (as in the full file)", i, precs[i][1:], recs[i][1:])
		}
	}

	// JSON lines and .npy.
	jl := filepath.Join(dir, "p.jsonl")
	mustCLI(t, "predict", "--model", mp, "--data", part, "--out", jl)
	f, err := os.Open(jl)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		var obj struct {
			Line  string             `json:"line"`
			Label string             `json:"label"`
			Probs map[string]float64 `json:"probabilities"`
		}
		if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
			t.Fatalf("%v: %s", err, sc.Text())
		}
		n++
		if obj.Line != strconv.Itoa(n+1) || obj.Label != precs[n][1] || len(obj.Probs) != 3 {
			t.Errorf("jsonl line %d: %+v", n, obj)
		}
	}
	if n != 10 {
		t.Errorf("%d JSON lines, want 10", n)
	}
	np := filepath.Join(dir, "p.npy")
	mustCLI(t, "predict", "--model", mp, "--data", part, "--out", np)
	a, err := npy.ReadFile(np)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Tensor.Shape, []int{10, 3}) {
		t.Errorf(".npy shape %v, want (10, 3)", a.Tensor.Shape)
	}

	// Evaluate: loss, accuracy and the majority baseline.
	ev := mustCLI(t, "evaluate", "--model", mp, "--data", path)
	for _, want := range []string{"90 samples: loss: ", "accuracy: ", "baseline: always `"} {
		if !strings.Contains(ev, want) {
			t.Errorf("evaluate output lacks %q:\n%s", want, ev)
		}
	}

	// Summary: layers, preprocessing, history.
	sum := mustCLI(t, "summary", mp)
	for _, want := range []string{"3 epochs trained", "Total params", "task: multiclass classification of column `label` into 3 classes: high, low, mid",
		"scaling: standard scaler", "history:", "optimizer: adam"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCSVRegression(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 4))
	var b strings.Builder
	b.WriteString("x1;x2;x3;y\n")
	for i := 0; i < 80; i++ {
		x1, x2, x3 := rng.Float64(), rng.Float64(), rng.Float64()
		fmt.Fprintf(&b, "%.4f;%.4f;%.4f;%.4f\n", x1, x2, x3, 100+3*x1-2*x2+x3+0.05*rng.NormFloat64())
	}
	path := writeFile(t, filepath.Join(dir, "reg.csv"), b.String())
	mp := filepath.Join(dir, "r.seqnet")
	out := mustCLI(t, append([]string{"train", "--data", path, "--target", "y", "--epochs", "2", "--out", mp, "--optimizer", "rmsprop"}, small...)...)
	for _, want := range []string{"80 samples × 3 steps × 1 channel", "mae: ", "Epoch 2/2"} {
		if !strings.Contains(out, want) {
			t.Errorf("train output lacks %q:\n%s", want, out)
		}
	}
	recs := readCSVOut(t, mustCLI(t, "predict", "--model", mp, "--data", path))
	if !slices.Equal(recs[0], []string{"line", "y"}) || len(recs) != 81 {
		t.Fatalf("header %v, %d rows", recs[0], len(recs)-1)
	}
	// The target was scaled for training (stored with the model) and the
	// predictions are scaled back: around 100, not around 0.
	var mean float64
	for _, r := range recs[1:] {
		v, err := strconv.ParseFloat(r[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		mean += v / 80
	}
	if mean < 95 || mean > 105 {
		t.Errorf("mean prediction %g, want about 100 (the target's scale)", mean)
	}
	ev := mustCLI(t, "evaluate", "--model", mp, "--data", path)
	if !strings.Contains(ev, "loss: ") || !strings.Contains(ev, "baseline: the mean of the targets") {
		t.Errorf("evaluate:\n%s", ev)
	}
	if sum := mustCLI(t, "summary", mp); !strings.Contains(sum, "optimizer: rmsprop") || !strings.Contains(sum, "task: regression of y") ||
		!strings.Contains(sum, "target scaling: standard scaler fitted on 64 rows: y mean 10") {
		t.Errorf("summary:\n%s", sum)
	}
}

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

// TestInterruptResume: training interrupted inside an epoch (as Ctrl-C
// does) and resumed gives the model and history of uninterrupted training,
// bit for bit, with shuffling and dropout.
func TestInterruptResume(t *testing.T) {
	dir := t.TempDir()
	path := classCSV(t, dir, 70, 5)
	args := []string{"train", "--data", path, "--epochs", "3", "--batch-size", "8", "--dropout", "0.3", "--seed", "4", "--filters", "4", "--units", "8"}
	whole := filepath.Join(dir, "whole.seqnet")
	mustCLI(t, append(args, "--out", whole)...)

	part := filepath.Join(dir, "part.seqnet")
	testInterruptAfter = 10 // 7 batches per epoch: epoch 2, after batch 3
	out, errOut, code := cli(append(args, "--out", part)...)
	testInterruptAfter = 0
	if code != exitInterrupted {
		t.Fatalf("interrupted run: exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(out, "interrupted in epoch 2 after batch 3; checkpoint saved to "+part) ||
		!strings.Contains(out, "continue with: seqnet train --resume "+part) {
		t.Errorf("interrupted run output:\n%s", out)
	}
	if sum := mustCLI(t, "summary", part); !strings.Contains(sum, "interrupted in epoch 2 after batch 3") {
		t.Errorf("summary of the checkpoint:\n%s", sum)
	}
	out = mustCLI(t, "train", "--resume", part)
	if !strings.Contains(out, "resuming "+part+" in epoch 2 after batch 3, to epoch 3") || !strings.Contains(out, "(resumed at batch 4)") {
		t.Errorf("resumed run output:\n%s", out)
	}
	mw, ew, err := checkpoint.Load(whole)
	if err != nil {
		t.Fatal(err)
	}
	mp, ep, err := checkpoint.Load(part)
	if err != nil {
		t.Fatal(err)
	}
	ww, wp := mw.Weights(), mp.Weights()
	for i := range ww {
		if !slices.Equal(ww[i].Data, wp[i].Data) {
			t.Fatalf("weight %d differs after resuming", i)
		}
	}
	if !slices.Equal(ew.History.Epochs, ep.History.Epochs) {
		t.Fatalf("history epochs %v, want %v", ep.History.Epochs, ew.History.Epochs)
	}
	for _, k := range ew.History.Keys {
		if !slices.Equal(ew.History.Metrics[k], ep.History.Metrics[k]) {
			t.Errorf("history %s: %v, want %v", k, ep.History.Metrics[k], ew.History.Metrics[k])
		}
	}
	// Training on to a later epoch is allowed; to the same one is not.
	_, errOut, code = cli("train", "--resume", part)
	if code != 2 || !strings.Contains(errOut, "already trained 3 of 3 epochs") {
		t.Errorf("resume of a finished run: exit %d, %q", code, errOut)
	}
	if out := mustCLI(t, "train", "--resume", part, "--epochs", "4", "--no-curves"); !strings.Contains(out, "Epoch 4/4") {
		t.Errorf("training on:\n%s", out)
	}
}

// TestImportExport: export to Keras JSON + .npz, import back, and the
// imported model predicts as the original; the JSON also serves as --model.
func TestImportExport(t *testing.T) {
	dir := t.TempDir()
	path := classCSV(t, dir, 40, 6)
	mp := filepath.Join(dir, "m.seqnet")
	mustCLI(t, append([]string{"train", "--data", path, "--epochs", "1", "--out", mp}, small...)...)
	js, wz, pj := filepath.Join(dir, "m.json"), filepath.Join(dir, "m.npz"), filepath.Join(dir, "pre.json")
	out := mustCLI(t, "export", "--model", mp, "--keras-json", js, "--weights", wz, "--preprocessing", pj)
	if !strings.Contains(out, "8 weight arrays written to "+wz) {
		t.Errorf("export:\n%s", out)
	}
	var pre pipeline.Pipeline
	if err := json.Unmarshal([]byte(mustRead(t, pj)), &pre); err != nil || pre.Labels.Len() != 3 {
		t.Errorf("preprocessing JSON: %v %+v", err, pre)
	}
	imp := filepath.Join(dir, "imp.seqnet")
	mustCLI(t, "import", "--keras-json", js, "--weights", wz, "--out", imp)

	m1, _, err := checkpoint.Load(mp)
	if err != nil {
		t.Fatal(err)
	}
	m2, _, err := checkpoint.Load(imp)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	x := tensor.New(7, 5, 1)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	p1, err := m1.Predict(x, 0)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := m2.Predict(x, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p1.Data, p2.Data) {
		t.Errorf("imported model predicts %v, original %v", p2.Data, p1.Data)
	}
	// The imported model has no preprocessing: it predicts arrays.
	xp := filepath.Join(dir, "x.npy")
	if err := npy.WriteFile(xp, x); err != nil {
		t.Fatal(err)
	}
	recs := readCSVOut(t, mustCLI(t, "predict", "--model", imp, "--x", xp))
	if !slices.Equal(recs[0], []string{"index", "output_0", "output_1", "output_2"}) || len(recs) != 8 {
		t.Errorf("predictions %v", recs)
	}
	_, errOut, code := cli("predict", "--model", imp, "--data", path)
	if code != 2 || !strings.Contains(errOut, "no stored preprocessing") {
		t.Errorf("CSV into an imported model: exit %d, %q", code, errOut)
	}
	// Train further from the imported weights, and from the JSON alone.
	for _, spec := range []string{imp, js} {
		out := mustCLI(t, "train", "--model", spec, "--data", path, "--epochs", "1", "--out", filepath.Join(dir, "again.seqnet"), "--no-curves")
		if !strings.Contains(out, "model: "+spec) || !strings.Contains(out, "Epoch 1/1") {
			t.Errorf("train --model %s:\n%s", spec, out)
		}
	}
}

func TestProgressBar(t *testing.T) {
	var b strings.Builder
	clock := time.Unix(0, 0)
	p := &progress{w: &b, tty: true, epochs: 2, batches: 4, now: func() time.Time { return clock }}
	p.OnEpochBegin(0)
	for i := 0; i < 4; i++ {
		clock = clock.Add(time.Second)
		p.OnBatchEnd(i, model.Logs{Keys: []string{"loss"}, Values: map[string]float64{"loss": 1 / float64(i+1)}})
	}
	p.OnEpochEnd(0, model.Logs{Keys: []string{"loss", "val_loss"}, Values: map[string]float64{"loss": 0.5, "val_loss": 0.75}})
	got := b.String()
	for _, want := range []string{
		"Epoch 1/2\n",
		"\r1/4 [======>.......................] - ETA: 3s - loss: 1.0000\x1b[K",
		"\r4/4 [==============================] - 4s 1s/step - loss: 0.5000 - val_loss: 0.7500\x1b[K\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("progress output lacks %q:\n%q", want, got)
		}
	}
}

func TestEarlyStopping(t *testing.T) {
	dir := t.TempDir()
	path := classCSV(t, dir, 60, 8)
	mp := filepath.Join(dir, "es.seqnet")
	out := mustCLI(t, append([]string{"train", "--data", path, "--epochs", "40", "--early-stopping", "1", "--learning-rate", "0.05", "--out", mp}, small...)...)
	if !strings.Contains(out, "Early stopping at epoch") || strings.Contains(out, "Epoch 40/40") {
		t.Fatalf("training did not stop early:\n%s", out)
	}
	_, extra, err := checkpoint.Load(mp)
	if err != nil {
		t.Fatal(err)
	}
	h := extra.History
	if n := len(h.Epochs); n >= 40 || n < 2 {
		t.Errorf("%d epochs in the history", n)
	}
	// The final line names the epoch whose weights were kept (the best
	// val_loss) and that epoch's figures.
	best := 0
	for i, v := range h.Metrics["val_loss"] {
		if v < h.Metrics["val_loss"][best] {
			best = i
		}
	}
	want := fmt.Sprintf("kept epoch %d's weights, the best val_loss: loss %.4f", h.Epochs[best]+1, h.Metrics["loss"][best])
	if !strings.Contains(out, want) {
		t.Errorf("the final line does not say %q:\n%s", want, out)
	}
}

// TestHelperProcess runs seqnet in a child process for TestSIGINT.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("SEQNET_TEST_HELPER") != "1" {
		t.Skip("helper for TestSIGINT")
	}
	args := strings.Split(os.Getenv("SEQNET_TEST_ARGS"), "\x1f")
	os.Exit(run(args, os.Stdout, os.Stderr))
}

// TestSIGINT sends a real Ctrl-C (SIGINT) to a training process: it saves
// a checkpoint and exits 130, and resuming it gives the weights of an
// uninterrupted run, wherever the signal landed.
func TestSIGINT(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	path := classCSV(t, dir, 600, 9)
	args := []string{"train", "--data", path, "--epochs", "30", "--batch-size", "8", "--seed", "3", "--filters", "4", "--units", "8", "--no-curves"}
	part := filepath.Join(dir, "part.seqnet")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "SEQNET_TEST_HELPER=1", "SEQNET_TEST_ARGS="+strings.Join(append(args, "--out", part), "\x1f"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var out strings.Builder
	signalled := false
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if !signalled && strings.HasPrefix(sc.Text(), "Epoch 1/30") {
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			signalled = true
		}
	}
	err = cmd.Wait()
	code := cmd.ProcessState.ExitCode()
	if code == 0 {
		t.Skipf("training finished before the signal arrived:\n%s", out.String())
	}
	if code != exitInterrupted || !strings.Contains(out.String(), "checkpoint saved to "+part) {
		t.Fatalf("exit %d (%v), stderr %q, stdout:\n%s", code, err, stderr.String(), out.String())
	}
	mustCLI(t, "train", "--resume", part)
	whole := filepath.Join(dir, "whole.seqnet")
	mustCLI(t, append(args, "--out", whole)...)
	mw, _, err := checkpoint.Load(whole)
	if err != nil {
		t.Fatal(err)
	}
	mp, _, err := checkpoint.Load(part)
	if err != nil {
		t.Fatal(err)
	}
	ww, wp := mw.Weights(), mp.Weights()
	for i := range ww {
		if !slices.Equal(ww[i].Data, wp[i].Data) {
			t.Fatalf("weight %d differs after a real Ctrl-C and --resume", i)
		}
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
