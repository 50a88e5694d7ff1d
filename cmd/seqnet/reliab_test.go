package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/data/npy"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/optimizers"
	"github.com/seqnet/seqnet/tensor"
)

// TestPanicIsNotAUserError checks that a panic inside a command (a bug)
// ends with status 1 and a message saying it is a bug, not with Go's
// status 2, which the README reserves for user errors.
func TestPanicIsNotAUserError(t *testing.T) {
	commands["test-panic"] = command{func([]string, io.Writer, io.Writer) int {
		var s []int
		return s[3]
	}, ""}
	defer delete(commands, "test-panic")
	_, errOut, code := cli("test-panic")
	if code != 1 || !strings.Contains(errOut, "internal error (a bug in seqnet") {
		t.Errorf("exit %d, stderr %q: want 1 and the bug message", code, errOut)
	}
}

// TestValidationSplitNaN is the CLI side of `--validation-split NaN`,
// which panicked in data.(*Series).Slice: a user error, before reading.
func TestValidationSplitNaN(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir+"/s.csv", "date,a,b\n1,1,2\n2,2,3\n3,3,4\n4,4,5\n5,5,6\n6,6,7\n7,7,8\n")
	for _, extra := range [][]string{{"--window", "2"}, nil} {
		args := append([]string{"train", "--data", path, "--validation-split", "NaN", "--out", dir + "/m.seqnet"}, extra...)
		_, errOut, code := cli(args...)
		if code != 2 || !strings.Contains(errOut, "--validation-split must be in [0, 1), received NaN") {
			t.Errorf("%v: exit %d, stderr %q", extra, code, errOut)
		}
	}
}

// TestOutputNeverOverwritesAnInput checks every door where an output path
// can name an input (or another output): refused with exit 2 before any
// work, the input untouched. Each of these overwrote its input, exit 0.
func TestOutputNeverOverwritesAnInput(t *testing.T) {
	dir := t.TempDir()
	csvPath := classCSV(t, dir, 40, 1)
	model := filepath.Join(dir, "m.seqnet")
	mustCLI(t, "train", "--data", csvPath, "--epochs", "1", "--out", model, "--no-curves")
	x := filepath.Join(dir, "x.npy")
	if err := npy.WriteFile(x, tensor.New(4, 5, 1)); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(csvPath, link); err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	rel, err := filepath.Rel(wd, csvPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"train", "--data", csvPath, "--out", csvPath},
		{"train", "--data", link, "--out", csvPath},
		{"train", "--data", rel, "--out", filepath.Join(dir, ".", "sub", "..", filepath.Base(csvPath))},
		{"train", "--x", x, "--y", x, "--out", x},
		{"train", "--model", model, "--data", csvPath, "--out", model},
		{"predict", "--model", model, "--data", csvPath, "--out", csvPath},
		{"predict", "--model", model, "--data", csvPath, "--out=" + csvPath},
		{"explain-model", "--model", model, "--data", csvPath, "--row", "0", "--out", csvPath},
		{"export", "--model", model, "--keras-json", model},
		{"export", "--model", model, "--keras-json", filepath.Join(dir, "k.json"), "--weights", filepath.Join(dir, "k.json")},
		{"import", "--keras-json", csvPath, "--out", csvPath},
	} {
		before := snapshot(t, dir)
		out, errOut, code := cli(args...)
		if code != 2 || !strings.Contains(errOut, "same file") || out != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q: want exit 2 naming the clash, before any work", args, code, out, errOut)
		}
		if after := snapshot(t, dir); after != before {
			t.Errorf("%q: the folder changed:\nbefore %s\nafter  %s", args, before, after)
		}
	}
}

// TestUnwritableOutputFailsBeforeTraining: --out in a folder that cannot
// be written is a user error at once (it trained, then exited 1 and lost
// the training).
func TestUnwritableOutputFailsBeforeTraining(t *testing.T) {
	dir := t.TempDir()
	csvPath := classCSV(t, dir, 40, 1)
	out, errOut, code := cli("train", "--data", csvPath, "--epochs", "1", "--out", "/proc/x.seqnet")
	if code != 2 || !strings.Contains(errOut, "cannot write in the folder /proc") || strings.Contains(out, "epoch") {
		t.Errorf("exit %d, stderr %q, stdout %q", code, errOut, out)
	}
}

