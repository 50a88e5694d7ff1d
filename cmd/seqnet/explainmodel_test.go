package main

import (
	"encoding/json"
	"fmt"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/data"
	"github.com/seqnet/seqnet/data/npy"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/pipeline"
	"github.com/seqnet/seqnet/tensor"
)

// xmFixture is a model trained in the test and saved with the preprocessing
// `seqnet train` stores, its data file (read through that preprocessing)
// and the same rows as the model's input array.
type xmFixture struct {
	model, data, x string
	rows           int
}

// seriesFixture trains a small Conv1D classifier on 12-row windows of a
// series with bumps (+3) and dips (−3): classes "bump", "dip", "flat".
func seriesFixture(t *testing.T) xmFixture {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 11))
	const rows, window = 301, 12
	v := make([]float32, rows)
	for i := range v {
		v[i] = float32(rng.NormFloat64() * 0.3)
	}
	for at := 3; at+3 < rows; at += 9 + rng.IntN(12) {
		h := float32(3)
		if rng.IntN(2) == 0 {
			h = -3
		}
		for s := at; s < at+3; s++ {
			v[s] += h
		}
	}
	var csv strings.Builder
	csv.WriteString("v\n")
	for _, f := range v {
		fmt.Fprintf(&csv, "%g\n", f)
	}
	series, err := data.NewSeries([]string{"v"}, v)
	if err != nil {
		t.Fatal(err)
	}
	p := &pipeline.Pipeline{Format: pipeline.Format, Kind: pipeline.KindSeries, Task: pipeline.TaskMulticlass, Delimiter: ",", Header: "yes", Features: []string{"v"},
		Labels:    data.NewLabelMap([]string{"flat", "bump", "dip"}),
		Windowing: &pipeline.Windowing{Window: window, Horizon: 1, Stride: 1, SamplingRate: 1, Inputs: []string{"v"}, Targets: []string{"v"}}}
	w, err := data.MakeWindows(series, data.WindowOptions{Window: window, Horizon: 1, Inputs: []string{"v"}})
	if err != nil {
		t.Fatal(err)
	}
	y := tensor.New(w.Len())
	for i := range w.Len() {
		class := "flat"
		lo, hi := slices.Min(w.X.Data[i*window:(i+1)*window]), slices.Max(w.X.Data[i*window:(i+1)*window])
		if hi > 2 {
			class = "bump"
		} else if lo < -2 {
			class = "dip"
		}
		c, _ := p.Labels.Index(class)
		y.Data[i] = float32(c)
	}
	m, err := model.NewSequential(layers.Input(window, 1), layers.NewConv1D(4, 3, layers.ConvActivation("relu")),
		layers.NewMaxPooling1D(2), layers.NewConv1D(5, 2, layers.ConvActivation("relu")),
		layers.NewGlobalMaxPooling1D(), layers.NewDense(3, "softmax"))
	if err != nil {
		t.Fatal(err)
	}
	m.Seed = 3
	return saveFixture(t, m, w.X, y, "sparse_categorical_crossentropy", p, csv.String())
}

// textWords are the words of the generated texts; "spam" makes a text spam.
var textWords = []string{"the", "cat", "sat", "on", "a", "mat", "free", "now", "dog", "ran"}

// textFixture trains a small text CNN: a text is "spam" when it holds the
// word "spam".
func textFixture(t *testing.T) xmFixture {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 9))
	const n, seqLen = 120, 9
	var texts []string
	var csv strings.Builder
	csv.WriteString("text,label\n")
	y := tensor.New(n, 1)
	for i := range n {
		words := make([]string, 3+rng.IntN(seqLen-3))
		for j := range words {
			words[j] = textWords[rng.IntN(len(textWords))]
		}
		label := "ham"
		if i%2 == 1 {
			words[rng.IntN(len(words))] = "spam"
			label = "spam"
			y.Data[i] = 1
		}
		texts = append(texts, strings.Join(words, " "))
		fmt.Fprintf(&csv, "%s,%s\n", texts[i], label)
	}
	vec := data.NewTextVectorizer(0, seqLen)
	if err := vec.Adapt(texts); err != nil {
		t.Fatal(err)
	}
	x, err := vec.EncodeBatch(texts)
	if err != nil {
		t.Fatal(err)
	}
	p := &pipeline.Pipeline{Format: pipeline.Format, Kind: pipeline.KindText, Task: pipeline.TaskBinary, Delimiter: ",", Header: "yes", TextColumn: "text", Target: "label",
		Labels: data.NewLabelMap([]string{"ham", "spam"}), Vectorizer: vec}
	emb := layers.NewEmbedding(vec.VocabularySize(), 6)
	emb.MaskZero = true
	m, err := model.NewSequential(layers.Input(seqLen), emb, layers.NewConv1D(4, 2, layers.ConvActivation("relu")),
		layers.NewGlobalMaxPooling1D(), layers.NewDense(1, "sigmoid"))
	if err != nil {
		t.Fatal(err)
	}
	m.Seed = 4
	return saveFixture(t, m, x, y, "binary_crossentropy", p, csv.String())
}

