package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/data/npy"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/pipeline"
	"github.com/seqnet/seqnet/tensor"
)

func init() {
	commands["predict"] = command{runPredict, "predict with a trained model, applying its stored preprocessing"}
}

const predictUsage = `Usage: seqnet predict --model MODEL.seqnet (--data FILE | --x X.npy) [--out FILE]

Reads new data exactly as the training data was read (same columns, label
map, scaler, windows or vocabulary, all stored in the model file) and writes
one prediction per sample: for classifiers the predicted label and the
probability of each class, for regression the predicted values (in the
original units when a scaler was used). A feature column missing from the
data is an error naming it; the target column is not needed.

Flags:
  --model FILE       a model written by seqnet train or seqnet import
  --data FILE        CSV/TSV, time series or text file, read like the training data
  --x FILE           NumPy input (.npy, or .npz with x) for models trained on arrays
  --out FILE         .csv, .jsonl (one JSON object per line) or .npy
                     (probabilities or values only); default: CSV on stdout
  --batch-size B     samples per forward pass (default 256)
  --delimiter D      the file's delimiter, when not the training file's: , ; | or tab
  --header yes|no|auto  whether its first line is a header (default: as the
                     training file; a model trained without a header asks, when
                     a first line looks like one)

For a time series each window gives one row, named by the row it predicts
(target_row; past the end of the file for the last windows: a forecast).

A per-step model (output of shape (samples, steps, C), e.g. Conv1D with
padding same then Dense) gives one row per sample and step in CSV and
JSONL: the sample's name, then its step index (0-based), then the label and
C probabilities or the C values of that step:
  index,step,label,prob_0,prob_1,prob_2
  0,0,1,0.2,0.7,0.1
  {"index": "0", "step": 0, "label": "1", "probabilities": {"0": 0.2, …}}
.npy and .npz hold the output as the model gives it, (samples, steps, C).

NumPy input is read in the model's input shape: (samples, steps, channels)
for a Conv1D (a 2-D array gets a channel axis of 1), (samples, features) as
saved for a model whose first layer is an Embedding (token ids, integer or
float) or Dense. A text model also takes its token ids with --x.
`

// predictions are a model's outputs turned into what people read.
type predictions struct {
	rowName string
	rows    []string
	// classes is set for classifiers: probabilities per class.
	classes []string
	probs   [][]float64
	label   []string
	// steps numbers the rows of a per-step model (output (N, steps, C)):
	// one row per sample and step, rows[i] the sample, steps[i] the step.
	steps []int
	// outputs names the value columns (regression or a model without
	// preprocessing).
	outputs []string
	values  [][]float64
}

func runPredict(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("predict", flag.ContinueOnError)
	var d dataFlags
	d.addReadFlags(fs)
	d.addLayoutFlags(fs)
	modelPath := fs.String("model", "", "")
	out := fs.String("out", "", "")
	batch := fs.Int("batch-size", 256, "")
	if done, st := parseFlags(fs, args, predictUsage, stdout, stderr); done {
		return st
	}
	return finish(stderr, "predict", predict(&d, *modelPath, *out, *batch, stdout))
}

func predict(d *dataFlags, modelPath, out string, batch int, stdout io.Writer) error {
	if err := checkModelBatch(modelPath, batch); err != nil {
		return err
	}
	format := "csv"
	if out != "" {
		switch ext := strings.ToLower(filepath.Ext(out)); ext {
		case ".csv", ".jsonl", ".npy", ".npz":
			format = ext[1:]
		default:
			return userErr("--out %s: unknown format %q: expected .csv, .jsonl, .npy or .npz", out, ext)
		}
	}
	if err := checkOutDir("--out", out); err != nil {
		return err
	}
	m, p, ds, err := loadModelRows(d, modelPath, false)
	if err != nil {
		return err
	}
	pr, raw, err := runModel(m, p, ds, batch)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	switch format {
	case "csv":
		err = pr.writeCSV(&buf)
	case "jsonl":
		err = pr.writeJSONL(&buf)
	case "npy":
		if len(raw) > 1 {
			return userErr("--out %s: the model has %d outputs and a .npy file holds one array: write them all with --out FILE.npz (arrays output_0, output_1, …) or as .csv/.jsonl", out, len(raw))
		}
		err = npy.Write(&buf, raw[0])
	case "npz":
		var arrays []*npy.Array
		for i, r := range raw {
			arrays = append(arrays, &npy.Array{Name: fmt.Sprintf("output_%d", i), Tensor: r})
		}
		err = npy.WriteNPZ(&buf, arrays, false)
	}
	if err != nil {
		return err
	}
	if out == "" {
		_, err = stdout.Write(buf.Bytes())
		return err
	}
	if err := writeFileAtomic(out, buf.Bytes()); err != nil {
		return fmt.Errorf("--out %s: %w", out, err)
	}
	count := fmt.Sprintf("%d predictions", len(pr.rows))
	if pr.steps != nil {
		count += fmt.Sprintf(" (%d samples × %d steps)", raw[0].Shape[0], raw[0].Shape[1])
	}
	fmt.Fprintf(stdout, "%s written to %s\n", count, out)
	return nil
}

