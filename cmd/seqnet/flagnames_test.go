package main

import (
	"bytes"
	"flag"
	"reflect"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/pipeline"
)

// TestFlagNames: the settings package pipeline's messages name as Go code
// sets them are printed as the flags of the same names.
func TestFlagNames(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`Options.Header "maybe": expected yes, no or auto`, `--header "maybe": expected yes, no or auto`},
		{`give Source.Layout.Header = "yes" to skip it, or Source.Layout.Header = "no"`, `give --header yes to skip it, or --header no`},
		{`Source.Data data/x.csv: no such file`, `--data data/x.csv: no such file`},
		{`Source.X = "X.npy" with Source.Y = "Y.npy"`, `--x X.npy with --y Y.npy`},
		{`Options.ValidationSplit = 0.5 of 3 rows; lower Options.Window`, `--validation-split 0.5 of 3 rows; lower --window`},
		{`Options.SeqLen = 1e+08 for 2 texts (model.MaxMemory)`, `--seq-len 1e+08 for 2 texts (--max-memory)`},
		{`with Options.Ignore = []string{"date"}, or Options.RowLabel = "my date"`, `with --ignore date, or --row-label "my date"`},
		{`drop Options.Classes; see Options.NoCalendar, Options.SamplingRate, Options.TextColumn`, `drop --classes; see --no-calendar, --sampling-rate, --text-column`},
		{`Options.Fill = "zero" on column x; Options.Fill = "mean" is better`, `--fill zero on column x; --fill mean is better`},
		// Package data's options, which seqnet's flags fill.
		{`set CSVOptions.Classes to read (CSVOptions.Target, CSVOptions.Features, TextCSVOptions.Text)`, `set --classes to read (--target, --features, --text-column)`},
		{`TextCSVOptions.Label; CSVOptions.RowLabel = "my date"`, `--target; --row-label "my date"`},
		// Package keras's readers, which seqnet import calls.
		{`for model.to_json() output use keras.ReadModelJSON`, `for model.to_json() output use seqnet import --keras-json`},
		{`and read them with keras.ReadModelJSON and keras.LoadWeightsNPZ`, `and read them with seqnet import --keras-json and --weights`},
		{`the limit (model.MaxMemory)`, `the limit (--max-memory)`},
		{`(it was imported, not trained with pipeline.Fit): give`, `(it was imported, not trained by seqnet train): give`},
		// Not settings: left as they are.
		{`model.Predict: shapes; MyOptions.Header; options.Header; data.CSVOptions; XCSVOptions.Target`, `model.Predict: shapes; MyOptions.Header; options.Header; data.CSVOptions; XCSVOptions.Target`},
	} {
		if got := flagNames(c.in); got != c.want {
			t.Errorf("flagNames(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

// TestPipelineSettingsAreFlags: every setting of pipeline.Options, Source
// and Layout, written as a flag, is a flag of seqnet train or predict
// (so that no message names a flag that does not exist).
func TestPipelineSettingsAreFlags(t *testing.T) {
	var d dataFlags
	train := flag.NewFlagSet("train", flag.ContinueOnError)
	d.addTrainFlags(train)
	var out, errb bytes.Buffer
	runTrain([]string{"-h"}, &out, &errb) // the flags train adds itself (--validation-split)
	predict := flag.NewFlagSet("predict", flag.ContinueOnError)
	d.addReadFlags(predict)
	d.addLayoutFlags(predict)
	check := func(prefix string, v any, skip ...string) {
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			name := typ.Field(i).Name
			if strings.Contains(strings.Join(skip, " "), name) {
				continue
			}
			f := flagNames(prefix + name)
			if !strings.HasPrefix(f, "--") {
				t.Errorf("%s%s is not written as a flag: %q", prefix, name, f)
				continue
			}
			if train.Lookup(f[2:]) == nil && predict.Lookup(f[2:]) == nil && !strings.Contains(out.String(), f+" ") {
				t.Errorf("%s%s is written %s, which neither seqnet train nor predict takes", prefix, name, f)
			}
		}
	}
	check("Options.", pipeline.Options{})
	check("Source.", pipeline.Source{}, "Layout", "Rank") // not flags: Rank is the model's
	check("Source.Layout.", pipeline.Layout{})
	if got := flagNames("model.MaxMemory"); got != "--max-memory" {
		t.Errorf("model.MaxMemory is written %q", got)
	}
}
