package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/seqnet/seqnet/checkpoint"
)

func init() {
	commands["summary"] = command{runSummary, "print a model file's layers, preprocessing and training history"}
}

const summaryUsage = `Usage: seqnet summary MODEL.seqnet

Prints what a model file holds: format version and epochs trained, the layer
table (output shapes and parameter counts), the compile settings, the stored
preprocessing (columns, label map, scaler, windows, vocabulary) and the
settings and last figures of training.
`

func runSummary(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("summary", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	modelPath := fs.String("model", "", "")
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, summaryUsage)
		return 0
	}
	if err != nil {
		return finish(stderr, "summary", userErr("%v; usage: seqnet summary MODEL.seqnet", err))
	}
	path := *modelPath
	switch {
	case fs.NArg() == 1 && path == "":
		path = fs.Arg(0)
	case fs.NArg() > 1 || (fs.NArg() == 1 && path != ""):
		return finish(stderr, "summary", userErr("give one model file, received several: usage: seqnet summary MODEL.seqnet"))
	case path == "":
		return finish(stderr, "summary", userErr("no model file: usage: seqnet summary MODEL.seqnet"))
	}
	return finish(stderr, "summary", summary(path, stdout))
}

func summary(path string, w io.Writer) error {
	m, extra, p, err := loadModelFile("model", path)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, checkpoint.Describe(m, extra))
	fmt.Fprint(w, m.Summary())
	if opt := m.Optimizer(); opt != nil {
		fmt.Fprintf(w, "optimizer: %s, learning rate %g, %d steps taken\n", opt.Name(), opt.LearningRate(), opt.Common().Iterations)
	} else {
		fmt.Fprintln(w, "not compiled (no optimizer state): seqnet train --model FILE compiles it for the data")
	}
	if p.Kind == "" {
		fmt.Fprintln(w, "preprocessing: none stored (imported or saved without it): predict and evaluate take NumPy arrays (--x, --y)")
	} else {
		fmt.Fprint(w, "preprocessing:\n  "+indentRest(p.Describe())+"\n")
	}
	c, err := storedTrainConfig(p)
	if err != nil {
		return userErr("%s: %v", path, err)
	}
	if c != nil {
		loss := c.Loss
		if loss == "" {
			loss = defaultLossFor(m, p.Task)
		}
		fmt.Fprintf(w, "training: --model %s, loss %s, optimizer %s (learning rate %g), %d epochs of batches of %d, validation split %g, seed %d",
			c.Model, loss, c.Optimizer, c.LearningRate, c.Epochs, c.BatchSize, c.ValidationSplit, c.Seed)
		if c.EarlyStopping > 0 {
			fmt.Fprintf(w, ", early stopping after %d epochs without improvement", c.EarlyStopping)
		}
		fmt.Fprintln(w)
	}
	if st, _ := m.TrainingState(); st.Batch > 0 {
		fmt.Fprintf(w, "interrupted in epoch %d after batch %d: continue with seqnet train --resume %s\n", st.Epoch+1, st.Batch, path)
	}
	if h := extra.History; h != nil && len(h.Epochs) > 0 {
		fmt.Fprintln(w, "history:")
		fmt.Fprintf(w, "  %5s", "epoch")
		for _, k := range h.Keys {
			fmt.Fprintf(w, " %12s", k)
		}
		fmt.Fprintln(w)
		for i, e := range h.Epochs {
			if len(h.Epochs) > 12 && i >= 5 && i < len(h.Epochs)-5 {
				if i == 5 {
					fmt.Fprintf(w, "  %5s\n", "…")
				}
				continue
			}
			fmt.Fprintf(w, "  %5d", e+1)
			for _, k := range h.Keys {
				v := h.Metrics[k]
				if i < len(v) {
					fmt.Fprintf(w, " %12.4f", v[i])
				} else {
					fmt.Fprintf(w, " %12s", "")
				}
			}
			fmt.Fprintln(w)
		}
	}
	return nil
}
