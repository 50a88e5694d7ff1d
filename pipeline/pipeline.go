// Package pipeline is the preprocessing saved with a seqnet model: how raw
// data (a CSV table, a time series, labelled texts, NumPy arrays) becomes the
// model's input tensor, and how the model's output becomes labels,
// probabilities and values in the data's units.
//
// `seqnet train` fits a Pipeline on the training data (Fit) and stores it
// in the model file; `seqnet predict`, `evaluate`, `explain-model` and
// `serve` apply it (Transform for a file; Records, Texts and Window for rows
// received in memory) and decode the outputs (Decode). A Go program serves a
// CLI-trained model the same way:
//
//	m, p, err := pipeline.Load("spam.seqnet")
//	b, err := p.Texts([]string{"WIN A FREE PRIZE NOW"})
//	y, err := m.Predict(b.X, 0)
//	preds, err := p.Decode(y, b.Rows)
//	fmt.Println(preds[0].Label, preds[0].Probabilities)
//
// The stored form is JSON in the model file's preprocessing section, with a
// version in its "format" field (Format). A file written by an older seqnet
// ("seqnet-cli/1", the same fields) loads; an unknown format is refused by
// name rather than read as "no preprocessing".
package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/seqnet/seqnet/baseline"
	"os"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/data"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// Kinds of input data, as stored in Pipeline.Kind.
const (
	KindCSV    = "csv"    // a table: each row one sample of F steps × 1 channel
	KindSeries = "series" // a time series cut into sliding windows
	KindText   = "text"   // labelled texts, vectorized into token indices
	KindNPY    = "npy"    // arrays from .npy/.npz files
)

// Tasks, as stored in Pipeline.Task.
const (
	TaskBinary     = "binary"     // one sigmoid output: P(Classes[1])
	TaskMulticlass = "multiclass" // one softmax output per class
	TaskRegression = "regression" // one output per target, scaled when a scaler was fitted
)

// Format is the version of the stored form that this package writes.
const Format = "seqnet-pipeline/1"

// legacyFormat is what `seqnet train` wrote before this package existed;
// its fields are the same as Format's.
const legacyFormat = "seqnet-cli/1"

// Pipeline is the preprocessing stored in a model file, so that new data is
// read exactly as the training data was. The zero Pipeline (Kind "") is a
// model without preprocessing (e.g. imported from Keras): it reads NumPy
// arrays only.
type Pipeline struct {
	Format string `json:"format"`
	Kind   string `json:"kind"` // KindCSV, KindSeries, KindText or KindNPY
	Task   string `json:"task"` // TaskBinary, TaskMulticlass or TaskRegression
	// Outputs names the regression outputs (target columns).
	Outputs []string `json:"outputs,omitempty"`

	// CSV tables and time series.
	Delimiter string   `json:"delimiter,omitempty"`
	Header    string   `json:"header,omitempty"` // "yes" or "no"
	Features  []string `json:"features,omitempty"`
	Target    string   `json:"target,omitempty"` // target (or text label) column
	RowLabel  string   `json:"row_label,omitempty"`
	Fill      string   `json:"fill,omitempty"`
	// FillValues are the fill values fitted on the training file (column
	// means for "mean", last values for "previous"), applied as they are
	// to new data.
	FillValues map[string]float64 `json:"fill_values,omitempty"`
	Labels     *data.LabelMap     `json:"labels,omitempty"`
	Scaler     *data.Scaler       `json:"scaler,omitempty"`
	// TargetScaler scales a CSV table's regression target (a series'
	// targets are scaled by Scaler, as columns of the series).
	TargetScaler *data.Scaler `json:"target_scaler,omitempty"`

	// Windowing cuts a time series into the model's input windows.
	// Calendar is the spacing of a series' dated rows ("monthly", …) when
	// calendar features were added as inputs (recomputed from the row
	// labels when the pipeline is applied).
	Calendar string `json:"calendar,omitempty"`
	// Baseline holds what seqnet evaluate needs to show a series' simple
	// baselines on new rows: the season and the ridge autoregression fitted
	// on the training windows.
	Baseline  *SeriesBaseline `json:"baseline,omitempty"`
	Windowing *Windowing      `json:"window,omitempty"`
	// ClassBaseline holds a classifier's baselines fitted on its training
	// rows, so that seqnet evaluate shows them on new rows.
	ClassBaseline *ClassBaseline `json:"class_baseline,omitempty"`

	// Text.
	TextColumn  string               `json:"text_column,omitempty"`
	Vectorizer  *data.TextVectorizer `json:"vectorizer,omitempty"`
	WordVectors string               `json:"word_vectors,omitempty"`

	// NumPy arrays: the per-sample input shape.
	XShape []int `json:"x_shape,omitempty"`

	// Train holds the settings of the program that trained the model
	// (seqnet train stores its own, to resume an interrupted run with
	// them), kept as written.
	Train json.RawMessage `json:"train,omitempty"`
}