// snapshot lists the files of dir with their sizes and modification times.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s:%d:%d ", e.Name(), info.Size(), info.ModTime().UnixNano())
	}
	return b.String()
}

// TestImportRefusesHugeModels: a Keras JSON with units 1e12 or a
// 2·10⁹-step input is refused with its size (exit 2) instead of exhausting
// memory.
func TestImportRefusesHugeModels(t *testing.T) {
	src, err := os.ReadFile("../../keras/testdata/keras2_sequential_conv1d.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, c := range []struct{ from, to, want string }{
		{`"units": 1`, `"units": 1e12`, "units=1e+12 is too large"},
		{`"batch_input_shape": [null, 20, 3]`, `"batch_input_shape": [null, 2000000000, 3]`, "activation values per sample"},
	} {
		path := writeFile(t, filepath.Join(dir, "m.json"), strings.ReplaceAll(string(src), c.from, c.to))
		_, errOut, code := cli("import", "--keras-json", path, "--out", filepath.Join(dir, "m.seqnet"))
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, stderr %q, want %q", c.to, code, errOut, c.want)
		}
	}
	_, errOut, code := cli("import", "--max-memory", "lots", "--keras-json", "x.json", "--out", filepath.Join(dir, "m.seqnet"))
	if code != 2 || !strings.Contains(errOut, `--max-memory "lots": expected a positive size`) {
		t.Errorf("bad --max-memory: exit %d, %q", code, errOut)
	}
}

// TestExplainRefusalsAreClean: integrated gradients on a branched text
// CNN is refused from the graph (it leaked "runtime error: slice bounds
// out of range [:128]"), and sizes that would run for hours or exhaust
// memory are refused at once.
func TestExplainRefusalsAreClean(t *testing.T) {
	tx := textFixture(t)
	dir := t.TempDir()
	kim := filepath.Join(dir, "kim.seqnet")
	mustCLI(t, "train", "--data", tx.data, "--text", "--model", "kimcnn", "--epochs", "1", "--no-curves", "--out", kim)
	_, errOut, code := cli("explain-model", "--model", kim, "--data", tx.data, "--row", "1", "--method", "integrated", "--out", filepath.Join(dir, "k.html"))
	if code != 2 || strings.Contains(errOut, "runtime error") || !strings.Contains(errOut, "the graph branches or merges") {
		t.Errorf("kimcnn integrated: exit %d, %q", code, errOut)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"explain-model", "--model", kim, "--data", tx.data, "--row", "1", "--method", "integrated", "--steps", "100000000", "--out", filepath.Join(dir, "k.html")},
			"100000000 integration steps is too many"},
		{[]string{"explain", "--input", "0,3,4,5", "--kernel", "1,2", "--dilation", "1000000000", "--padding", "same"}, "at most 100000 are explained"},
		{[]string{"explain", "--input", "0,3,4,5", "--kernel", "1,2", "--dilation", "9000000000000", "--padding", "causal"}, "must each be at most 2147483647"},
	} {
		if _, errOut, code := cli(c.args...); code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%q: exit %d, %q, want %q", c.args, code, errOut, c.want)
		}
	}
}

