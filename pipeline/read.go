package pipeline

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/data"
	"github.com/seqnet/seqnet/tensor"
)

// SplitList reads a comma-separated list of column names, as Options.Target
// holds them, into a list (for Options.Features and Options.Ignore from a
// single string, e.g. a program's own setting): each name trimmed of
// spaces, empty names dropped, nil for an empty list.
func SplitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// parseDelimiter reads a delimiter setting; what names it in messages.
func parseDelimiter(what, s string) (rune, error) {
	switch s {
	case "":
		return 0, nil
	case "tab", `\t`, "\t", "TAB":
		return '\t', nil
	case "comma":
		return ',', nil
	case "semicolon":
		return ';', nil
	}
	r := []rune(s)
	if len(r) != 1 {
		return 0, inputErr("%s %q: expected one character (',', ';', '|') or tab; received %d characters", what, s, len(r))
	}
	return r[0], nil
}

// parseHeader reads a header setting; what names it in messages.
func parseHeader(what, s string) (data.HeaderMode, error) {
	switch strings.ToLower(s) {
	case "", "auto":
		return data.HeaderAuto, nil
	case "yes", "true", "1":
		return data.HeaderYes, nil
	case "no", "false", "0":
		return data.HeaderNo, nil
	}
	return 0, inputErr("%s %q: expected yes, no or auto", what, s)
}

func headerWord(has bool) string {
	if has {
		return "yes"
	}
	return "no"
}

func isNumpy(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".npy" || ext == ".npz"
}

// kindOf says which reader the options ask for.
func (d *settings) kindOf() (string, error) {
	switch {
	case d.X != "" || (d.Data != "" && isNumpy(d.Data)):
		if d.Text || d.Window > 0 {
			return "", inputErr("NumPy input (Source.X, or a .npy/.npz Source.Data) cannot be combined with Options.Text or Options.Window: arrays are used as they are")
		}
		return KindNPY, nil
	case d.Data == "":
		return "", inputErr("no data: give Source.Data = \"FILE\" (CSV, TSV, text, .npz) or Source.X = \"X.npy\" with Source.Y = \"Y.npy\"")
	case d.Text && d.Window > 0:
		return "", inputErr("Options.Text and Options.Window cannot be combined: text is read as token sequences, a time series as windows")
	case d.Text:
		return KindText, nil
	case d.Window > 0:
		return KindSeries, nil
	case d.Window < 0:
		return "", inputErr("Options.Window must be positive, received %d", d.Window)
	}
	return KindCSV, nil
}

// readTraining reads training data as the options say and fills p with the
// preprocessing it learned (label map, scaler, vocabulary). valSplit is the
// fraction kept for validation: scalers and vocabularies are fitted on the
// rest only. When p already holds preprocessing (a saved model trained on),
// it is applied instead of learned.
func readTraining(d *settings, p *Pipeline, valSplit float64) (*Batch, error) {
	if p.Kind != "" {
		if p.Kind == KindSeries {
			return readSeriesApplied(d, p, true, valSplit)
		}
		return readApplied(d, p, true)
	}
	kind, err := d.kindOf()
	if err != nil {
		return nil, err
	}
	p.Format, p.Kind = Format, kind
	switch kind {
	case KindNPY:
		return readNPY(d, p, true, true)
	case KindText:
		return readTextTrain(d, p, valSplit)
	case KindSeries:
		return readSeriesTrain(d, p, valSplit)
	}
	return readCSVTrain(d, p, valSplit)
}

// readApplied reads data with stored preprocessing (predict, evaluate,
// training a saved model further). With target, the targets are read too.
func readApplied(d *settings, p *Pipeline, target bool) (*Batch, error) {
	if p.Kind == "" {
		// A model without stored preprocessing (e.g. imported from Keras):
		// arrays only.
		if d.X == "" && !(d.Data != "" && isNumpy(d.Data)) {
			return nil, inputErr("this model has no stored preprocessing (it was imported, not trained with pipeline.Fit): give NumPy arrays with Source.X = \"X.npy\" (and Source.Y = \"Y.npy\")")
		}
		return readNPY(d, &Pipeline{Kind: KindNPY}, target, false)
	}
	switch p.Kind {
	case KindNPY:
		return readNPY(d, p, target, false)
	case KindText:
		if d.hasArrays() {
			return readTokens(d, p, target)
		}
		return readTextApplied(d, p, target)
	case KindSeries:
		return readSeriesApplied(d, p, target, 0)
	case KindCSV:
		return readCSVApplied(d, p, target)
	}
	return nil, fmt.Errorf("model file: unknown input kind %q in its preprocessing", p.Kind)
}

func (d *settings) dataPath() (string, error) {
	if d.Data == "" {
		return "", inputErr("no data: give Source.Data = \"FILE\"")
	}
	if err := checkFile("Source.Data", d.Data); err != nil {
		return "", err
	}
	return d.Data, nil
}

// classTask sets the task from the number of classes.
func classTask(p *Pipeline, labels *data.LabelMap, what string) error {
	switch labels.Len() {
	case 0, 1:
		return inputErr("%s has only one class (%s): classification needs at least two; check the target column (Options.Target) or drop Options.Classes for regression",
			what, shortList(labels.Classes, 3))
	case 2:
		p.Task = TaskBinary
	default:
		p.Task = TaskMulticlass
	}
	p.Labels = labels
	return nil
}

// classTarget turns class indices (N,) into the target the task's loss
// takes: (N, 1) for binary cross-entropy, (N,) for the sparse one.
func classTarget(task string, y *tensor.Tensor) *tensor.Tensor {
	if task == TaskBinary {
		return tensor.FromSlice(y.Data, len(y.Data), 1)
	}
	return tensor.FromSlice(y.Data, len(y.Data))
}

func lineNames(lines []int) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strconv.Itoa(l)
	}
	return out
}

func splitAt(n int, valSplit float64) int {
	return int(float64(n) * (1 - valSplit))
}

func fillPolicy(s string) (data.FillPolicy, error) {
	if s == "none" {
		s = ""
	}
	f, err := data.ParseFillPolicy(s)
	if err != nil {
		return "", inputErr("Options.Fill %q: expected none, zero, mean, previous or drop", s)
	}
	return f, nil
}

func checkScale(s string) error {
	switch s {
	case "none", data.ScaleStandard, data.ScaleMinMax:
		return nil
	}
	return inputErr("Options.Scale %q: expected standard, minmax or none", s)
}