// SeriesBaseline is a series' fitted baselines (in scaled units).
type SeriesBaseline struct {
	Season int             `json:"season,omitempty"`
	Ridge  *baseline.Ridge `json:"ridge,omitempty"`
}

// ClassBaseline is a classifier's baselines fitted on the training rows:
// the majority class, multinomial Naive Bayes on word counts (text only)
// and logistic regression (on word counts for text, the features for
// tables). A nil model was not fitted.
type ClassBaseline struct {
	Majority   int                  `json:"majority"`
	NaiveBayes *baseline.NaiveBayes `json:"naive_bayes,omitempty"`
	Logistic   *baseline.Logistic   `json:"logistic,omitempty"`
}

// Windowing is data.WindowOptions with JSON names: how a series becomes
// windows.
type Windowing struct {
	Window       int      `json:"window"`
	Horizon      int      `json:"horizon"`
	Stride       int      `json:"stride"`
	SamplingRate int      `json:"sampling_rate"`
	Inputs       []string `json:"inputs"`  // the model's input channels, in order
	Targets      []string `json:"targets"` // the predicted columns, in output order
}

func (w *Windowing) options(targets bool) data.WindowOptions {
	o := data.WindowOptions{Window: w.Window, Horizon: w.Horizon, Stride: w.Stride, SamplingRate: w.SamplingRate, Inputs: w.Inputs}
	if targets {
		o.Targets = w.Targets
	}
	return o
}

// Batch is data read for a model: inputs, targets, and what names each
// sample in outputs.
type Batch struct {
	X, Y *tensor.Tensor
	// ValX, ValY are the validation part when the reader split it (time
	// series, split by time); otherwise the caller splits X and Y.
	ValX, ValY *tensor.Tensor
	// RowName and Rows name each sample in predictions ("line" and the
	// file line, "index", or "target_row" for windows).
	RowName string
	Rows    []string
	// Report says how the data was read.
	Report string
	// Persistence holds, for each sample of a series, the last input row's
	// value of each target (the persistence forecast), scaled; nil when a
	// target is not an input.
	Persistence []float32
}

// InputError is a problem with the data or settings a caller gave (a file,
// a column, a value), which the caller can fix; other errors are failures
// of the program or the model file.
//
// Messages (and the notes in Batch.Report) name a setting as a Go program
// sets it: Options.Header, Source.Data, Source.Layout.Header, and a value
// to try as an assignment, Options.Header = "yes". The seqnet command
// shows them as its flags of the same names.
type InputError struct{ Err error }

func (e InputError) Error() string { return e.Err.Error() }
func (e InputError) Unwrap() error { return e.Err }

// inputErr formats an InputError.
func inputErr(format string, a ...any) error { return InputError{fmt.Errorf(format, a...)} }

// asInput marks err (e.g. from a data reader) as the caller's to fix.
func asInput(err error) error {
	if err == nil {
		return nil
	}
	var u InputError
	if errors.As(err, &u) {
		return err
	}
	return InputError{err}
}

// Parse reads a Pipeline from a model file's preprocessing section (empty:
// a model without preprocessing, the zero Pipeline). Both Format and the
// older "seqnet-cli/1" are read (and the latter upgraded to Format); any
// other format is an error naming it.
func Parse(raw []byte) (*Pipeline, error) {
	p := &Pipeline{}
	if len(raw) == 0 {
		return p, nil
	}
	if err := json.Unmarshal(raw, p); err != nil {
		return nil, fmt.Errorf("model file: preprocessing section: %v", err)
	}
	switch p.Format {
	case Format:
	case legacyFormat:
		p.Format = Format
	default:
		return nil, fmt.Errorf("model file: preprocessing format %q is not one this seqnet reads (expected %q, or %q from earlier versions): the file was written by a newer seqnet or another program; update seqnet, or train the model again",
			p.Format, Format, legacyFormat)
	}
	if p.Kind == KindText && p.Vectorizer == nil {
		return nil, errors.New("model file: text preprocessing without a vocabulary")
	}
	if p.Kind == KindSeries && p.Windowing == nil {
		return nil, errors.New("model file: time-series preprocessing without window settings")
	}
	return p, nil
}

