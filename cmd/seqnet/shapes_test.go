package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/data/npy"
	"github.com/seqnet/seqnet/tensor"
)

// Issue 13, items 3 and 6: shapes through files. Per-step classification
// trains from integer y of shape (N, steps); a model whose input is 2-D
// (an Embedding or Dense first layer) reads a 2-D --x as it is; a text
// model takes token ids with --x; an empty .npz imports a model without
// weights; a per-step model's CSV/JSONL has one row per sample and step.

// writeIntNPY writes vals as an int64 .npy of the given shape, as
// numpy.save does for an integer array (npy.Write writes float32 only).
func writeIntNPY(t *testing.T, path string, vals []int64, shape ...int) string {
	t.Helper()
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = strconv.Itoa(d)
	}
	sh := strings.Join(dims, ", ")
	if len(shape) == 1 {
		sh += ","
	}
	h := fmt.Sprintf("{'descr': '<i8', 'fortran_order': False, 'shape': (%s), }", sh)
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	b.WriteString(h)
	binary.Write(&b, binary.LittleEndian, vals)
	return writeFile(t, path, b.String())
}

// kerasSequential writes a Keras model.to_json() of a Sequential model
// with the given input shape and layers ({"class_name": …, "config": …}).
func kerasSequential(t *testing.T, path string, input []int, layers ...string) string {
	t.Helper()
	shape := "null"
	for _, d := range input {
		shape += "," + strconv.Itoa(d)
	}
	all := append([]string{`{"class_name": "InputLayer", "config": {"name": "in", "batch_input_shape": [` + shape + `]}}`}, layers...)
	return writeFile(t, path, `{"class_name": "Sequential", "config": {"name": "m", "layers": [`+strings.Join(all, ",")+`]}}`)
}

// perStepData writes x (n, 8, 2) and y (n, 8) with 3 classes per step
// (from the step's own values), y as float32 or int64.
func perStepData(t *testing.T, dir string, n int, intY bool) (x, y string) {
	rng := rand.New(rand.NewPCG(13, 3))
	xt := tensor.New(n, 8, 2)
	for i := range xt.Data {
		xt.Data[i] = float32(rng.NormFloat64())
	}
	labels := make([]int64, n*8)
	yt := tensor.New(n, 8)
	for i := range labels {
		if xt.Data[2*i] > 0 {
			labels[i]++
		}
		if xt.Data[2*i+1] > 0.5 {
			labels[i]++
		}
		yt.Data[i] = float32(labels[i])
	}
	x, y = filepath.Join(dir, "x.npy"), filepath.Join(dir, "y.npy")
	if err := npy.WriteFile(x, xt); err != nil {
		t.Fatal(err)
	}
	if intY {
		writeIntNPY(t, y, labels, n, 8)
	} else if err := npy.WriteFile(y, yt); err != nil {
		t.Fatal(err)
	}
	return x, y
}

const (
	convSame     = `{"class_name": "Conv1D", "config": {"name": "conv", "filters": 4, "kernel_size": 3, "padding": "same", "activation": "relu"}}`
	denseSoftmax = `{"class_name": "Dense", "config": {"name": "out", "units": 3, "activation": "softmax"}}`
)

