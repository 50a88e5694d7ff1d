package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/explain"
	"github.com/seqnet/seqnet/explain/explainplot"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/pipeline"
	"github.com/seqnet/seqnet/tensor"
)

func init() {
	commands["explain-model"] = command{runExplainModel, "explain one prediction: which steps or tokens it rests on"}
}

const explainModelUsage = `Usage: seqnet explain-model --model FILE --data FILE|--x FILE.npy --row N --out PICTURE [flags]

Explains one prediction of a saved model: a score for every input step (series
models) or token (text models) saying how much it pushed the explained output
up or down, printed (the five strongest) and drawn.

  seqnet explain-model --model spam.seqnet --data spam.csv --row 7 --out row7.html
  seqnet explain-model --model temp.seqnet --x windows.npy --row 0 --method occlusion --window 5 --out row0.png

Flags:
  --model FILE      a model saved by 'seqnet train' (.seqnet)
  --data FILE       the rows, read as training read them (text, CSV, series), with the model's stored preprocessing
  --x FILE          or the model's input as a .npy/.npz array: (rows, steps, channels), or (rows, steps) token indices
  --row N           the row to explain, counted from 0
  --out FILE        .png or .svg (series heatmap), .html (shaded tokens or steps), .csv (the numbers)
  --method NAME     gradient, gradxinput, integrated (default) or occlusion; a branched
                    text CNN (kimcnn) falls back to gradxinput unless --method is given
  --unit U          the output unit to explain (default: the predicted class; the single unit of a sigmoid or regression output)
  --output N        the model output to explain, for models with several (default 0)
  --steps S         integrated gradients: points on the path from the baseline (default 64)
  --window W        occlusion: steps hidden at once (default 1 for tokens, 3 for series)
  --stride S        occlusion: step between windows (default 1)
  --baseline B      integrated, occlusion: zero (default) or mean (each channel's mean over the rows; series only)
  --delimiter D, --header yes|no|auto
                    the --data file's layout, when not the training file's (as predict)

Exit status: 0 done, 2 a problem with the flags or files (one line on stderr), 1 another failure.
`

// modelData is a saved model with the rows to look at and what its stored
// preprocessing says about them.
type modelData struct {
	m    *model.Model
	prep *pipeline.Pipeline
	x    *tensor.Tensor
	kind explain.Kind
	// vocab is a text model's vocabulary (index i is vocab[i]; nil: none
	// stored), labels the class names by output unit (nil: none stored).
	vocab, labels []string
	// source says where x came from; rowName and rowNames name each row
	// in the file ("line" 12, "target_row" 2024-01-03, …).
	source, rowName string
	rowNames        []string
	// modelName names the model in messages ("--model m.seqnet").
	modelName string
}