// TestOptimizerFlags: the optimizer arguments a Keras user sets reach the
// optimizer (and the model file); one that does not apply, or is out of
// range, is a user error before any work.
func TestOptimizerFlags(t *testing.T) {
	dir := t.TempDir()
	csvPath := classCSV(t, dir, 40, 1)
	out := filepath.Join(dir, "m.seqnet")
	mustCLI(t, "train", "--data", csvPath, "--epochs", "1", "--no-curves", "--out", out, "--optimizer", "sgd", "--learning-rate", "0.02", "--momentum", "0.9", "--nesterov", "--clipnorm", "2")
	m, _, err := checkpoint.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := m.Optimizer().(*optimizers.SGD); !ok || o.Momentum != 0.9 || !o.Nesterov || o.ClipNorm != 2 || o.LR != 0.02 {
		t.Errorf("optimizer %#v", m.Optimizer())
	}
	mustCLI(t, "train", "--data", csvPath, "--epochs", "1", "--no-curves", "--out", out, "--optimizer-config", `{"name": "adam", "learning_rate": 0.01, "beta_2": 0.99, "amsgrad": true}`)
	m, _, err = checkpoint.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := m.Optimizer().(*optimizers.Adam); !ok || o.Beta2 != 0.99 || !o.AMSGrad || o.LR != 0.01 {
		t.Errorf("optimizer %#v", m.Optimizer())
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--momentum", "0.9"}, "--momentum does not apply to --optimizer adam: it is an argument of sgd and rmsprop"},
		{[]string{"--optimizer", "rmsprop", "--amsgrad"}, "--amsgrad does not apply to --optimizer rmsprop: it is an argument of adam"},
		{[]string{"--beta-1", "NaN"}, "beta_1=NaN is invalid"},
		{[]string{"--clipnorm", "1", "--clipvalue", "1"}, "only one of clipnorm, clipvalue and global_clipnorm"},
		{[]string{"--optimizer", "sgd", "--optimizer-config", `{"name": "adam"}`}, "--optimizer sgd and --optimizer-config's name \"adam\" differ"},
		{[]string{"--optimizer-config", `{"name": "adam", "weight_decay": 0.1}`}, "weight_decay=0.1 is not supported"},
	} {
		args := append([]string{"train", "--data", csvPath, "--epochs", "1", "--out", filepath.Join(dir, "x.seqnet")}, c.args...)
		stdout, errOut, code := cli(args...)
		if code != 2 || !strings.Contains(errOut, c.want) || stdout != "" {
			t.Errorf("%q: exit %d, stderr %q, stdout %q; want %q", c.args, code, errOut, stdout, c.want)
		}
	}
}

// TestFlagsThatCannotApply: every train flag the rest of the command line
// makes meaningless is a user error before any work (each was silently
// ignored: a saved model trained its stored task, --data lost to --x,
// --dropout NaN trained every epoch and then failed to save).
func TestFlagsThatCannotApply(t *testing.T) {
	dir := t.TempDir()
	csvPath := classCSV(t, dir, 40, 1)
	model := filepath.Join(dir, "m.seqnet")
	mustCLI(t, "train", "--data", csvPath, "--epochs", "1", "--no-curves", "--out", model)
	x, y := filepath.Join(dir, "x.npy"), filepath.Join(dir, "y.npy")
	if err := npy.WriteFile(x, tensor.New(8, 5, 1)); err != nil {
		t.Fatal(err)
	}
	if err := npy.WriteFile(y, tensor.New(8, 1)); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "o.seqnet")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--model", model, "--data", csvPath, "--window", "3", "--target", "a", "--scale", "minmax"},
			"--scale, --target, --window cannot change how data is read when training"},
		{[]string{"--data", csvPath, "--x", x, "--y", y}, "--data and --x are both given"},
		{[]string{"--x", x, "--y", y, "--target", "a"}, "--target do not apply to NumPy arrays"},
		{[]string{"--data", csvPath, "--text", "--scale", "minmax"}, "--scale do not apply to --text"},
		{[]string{"--data", csvPath, "--freeze-embeddings"}, "--freeze-embeddings keeps loaded word vectors fixed"},
		{[]string{"--data", csvPath, "--window", "0"}, "--window must be at least 1"},
		{[]string{"--data", csvPath, "--dropout", "NaN"}, "--dropout must be in [0, 1), received NaN"},
		{[]string{"--data", csvPath, "--horizon", "3"}, "--horizon apply to time-series windows only"},
		{[]string{"--data", csvPath, "--seq-len", "5"}, "--seq-len apply to text only"},
		{[]string{"--model", model, "--data", csvPath, "--filters", "3"}, "--filters shape a built-in architecture"},
	} {
		args := append([]string{"train", "--epochs", "1", "--out", out}, c.args...)
		stdout, errOut, code := cli(args...)
		if code != 2 || !strings.Contains(errOut, c.want) || stdout != "" {
			t.Errorf("%q: exit %d, stderr %q, stdout %q; want %q", c.args, code, errOut, stdout, c.want)
		}
	}
}