// TestPerStepClassesThroughTheCLI: integer y of shape (N, steps) with
// --classes, or with int64 y and a sparse loss, trains a Conv1D(same) →
// Dense(3, softmax) per-step classifier (it was read as 8 regression
// targets: "targets of shape (40, 8) do not match predictions of shape
// (40, 8, 3)"), and predict and evaluate work on it.
func TestPerStepClassesThroughTheCLI(t *testing.T) {
	dir := t.TempDir()
	js := kerasSequential(t, filepath.Join(dir, "seg.json"), []int{8, 2}, convSame, denseSoftmax)
	x, y := perStepData(t, dir, 40, false)
	m := filepath.Join(dir, "seg.seqnet")
	out := mustCLI(t, "train", "--x", x, "--y", y, "--model", js, "--classes", "--epochs", "2", "--no-curves", "--out", m)
	if !strings.Contains(out, "accuracy") {
		t.Errorf("train output lacks the accuracy:\n%s", out)
	}
	recs := readCSVOut(t, mustCLI(t, "predict", "--model", m, "--x", x))
	if !slices.Equal(recs[0], []string{"index", "step", "label", "prob_0", "prob_1", "prob_2"}) || len(recs) != 1+40*8 {
		t.Fatalf("per-step CSV: header %v, %d rows; want index,step,label,prob_0..2 and 320 rows", recs[0], len(recs)-1)
	}
	if !slices.Equal(recs[10][:2], []string{"1", "1"}) {
		t.Errorf("row 10 is %v: want sample 1, step 1", recs[10])
	}
	eval := mustCLI(t, "evaluate", "--model", m, "--x", x, "--y", y)
	if !strings.Contains(eval, "40 samples: ") || !strings.Contains(eval, "accuracy") {
		t.Errorf("evaluate:\n%s", eval)
	}
	npyOut := filepath.Join(dir, "p.npy")
	mustCLI(t, "predict", "--model", m, "--x", x, "--out", npyOut)
	if a, err := npy.ReadFile(npyOut); err != nil || !slices.Equal(a.Tensor.Shape, []int{40, 8, 3}) {
		t.Errorf("per-step .npy: %v %v, want (40, 8, 3)", a, err)
	}
	// int64 labels and a sparse loss, without --classes.
	_, yi := perStepData(t, t.TempDir(), 40, true)
	mustCLI(t, "train", "--x", x, "--y", yi, "--model", js, "--loss", "sparse_categorical_crossentropy",
		"--epochs", "1", "--no-curves", "--out", filepath.Join(dir, "seg2.seqnet"))
	// Two classes and a two-unit softmax: sparse cross-entropy by default
	// (binary cross-entropy wants one sigmoid unit), and predict reads both
	// probabilities (it was "the model gives 2 outputs per sample but its
	// label map has 2 classes").
	two := tensor.New(40, 8)
	for i := range two.Data {
		two.Data[i] = float32(i % 2)
	}
	twoY := filepath.Join(dir, "two.npy")
	if err := npy.WriteFile(twoY, two); err != nil {
		t.Fatal(err)
	}
	js2 := kerasSequential(t, filepath.Join(dir, "seg2.json"), []int{8, 2}, convSame,
		`{"class_name": "Dense", "config": {"name": "out", "units": 2, "activation": "softmax"}}`)
	m2 := filepath.Join(dir, "two.seqnet")
	mustCLI(t, "train", "--x", x, "--y", twoY, "--model", js2, "--classes", "--epochs", "1", "--no-curves", "--out", m2)
	if recs := readCSVOut(t, mustCLI(t, "predict", "--model", m2, "--x", x)); !slices.Equal(recs[0], []string{"index", "step", "label", "prob_0", "prob_1"}) {
		t.Errorf("two classes per step: header %v", recs[0])
	}
	// A label outside the classes seen in training is named.
	bad := tensor.New(40, 8)
	bad.Data[5] = 7
	badY := filepath.Join(dir, "bad.npy")
	if err := npy.WriteFile(badY, bad); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := cli("evaluate", "--model", m, "--x", x, "--y", badY); code != 2 || !strings.Contains(errOut, "7") {
		t.Errorf("unknown label: exit %d, %q", code, errOut)
	}
}