func saveFixture(t *testing.T, m *model.Model, x, y *tensor.Tensor, loss string, p *pipeline.Pipeline, csv string) xmFixture {
	t.Helper()
	if err := m.Compile(model.CompileOptions{OptimizerName: "adam", LearningRate: 0.02, LossName: loss}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Fit(x, y, model.FitOptions{Epochs: 20, BatchSize: 16}); err != nil {
		t.Fatal(err)
	}
	pre, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f := xmFixture{model: filepath.Join(dir, "m.seqnet"), data: filepath.Join(dir, "data.csv"), x: filepath.Join(dir, "x.npy"), rows: x.Shape[0]}
	if err := checkpoint.Save(f.model, m, checkpoint.Extra{Preprocessing: pre}); err != nil {
		t.Fatal(err)
	}
	if err := npy.WriteFile(f.x, x); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.data, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// xmCall runs `seqnet ARGS…` and returns its output and exit status.
func xmCall(args ...string) (stdout, stderr string, code int) {
	var o, e strings.Builder
	code = run(args, &o, &e)
	return o.String(), e.String(), code
}

func TestExplainModelSeries(t *testing.T) {
	f := seriesFixture(t)
	dir := t.TempDir()
	for _, method := range []string{"gradient", "gradxinput", "integrated", "occlusion"} {
		out := filepath.Join(dir, method+".png")
		stdout, stderr, code := xmCall("explain-model", "--model", f.model, "--data", f.data, "--row", "3", "--method", method, "--out", out)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", method, code, stderr)
		}
		for _, want := range []string{"series model", "row: row 3 (target row 15) of ", "prediction: class ", "explaining output 0 unit ", "top 5 steps by |score| (+ pushes the explained output up, − down):\n  step ", "wrote " + out} {
			if !strings.Contains(stdout, want) {
				t.Errorf("%s: output lacks %q:\n%s", method, want, stdout)
			}
		}
		if method == "integrated" && !strings.Contains(stdout, "completeness: attributions add up to") {
			t.Errorf("integrated gradients should print the completeness gap:\n%s", stdout)
		}
		r, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(r)
		r.Close()
		if err != nil {
			t.Fatalf("%s: %s is not a PNG: %v", method, out, err)
		}
		if b := img.Bounds(); b.Dx() < 50 || b.Dy() < 50 {
			t.Errorf("%s: picture is %v", method, b)
		}
	}
	// SVG, CSV and HTML, with occlusion's flags and the mean baseline;
	// --data (read through the stored preprocessing) and --x (the same
	// windows as an array) give the same numbers.
	var csvs []string
	for _, src := range [][]string{{"--data", f.data}, {"--x", f.x}} {
		for _, ext := range []string{".svg", ".csv", ".html"} {
			out := filepath.Join(dir, src[0][2:]+ext)
			_, stderr, code := xmCall("explain-model", "--model", f.model, src[0], src[1], "--row", "1", "--method", "occlusion",
				"--window", "4", "--stride", "2", "--baseline", "mean", "--unit", "2", "--out", out)
			if code != 0 {
				t.Fatalf("%v %s: exit %d: %s", src, ext, code, stderr)
			}
			b, err := os.ReadFile(out)
			if err != nil || len(b) == 0 {
				t.Fatalf("%s not written: %v", out, err)
			}
			switch ext {
			case ".svg":
				if !strings.Contains(string(b), "<svg") {
					t.Errorf("%s is not an SVG", out)
				}
			case ".csv":
				if strings.Count(string(b), "\n") < 12 {
					t.Errorf("%s should have a line per step:\n%s", out, b)
				}
				csvs = append(csvs, string(b))
			case ".html":
				if !strings.Contains(string(b), "<html") {
					t.Errorf("%s is not HTML", out)
				}
			}
		}
	}
	if csvs[0] != csvs[1] {
		t.Errorf("--data and --x explain different numbers:\n%s\n%s", csvs[0], csvs[1])
	}
}

func TestExplainModelText(t *testing.T) {
	f := textFixture(t)
	out := filepath.Join(t.TempDir(), "row.html")
	// Row 1 holds "spam" (odd rows do).
	stdout, stderr, code := xmCall("explain-model", "--model", f.model, "--data", f.data, "--row", "1", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"text model", "row: row 1 (line 3)", "integrated gradients", "completeness:", "top 5 tokens by |score|", `"spam"`, `→ class 1 ("spam")`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	// "spam" is the strongest token of a spam text.
	if _, after, ok := strings.Cut(stdout, "up, − down):\n"); !ok || !strings.HasPrefix(strings.Fields(after)[2], `"spam"`) {
		t.Errorf("the first token listed should be \"spam\":\n%s", stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	if !strings.Contains(html, "<html") {
		t.Errorf("%s is not HTML:\n%.300s", out, html)
	}
	file, _ := os.ReadFile(f.data)
	text := strings.Split(strings.Split(string(file), "\n")[2], ",")[0] // row 1 is the file's line 3
	for _, w := range strings.Fields(text) {
		if !strings.Contains(html, ">"+w+"<") {
			t.Errorf("the page lacks the token %q of %q", w, text)
		}
	}
	// Every method on --x, gradient spelled "saliency", CSV with the words.
	for _, method := range []string{"saliency", "gradxinput", "occlusion"} {
		csv := filepath.Join(t.TempDir(), "row.csv")
		if _, stderr, code := xmCall("explain-model", "--model", f.model, "--x", f.x, "--row", "1", "--method", method, "--out", csv); code != 0 {
			t.Fatalf("%s: exit %d: %s", method, code, stderr)
		}
		if b, _ := os.ReadFile(csv); !strings.Contains(string(b), "spam") {
			t.Errorf("%s: the CSV lacks the words:\n%s", method, b)
		}
	}
}

// TestExplainModelErrors pins the messages of the mistakes people make.
func TestExplainModelErrors(t *testing.T) {
	s := seriesFixture(t)
	tx := textFixture(t)
	dir := t.TempDir()
	pngOut := filepath.Join(dir, "a.png")
	n := strconv.Itoa(s.rows)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--x", s.x, "--row", "0", "--out", pngOut}, "seqnet explain-model: --model is required"},
		{[]string{"--model", s.model, "--row", "0", "--out", pngOut}, "no rows given: pass --data FILE"},
		{[]string{"--model", s.model, "--x", s.x, "--out", pngOut}, "--row is required"},
		{[]string{"--model", s.model, "--x", s.x, "--row", "0"}, "--out is required"},
		{[]string{"--model", s.model, "--x", s.x, "--row", n, "--out", pngOut},
			"--row " + n + " does not exist: --x " + s.x + " has " + n + " rows (0–" + strconv.Itoa(s.rows-1) + "); pick a row in that range"},
		{[]string{"--model", s.model, "--data", s.data, "--row", "-2", "--out", pngOut}, "--row -2 does not exist"},
		{[]string{"--model", s.model, "--x", s.x, "--row", "0", "--method", "lime", "--out", pngOut},
			`--method: unknown attribution method "lime": choose one of gradient, gradxinput, integrated, occlusion`},
		{[]string{"--model", s.model, "--x", s.x, "--row", "0", "--out", filepath.Join(dir, "a.jpg")},
			`unsupported extension ".jpg": use .png or .svg (series heatmap), .html (shaded tokens or steps) or .csv (numbers)`},
		{[]string{"--model", s.model, "--x", s.x, "--row", "0", "--unit", "3", "--out", pngOut}, "--unit 3 does not exist: output 0 has 3 unit(s) (0–2)"},
		{[]string{"--model", s.model, "--x", s.x, "--row", "0", "--baseline", "noise", "--out", pngOut}, `--baseline "noise": choose zero or mean`},
		{[]string{"--model", tx.model, "--data", tx.data, "--row", "0", "--out", pngOut}, "a text model's explanation is drawn as shaded tokens: use --out with .html"},
		{[]string{"--model", tx.model, "--x", tx.x, "--row", "0", "--baseline", "mean", "--out", filepath.Join(dir, "a.html")}, "--baseline mean has no meaning for a text model"},
		{[]string{"--model", s.x, "--x", s.x, "--row", "0", "--out", pngOut}, "--model " + s.x + ": "},
		{[]string{"--model", filepath.Join(dir, "none.seqnet"), "--x", s.x, "--row", "0", "--out", pngOut}, "none.seqnet: no such file"},
		{[]string{"--model", s.model, "--x", tx.x, "--row", "0", "--out", pngOut},
			"--x " + tx.x + " holds rows of shape (9, 1), but the model reads (12, 1): give the rows the model was trained on, as (rows, steps, channels)"},
		{[]string{"--model", tx.model, "--x", s.x, "--row", "0", "--out", filepath.Join(dir, "a.html")}, "holds rows of shape (12,), but the model reads (9,)"},
		{[]string{"--model", tx.model, "--data", s.data, "--row", "0", "--out", filepath.Join(dir, "a.html")}, `no text column named "text"`},
		{[]string{"--model", s.model, "--x", s.x, "--data", s.data, "--row", "0", "--out", pngOut}, "pass one of them"},
		{[]string{"--model", s.model, "--x", s.x, "--row", "0", "--steps", "10", "--out", pngOut, "--method", "occlusion"},
			"--steps applies to --method integrated only; received --method occlusion: drop --steps or use --method integrated"},
		{[]string{"--model", s.model, "--x", s.x, "--row", "0", "--window", "0", "--method", "occlusion", "--out", pngOut}, "--window must be at least 1, received 0"},
		{[]string{"--model", s.model, "--x", s.x, "--row", "0", "--baseline", "mean", "--method", "gradient", "--out", pngOut}, "--baseline applies to --method integrated and occlusion only"},
		{[]string{"--model", s.model, "--x", s.x, "--row", "0", "--out", filepath.Join(dir, "no", "a.png")}, "the directory " + filepath.Join(dir, "no") + " does not exist"},
		{[]string{"--model", s.model, "--x", s.x, "--row", "0", "--out", pngOut, "extra"}, `unexpected argument "extra"`},
		{[]string{"--model", s.model, "--x", s.x, "--rows", "0"}, "flag provided but not defined: -rows; run 'seqnet explain-model -h' for the flags"},
	}
	for _, c := range cases {
		stdout, stderr, code := xmCall(append([]string{"explain-model"}, c.args...)...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", c.args, code, stderr)
		}
		if !strings.Contains(stderr, c.want) {
			t.Errorf("%v:\n got %q\nwant %q", c.args, stderr, c.want)
		}
		if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "seqnet explain-model: ") {
			t.Errorf("%v: stderr should be one line starting with the command, got %q", c.args, stderr)
		}
		if strings.Contains(stdout, "wrote") {
			t.Errorf("%v: wrote a file despite the error:\n%s", c.args, stdout)
		}
	}
	if _, err := os.Stat(pngOut); err == nil {
		t.Errorf("%s written by a failing command", pngOut)
	}
	out, _, code := xmCall("explain-model", "-h")
	if code != 0 || !strings.Contains(out, "--method NAME") {
		t.Errorf("-h: exit %d:\n%s", code, out)
	}
}

// TestExplainModelAfterTrain explains models written by `seqnet train`:
// the preprocessing it stores reads --data, a branched text CNN (kimcnn)
// falls back from integrated gradients, a causal forecaster explains and
// reports its filters.
func TestExplainModelAfterTrain(t *testing.T) {
	if _, ok := commands["train"]; !ok {
		t.Skip("no train command in this build")
	}
	tx, s := textFixture(t), seriesFixture(t)
	dir := t.TempDir()
	kim, fc := filepath.Join(dir, "kim.seqnet"), filepath.Join(dir, "fc.seqnet")
	two := withRowMod7(t, s.data, filepath.Join(dir, "two.csv"))
	for _, args := range [][]string{
		{"train", "--data", tx.data, "--text", "--model", "kimcnn", "--filters", "4", "--embedding-dim", "6", "--epochs", "2", "--no-curves", "--out", kim},
		{"train", "--data", two, "--window", "12", "--target", "v", "--model", "forecast", "--filters", "3", "--epochs", "2", "--no-curves", "--out", fc},
	} {
		if _, stderr, code := xmCall(args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
	}
	html := filepath.Join(dir, "kim.html")
	stdout, stderr, code := xmCall("explain-model", "--model", kim, "--data", tx.data, "--row", "1", "--out", html)
	if code != 0 {
		t.Fatalf("kimcnn: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "explaining with gradxinput instead") || !strings.Contains(stdout, "method: gradient × input") || !strings.Contains(stdout, `"spam"`) {
		t.Errorf("kimcnn: want the gradxinput fallback on the row's words:\n%s", stdout)
	}
	if _, stderr, code := xmCall("explain-model", "--model", kim, "--data", tx.data, "--row", "1", "--method", "integrated", "--out", html); code != 2 || !strings.Contains(stderr, "Use method gradient, gradxinput or occlusion") {
		t.Errorf("kimcnn with --method integrated: exit %d, %s", code, stderr)
	}
	stdout, stderr, code = xmCall("filters", "--model", kim, "--data", tx.data, "--top", "2")
	if code != 0 {
		t.Fatalf("kimcnn filters: exit %d: %s", code, stderr)
	}
	for _, k := range []string{"kernel 3", "kernel 4", "kernel 5"} {
		if !strings.Contains(stdout, k) {
			t.Errorf("kimcnn filters lack the layer of %s:\n%s", k, stdout)
		}
	}
	pic := filepath.Join(dir, "fc.png")
	stdout, stderr, code = xmCall("explain-model", "--model", fc, "--data", two, "--row", "0", "--out", pic)
	if code != 0 {
		t.Fatalf("forecast: exit %d: %s", code, stderr)
	}
	// The prediction also in the target's units (train scales the series),
	// each step's strongest column named.
	for _, want := range []string{"completeness:", "row: row 0 (target row 12)", "(v = ", " unscaled); explaining output 0 unit 0", "   mostly "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("forecast: output lacks %q:\n%s", want, stdout)
		}
	}
	if !regexp.MustCompile(`mostly (v|w) \(value`).MatchString(stdout) {
		t.Errorf("forecast: columns not named:\n%s", stdout)
	}
	// The picture names the columns and titles the prediction in the
	// data's units.
	svg := filepath.Join(dir, "fc.svg")
	if _, stderr, code := xmCall("explain-model", "--model", fc, "--data", two, "--row", "0", "--out", svg); code != 0 {
		t.Fatalf("forecast svg: exit %d: %s", code, stderr)
	}
	picture, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(picture), "(prediction v = ") || strings.Contains(string(picture), "ch 0") {
		t.Errorf("the picture does not name the prediction in the data's units or still says ch 0")
	}
	if _, stderr, code := xmCall("filters", "--model", fc, "--data", two, "--weights-dir", filepath.Join(dir, "w")); code != 0 {
		t.Fatalf("forecast filters: exit %d: %s", code, stderr)
	}
}

// withRowMod7 writes to two the series CSV at src with a second column,
// w = the row number mod 7, and returns two.
func withRowMod7(t *testing.T, src, two string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for i := range lines {
		if i == 0 {
			lines[i] += ",w"
		} else {
			lines[i] += fmt.Sprintf(",%d", i%7)
		}
	}
	if err := os.WriteFile(two, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return two
}

// TestExplainPictures checks the hook the demo uses on a model in memory.
func TestExplainPictures(t *testing.T) {
	for _, f := range []xmFixture{seriesFixture(t), textFixture(t)} {
		m, extra, err := checkpoint.Load(f.model)
		if err != nil {
			t.Fatal(err)
		}
		p, err := pipeline.Parse(extra.Preprocessing)
		if err != nil {
			t.Fatal(err)
		}
		var vocab []string
		if p.Vectorizer != nil {
			vocab = p.Vectorizer.Vocabulary
		}
		xy, err := data.LoadXY(f.x)
		if err != nil {
			t.Fatal(err)
		}
		x := xy.X
		if vocab != nil {
			x, _ = x.Reshape(x.Shape[0], x.Shape[1])
		}
		dir := t.TempDir()
		var out strings.Builder
		files, err := explainPictures(&out, m, x, vocab, p.Labels.Classes, 1, dir, "demo")
		if err != nil {
			t.Fatal(err)
		}
		ext := ".png"
		if vocab != nil {
			ext = ".html"
		}
		want := []string{filepath.Join(dir, "demo-explain"+ext), filepath.Join(dir, "demo-filters.html")}
		if !slices.Equal(files, want) {
			t.Errorf("files %v, want %v", files, want)
		}
		for _, f := range files {
			if st, err := os.Stat(f); err != nil || st.Size() == 0 {
				t.Errorf("%s not written: %v", f, err)
			}
		}
		for _, w := range []string{"method: integrated gradients", "row: row 1 of", "filter  0: "} {
			if !strings.Contains(out.String(), w) {
				t.Errorf("output lacks %q:\n%s", w, out.String())
			}
		}
	}
}
