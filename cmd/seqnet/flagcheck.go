package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// checkApplicable refuses, before any work, train flags that cannot apply
// to the run as the other flags describe it: each used to be ignored
// silently (the run trained something other than what was asked).
func (t *trainer) checkApplicable() error {
	if t.resume != "" {
		return nil // runResume refuses every changed setting
	}
	set, c := t.set, &t.c
	given := func(names ...string) string {
		var out []string
		for _, n := range names {
			if set[n] {
				out = append(out, "--"+n)
			}
		}
		sort.Strings(out)
		return strings.Join(out, ", ")
	}
	if set["data"] && set["x"] {
		return userErr("--data and --x are both given: give one (--x X.npy --y Y.npy, or --data with a table, text, series or an .npz holding x and y)")
	}
	if !(c.Arch.Dropout >= 0 && c.Arch.Dropout < 1) { // NaN too
		return userErr("--dropout must be in [0, 1), received %g", c.Arch.Dropout)
	}
	if set["window"] && c.Data.Window <= 0 {
		return userErr("--window must be at least 1 (rows per window), received %d; leave it out to read a table of samples", c.Data.Window)
	}
	if f := given("horizon", "stride", "sampling-rate"); f != "" && !set["window"] {
		return userErr("%s apply to time-series windows only: add --window W, or leave them out", f)
	}
	if set["freeze-embeddings"] && !set["word-vectors"] {
		return userErr("--freeze-embeddings keeps loaded word vectors fixed: it needs --word-vectors FILE")
	}
	if spec := c.Model; spec != "" && !isBuiltin(spec) {
		if f := given("filters", "kernel-size", "embedding-dim", "units", "dropout"); f != "" {
			return userErr("%s shape a built-in architecture (cnn, textcnn, kimcnn, forecast, lstm); --model %s brings its own layers: leave them out", f, spec)
		}
		if isSeqnetFile(spec) {
			if f := given("window", "target", "features", "ignore", "scale", "text", "classes", "text-column", "horizon",
				"stride", "sampling-rate", "max-tokens", "seq-len", "standardize", "fill", "row-label", "no-calendar"); f != "" {
				return userErr("%s cannot change how data is read when training %s further: the model file stores its preprocessing and applies it as it is; leave them out, or train a new model", f, spec)
			}
		}
	}
	arrays := set["x"] || isNumpyPath(c.Data.Data)
	if arrays {
		if f := given("target", "features", "ignore", "row-label", "delimiter", "header", "fill", "text-column",
			"max-tokens", "seq-len", "standardize", "horizon", "stride", "sampling-rate", "word-vectors", "scale"); f != "" {
			return userErr("%s do not apply to NumPy arrays, which are used as they are (x as inputs, y as targets): leave them out", f)
		}
		return nil
	}
	if c.Data.Text {
		if f := given("scale", "features", "ignore", "fill", "horizon", "stride", "sampling-rate"); f != "" {
			return userErr("%s do not apply to --text: texts are read as token sequences (use --text-column and --target to choose the columns)", f)
		}
	} else if f := given("text-column", "max-tokens", "seq-len", "standardize", "word-vectors"); f != "" {
		return userErr("%s apply to text only: add --text to read --data as labelled text", f)
	}
	return nil
}

// isNumpyPath reports a .npy or .npz path.
func isNumpyPath(p string) bool {
	ext := strings.ToLower(filepath.Ext(p))
	return ext == ".npy" || ext == ".npz"
}

// checkStoredData makes sure the data files a resumed run stores (as they
// were given when training started, so relative to that folder) are found
// from here, and says how to fix it when they are not.
func (t *trainer) checkStoredData() error {
	for _, f := range []struct{ flag, path string }{{"data", t.c.Data.Data}, {"x", t.c.Data.X}, {"y", t.c.Data.Y}} {
		if f.path == "" || t.set[f.flag] {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			where := "the folder training started in"
			if filepath.IsAbs(f.path) {
				where = "its stored place"
			}
			return userErr("--resume %s: the training data --%s %s stored in the model is not found from here (%v): it is read from %s; run seqnet from there, or give its path now with --%s FILE",
				t.resume, f.flag, f.path, unwrapPathErr(err), where, f.flag)
		}
	}
	return nil
}