// TestProgressFitsTheTerminal: on a 60-column terminal every redrawn bar
// line stays within 59 columns (a full-width line wraps, and each redraw
// then left a stale line: 46 of them for 2 epochs).
func TestProgressFitsTheTerminal(t *testing.T) {
	var b strings.Builder
	clock := time.Unix(0, 0)
	p := &progress{w: &b, tty: true, width: 60, epochs: 2, batches: 40, now: func() time.Time { return clock }}
	logs := model.Logs{Keys: []string{"loss", "accuracy", "mae"}, Values: map[string]float64{"loss": 0.5, "accuracy": 0.75, "mae": 0.25}}
	p.OnEpochBegin(0)
	for i := 0; i < 40; i++ {
		clock = clock.Add(time.Second)
		p.OnBatchEnd(i, logs)
	}
	for _, draw := range strings.Split(b.String(), "\r")[1:] {
		line := strings.TrimSuffix(draw, "\x1b[K")
		if n := utf8.RuneCountInString(line); n > 59 {
			t.Errorf("a %d-column bar line on a 60-column terminal: %q", n, line)
		}
	}
	t.Setenv("COLUMNS", "72")
	if w := termWidth(&b); w != 72 {
		t.Errorf("termWidth with COLUMNS=72: %d", w)
	}
}

// TestMessagesSayWhatToDo pins the messages issue 13 found unhelpful.
func TestMessagesSayWhatToDo(t *testing.T) {
	dir := t.TempDir()
	// demo --seed -1 printed Go's whole flag listing.
	if _, errOut, code := cli("demo", "--seed", "-1"); code != 2 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "run 'seqnet demo -h'") {
		t.Errorf("demo --seed -1: exit %d, %q", code, errOut)
	}
	// An empty model file said "expected data rows".
	empty := writeFile(t, filepath.Join(dir, "empty.seqnet"), "")
	if _, errOut, code := cli("summary", "--model", empty); code != 2 || !strings.Contains(errOut, "expected a seqnet model file") {
		t.Errorf("empty model: exit %d, %q", code, errOut)
	}
	// A negative Keras input dimension was "unknown (None)".
	src, err := os.ReadFile("../../keras/testdata/keras2_sequential_conv1d.json")
	if err != nil {
		t.Fatal(err)
	}
	neg := writeFile(t, filepath.Join(dir, "neg.json"), strings.ReplaceAll(string(src), "[null, 20, 3]", "[null, -20, 3]"))
	if _, errOut, code := cli("import", "--keras-json", neg, "--out", filepath.Join(dir, "n.seqnet")); code != 2 || !strings.Contains(errOut, "negative dimension -20") {
		t.Errorf("negative dimension: exit %d, %q", code, errOut)
	}
	// --resume from another folder: the stored data path is relative.
	sub := filepath.Join(dir, "run")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	classCSV(t, sub, 40, 2)
	wd, _ := os.Getwd()
	if err := os.Chdir(sub); err != nil {
		t.Fatal(err)
	}
	testInterruptAfter = 1
	_, errOut, code := cli("train", "--data", "classes.csv", "--epochs", "2", "--no-curves", "--out", "m.seqnet")
	testInterruptAfter = 0
	os.Chdir(wd)
	if code != exitInterrupted {
		t.Fatalf("interrupted train: exit %d, %s", code, errOut)
	}
	_, errOut, code = cli("train", "--resume", filepath.Join(sub, "m.seqnet"))
	if code != 2 || !strings.Contains(errOut, "the training data --data classes.csv stored in the model is not found from here") || !strings.Contains(errOut, "give its path now with --data FILE") {
		t.Errorf("resume from elsewhere: exit %d, %q", code, errOut)
	}
	if out, errOut, code := cli("train", "--resume", filepath.Join(sub, "m.seqnet"), "--data", filepath.Join(sub, "classes.csv")); code != 0 {
		t.Errorf("resume with --data: exit %d, %s %s", code, errOut, out)
	}
}