// Load reads a model file written by `seqnet train` (or checkpoint.Save)
// and the pipeline stored in it.
func Load(path string) (*model.Model, *Pipeline, error) {
	if err := checkFile("model file", path); err != nil {
		return nil, nil, err
	}
	m, extra, err := checkpoint.Load(path)
	if err != nil {
		return nil, nil, asInput(fmt.Errorf("%s: %w", path, err))
	}
	p, err := Parse(extra.Preprocessing)
	if err != nil {
		return nil, nil, asInput(fmt.Errorf("%s: %w", path, err))
	}
	return m, p, nil
}

// numClasses is the number of classes (0 without a label map).
func (p *Pipeline) numClasses() int {
	if p.Labels == nil {
		return 0
	}
	return p.Labels.Len()
}

// Classes are the class names in output order (nil for regression).
func (p *Pipeline) Classes() []string {
	if p.Labels == nil {
		return nil
	}
	return p.Labels.Classes
}

// ClassName names class i ("3" when there is no label map).
func (p *Pipeline) ClassName(i int) string {
	if p.Labels != nil {
		if s, err := p.Labels.Name(i); err == nil {
			return s
		}
	}
	return strconv.Itoa(i)
}

// OutputScaler is the scaler of the regression outputs, if any: a series'
// Scaler (its targets are columns of the series), a table's TargetScaler.
func (p *Pipeline) OutputScaler() *data.Scaler {
	if p.Kind == KindSeries {
		return p.Scaler
	}
	return p.TargetScaler
}

// Describe says in a few lines what the preprocessing does.
func (p *Pipeline) Describe() string {
	var b strings.Builder
	switch p.Kind {
	case KindCSV:
		fmt.Fprintf(&b, "input: CSV table, %d feature columns read as %d steps × 1 channel: %s\n", len(p.Features), len(p.Features), shortList(p.Features, 12))
		if p.RowLabel != "" {
			fmt.Fprintf(&b, "rows named by column `%s`\n", p.RowLabel)
		}
	case KindSeries:
		w := p.Windowing
		fmt.Fprintf(&b, "input: time series windows of %d rows (stride %d, sampling rate %d) of %s, predicting %s %d row(s) after the window's last row\n",
			w.Window, w.Stride, w.SamplingRate, shortList(w.Inputs, 12), strings.Join(w.Targets, ", "), w.Horizon)
		if p.RowLabel != "" {
			fmt.Fprintf(&b, "rows named by column `%s`\n", p.RowLabel)
		}
	case KindText:
		fmt.Fprintf(&b, "input: text column `%s`; %s\n", p.TextColumn, p.Vectorizer.Describe())
		if p.WordVectors != "" {
			fmt.Fprintf(&b, "word vectors: %s\n", p.WordVectors)
		}
	case KindNPY:
		fmt.Fprintf(&b, "input: NumPy arrays of per-sample shape %s\n", tensor.ShapeString(p.XShape, false))
	}
	if p.Scaler != nil {
		fmt.Fprintf(&b, "scaling: %s\n", p.Scaler.Describe())
	}
	if p.TargetScaler != nil {
		fmt.Fprintf(&b, "target scaling: %s\n", p.TargetScaler.Describe())
	}
	switch p.Task {
	case TaskBinary, TaskMulticlass:
		fmt.Fprintf(&b, "task: %s classification of %s into %d classes: %s\n", p.Task, targetName(p), p.numClasses(), shortList(p.Labels.Classes, 20))
	case TaskRegression:
		fmt.Fprintf(&b, "task: regression of %s\n", strings.Join(p.Outputs, ", "))
	}
	return b.String()
}

func targetName(p *Pipeline) string {
	if p.Target == "" {
		return "y"
	}
	return "column `" + p.Target + "`"
}

func shortList(s []string, max int) string {
	if len(s) <= max {
		return strings.Join(s, ", ")
	}
	return strings.Join(s[:max], ", ") + fmt.Sprintf(", … (%d in all)", len(s))
}

// checkFile makes sure path names a readable, non-empty file; what names
// it in messages (e.g. "Source.Data").
func checkFile(what, path string) error {
	st, err := os.Stat(path)
	if err != nil {
		if os.IsNotExist(err) {
			return inputErr("%s %s: no such file: check the path (the current directory is used for relative paths)", what, path)
		}
		return inputErr("%s %s: %v", what, path, err)
	}
	if st.IsDir() {
		return inputErr("%s %s: is a directory, expected a file", what, path)
	}
	if st.Size() == 0 {
		return inputErr("%s %s: the file is empty: expected data rows", what, path)
	}
	return nil
}