// runModel predicts ds and decodes the outputs with the pipeline (labels
// and probabilities, or values in the original units). raw is what .npy
// and .npz files get: each model output in the model's own shape
// (probabilities as the model gives them, (N, 1) for a sigmoid; values in
// the original units), one array per output.
func runModel(m *model.Model, p *pipeline.Pipeline, ds *pipeline.Batch, batch int) (*predictions, []*tensor.Tensor, error) {
	outs, err := m.PredictMulti([]*tensor.Tensor{ds.X}, batch)
	if err != nil {
		return nil, nil, asUser(err)
	}
	pr := &predictions{rowName: ds.RowName, rows: ds.Rows}
	if len(outs) > 1 {
		// Every output, its values side by side: output_I_J columns.
		n := outs[0].Shape[0]
		pr.values = make([][]float64, n)
		for o, y := range outs {
			k := len(y.Data) / n
			for j := 0; j < k; j++ {
				pr.outputs = append(pr.outputs, fmt.Sprintf("output_%d_%d", o, j))
			}
			for i := 0; i < n; i++ {
				for _, v := range y.Data[i*k : (i+1)*k] {
					pr.values[i] = append(pr.values[i], float64(v))
				}
			}
		}
		return pr, outs, nil
	}
	y := outs[0]
	shape := y.Shape
	if y.Rank() == 3 {
		y, pr.rows, pr.steps = perStepRows(y, ds.Rows)
	}
	preds, err := p.Decode(y, pr.rows)
	if err != nil {
		return nil, nil, err
	}
	if classes := p.Classes(); classes != nil {
		pr.classes = classes
		for _, q := range preds {
			pr.probs = append(pr.probs, q.Probabilities)
			pr.label = append(pr.label, q.Label)
		}
		return pr, outs, nil
	}
	k := 1
	if y.Rank() > 1 {
		k = tensor.Size(y.Shape[1:])
	}
	pr.outputs = p.OutputNames(k)
	raw := tensor.New(shape...)
	for i, q := range preds {
		for j, v := range q.Values {
			raw.Data[i*k+j] = float32(v)
		}
		pr.values = append(pr.values, q.Values)
	}
	return pr, []*tensor.Tensor{raw}, nil
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

func (pr *predictions) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	header := []string{pr.rowName}
	if pr.steps != nil {
		header = append(header, "step")
	}
	if pr.classes != nil {
		header = append(header, "label")
		for _, c := range pr.classes {
			header = append(header, "prob_"+c)
		}
	} else {
		header = append(header, pr.outputs...)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for i, r := range pr.rows {
		rec := []string{r}
		if pr.steps != nil {
			rec = append(rec, strconv.Itoa(pr.steps[i]))
		}
		if pr.classes != nil {
			rec = append(rec, pr.label[i])
			for _, v := range pr.probs[i] {
				rec = append(rec, fmtFloat(v))
			}
		} else {
			for _, v := range pr.values[i] {
				rec = append(rec, fmtFloat(v))
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeJSONL writes one object per sample (per sample and step, with
// "step", for a per-step model), keys in a fixed order:
// {"line": "12", "label": "spam", "probabilities": {"ham": 0.1, "spam": 0.9}}
// or {"target_row": "301", "values": {"temp": 12.5}}.
func (pr *predictions) writeJSONL(w io.Writer) error {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	num := func(v float64) string {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "null"
		}
		return strconv.FormatFloat(v, 'g', -1, 32)
	}
	for i, r := range pr.rows {
		var b strings.Builder
		fmt.Fprintf(&b, "{%s: %s", q(pr.rowName), q(r))
		if pr.steps != nil {
			fmt.Fprintf(&b, ", \"step\": %d", pr.steps[i])
		}
		names, vals, key := pr.outputs, []float64(nil), "values"
		if pr.classes != nil {
			fmt.Fprintf(&b, ", \"label\": %s", q(pr.label[i]))
			names, vals, key = pr.classes, pr.probs[i], "probabilities"
		} else {
			vals = pr.values[i]
		}
		fmt.Fprintf(&b, ", %s: {", q(key))
		for j, n := range names {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s: %s", q(n), num(vals[j]))
		}
		b.WriteString("}}\n")
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	return nil
}