// TestPerStepOutputLayout: a model without preprocessing whose output is
// (N, steps, C) writes one CSV row / JSON line per sample and step, with
// the step index, and predict -h documents it.
func TestPerStepOutputLayout(t *testing.T) {
	dir := t.TempDir()
	js := kerasSequential(t, filepath.Join(dir, "seg.json"), []int{8, 2}, convSame, denseSoftmax)
	m := filepath.Join(dir, "seg.seqnet")
	mustCLI(t, "import", "--keras-json", js, "--out", m)
	x, _ := perStepData(t, dir, 3, false)
	recs := readCSVOut(t, mustCLI(t, "predict", "--model", m, "--x", x))
	if !slices.Equal(recs[0], []string{"index", "step", "output_0", "output_1", "output_2"}) || len(recs) != 1+3*8 {
		t.Fatalf("CSV header %v and %d rows; want index,step,output_0..2 and 24 rows", recs[0], len(recs)-1)
	}
	jl := filepath.Join(dir, "p.jsonl")
	mustCLI(t, "predict", "--model", m, "--x", x, "--out", jl)
	b, err := os.ReadFile(jl)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 24 {
		t.Fatalf("%d JSON lines, want 24", len(lines))
	}
	var obj struct {
		Index  string             `json:"index"`
		Step   *int               `json:"step"`
		Values map[string]float64 `json:"values"`
	}
	if err := json.Unmarshal([]byte(lines[9]), &obj); err != nil || obj.Index != "1" || obj.Step == nil || *obj.Step != 1 || len(obj.Values) != 3 {
		t.Errorf("line 9 %s (%v): want index 1, step 1, 3 values", lines[9], err)
	}
	help := mustCLI(t, "predict", "-h")
	if !strings.Contains(help, "one row per sample and step") {
		t.Errorf("predict -h does not document the per-step layout:\n%s", help)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil || !strings.Contains(string(readme), "index,step,label,prob_0,prob_1,prob_2") {
		t.Errorf("README.md does not show the per-step CSV layout (%v)", err)
	}
}

// TestTwoDimensionalInputFollowsTheModel: a 2-D --x is read as it is for a
// model whose input is 2-D (Embedding with int or float token ids, Dense),
// not as (N, steps, 1), in train, predict, evaluate and explain-model.
func TestTwoDimensionalInputFollowsTheModel(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(6, 1))
	n := 30
	ids := make([]int64, n*6)
	tok := tensor.New(n, 6)
	yb := tensor.New(n)
	for i := range ids {
		ids[i] = int64(1 + rng.IntN(19))
		tok.Data[i] = float32(ids[i])
	}
	for i := 0; i < n; i++ {
		yb.Data[i] = float32(i % 2)
	}
	tokI := writeIntNPY(t, filepath.Join(dir, "tok_int.npy"), ids, n, 6)
	tokF, y := filepath.Join(dir, "tok_float.npy"), filepath.Join(dir, "y.npy")
	if err := npy.WriteFile(tokF, tok); err != nil {
		t.Fatal(err)
	}
	if err := npy.WriteFile(y, yb); err != nil {
		t.Fatal(err)
	}
	emb := kerasSequential(t, filepath.Join(dir, "emb.json"), []int{6},
		`{"class_name": "Embedding", "config": {"name": "e", "input_dim": 20, "output_dim": 4}}`,
		`{"class_name": "GlobalAveragePooling1D", "config": {"name": "g"}}`,
		`{"class_name": "Dense", "config": {"name": "out", "units": 1, "activation": "sigmoid"}}`)
	dense := kerasSequential(t, filepath.Join(dir, "dense.json"), []int{6},
		`{"class_name": "Dense", "config": {"name": "h", "units": 4, "activation": "relu"}}`,
		`{"class_name": "Dense", "config": {"name": "out", "units": 1}}`)
	for _, c := range []struct{ name, json, x string }{
		{"embedding-int", emb, tokI}, {"embedding-float", emb, tokF}, {"dense", dense, tokF},
	} {
		m := filepath.Join(dir, c.name+".seqnet")
		mustCLI(t, "train", "--x", c.x, "--y", y, "--model", c.json, "--epochs", "1", "--no-curves", "--out", m)
		if recs := readCSVOut(t, mustCLI(t, "predict", "--model", m, "--x", c.x)); len(recs) != n+1 {
			t.Errorf("%s: predict gave %d rows, want %d", c.name, len(recs)-1, n)
		}
		mustCLI(t, "evaluate", "--model", m, "--x", c.x, "--y", y)
		// Imported, without preprocessing.
		imp := filepath.Join(dir, c.name+"-imported.seqnet")
		mustCLI(t, "import", "--keras-json", c.json, "--out", imp)
		mustCLI(t, "predict", "--model", imp, "--x", c.x)
		mustCLI(t, "evaluate", "--model", imp, "--x", c.x, "--y", y)
		mustCLI(t, "explain-model", "--model", imp, "--x", c.x, "--row", "0", "--out", filepath.Join(dir, c.name+".csv"))
	}
	// A model.to_json() without an input shape: Keras builds it from the
	// data as given, so an Embedding first reads the 2-D ids as they are.
	unbuilt := writeFile(t, filepath.Join(dir, "unbuilt.json"), `{"class_name": "Sequential", "config": {"name": "u", "layers": [
		{"class_name": "Embedding", "config": {"name": "e", "input_dim": 20, "output_dim": 4}},
		{"class_name": "GlobalAveragePooling1D", "config": {"name": "g"}},
		{"class_name": "Dense", "config": {"name": "out", "units": 1, "activation": "sigmoid"}}]}}`)
	m := filepath.Join(dir, "unbuilt.seqnet")
	mustCLI(t, "train", "--x", tokI, "--y", y, "--model", unbuilt, "--epochs", "1", "--no-curves", "--out", m)
	mustCLI(t, "predict", "--model", m, "--x", tokI)
}

