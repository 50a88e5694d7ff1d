package pipeline

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/data"
	"github.com/seqnet/seqnet/data/npy"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func parseDelimiter(s string) (rune, error) {
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
		return 0, inputErr("--delimiter %q: expected one character (',', ';', '|') or tab; received %d characters", s, len(r))
	}
	return r[0], nil
}

func parseHeader(s string) (data.HeaderMode, error) {
	switch strings.ToLower(s) {
	case "", "auto":
		return data.HeaderAuto, nil
	case "yes", "true", "1":
		return data.HeaderYes, nil
	case "no", "false", "0":
		return data.HeaderNo, nil
	}
	return 0, inputErr("--header %q: expected yes, no or auto", s)
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

// kindOf says which reader the flags ask for.
func (d *settings) kindOf() (string, error) {
	switch {
	case d.X != "" || (d.Data != "" && isNumpy(d.Data)):
		if d.Text || d.Window > 0 {
			return "", inputErr("NumPy input (--x or a .npy/.npz --data) cannot be combined with --text or --window: arrays are used as they are")
		}
		return KindNPY, nil
	case d.Data == "":
		return "", inputErr("no data: give --data FILE (CSV, TSV, text, .npz) or --x X.npy --y Y.npy")
	case d.Text && d.Window > 0:
		return "", inputErr("--text and --window cannot be combined: text is read as token sequences, a time series as windows")
	case d.Text:
		return KindText, nil
	case d.Window > 0:
		return KindSeries, nil
	case d.Window < 0:
		return "", inputErr("--window must be positive, received %d", d.Window)
	}
	return KindCSV, nil
}

// readTraining reads training data as the flags say and fills p with the
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
			return nil, inputErr("this model has no stored preprocessing (it was imported, not trained by seqnet train): give NumPy arrays with --x X.npy (and --y Y.npy)")
		}
		return readNPY(d, &Pipeline{Kind: KindNPY}, target, false)
	}
	switch p.Kind {
	case KindNPY:
		return readNPY(d, p, target, false)
	case KindText:
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
		return "", inputErr("no data: give --data FILE")
	}
	if err := checkFile("--data", d.Data); err != nil {
		return "", err
	}
	return d.Data, nil
}