// TestExplainRegressionUnitIsNotAClass: explain-model --output/--unit on
// a regression head with several values said "class 1".
func TestExplainRegressionUnitIsNotAClass(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("v,w\n")
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&b, "%d,%d\n", i%7, i%5)
	}
	series := writeFile(t, filepath.Join(dir, "s.csv"), b.String())
	m := filepath.Join(dir, "f.seqnet")
	mustCLI(t, "train", "--data", series, "--window", "6", "--target", "v,w", "--epochs", "1", "--no-curves", "--out", m)
	out := mustCLI(t, "explain-model", "--model", m, "--data", series, "--row", "0", "--unit", "1", "--method", "gradient", "--out", filepath.Join(dir, "e.csv"))
	if strings.Contains(out, "class") || !strings.Contains(out, "explaining output 0 unit 1") {
		t.Errorf("regression head explained as a class:\n%s", out)
	}
}

// TestBadTargetCellIsNamed: one non-numeric cell in a numeric target
// turned the regression into classification with a class per value
// (exit 0); it is now an error naming the line and the value.
func TestBadTargetCellIsNamed(t *testing.T) {
	dir := t.TempDir()
	for _, bad := range []string{"1e39", "abc", "inf", "#N/A"} {
		var b strings.Builder
		b.WriteString("a,b,y\n")
		for i := 0; i < 40; i++ {
			y := fmt.Sprintf("%d.5", i)
			if i == 17 {
				y = bad
			}
			fmt.Fprintf(&b, "%d,%d,%s\n", i%3, i%5, y)
		}
		path := writeFile(t, filepath.Join(dir, "r.csv"), b.String())
		_, errOut, code := cli("train", "--data", path, "--epochs", "1", "--no-curves", "--out", filepath.Join(dir, "m.seqnet"))
		if code != 2 || !strings.Contains(errOut, fmt.Sprintf("line 19 %q", bad)) || !strings.Contains(errOut, "holds numbers in 39 of 40 rows") {
			t.Errorf("%s: exit %d, %q", bad, code, errOut)
		}
	}
}

// TestNaNWeightsAreRefused: a model whose weights hold NaN predicted NaN
// and labelled every row as the first class, exit 0.
func TestNaNWeightsAreRefused(t *testing.T) {
	dir := t.TempDir()
	csvPath := classCSV(t, dir, 40, 1)
	mp := filepath.Join(dir, "m.seqnet")
	mustCLI(t, "train", "--data", csvPath, "--epochs", "1", "--no-curves", "--out", mp)
	m, extra, err := checkpoint.Load(mp)
	if err != nil {
		t.Fatal(err)
	}
	m.Params()[0].Value.Data[1] = float32(math.NaN())
	if err := checkpoint.Save(mp, m, extra); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"predict", "--model", mp, "--data", csvPath},
		{"evaluate", "--model", mp, "--data", csvPath},
		{"explain-model", "--model", mp, "--data", csvPath, "--row", "0", "--out", filepath.Join(dir, "e.csv")},
	} {
		out, errOut, code := cli(args...)
		if code != 2 || !strings.Contains(errOut, "holds NaN (at index 1): the model would predict NaN") {
			t.Errorf("%s: exit %d, %q, stdout %q", args[0], code, errOut, out)
		}
	}
}

