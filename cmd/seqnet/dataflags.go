package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"

	"github.com/seqnet/seqnet/pipeline"
)

// dataFlags are the flags that say where the data is and how to read it.
type dataFlags struct {
	Data, X, Y      string
	Text            bool
	TextColumn      string
	Target          string
	Features        string
	Ignore          string
	RowLabel        string
	NoCalendar      bool
	Delimiter       string
	Header          string
	Fill            string
	Classes         bool
	Window, Horizon int
	Stride          int
	SamplingRate    int
	Scale           string
	MaxTokens       int
	SeqLen          int
	Standardize     string
	WordVectors     string
	// Layout is how a file read with a model's stored preprocessing
	// differs from the training file (predict, evaluate: addLayoutFlags).
	Layout pipeline.Layout
	// rank is the model's input rank (modelRank) when the model is known
	// before the data is read; not a flag, not stored.
	rank int
}

// addReadFlags adds the flags every data-reading command shares.
func (d *dataFlags) addReadFlags(fs *flag.FlagSet) {
	fs.StringVar(&d.Data, "data", "", "")
	fs.StringVar(&d.X, "x", "", "")
	fs.StringVar(&d.Y, "y", "", "")
}

// addTrainFlags adds the flags that choose how training data is read; the
// defaults are pipeline.DefaultOptions.
func (d *dataFlags) addTrainFlags(fs *flag.FlagSet) {
	def := pipeline.DefaultOptions()
	d.addReadFlags(fs)
	fs.BoolVar(&d.Text, "text", def.Text, "")
	fs.StringVar(&d.TextColumn, "text-column", def.TextColumn, "")
	fs.StringVar(&d.Target, "target", def.Target, "")
	fs.StringVar(&d.Features, "features", strings.Join(def.Features, ","), "")
	fs.StringVar(&d.Ignore, "ignore", strings.Join(def.Ignore, ","), "")
	fs.StringVar(&d.RowLabel, "row-label", def.RowLabel, "")
	fs.BoolVar(&d.NoCalendar, "no-calendar", def.NoCalendar, "")
	fs.StringVar(&d.Delimiter, "delimiter", def.Delimiter, "")
	fs.StringVar(&d.Header, "header", def.Header, "")
	fs.StringVar(&d.Fill, "fill", def.Fill, "")
	fs.BoolVar(&d.Classes, "classes", def.Classes, "")
	fs.IntVar(&d.Window, "window", def.Window, "")
	fs.IntVar(&d.Horizon, "horizon", def.Horizon, "")
	fs.IntVar(&d.Stride, "stride", def.Stride, "")
	fs.IntVar(&d.SamplingRate, "sampling-rate", def.SamplingRate, "")
	fs.StringVar(&d.Scale, "scale", def.Scale, "")
	fs.IntVar(&d.MaxTokens, "max-tokens", def.MaxTokens, "")
	fs.IntVar(&d.SeqLen, "seq-len", def.SeqLen, "")
	fs.StringVar(&d.Standardize, "standardize", def.Standardize, "")
	fs.StringVar(&d.WordVectors, "word-vectors", "", "")
}

// source is where the flags say the data is.
func (d *dataFlags) source() pipeline.Source {
	return pipeline.Source{Data: d.Data, X: d.X, Y: d.Y, Rank: d.rank, Layout: d.Layout}
}

// options are the flags as pipeline options.
func (d *dataFlags) options(valSplit float64) pipeline.Options {
	return pipeline.Options{Text: d.Text, Window: d.Window, Target: d.Target, TextColumn: d.TextColumn,
		Features: pipeline.SplitList(d.Features), Ignore: pipeline.SplitList(d.Ignore), RowLabel: d.RowLabel, NoCalendar: d.NoCalendar,
		Delimiter: d.Delimiter, Header: d.Header, Fill: d.Fill, Classes: d.Classes,
		Horizon: d.Horizon, Stride: d.Stride, SamplingRate: d.SamplingRate, Scale: d.Scale,
		MaxTokens: d.MaxTokens, SeqLen: d.SeqLen, Standardize: d.Standardize, ValidationSplit: valSplit}
}

// kindOf says which reader the flags ask for.
func (d *dataFlags) kindOf() (string, error) {
	return pipeline.KindOf(d.source(), d.options(0))
}

// readTraining reads training data as the flags say: with p's stored
// preprocessing when it has one (a saved model trained further), else
// fitting a new one.
func readTraining(d *dataFlags, p *pipeline.Pipeline, valSplit float64) (*pipeline.Pipeline, *pipeline.Batch, error) {
	if p != nil && p.Kind != "" {
		b, err := p.TransformTraining(d.source(), valSplit)
		return p, b, err
	}
	return pipeline.Fit(d.source(), d.options(valSplit))
}

// splitAt is the number of the first (1-valSplit) of n samples.
func splitAt(n int, valSplit float64) int {
	return int(float64(n) * (1 - valSplit))
}

// checkFile makes sure path names a readable, non-empty file.
func checkFile(flagName, path string) error {
	st, err := os.Stat(path)
	if err != nil {
		if os.IsNotExist(err) {
			return userErr("%s %s: no such file: check the path (the current directory is used for relative paths)", flagName, path)
		}
		return userErr("%s %s: %v", flagName, path, err)
	}
	if st.IsDir() {
		return userErr("%s %s: is a directory, expected a file", flagName, path)
	}
	if st.Size() == 0 {
		return userErr("%s %s: the file is empty: expected %s", flagName, path, expectedContent(flagName, path))
	}
	return nil
}

// expectedContent says what a file given to flagName should hold.
func expectedContent(flagName, path string) string {
	switch "--" + strings.TrimLeft(flagName, "-") {
	case "--model", "--resume":
		if strings.HasSuffix(strings.ToLower(path), ".json") {
			return "a Keras model.to_json() file"
		}
		return "a seqnet model file (written by seqnet train or seqnet import)"
	case "--keras-json":
		return "the JSON of a Keras model.to_json()"
	case "--weights":
		return "a numpy.savez of model.get_weights()"
	case "--word-vectors":
		return "word vectors, one word and its numbers per line"
	case "--optimizer-config":
		return "a Keras optimizer get_config() as JSON"
	}
	if isNumpyPath(path) {
		return "a NumPy array file"
	}
	return "data rows"
}

// checkOutDir makes sure the folder of an output file exists, before any
// work is done.
func checkOutDir(flagName, path string) error {
	if path == "" {
		return nil
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return userErr("%s %s: the folder %s does not exist: create it or choose another path", flagName, path, dir)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return userErr("%s %s: is a folder, expected a file name", flagName, path)
	}
	return nil
}