// classTask sets the task from the number of classes.
func classTask(p *Pipeline, labels *data.LabelMap, what string) error {
	switch labels.Len() {
	case 0, 1:
		return inputErr("%s has only one class (%s): classification needs at least two; check the target column (--target) or drop --classes for regression",
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
		return "", inputErr("--fill %q: expected none, zero, mean, previous or drop", s)
	}
	return f, nil
}

func checkScale(s string) error {
	switch s {
	case "none", data.ScaleStandard, data.ScaleMinMax:
		return nil
	}
	return inputErr("--scale %q: expected standard, minmax or none", s)
}

// ---- CSV tables ----

// tableSettings checks and parses the flags every CSV reader shares: the
// file, its delimiter, header and fill policy, and the scaling.
func (d *settings) tableSettings() (path string, delim rune, header data.HeaderMode, fill data.FillPolicy, err error) {
	if path, err = d.dataPath(); err != nil {
		return
	}
	if delim, err = parseDelimiter(d.Delimiter); err != nil {
		return
	}
	if header, err = parseHeader(d.Header); err != nil {
		return
	}
	if fill, err = fillPolicy(d.Fill); err != nil {
		return
	}
	err = checkScale(d.Scale)
	return
}

func readCSVTrain(d *settings, p *Pipeline, valSplit float64) (*Batch, error) {
	path, delim, header, fill, err := d.tableSettings()
	if err != nil {
		return nil, err
	}
	t, err := data.ReadCSVFile(path, data.CSVOptions{Delimiter: delim, Header: header, Features: d.Features,
		Target: d.Target, Ignore: d.Ignore, RowLabel: d.RowLabel, Classes: d.Classes, Fill: fill})
	if err != nil {
		return nil, asInput(err)
	}
	p.Delimiter, p.Header, p.Features, p.Target, p.Fill = string(t.Delimiter), headerWord(t.HasHeader), t.FeatureNames, t.TargetName, string(fill)
	p.RowLabel = d.RowLabel
	p.FillValues = fittedFill(t, fill)
	ds := &Batch{Report: t.Report() + fillWarnings(t, fill, false)}
	ds.nameRows(t, d.RowLabel)
	if t.Labels != nil {
		if err := classTask(p, t.Labels, "target column `"+t.TargetName+"`"); err != nil {
			return nil, err
		}
		ds.Y = classTarget(p.Task, t.YTensor())
	} else {
		p.Task, p.Outputs = TaskRegression, []string{t.TargetName}
		ds.Y = t.YTensor()
	}
	ds.X = t.XTensor()
	if d.Scale != "none" {
		s := t.Series()
		split := splitAt(s.Rows, valSplit)
		if split == 0 {
			return nil, inputErr("--validation-split %g of %d rows leaves no rows to fit the scaler on: lower it", valSplit, s.Rows)
		}
		sc, err := data.FitScaler(d.Scale, s.Slice(0, split))
		if err != nil {
			return nil, asInput(err)
		}
		scaled, err := sc.Transform(s)
		if err != nil {
			return nil, err
		}
		p.Scaler, ds.X = sc, scaled.RowTensor()
		ds.Report += "\n" + sc.Describe()
		if p.Task == TaskRegression {
			ys, err := data.NewSeries(p.Outputs, append([]float32(nil), ds.Y.Data...))
			if err != nil {
				return nil, err
			}
			tsc, err := data.FitScaler(d.Scale, ys.Slice(0, split))
			if err != nil {
				return nil, asInput(err)
			}
			if ds.Y, err = scaleTarget(tsc, p.Outputs, ds.Y); err != nil {
				return nil, err
			}
			p.TargetScaler = tsc
			ds.Report += "\ntarget: " + tsc.Describe() + " (predictions are scaled back)"
		}
	}
	return ds, nil
}

func readCSVApplied(d *settings, p *Pipeline, target bool) (*Batch, error) {
	path, err := d.dataPath()
	if err != nil {
		return nil, err
	}
	opts := p.tableOptions(target)
	t, err := data.ReadCSVFile(path, opts)
	if err != nil {
		return nil, asInput(err)
	}
	return p.tableBatch(t, target)
}

// tableBatch applies the stored scalers to a table read with
// p.tableOptions.
func (p *Pipeline) tableBatch(t *data.Table, target bool) (*Batch, error) {
	var err error
	ds := &Batch{Report: t.Describe()}
	ds.nameRows(t, p.RowLabel)
	ds.X = t.XTensor()
	if p.Scaler != nil {
		scaled, err := p.Scaler.Transform(t.Series())
		if err != nil {
			return nil, asInput(err)
		}
		ds.X = scaled.RowTensor()
	}
	if target {
		if p.Labels != nil {
			ds.Y = classTarget(p.Task, t.YTensor())
		} else if ds.Y = t.YTensor(); p.TargetScaler != nil {
			if ds.Y, err = scaleTarget(p.TargetScaler, p.Outputs, ds.Y); err != nil {
				return nil, asInput(err)
			}
		}
	}
	return ds, nil
}

// scaleTarget returns a scaled copy of y.
func scaleTarget(sc *data.Scaler, names []string, y *tensor.Tensor) (*tensor.Tensor, error) {
	out := y.Clone()
	if err := sc.TransformValues(names, out.Data); err != nil {
		return nil, err
	}
	return out, nil
}

// nameRows names each sample by its row label (e.g. an id column given
// with --row-label) or else its line in the file.
func (ds *Batch) nameRows(t *data.Table, rowLabel string) {
	if rowLabel != "" && len(t.RowLabels) == len(t.Lines) {
		ds.RowName, ds.Rows = rowLabel, t.RowLabels
		return
	}
	ds.RowName, ds.Rows = "line", lineNames(t.Lines)
}

func storedCSVOptions(p *Pipeline) data.CSVOptions {
	var o data.CSVOptions
	if r := []rune(p.Delimiter); len(r) == 1 {
		o.Delimiter = r[0]
	}
	switch p.Header {
	case "yes":
		o.Header = data.HeaderYes
	case "no":
		o.Header = data.HeaderNo
	}
	o.Fill = data.FillPolicy(p.Fill)
	o.FillValues = p.FillValues
	o.RowLabel = p.RowLabel
	return o
}

// tableOptions reads a CSV table as training read it, with the target
// column when target.
func (p *Pipeline) tableOptions(target bool) data.CSVOptions {
	opts := storedCSVOptions(p)
	opts.Features, opts.Target, opts.NoTarget = p.Features, p.Target, !target
	if target {
		opts.Labels = p.Labels
		opts.Classes = p.Labels != nil
	}
	return opts
}

// seriesOptions reads a time series as training read it.
func (p *Pipeline) seriesOptions() data.CSVOptions {
	opts := storedCSVOptions(p)
	opts.Features, opts.NoTarget = p.Features, true
	return opts
}

// ---- time series ----

func readSeriesTrain(d *settings, p *Pipeline, valSplit float64) (*Batch, error) {
	path, delim, header, fill, err := d.tableSettings()
	if err != nil {
		return nil, err
	}
	if d.Horizon < 0 || d.Stride < 1 || d.SamplingRate < 1 {
		return nil, inputErr("--horizon must be ≥ 0 and --stride, --sampling-rate ≥ 1; received %d, %d, %d", d.Horizon, d.Stride, d.SamplingRate)
	}
	features, targets := d.Features, splitList(d.Target)
	cols := features
	if len(features) > 0 {
		// The target columns are read too (they are predicted, and may be
		// inputs as well).
		for _, t := range targets {
			found := false
			for _, f := range features {
				found = found || f == t
			}
			if !found {
				cols = append(cols, t)
			}
		}
	}
	rowLabel := d.RowLabel
	var notes []string
	if rowLabel == "" && len(features) == 0 {
		// A date, year or index column is never silently a feature.
		col, what, err := sniffRowLabel(path, delim, header, targets, d.Ignore)
		if err != nil {
			return nil, err
		}
		if col != "" {
			rowLabel = col
			notes = append(notes, fmt.Sprintf("column `%s` holds %s: used as the row label, not as a feature (--row-label to choose the row label, --features to choose the inputs)", col, what))
		}
	}
	t, err := data.ReadCSVFile(path, data.CSVOptions{Delimiter: delim, Header: header, Features: cols, NoTarget: true,
		Ignore: d.Ignore, RowLabel: rowLabel, Fill: fill})
	if err != nil {
		return nil, asInput(err)
	}
	s := t.Series()
	if len(targets) == 0 {
		targets = []string{s.Names[s.Cols()-1]}
	}
	for i, tg := range targets {
		j, err := s.ColumnIndex(tg)
		if err != nil {
			return nil, inputErr("--target %q: %v", tg, err)
		}
		targets[i] = s.Names[j]
	}
	p.Delimiter, p.Header, p.Features, p.Fill, p.RowLabel = string(t.Delimiter), headerWord(t.HasHeader), t.FeatureNames, string(fill), rowLabel
	p.FillValues = fittedFill(t, fill)
	if w := fillWarnings(t, fill, true); w != "" {
		notes = append(notes, strings.TrimPrefix(w, "\n"))
	}
	if rowLabel != "" {
		spacing, err := spacingOf(s, t.Lines)
		if err != nil {
			return nil, err
		}
		if spacing != "" {
			notes = append(notes, fmt.Sprintf("rows: %s (row label `%s`)", spacing, rowLabel))
			if !d.NoCalendar {
				withCal, err := addCalendar(s, spacing)
				if err != nil {
					return nil, err
				}
				if added := withCal.Names[s.Cols():]; len(added) > 0 {
					p.Calendar = spacing
					if len(features) > 0 {
						features = append(append([]string(nil), features...), added...)
					}
					notes = append(notes, fmt.Sprintf("calendar features added as inputs: %s (--no-calendar to leave them out)", strings.Join(added, ", ")))
				}
				s = withCal
			}
		}
	}
	p.Task, p.Outputs = TaskRegression, targets
	wp := &Windowing{Window: d.Window, Horizon: d.Horizon, Stride: d.Stride, SamplingRate: d.SamplingRate, Inputs: features, Targets: targets}
	split := splitAt(s.Rows, valSplit)
	scaled := s
	var kept []string
	for _, l := range strings.Split(t.Report(), "\n") {
		if !strings.Contains(l, "samples ×") {
			kept = append(kept, l)
		}
	}
	kept = append(kept, notes...)
	report := strings.Join(kept, "\n") + fmt.Sprintf("\n%d rows × %d columns (%s)", s.Rows, s.Cols(), shortList(s.Names, 12))
	if d.Scale != "none" {
		if split == 0 {
			return nil, inputErr("--validation-split %g of %d rows leaves no rows to fit the scaler on: lower it", valSplit, s.Rows)
		}
		sc, err := data.FitScaler(d.Scale, s.Slice(0, split))
		if err != nil {
			return nil, asInput(err)
		}
		if scaled, err = sc.Transform(s); err != nil {
			return nil, err
		}
		scaled.RowLabels = s.RowLabels
		p.Scaler = sc
		report += "\n" + sc.Describe() + " (fitted on the training rows only)"
	}
	w, err := data.MakeWindows(scaled, wp.options(true))
	if err != nil {
		return nil, asInput(err)
	}
	wp.Inputs = w.Inputs
	p.Windowing = wp
	ds := &Batch{RowName: "target_row", Report: report + "\n" + w.Describe()}
	for _, r := range w.TargetRows {
		ds.Rows = append(ds.Rows, rowName(s, r))
	}
	ds.Persistence = persistence(w)
	return ds, splitWindows(ds, w, s.Rows, valSplit)
}

// splitWindows splits windows by time: those whose target row is in the
// first rows (1-valSplit of them) train, the others validate (their inputs
// may reach back into training rows: the past).
func splitWindows(ds *Batch, w *data.Windows, rows int, valSplit float64) error {
	ds.X, ds.Y = w.X, w.Y
	if valSplit <= 0 {
		return nil
	}
	split := splitAt(rows, valSplit)
	nTrain := 0
	for nTrain < w.Len() && w.TargetRows[nTrain] < split {
		nTrain++
	}
	if nTrain == 0 || nTrain == w.Len() {
		return inputErr("--validation-split %g: the last %d of %d rows leave %d training and %d validation windows; both need at least one (lower --window or change --validation-split)",
			valSplit, rows-split, rows, nTrain, w.Len()-nTrain)
	}
	ds.X, ds.Y = w.X.Rows(0, nTrain), w.Y.Rows(0, nTrain)
	ds.ValX, ds.ValY = w.X.Rows(nTrain, w.Len()), w.Y.Rows(nTrain, w.Len())
	ds.Report += fmt.Sprintf("\nsplit by time: %d training windows (targets in rows before %d), %d validation windows (targets in rows %d–%d)",
		nTrain, split, w.Len()-nTrain, split, rows-1)
	return nil
}

// rowName is a series row's number, with its label (e.g. a date) if any.
func rowName(s *data.Series, r int) string {
	if r < len(s.RowLabels) {
		return s.RowLabels[r]
	}
	return strconv.Itoa(r)
}

// persistence returns, per window, the last input row's value of each
// target, or nil when some target is not an input.
func persistence(w *data.Windows) []float32 {
	nin := len(w.Inputs)
	var idx []int
	for _, t := range w.Targets {
		j := -1
		for k, in := range w.Inputs {
			if in == t {
				j = k
			}
		}
		if j < 0 {
			return nil
		}
		idx = append(idx, j)
	}
	steps := w.Options.Window
	out := make([]float32, 0, w.Len()*len(idx))
	for k := 0; k < w.Len(); k++ {
		for _, j := range idx {
			out = append(out, w.X.Data[(k*steps+steps-1)*nin+j])
		}
	}
	return out
}

func readSeriesApplied(d *settings, p *Pipeline, target bool, valSplit float64) (*Batch, error) {
	path, err := d.dataPath()
	if err != nil {
		return nil, err
	}
	t, err := data.ReadCSVFile(path, p.seriesOptions())
	if err != nil {
		return nil, asInput(err)
	}
	return p.seriesBatch(t, target, valSplit)
}

// seriesBatch scales a series read with p.seriesOptions and cuts it into
// windows.
func (p *Pipeline) seriesBatch(t *data.Table, target bool, valSplit float64) (*Batch, error) {
	var err error
	s := t.Series()
	if p.Calendar != "" {
		if s, err = addCalendar(s, p.Calendar); err != nil {
			return nil, err
		}
	}
	scaled := s
	if p.Scaler != nil {
		if scaled, err = p.Scaler.Transform(s); err != nil {
			return nil, asInput(err)
		}
		scaled.RowLabels = s.RowLabels
	}
	w, err := data.MakeWindows(scaled, p.Windowing.options(target))
	if err != nil {
		return nil, asInput(err)
	}
	ds := &Batch{X: w.X, Y: w.Y, RowName: "target_row", Report: w.Describe()}
	o := w.Options
	for _, st := range w.Starts {
		r := st + (o.Window-1)*o.SamplingRate + o.Horizon
		name := strconv.Itoa(r)
		if r < len(s.RowLabels) {
			name = s.RowLabels[r]
		} else if len(s.RowLabels) > 0 {
			name = fmt.Sprintf("%s+%d", s.RowLabels[len(s.RowLabels)-1], r-s.Rows+1)
		}
		ds.Rows = append(ds.Rows, name)
	}
	if target {
		ds.Persistence = persistence(w)
		return ds, splitWindows(ds, w, s.Rows, valSplit)
	}
	return ds, nil
}

// ---- text ----

func textOptions(d *settings) (data.TextCSVOptions, error) {
	delim, err := parseDelimiter(d.Delimiter)
	if err != nil {
		return data.TextCSVOptions{}, err
	}
	header, err := parseHeader(d.Header)
	if err != nil {
		return data.TextCSVOptions{}, err
	}
	return data.TextCSVOptions{Delimiter: delim, Header: header, Text: d.TextColumn, Label: d.Target}, nil
}

func readTextFile(path string, o data.TextCSVOptions) (*data.TextTable, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, inputErr("--data %s: %v", path, err)
	}
	defer f.Close()
	t, err := data.ReadTextCSV(f, o)
	if err != nil {
		return nil, inputErr("%s: %v", path, err)
	}
	return t, nil
}