// TestPredictWritesWhatTheModelGives: a two-output model's predictions
// hold both outputs (the second was dropped, exit 0); .npy/.npz files hold
// the model's own output shapes (a binary classifier's (N, 1), not (N, 2)).
func TestPredictWritesWhatTheModelGives(t *testing.T) {
	dir := t.TempDir()
	two := filepath.Join(dir, "two.seqnet")
	mustCLI(t, "import", "--keras-json", "../../keras/testdata/keras2_functional_two_outputs.json", "--out", two)
	x := filepath.Join(dir, "x.npy")
	if err := npy.WriteFile(x, tensor.New(4, 10, 2)); err != nil {
		t.Fatal(err)
	}
	out := mustCLI(t, "predict", "--model", two, "--x", x)
	if first, _, _ := strings.Cut(out, "\n"); first != "index,output_0_0,output_1_0,output_1_1,output_1_2" {
		t.Errorf("CSV header %q: want both outputs", first)
	}
	npz := filepath.Join(dir, "o.npz")
	mustCLI(t, "predict", "--model", two, "--x", x, "--out", npz)
	arrays, err := npy.ReadNPZFile(npz)
	if err != nil || len(arrays) != 2 || !slices.Equal(arrays[1].Tensor.Shape, []int{4, 3}) {
		t.Errorf("npz: %v %v", arrays, err)
	}
	if _, errOut, code := cli("predict", "--model", two, "--x", x, "--out", filepath.Join(dir, "o.npy")); code != 2 || !strings.Contains(errOut, "write them all with --out FILE.npz") {
		t.Errorf("two outputs to .npy: exit %d, %q", code, errOut)
	}
	// A binary classifier: its .npy is the sigmoid's (N, 1).
	var b strings.Builder
	b.WriteString("a,b,label\n")
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&b, "%d,%d,%s\n", i%4, i%3, []string{"no", "yes"}[i%2])
	}
	data := writeFile(t, filepath.Join(dir, "bin.csv"), b.String())
	bin := filepath.Join(dir, "bin.seqnet")
	mustCLI(t, "train", "--data", data, "--epochs", "1", "--no-curves", "--out", bin)
	p := filepath.Join(dir, "p.npy")
	mustCLI(t, "predict", "--model", bin, "--data", data, "--out", p)
	got, err := npy.ReadFile(p)
	if err != nil || !slices.Equal(got.Tensor.Shape, []int{30, 1}) {
		t.Errorf("binary .npy shape %v (%v), want (30, 1)", got, err)
	}
}

// TestTextFilesAsAdvertised: label<TAB>text lines holding quotes are read
// as they are (89 of 4,268 spam subjects failed), '|' is detected as the
// README says, and a UTF-16 file is named as such.
func TestTextFilesAsAdvertised(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("label\ttext\n")
	for i := 0; i < 40; i++ {
		q := ""
		if i%7 == 0 {
			q = `"free" money`
		}
		fmt.Fprintf(&b, "%s\t%s win cash %d \"quoted %s\n", []string{"ham", "spam"}[i%2], q, i%3, []string{"a", "b"}[i%2])
	}
	tsv := writeFile(t, filepath.Join(dir, "t.tsv"), b.String())
	out := mustCLI(t, "train", "--data", tsv, "--text", "--target", "label", "--epochs", "1", "--no-curves", "--out", filepath.Join(dir, "t.seqnet"))
	if !strings.Contains(out, "40") {
		t.Errorf("not all 40 texts read:\n%s", out)
	}
	var p strings.Builder
	p.WriteString("a|b|y\n")
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&p, "%d|%d|%d.5\n", i%4, i%3, i)
	}
	pipe := writeFile(t, filepath.Join(dir, "p.csv"), p.String())
	if out := mustCLI(t, "train", "--data", pipe, "--epochs", "1", "--no-curves", "--out", filepath.Join(dir, "p.seqnet")); !strings.Contains(out, "delimiter '|'") && !strings.Contains(out, "delimiter |") {
		t.Errorf("'|' not detected:\n%s", out)
	}
	u16 := []byte{0xff, 0xfe}
	for _, c := range "a,b,y\n1,2,3\n" {
		u16 = append(u16, byte(c), 0)
	}
	path := filepath.Join(dir, "u.csv")
	if err := os.WriteFile(path, u16, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := cli("train", "--data", path, "--out", filepath.Join(dir, "u.seqnet")); code != 2 || !strings.Contains(errOut, "UTF-16") {
		t.Errorf("UTF-16: exit %d, %q", code, errOut)
	}
}

