package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/data/npy"
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

// TestTrainPredictCSVClassification trains one model on a CSV table and
// follows it through predict (four ways), evaluate and summary. Why ~120
// lines: every step reads the model the training step wrote, and training
// it once keeps the test short.
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