// TestTextModelTakesTokenArrays: predict and evaluate take a text model's
// token ids with --x (and class indices with --y), as explain-model does
// (it was "no data: give --data FILE").
func TestTextModelTakesTokenArrays(t *testing.T) {
	dir := t.TempDir()
	path := textTSV(t, dir, 40)
	m := filepath.Join(dir, "t.seqnet")
	mustCLI(t, "train", "--data", path, "--text", "--text-column", "subject", "--target", "label", "--model", "textcnn",
		"--epochs", "1", "--filters", "4", "--embedding-dim", "4", "--seq-len", "5", "--no-curves", "--out", m)
	ids := make([]int64, 4*5)
	for i := range ids {
		ids[i] = int64(i % 7)
	}
	tok := writeIntNPY(t, filepath.Join(dir, "tok.npy"), ids, 4, 5)
	recs := readCSVOut(t, mustCLI(t, "predict", "--model", m, "--x", tok))
	if !slices.Equal(recs[0], []string{"index", "label", "prob_ham", "prob_spam"}) || len(recs) != 5 {
		t.Fatalf("predict --x tok.npy: %v", recs)
	}
	y := writeIntNPY(t, filepath.Join(dir, "y.npy"), []int64{0, 1, 1, 0}, 4)
	if out := mustCLI(t, "evaluate", "--model", m, "--x", tok, "--y", y); !strings.Contains(out, "4 samples: ") {
		t.Errorf("evaluate --x tok.npy:\n%s", out)
	}
	// Wrong sequence length, and a token past the vocabulary, are named.
	short := writeIntNPY(t, filepath.Join(dir, "short.npy"), ids[:12], 4, 3)
	if _, errOut, code := cli("predict", "--model", m, "--x", short); code != 2 || !strings.Contains(errOut, "5") {
		t.Errorf("3 tokens per row: exit %d, %q", code, errOut)
	}
	big := writeIntNPY(t, filepath.Join(dir, "big.npy"), append(slices.Clone(ids[:19]), 100000), 4, 5)
	if _, errOut, code := cli("predict", "--model", m, "--x", big); code != 2 || !strings.Contains(errOut, "100000") {
		t.Errorf("token 100000: exit %d, %q", code, errOut)
	}
	bad := writeIntNPY(t, filepath.Join(dir, "bad.npy"), []int64{0, 1, 2, 0}, 4)
	if _, errOut, code := cli("evaluate", "--model", m, "--x", tok, "--y", bad); code != 2 || !strings.Contains(errOut, "2") {
		t.Errorf("class index 2 of a 2-class model: exit %d, %q", code, errOut)
	}
}

// TestEmptyNPZForAWeightlessModel: numpy.savez(path) of a model without
// weights (Flatten only) imports; for a model with weights it is still an
// error that says how many were expected.
func TestEmptyNPZForAWeightlessModel(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.npz")
	if err := npy.WriteNPZFile(empty, nil, false); err != nil {
		t.Fatal(err)
	}
	flat := kerasSequential(t, filepath.Join(dir, "flat.json"), []int{8, 2},
		`{"class_name": "MaxPooling1D", "config": {"name": "p", "pool_size": 2}}`,
		`{"class_name": "Flatten", "config": {"name": "f"}}`)
	m := filepath.Join(dir, "flat.seqnet")
	mustCLI(t, "import", "--keras-json", flat, "--weights", empty, "--out", m)
	x, _ := perStepData(t, dir, 2, false)
	if recs := readCSVOut(t, mustCLI(t, "predict", "--model", m, "--x", x)); len(recs) != 3 || len(recs[0]) != 1+8 {
		t.Errorf("predict with the weightless model: %v", recs)
	}
	dense := kerasSequential(t, filepath.Join(dir, "dense.json"), []int{8, 2}, convSame, denseSoftmax)
	_, errOut, code := cli("import", "--keras-json", dense, "--weights", empty, "--out", filepath.Join(dir, "d.seqnet"))
	if code != 2 || !strings.Contains(errOut, "4 weight arrays") {
		t.Errorf("empty .npz for a model with 4 weight arrays: exit %d, %q", code, errOut)
	}
}