func readTextTrain(d *settings, p *Pipeline, valSplit float64) (*Batch, error) {
	path, err := d.dataPath()
	if err != nil {
		return nil, err
	}
	o, err := textOptions(d)
	if err != nil {
		return nil, err
	}
	if d.MaxTokens < 0 || d.SeqLen < 0 {
		return nil, inputErr("--max-tokens and --seq-len must be ≥ 0 (0: no cap / the 95th percentile of the training texts' lengths); received %d and %d", d.MaxTokens, d.SeqLen)
	}
	t, err := readTextFile(path, o)
	if err != nil {
		return nil, inputErr("%v (flags: --text-column for the text, --target for the label)", err)
	}
	p.Delimiter, p.Header, p.TextColumn, p.Target = string(t.Delimiter), headerWord(t.HasHeader), t.TextColumn, t.LabelColumn
	if err := classTask(p, t.Labels, "label column `"+t.LabelColumn+"`"); err != nil {
		return nil, err
	}
	split := splitAt(len(t.Texts), valSplit)
	if split == 0 {
		return nil, inputErr("--validation-split %g of %d texts leaves none to learn the vocabulary from: lower it", valSplit, len(t.Texts))
	}
	// The vocabulary is learned from all the texts, validation ones too:
	// it uses no labels, and a model whose word-count classifiers are
	// refitted on all the texts at the end (nbcnn) then knows the words
	// that only the validation texts hold (the last texts of the file,
	// often the nearest to the texts it will predict).
	vec := data.NewTextVectorizer(d.MaxTokens, d.SeqLen)
	if err := vec.Adapt(t.Texts); err != nil {
		return nil, asInput(err)
	}
	seqNote := ""
	if d.SeqLen == 0 {
		lengths := make([]int, split)
		for i, s := range t.Texts[:split] {
			lengths[i] = len(vec.Tokens(s))
		}
		sort.Ints(lengths)
		// The 95th percentile of the training lengths: a few very long
		// texts do not make every sequence long (time and memory grow with
		// it).
		l := max(lengths[(95*split+99)/100-1], 1)
		cut := split - sort.SearchInts(lengths, l+1)
		vec.OutputSequenceLength = l
		seqNote = fmt.Sprintf("\n--seq-len %d: the 95th percentile of the training texts' lengths (median %d, longest %d); %d training texts are cut to it (--seq-len to change)",
			l, lengths[split/2], lengths[split-1], cut)
	}
	p.Vectorizer = vec
	// The token matrix is texts × seq-len values (and the model's first
	// activations grow with it): priced before it is allocated.
	if L := vec.OutputSequenceLength; L > layers.MaxDim || float64(L)*float64(len(t.Texts))*4 > float64(model.MaxMemory) {
		return nil, inputErr("--seq-len %d for %d texts would take %.3g GiB for the token ids alone, above the memory limit of %.3g GiB (--max-memory): use a --seq-len near the texts' lengths (leave it out for the 95th percentile)",
			L, len(t.Texts), float64(L)*float64(len(t.Texts))*4/(1<<30), float64(model.MaxMemory)/(1<<30))
	}
	x, err := vec.EncodeBatch(t.Texts)
	if err != nil {
		return nil, err
	}
	y := tensor.New(len(t.Y))
	for i, v := range t.Y {
		y.Data[i] = float32(v)
	}
	report := fmt.Sprintf("%s\n%s (vocabulary learned from all %d texts, without their labels)%s\n%d samples × %d tokens",
		t.Describe(), vec.Describe(), len(t.Texts), seqNote, x.Shape[0], x.Shape[1])
	return &Batch{X: x, Y: classTarget(p.Task, y), RowName: "line", Rows: lineNames(t.Lines), Report: report}, nil
}