// TestHugeSeqLenIsRefused: --seq-len 100000000 allocated texts × 10⁸
// token ids before anything checked it.
func TestHugeSeqLenIsRefused(t *testing.T) {
	tx := textFixture(t)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, errOut, code := cli("train", "--data", tx.data, "--text", "--seq-len", "100000000", "--epochs", "1", "--out", filepath.Join(t.TempDir(), "m.seqnet"))
	runtime.ReadMemStats(&after)
	if code != 2 || !strings.Contains(errOut, "--seq-len 100000000 for 120 texts would take") {
		t.Errorf("exit %d, %q", code, errOut)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Errorf("refusing it allocated %d bytes", grew)
	}
}

// TestDuplicateColumnNames: two columns of one name were read, and
// --target picked one of them silently.
func TestDuplicateColumnNames(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("a,b,a,y\n")
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&b, "%d,%d,%d,%d.5\n", i%3, i%4, i%5, i)
	}
	path := writeFile(t, filepath.Join(dir, "d.csv"), b.String())
	_, errOut, code := cli("train", "--data", path, "--epochs", "1", "--out", filepath.Join(dir, "m.seqnet"))
	if code != 2 || !strings.Contains(errOut, "columns 0 and 2 are both named `a`") {
		t.Errorf("exit %d, %q", code, errOut)
	}
}

// TestModelDoesNotReplaceAnotherFile: found by FuzzCLI: train --out
// naming an existing data file (not an input of this run) replaced it by
// the model.
func TestModelDoesNotReplaceAnotherFile(t *testing.T) {
	dir := t.TempDir()
	csvPath := classCSV(t, dir, 40, 1)
	other := writeFile(t, filepath.Join(dir, "notes.tsv"), "a\tb\n1\t2\n")
	_, errOut, code := cli("train", "--data", csvPath, "--epochs", "1", "--out", other)
	if code != 2 || !strings.Contains(errOut, "exists and is not a seqnet model file") {
		t.Errorf("exit %d, %q", code, errOut)
	}
	if b, _ := os.ReadFile(other); string(b) != "a\tb\n1\t2\n" {
		t.Errorf("the file was replaced: %q", b)
	}
	// A model file is replaced as before.
	mp := filepath.Join(dir, "m.seqnet")
	mustCLI(t, "train", "--data", csvPath, "--epochs", "1", "--no-curves", "--out", mp)
	mustCLI(t, "train", "--data", csvPath, "--epochs", "1", "--no-curves", "--out", mp)
}

// An output flag followed by another flag is a forgotten path: Go's flag
// parser would write a file named after the second flag (the CLI fuzzer
// left "--padding", "--data" and others in the source tree that way).
func TestOutputFollowedByAFlagIsRefused(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, args := range [][]string{
		{"train", "--data", "d.csv", "--out", "--padding", "same"},
		{"predict", "--model", "m.seqnet", "--data", "d.csv", "--out", "--target"},
		{"export", "--model", "m.seqnet", "--onnx", "-x"},
	} {
		_, errOut, code := cli(args...)
		if code != 2 || !strings.Contains(errOut, "looks like a flag") {
			t.Errorf("seqnet %s: exit %d, %q; want exit 2 naming the flag taken for a path", strings.Join(args, " "), code, errOut)
		}
		if entries, _ := os.ReadDir("."); len(entries) != 0 {
			t.Errorf("seqnet %s wrote %v", strings.Join(args, " "), entries)
		}
	}
	// A path that starts with '-' can still be named.
	_, errOut, _ := cli("train", "--data", "d.csv", "--out", "./-model.seqnet")
	if strings.Contains(errOut, "looks like a flag") {
		t.Errorf("./-model.seqnet refused as a flag: %s", errOut)
	}
}