// loadModelData reads a saved model and its input rows: from --data, read
// as training read it with the model's stored preprocessing (the reader
// `seqnet predict` uses), or from --x, the model's input as an array.
func loadModelData(modelPath, dataPath, xPath string, layout pipeline.Layout) (*modelData, error) {
	switch {
	case modelPath == "":
		return nil, userErr("--model is required: the model file written by 'seqnet train', e.g. --model model.seqnet")
	case dataPath == "" && xPath == "":
		return nil, userErr("no rows given: pass --data FILE (read as training read it) or --x FILE.npy (the model's input array)")
	case dataPath != "" && xPath != "":
		return nil, userErr("both --data %s and --x %s given: pass one of them", dataPath, xPath)
	}
	if err := checkFile("--model", modelPath); err != nil {
		return nil, err
	}
	m, extra, err := checkpoint.Load(modelPath)
	if err != nil {
		return nil, userErr("--model %s: %v", modelPath, err)
	}
	if err := checkWeights("--model", modelPath, m); err != nil {
		return nil, err
	}
	p, err := pipeline.Parse(extra.Preprocessing)
	if err != nil {
		return nil, userErr("--model %s: %v", modelPath, err)
	}
	d := &modelData{m: m, prep: p, modelName: "--model " + modelPath}
	if ls := m.Layers(); len(ls) > 0 {
		if _, ok := ls[0].(*layers.Embedding); ok {
			d.kind = explain.Tokens
		}
	}
	if p.Vectorizer != nil {
		d.vocab = p.Vectorizer.Vocabulary
	}
	if p.Labels != nil {
		d.labels = p.Labels.Classes
	}
	var ds *pipeline.Batch
	if xPath != "" {
		// The array is the model's input already: no preprocessing.
		ds, err = (&pipeline.Pipeline{Kind: pipeline.KindNPY, XShape: p.XShape}).Transform(pipeline.Source{X: xPath, Rank: modelRank(m)}, false)
		d.source = "--x " + xPath
	} else {
		ds, err = p.Transform(pipeline.Source{Data: dataPath, Layout: layout}, false)
		d.source = "--data " + dataPath
	}
	if err != nil {
		return nil, asUser(err)
	}
	d.x, d.rowName, d.rowNames = ds.X, ds.RowName, ds.Rows
	if d.kind == explain.Tokens && len(d.x.Shape) == 3 && d.x.Shape[2] == 1 {
		// Token indices read as (rows, steps, 1): the Embedding reads (rows, steps).
		if d.x, err = d.x.Reshape(d.x.Shape[0], d.x.Shape[1]); err != nil {
			return nil, err
		}
	}
	if d.kind == explain.Tokens && len(d.x.Shape) != 2 {
		return nil, userErr("the model reads token indices (its first layer is an Embedding), so the rows must be (rows, steps); %s holds %s: give the token indices the model was trained on",
			d.source, tensor.ShapeString(d.x.Shape, false))
	}
	if len(d.x.Shape) < 2 || d.x.Shape[0] == 0 {
		return nil, userErr("%s holds no rows: give at least one row", d.source)
	}
	if in := m.InputShapes(); len(in) == 1 && !fitsShape(d.x.Shape[1:], in[0]) {
		return nil, userErr("%s holds rows of shape %s, but the model reads %s: give the rows the model was trained on, as %s",
			d.source, tensor.ShapeString(d.x.Shape[1:], false), tensor.ShapeString(in[0], false), inputHint(d.kind))
	}
	return d, nil
}

// isDir says whether path is an existing directory.
func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// fitsShape says whether per-sample shape got fits want, whose unknown
// (None) dimensions are ≤ 0.
func fitsShape(got, want []int) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if want[i] > 0 && got[i] != want[i] {
			return false
		}
	}
	return true
}

func inputHint(k explain.Kind) string {
	if k == explain.Tokens {
		return "(rows, steps) token indices"
	}
	return "(rows, steps, channels)"
}

// rows is the number of rows of the data.
func (d *modelData) rows() int { return d.x.Shape[0] }

// rowLabel names row i for people: "row 3 (line 5)".
func (d *modelData) rowLabel(i int) string {
	s := fmt.Sprintf("row %d", i)
	if i < len(d.rowNames) && d.rowName != "" && d.rowName != "index" {
		s += fmt.Sprintf(" (%s %s)", strings.ReplaceAll(d.rowName, "_", " "), d.rowNames[i])
	}
	return s
}

// unscaled gives a regression prediction in the data's units when the
// model's targets were scaled: " (temp_max = 11.3 unscaled)"; "" otherwise.
func (d *modelData) unscaled(unit int, v float64) string {
	p := d.prep
	sc := p.OutputScaler()
	if p.Task != pipeline.TaskRegression || sc == nil || unit < 0 || unit >= len(p.Outputs) {
		return ""
	}
	vals := make([]float32, len(p.Outputs))
	vals[unit] = float32(v)
	if err := sc.InverseValues(p.Outputs, vals); err != nil {
		return ""
	}
	return fmt.Sprintf(" (%s = %.4g unscaled)", p.Outputs[unit], vals[unit])
}