func readTextApplied(d *settings, p *Pipeline, target bool) (*Batch, error) {
	path, err := d.dataPath()
	if err != nil {
		return nil, err
	}
	o := data.TextCSVOptions{Text: p.TextColumn, Label: p.Target, NoLabel: !target, Labels: p.Labels}
	if r := []rune(p.Delimiter); len(r) == 1 {
		o.Delimiter = r[0]
	}
	if p.Header == "yes" {
		o.Header = data.HeaderYes
	} else {
		o.Header = data.HeaderNo
	}
	t, err := readTextFile(path, o)
	if err != nil {
		return nil, err
	}
	x, err := p.Vectorizer.EncodeBatch(t.Texts)
	if err != nil {
		return nil, err
	}
	ds := &Batch{X: x, RowName: "line", Rows: lineNames(t.Lines), Report: fmt.Sprintf("%d texts × %d tokens", x.Shape[0], x.Shape[1])}
	if target {
		y := tensor.New(len(t.Y))
		for i, v := range t.Y {
			y.Data[i] = float32(v)
		}
		ds.Y = classTarget(p.Task, y)
	}
	return ds, nil
}

// ---- NumPy arrays ----

// readArrays reads x (and y) from --x/--y or one .npy/.npz --data, with the
// dtype of y ("" when unknown).
func readArrays(d *settings, target bool) (x, y *tensor.Tensor, ydtype, report string, err error) {
	xpath := d.X
	if xpath == "" {
		xpath = d.Data
	}
	flagName := "--x"
	if d.X == "" {
		flagName = "--data"
	}
	if err := checkFile(flagName, xpath); err != nil {
		return nil, nil, "", "", err
	}
	arrays, err := npy.Load(xpath)
	if err != nil {
		return nil, nil, "", "", inputErr("%s %s: %v", flagName, xpath, err)
	}
	if d.Y != "" {
		if err := checkFile("--y", d.Y); err != nil {
			return nil, nil, "", "", err
		}
		ya, err := npy.Load(d.Y)
		if err != nil {
			return nil, nil, "", "", inputErr("--y %s: %v", d.Y, err)
		}
		if len(arrays) != 1 || len(ya) != 1 {
			return nil, nil, "", "", inputErr("--x and --y must each hold one array (.npy); received %d and %d arrays", len(arrays), len(ya))
		}
		arrays[0].Name, ya[0].Name = "x", "y"
		arrays = append(arrays, ya[0])
	}
	xy, err := data.SplitXY(arrays)
	if err != nil {
		return nil, nil, "", "", asInput(err)
	}
	for _, a := range arrays {
		if a.Name == xy.YName {
			ydtype = a.DType
		}
	}
	if target && xy.Y == nil {
		return nil, nil, "", "", inputErr("%s %s holds x but no y: give the targets with --y Y.npy (or an .npz with arrays x and y)", flagName, xpath)
	}
	return xy.X, xy.Y, ydtype, xy.Describe(), nil
}

