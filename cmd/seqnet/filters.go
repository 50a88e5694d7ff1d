package main

import (
	"flag"
	"fmt"
	"github.com/seqnet/seqnet/pipeline"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/seqnet/seqnet/explain"
	"github.com/seqnet/seqnet/explain/explainplot"
	"github.com/seqnet/seqnet/layers"
)

func init() {
	commands["filters"] = command{runFilters, "what each Conv1D filter responds to: top n-grams or windows"}
}

const filtersUsage = `Usage: seqnet filters --model FILE --data FILE|--x FILE.npy [flags]

Runs a saved model on the rows and lists, for every Conv1D filter, the inputs
that activate it most: for text models the distinct n-grams (n is the filter's
receptive field in tokens), for series models the input windows (at most one
per row), with the filter's activation on each.

  seqnet filters --model spam.seqnet --data spam.csv --top 5 --out filters.html
  seqnet filters --model temp.seqnet --x windows.npy --weights-dir weights/

Flags:
  --model FILE        a model saved by 'seqnet train' (.seqnet)
  --data FILE         the rows, read as training read them, with the model's stored preprocessing
  --x FILE            or the model's input as a .npy/.npz array: (rows, steps, channels), or (rows, steps) token indices
  --top K             inputs kept per filter (default 10)
  --out FILE          also write the report: .html (tables), .json or .tsv (one line per match)
  --weights-dir DIR   also draw every filter's kernel as DIR/LAYER_filterNN.png
  --delimiter D, --header yes|no|auto
                      the --data file's layout, when not the training file's (as predict)

Exit status: 0 done, 2 a problem with the flags or files (one line on stderr), 1 another failure.
`

// reportExts are the --out extensions filters writes.
var reportExts = map[string]bool{".html": true, ".htm": true, ".json": true, ".tsv": true, ".txt": true}

// runFilters is the `seqnet filters` command.
func runFilters(args []string, stdout, stderr io.Writer) int {
	const name = "filters"
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	modelPath := fs.String("model", "", "")
	dataPath := fs.String("data", "", "")
	xPath := fs.String("x", "", "")
	top := fs.Int("top", 10, "")
	out := fs.String("out", "", "")
	weightsDir := fs.String("weights-dir", "", "")
	var layout pipeline.Layout
	fs.StringVar(&layout.Delimiter, "delimiter", "", "")
	fs.StringVar(&layout.Header, "header", "", "")
	if done, st := parseFileFlags(fs, args, filtersUsage, "name the files with --model and --data (or --x)", stdout, stderr); done {
		return st
	}
	if err := filters(*modelPath, *dataPath, *xPath, *top, *out, *weightsDir, layout, stdout); err != nil {
		return finish(stderr, name, err)
	}
	return 0
}

func filters(modelPath, dataPath, xPath string, top int, out, weightsDir string, layout pipeline.Layout, w io.Writer) error {
	if top < 1 {
		return userErr("--top must be at least 1 (inputs kept per filter), received %d", top)
	}
	if out != "" {
		if ext := strings.ToLower(filepath.Ext(out)); !reportExts[ext] {
			return userErr("--out %s: unsupported extension %q: use .html (tables), .json or .tsv", out, ext)
		}
		if dir := filepath.Dir(out); !isDir(dir) {
			return userErr("--out %s: the directory %s does not exist: create it or write elsewhere", out, dir)
		}
	}
	d, err := loadModelData(modelPath, dataPath, xPath, layout)
	if err != nil {
		return err
	}
	return filterReport(d, top, out, weightsDir, w)
}

// filterReport prints the filter report of d's model on its rows and writes
// it to out (if not empty) and the filters' weight pictures to weightsDir
// (if not empty).
func filterReport(d *modelData, top int, out, weightsDir string, w io.Writer) error {
	var convs []*layers.Conv1D
	var names []string
	for _, l := range d.m.Layers() {
		names = append(names, l.Common().Name+" ("+l.ClassName()+")")
		if c, ok := l.(*layers.Conv1D); ok {
			convs = append(convs, c)
		}
	}
	if len(convs) == 0 {
		return userErr("%s has no Conv1D layer, so it has no filters to report (its layers: %s); give a convolutional model", d.modelName, strings.Join(names, ", "))
	}
	r, err := explain.FilterReport(d.m, d.x, d.vocab, top)
	if err != nil {
		return asUser(err)
	}
	printFilterReport(w, d, r)
	if out != "" {
		if err := explainplot.WriteFilterReport(out, r); err != nil {
			return err
		}
		fmt.Fprintf(w, "wrote %s\n", out)
	}
	if weightsDir != "" {
		if err := os.MkdirAll(weightsDir, 0o755); err != nil {
			return fmt.Errorf("--weights-dir: %w", err)
		}
		n := 0
		for _, c := range convs {
			var channels []string
			if c == firstConvOnInput(d) && d.prep.Windowing != nil {
				channels = d.prep.Windowing.Inputs // the series' columns
			}
			for f := range c.Filters {
				p := filepath.Join(weightsDir, fmt.Sprintf("%s_filter%02d.png", c.Common().Name, f))
				if err := explainplot.FilterWeights(p, d.m, c.Common().Name, f, channels...); err != nil {
					return err
				}
				n++
			}
		}
		fmt.Fprintf(w, "wrote %d filter weight pictures to %s\n", n, weightsDir)
	}
	return nil
}

// printFilterReport prints every filter's strongest inputs, one line each.
func printFilterReport(w io.Writer, d *modelData, r *explain.Report) {
	unit := "steps"
	if r.Kind == explain.Tokens {
		unit = "tokens"
	}
	fmt.Fprintf(w, "rows: %s (%d); top %d per filter\n", d.source, d.rows(), r.TopK)
	for _, l := range r.Layers {
		fmt.Fprintf(w, "\n%s: %d filters, kernel %d, strides %d, dilation %d; each output step sees %d input %s\n",
			l.Layer, len(l.Filters), l.KernelSize, l.Strides, l.Dilation, l.Field, unit)
		for _, f := range l.Filters {
			parts := make([]string, len(f.Top))
			for i, m := range f.Top {
				if r.Kind == explain.Tokens {
					parts[i] = fmt.Sprintf("%q %.3g", ngramText(d.vocab, m), m.Activation)
				} else {
					parts[i] = fmt.Sprintf("row %d steps %d–%d %.3g", m.Row, m.Start, m.End-1, m.Activation)
				}
			}
			if len(parts) == 0 {
				parts = []string{"(never active)"}
			}
			fmt.Fprintf(w, "  filter %2d: %s\n", f.Filter, strings.Join(parts, ", "))
		}
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(w, "skipped: %s\n", s)
	}
}

// ngramText prints a match's tokens with the vocabulary, the padding index
// 0 as <pad> (a window at the end of a short text reaches into it).
func ngramText(vocab []string, m explain.Match) string {
	if len(m.Tokens) == 0 {
		return m.Text
	}
	words := explain.Words(vocab, m.Tokens)
	for i, t := range m.Tokens {
		if t == 0 {
			words[i] = "<pad>"
		}
	}
	return strings.Join(words, " ")
}

// firstConvOnInput is the Conv1D that reads a series model's input
// directly (its kernel's channels are the input's columns), or nil.
func firstConvOnInput(d *modelData) *layers.Conv1D {
	if d.kind != explain.Series {
		return nil
	}
	for _, l := range d.m.Layers() {
		if l.ClassName() == "InputLayer" {
			continue
		}
		c, _ := l.(*layers.Conv1D)
		return c
	}
	return nil
}