// channelName names input channel c of a series model: its column when the
// preprocessing stores them.
func (d *modelData) channelName(c int) string {
	if w := d.prep.Windowing; w != nil && c < len(w.Inputs) {
		return w.Inputs[c]
	}
	return fmt.Sprintf("channel %d", c)
}

// strongestChannel is the channel with the largest |attribution|.
func strongestChannel(v []float64) int {
	best := 0
	for c := range v {
		if math.Abs(v[c]) > math.Abs(v[best]) {
			best = c
		}
	}
	return best
}

// className names output unit u: its label when the model stores them.
func (d *modelData) className(u int) string {
	if u >= 0 && u < len(d.labels) && d.labels[u] != "" {
		return fmt.Sprintf("%d (%q)", u, d.labels[u])
	}
	return fmt.Sprint(u)
}

// pictureExts are the --out extensions explain-model writes.
var pictureExts = map[string]bool{".png": true, ".svg": true, ".html": true, ".htm": true, ".csv": true}

// runExplainModel is the `seqnet explain-model` command.
func runExplainModel(args []string, stdout, stderr io.Writer) int {
	const name = "explain-model"
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	modelPath := fs.String("model", "", "")
	dataPath := fs.String("data", "", "")
	xPath := fs.String("x", "", "")
	row := fs.Int("row", -1, "")
	out := fs.String("out", "", "")
	method := fs.String("method", "integrated", "")
	unit := fs.Int("unit", -1, "")
	output := fs.Int("output", 0, "")
	steps := fs.Int("steps", 0, "")
	window := fs.Int("window", 0, "")
	stride := fs.Int("stride", 0, "")
	baseline := fs.String("baseline", "zero", "")
	var layout pipeline.Layout
	fs.StringVar(&layout.Delimiter, "delimiter", "", "")
	fs.StringVar(&layout.Header, "header", "", "")
	if done, st := parseFileFlags(fs, args, explainModelUsage, "name the files with --model, --data (or --x) and --out", stdout, stderr); done {
		return st
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	err := explainModel(explainModelArgs{
		model: *modelPath, data: *dataPath, x: *xPath, row: *row, out: *out,
		method: *method, unit: *unit, output: *output, steps: *steps, window: *window, stride: *stride,
		baseline: *baseline, set: set, layout: layout,
	}, stdout)
	if err != nil {
		return finish(stderr, name, err)
	}
	return 0
}

type explainModelArgs struct {
	model, data, x, out, method, baseline string
	row, unit, output, steps              int
	window, stride                        int
	set                                   map[string]bool // the flags given
	layout                                pipeline.Layout // --delimiter, --header
}

func explainModel(a explainModelArgs, w io.Writer) error {
	// Flags first, so that a typo costs no model loading.
	if a.out == "" {
		return userErr("--out is required: the picture to write, e.g. --out row.png (series), --out row.html (text) or --out row.csv (numbers)")
	}
	ext := strings.ToLower(filepath.Ext(a.out))
	if !pictureExts[ext] {
		return userErr("--out %s: unsupported extension %q: use .png or .svg (series heatmap), .html (shaded tokens or steps) or .csv (numbers)", a.out, ext)
	}
	method, err := explain.Method(a.method)
	if err != nil {
		return userErr("--method: %v", err)
	}
	if !a.set["row"] {
		return userErr("--row is required: the row of the data to explain, counted from 0, e.g. --row 0")
	}
	for _, f := range []struct {
		name, method string
		v            int
	}{{"steps", "integrated", a.steps}, {"window", "occlusion", a.window}, {"stride", "occlusion", a.stride}} {
		if f.v < 0 || (f.v == 0 && a.set[f.name]) {
			return userErr("--%s must be at least 1, received %d", f.name, f.v)
		}
		if a.set[f.name] && method != f.method {
			return userErr("--%s applies to --method %s only; received --method %s: drop --%s or use --method %s", f.name, f.method, method, f.name, f.method)
		}
	}
	if a.set["baseline"] && method != "integrated" && method != "occlusion" {
		return userErr("--baseline applies to --method integrated and occlusion only; received --method %s: drop --baseline", method)
	}
	if dir := filepath.Dir(a.out); !isDir(dir) {
		return userErr("--out %s: the directory %s does not exist: create it or write elsewhere", a.out, dir)
	}
	if a.unit < -1 {
		return userErr("--unit must be a unit index (0, 1, …) or -1 for the predicted class, received %d", a.unit)
	}
	baseline := strings.ToLower(strings.TrimSpace(a.baseline))
	if baseline != "zero" && baseline != "zeros" && baseline != "mean" {
		return userErr("--baseline %q: choose zero or mean (each channel's mean over the rows)", a.baseline)
	}
	d, err := loadModelData(a.model, a.data, a.x, a.layout)
	if err != nil {
		return err
	}
	return explainRow(d, a, method, baseline, w)
}

// explainRow explains row a.row of d with the checked flags, prints what it
// computed and writes the picture a.out.
func explainRow(d *modelData, a explainModelArgs, method, baseline string, w io.Writer) error {
	ext := strings.ToLower(filepath.Ext(a.out))
	if a.row < 0 || a.row >= d.rows() {
		return userErr("--row %d does not exist: %s has %d rows (0–%d); pick a row in that range", a.row, d.source, d.rows(), d.rows()-1)
	}
	if d.kind == explain.Tokens && (ext == ".png" || ext == ".svg") {
		return userErr("--out %s: a text model's explanation is drawn as shaded tokens: use --out with .html (or .csv for the numbers)", a.out)
	}
	if d.kind == explain.Tokens && baseline == "mean" {
		if a.set["baseline"] {
			return userErr("--baseline mean has no meaning for a text model (there is no mean token): text models use zero embedding vectors and the padding token; leave --baseline out")
		}
	}
	outs := d.m.OutputShapes()
	if a.output < 0 || a.output >= len(outs) {
		return userErr("--output %d does not exist: the model has %d output(s) (0–%d)", a.output, len(outs), len(outs)-1)
	}
	units := 1
	if s := outs[a.output]; len(s) > 0 {
		units = s[len(s)-1]
	}
	if a.unit >= units {
		return userErr("--unit %d does not exist: output %d has %d unit(s) (0–%d); leave --unit out to explain the predicted class", a.unit, a.output, units, units-1)
	}
	o := explain.Options{Output: a.output, Unit: a.unit, Steps: a.steps, Window: a.window, Stride: a.stride, Baseline: baseline}
	if d.kind == explain.Tokens {
		o.Baseline = ""
	}
	attr, err := explain.ForRow(d.m, d.x, a.row, method, o)
	if err != nil && d.kind == explain.Tokens && method == "integrated" && !a.set["method"] {
		// Integrated gradients need the layers after a text model's
		// Embedding to form a chain; a branched text CNN (kimcnn) gets the
		// default method's closest relative instead of an error.
		if alt, err2 := explain.ForRow(d.m, d.x, a.row, "gradxinput", o); err2 == nil {
			fmt.Fprintf(w, "note: integrated gradients need a chain of layers after the Embedding and this model branches; explaining with gradxinput instead (choose with --method)\n")
			attr, err, a.steps = alt, nil, 0
		}
	}
	if err != nil {
		return asUser(err)
	}
	var words []string
	if d.kind == explain.Tokens {
		words = explain.Words(d.vocab, attr.Tokens)
	}
	describeAttribution(w, d, attr, units, a.steps, words)
	var tokens []string
	if d.kind == explain.Tokens && d.vocab != nil {
		tokens = words
	}
	var labels explainplot.Labels
	if wd := d.prep.Windowing; wd != nil && d.kind != explain.Tokens {
		labels.Channels = wd.Inputs
	}
	if u := d.unscaled(attr.Unit, attr.Prediction); u != "" {
		labels.Prediction = strings.TrimSuffix(strings.TrimPrefix(u, " ("), " unscaled)")
	}
	if err := explainplot.WritePictureLabeled(a.out, attr, tokens, labels); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s\n", a.out)
	return nil
}

// describeAttribution prints what was computed: method, row, prediction,
// the explained unit, the completeness gap and the five strongest steps.
func describeAttribution(w io.Writer, d *modelData, a *explain.Attribution, units, steps int, words []string) {
	what := "series"
	if a.Kind == explain.Tokens {
		what = "text"
	}
	fmt.Fprintf(w, "model: %s model, input %s; rows: %s\n", what, tensor.ShapeString(d.x.Shape[1:], false), d.source)
	fmt.Fprintf(w, "method: %s\n", methodDescription(a, steps))
	fmt.Fprintf(w, "row: %s of %d (0–%d)\n", d.rowLabel(a.Row), d.rows(), d.rows()-1)
	classifier := len(d.labels) > 0 || taskFromActivation(d.m) == pipeline.TaskMulticlass
	if d.prep != nil && d.prep.Task != "" {
		classifier = d.prep.Task == pipeline.TaskMulticlass || d.prep.Task == pipeline.TaskBinary
	}
	switch {
	case units > 1 && !classifier:
		// A regression head with several values (e.g. several targets):
		// no class to name.
		fmt.Fprintf(w, "prediction: value %.4g%s of unit %d; explaining output %d unit %d\n", a.Prediction, d.unscaled(a.Unit, a.Prediction), a.Unit, a.Output, a.Unit)
	case units > 1:
		if c, p, ok := predictedClass(d, a.Row, a.Output); ok {
			fmt.Fprintf(w, "prediction: class %s with %.4g", d.className(c), p)
		} else {
			fmt.Fprint(w, "prediction: (no single class: the output has more than one axis per row)")
		}
		fmt.Fprintf(w, "; explaining output %d unit %s: %.4g\n", a.Output, d.className(a.Unit), a.Prediction)
	case len(d.labels) == 2:
		c := 0
		if a.Prediction >= 0.5 {
			c = 1
		}
		fmt.Fprintf(w, "prediction: %.4g → class %s; explaining output %d unit 0 (scores say what pushes it towards %q)\n",
			a.Prediction, d.className(c), a.Output, d.labels[1])
	default:
		fmt.Fprintf(w, "prediction: %.4g%s; explaining output %d unit %d\n", a.Prediction, d.unscaled(a.Unit, a.Prediction), a.Output, a.Unit)
	}
	if a.Method == "integrated" {
		fmt.Fprintf(w, "completeness: attributions add up to %.6g; f(input) − f(baseline) = %.6g − %.6g = %.6g; gap %.3g",
			a.Total(), a.Prediction, a.BaselinePrediction, a.Prediction-a.BaselinePrediction, a.Gap)
		if diff := math.Abs(a.Prediction - a.BaselinePrediction); math.Abs(a.Gap) > 0.05*diff && math.Abs(a.Gap) > 1e-4 {
			fmt.Fprint(w, " (large: raise --steps)")
		}
		fmt.Fprintln(w)
	}
	top := topSteps(a, 5)
	unitWord := "steps"
	if a.Kind == explain.Tokens {
		unitWord = "tokens"
	}
	fmt.Fprintf(w, "top %d %s by |score| (+ pushes the explained output up, − down):\n", len(top), unitWord)
	for _, s := range top {
		switch {
		case a.Kind == explain.Tokens:
			fmt.Fprintf(w, "  position %-4d %-20q score %+.4g\n", s, words[s], a.Scores[s])
		case len(a.Input[s]) == 1:
			fmt.Fprintf(w, "  step %-4d value %-10.4g score %+.4g\n", s, a.Input[s][0], a.Scores[s])
		default:
			c := strongestChannel(a.Values[s])
			fmt.Fprintf(w, "  step %-4d score %+.4g   mostly %s (value %.4g, attribution %+.4g)\n",
				s, a.Scores[s], d.channelName(c), a.Input[s][c], a.Values[s][c])
		}
	}
}

// predictedClass runs the model on one row and returns the unit with the
// highest output and that output; ok is false when the output has more
// than one axis per row.
func predictedClass(d *modelData, row, output int) (class int, p float64, ok bool) {
	outs, err := d.m.PredictMulti([]*tensor.Tensor{d.x.Rows(row, row+1)}, 1)
	if err != nil || output >= len(outs) || len(outs[output].Shape) != 2 {
		return 0, 0, false
	}
	o := outs[output].Data
	for i, v := range o {
		if v > o[class] {
			class = i
		}
	}
	return class, float64(o[class]), true
}

func methodDescription(a *explain.Attribution, steps int) string {
	switch a.Method {
	case "gradient":
		return "gradient (saliency: how much a small change of each input moves the output)"
	case "gradxinput":
		return "gradient × input"
	case "integrated":
		if steps == 0 {
			steps = 64
		}
		return fmt.Sprintf("integrated gradients (%d points on the path from the baseline)", steps)
	default:
		return "occlusion (the drop in the output when a window of steps is hidden)"
	}
}

// topSteps returns up to k steps with the largest |score|, strongest
// first: a step that pulls the output down matters as much as one that
// pushes it up. Padding tokens (index 0) are left out.
func topSteps(a *explain.Attribution, k int) []int {
	var idx []int
	for i := range a.Scores {
		if a.Kind == explain.Tokens && i < len(a.Tokens) && a.Tokens[i] == 0 {
			continue
		}
		idx = append(idx, i)
	}
	sort.SliceStable(idx, func(i, j int) bool { return math.Abs(a.Scores[idx[i]]) > math.Abs(a.Scores[idx[j]]) })
	if len(idx) > k {
		idx = idx[:k]
	}
	return idx
}

// explainPictures is the hook `seqnet demo` and the README's pictures use to
// show what a freshly trained model looks at, without a model file: it
// explains row `row` of x (integrated gradients; gradient × input for a
// branched text CNN) into DIR/NAME-explain.png (series) or
// DIR/NAME-explain.html (text), and writes the filter report
// DIR/NAME-filters.html (top 5 inputs per filter) when the model has Conv1D
// layers. vocab is a text model's vocabulary (nil for series), labels the
// class names by output unit (nil: none). It prints what explain-model and
// filters print and returns the files written.
func explainPictures(w io.Writer, m *model.Model, x *tensor.Tensor, vocab, labels []string, row int, dir, name string) ([]string, error) {
	d := &modelData{m: m, prep: &pipeline.Pipeline{}, x: x, vocab: vocab, labels: labels, source: name + " data", modelName: "the " + name + " model"}
	if ls := m.Layers(); len(ls) > 0 {
		if _, ok := ls[0].(*layers.Embedding); ok {
			d.kind = explain.Tokens
		}
	}
	ext := ".png"
	if d.kind == explain.Tokens {
		ext = ".html"
	}
	a := explainModelArgs{out: filepath.Join(dir, name+"-explain"+ext), row: row, unit: -1, set: map[string]bool{}}
	if err := explainRow(d, a, "integrated", "zero", w); err != nil {
		return nil, err
	}
	files := []string{a.out}
	for _, l := range m.Layers() {
		if _, ok := l.(*layers.Conv1D); ok {
			report := filepath.Join(dir, name+"-filters.html")
			if err := filterReport(d, 5, report, "", w); err != nil {
				return files, err
			}
			return append(files, report), nil
		}
	}
	return files, nil
}