func isIntDType(dt string) bool {
	dt = strings.TrimLeft(dt, "<>|=")
	return strings.HasPrefix(dt, "i") || strings.HasPrefix(dt, "u") || strings.HasPrefix(dt, "b")
}

func readNPY(d *settings, p *Pipeline, target, learn bool) (*Batch, error) {
	x, y, ydt, report, err := readArrays(d, target)
	if err != nil {
		return nil, err
	}
	ds := &Batch{X: x, RowName: "index", Report: report}
	for i := 0; i < x.Shape[0]; i++ {
		ds.Rows = append(ds.Rows, strconv.Itoa(i))
	}
	if learn {
		p.XShape = append([]int(nil), x.Shape[1:]...)
	} else if p.XShape != nil && !tensor.SameShape(p.XShape, x.Shape[1:]) {
		return nil, inputErr("x has samples of shape %s, but the model was trained on %s: give arrays shaped like the training data",
			tensor.ShapeString(x.Shape[1:], false), tensor.ShapeString(p.XShape, false))
	}
	if !target || y == nil {
		return ds, nil
	}
	flat := len(y.Shape) == 1 || (len(y.Shape) == 2 && y.Shape[1] == 1)
	if learn {
		if (d.Classes || isIntDType(ydt)) && flat {
			var names []string
			for _, v := range y.Data {
				if v != float32(math.Trunc(float64(v))) {
					return nil, inputErr("--classes: y holds %g, not a whole number: class labels must be integers 0, 1, 2, …", v)
				}
				names = append(names, strconv.Itoa(int(v)))
			}
			if err := classTask(p, data.NewLabelMap(names), "y"); err != nil {
				return nil, err
			}
		} else {
			p.Task = TaskRegression
			k := 1
			if len(y.Shape) > 1 {
				k = tensor.Size(y.Shape[1:])
			}
			for i := 0; i < k; i++ {
				p.Outputs = append(p.Outputs, fmt.Sprintf("y%d", i))
			}
			if k == 1 {
				p.Outputs = []string{"y"}
			}
		}
	}
	if p.Labels != nil {
		idx := tensor.New(len(y.Data))
		for i, v := range y.Data {
			c, err := p.Labels.Index(strconv.Itoa(int(v)))
			if err != nil {
				return nil, inputErr("y[%d]: %v", i, err)
			}
			idx.Data[i] = float32(c)
		}
		ds.Y = classTarget(p.Task, idx)
	} else {
		ds.Y = y
	}
	return ds, nil
}

