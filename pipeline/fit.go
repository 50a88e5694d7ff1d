package pipeline

import "github.com/seqnet/seqnet/data"

// Source says where data is: one file (Data: CSV, TSV, text, .npy or
// .npz), or NumPy arrays X (and Y). Layout, for a file read with a
// pipeline (Transform), says how the file is laid out when it differs from
// the training file (Fit reads Options instead).
type Source struct {
	Data, X, Y string
	Layout     Layout
	// Rank is the rank of the model's input, batch axis included, when
	// known (e.g. len(m.InputShapes()[0])+1): 2 reads a 2-D x as it is,
	// (samples, features), for a model whose first layer is an Embedding
	// (token ids) or Dense. Otherwise (0 or 3) a 2-D x (samples, steps)
	// gets a channel axis of 1, as a Conv1D reads it; a model trained on
	// arrays reads them as at training.
	Rank int
}

// Options say how Fit reads training data; the CLI's `seqnet train` flags
// of the same names set them. Start from DefaultOptions: some zero values
// are not the defaults (Horizon 0 means "the window's last row", MaxTokens
// 0 means no cap).
type Options struct {
	// Text reads Data as labelled texts; Window > 0 as a time series cut
	// into windows of that many rows; otherwise a CSV table (or NumPy
	// arrays, by the file's extension).
	Text   bool
	Window int
	// Target is the target column (name or 0-based index; default the
	// last); for a series, the comma-separated columns to forecast; for
	// text, the label column.
	Target     string
	TextColumn string   // the text column (default: the one with the longest average text)
	Features   []string // input columns (default: all but the target and Ignore)
	Ignore     []string // columns to skip
	RowLabel   string   // a column (e.g. a date) that names rows; a series finds a date, year or index column itself
	// NoCalendar leaves out the calendar features a series whose row
	// labels are dates otherwise gets (calendar.FeatureNames).
	NoCalendar bool
	Delimiter  string // ",", ";", "|", "tab"; "" detects it
	Header     string // "yes", "no" or "auto" ("")
	Fill       string // missing values: "none" (an error), "zero", "mean", "previous" or "drop"
	Classes    bool   // read a numeric target (or integer y) as class labels
	// Time series: rows from a window's last row to its target, between
	// window starts, and between steps inside a window.
	Horizon, Stride, SamplingRate int
	// Scale is the feature scaling fitted on the training part: "standard"
	// (also ""), "minmax" or "none".
	Scale string
	// Text: the vocabulary cap (padding and [UNK] included; 0: none) and
	// tokens per text (0: the 95th percentile of the training texts' lengths).
	MaxTokens, SeqLen int
	// Standardize is how texts become words (data.TextVectorizer's
	// Standardize): data.LowerAndSplitPunctuation (also "", the default),
	// where ASCII punctuation other than the apostrophe separates words, or
	// data.LowerAndStripPunctuation, Keras' default, which deletes it
	// ("[Razor-users]" is then the one word "razorusers"). The default was
	// chosen by measurement: splitting was as accurate or more on every
	// development text set of the quality benchmark (README).
	Standardize string
	// ValidationSplit is the last fraction of the data kept for
	// validation: scalers and vocabularies are fitted on the rest only. A
	// series is split by time and its validation windows returned in
	// Batch.ValX, ValY; other data is returned whole (the caller splits
	// it, e.g. model.FitOptions.ValidationSplit).
	ValidationSplit float64
}

// DefaultOptions are `seqnet train`'s defaults.
func DefaultOptions() Options {
	return Options{Header: "auto", Fill: "none", Horizon: 1, Stride: 1, SamplingRate: 1,
		Scale: data.ScaleStandard, MaxTokens: 20000, Standardize: data.LowerAndSplitPunctuation, ValidationSplit: 0.2}
}

// settings are a Source and Options together, as the readers take them.
type settings struct {
	Source
	Options
}

// Fit learns the preprocessing from training data (columns, label map,
// scalers, vocabulary, windows) and returns it with the data transformed.
func Fit(src Source, o Options) (*Pipeline, *Batch, error) {
	if o.Scale == "" {
		o.Scale = data.ScaleStandard
	}
	p := &Pipeline{}
	b, err := readTraining(&settings{src, o}, p, o.ValidationSplit)
	if err != nil {
		return nil, nil, err
	}
	b.Report += classSplitWarning(p, b, o.ValidationSplit)
	return p, b, nil
}

// KindOf says which kind of data (KindCSV, …) Fit would read src and o as.
func KindOf(src Source, o Options) (string, error) {
	return (&settings{src, o}).kindOf()
}

// Transform reads a file as the training data was read, with its targets
// when withTargets (to evaluate), without them otherwise (to predict).
func (p *Pipeline) Transform(src Source, withTargets bool) (*Batch, error) {
	return readApplied(&settings{Source: src}, p, withTargets)
}

// TransformTraining reads more training data for a model trained further:
// as Transform with targets, and a series split by time as Fit splits it
// (validationSplit, the last fraction of its rows).
func (p *Pipeline) TransformTraining(src Source, validationSplit float64) (*Batch, error) {
	if p.Kind == "" {
		return nil, inputErr("the model has no stored preprocessing: use Fit to learn one")
	}
	b, err := readTraining(&settings{Source: src}, p, validationSplit)
	if err != nil {
		return nil, err
	}
	b.Report += classSplitWarning(p, b, validationSplit)
	return b, nil
}