// fittedFill returns the fill values to store: the training file's column
// means (mean) or last values (previous); nil for other policies.
func fittedFill(t *data.Table, fill data.FillPolicy) map[string]float64 {
	if fill != data.FillMean && fill != data.FillPrevious {
		return nil
	}
	return t.FillValues
}

// fillWarnings warns about fill policies that are likely wrong: zero on a
// column whose values are far from zero, drop on a time series.
func fillWarnings(t *data.Table, fill data.FillPolicy, series bool) string {
	var b strings.Builder
	if fill == data.FillZero {
		for _, name := range t.FeatureNames {
			m, ok := t.FillValues[name]
			sd := t.FillStd[name]
			if ok && math.Abs(m) > 2*sd && math.Abs(m) > 0 {
				fmt.Fprintf(&b, "\nwarning: --fill zero on column `%s`, whose mean is %.4g (std %.3g): a 0 is far from its values; --fill mean or previous is likely better", name, m, sd)
			}
		}
	}
	if fill == data.FillDrop && series && len(t.Dropped) > 0 {
		fmt.Fprintf(&b, "\nwarning: --fill drop removed %d rows of a time series: windows that span them join rows that were not adjacent (the spacing inside those windows changes); --fill previous keeps the spacing", len(t.Dropped))
	}
	return b.String()
}
