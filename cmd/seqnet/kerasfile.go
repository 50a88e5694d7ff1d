package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/keras"
)

// importKerasFile is seqnet import --keras: a whole model saved by Keras'
// model.save, .keras (Keras 3) or .h5 (Keras 2).
func importKerasFile(in, out string, w io.Writer) error {
	if out == "" {
		return userErr("--out is required, e.g. seqnet import --keras model.keras --out model.seqnet")
	}
	if err := checkFile("--keras", in); err != nil {
		return err
	}
	if err := checkOutDir("--out", out); err != nil {
		return err
	}
	m, info, err := keras.ReadModelFile(in)
	if err != nil {
		return userErr("--keras %s", strings.TrimPrefix(err.Error(), "keras: "))
	}
	if err := checkpoint.Save(out, m, checkpoint.Extra{}); err != nil {
		return fmt.Errorf("--out %s: %w", out, err)
	}
	fmt.Fprint(w, m.Summary())
	format := map[string]string{"keras": "Keras 3 .keras", "h5": "Keras 2 .h5"}[info.Format]
	if info.KerasVersion != "" {
		format += " (saved by Keras " + info.KerasVersion + ")"
	}
	fmt.Fprintf(w, "read %s: architecture and %d weight arrays\n", format, info.Weights)
	if info.OptimizerState {
		fmt.Fprintln(w, "note: the optimizer state in the file is not imported; training the model further starts a fresh optimizer")
	} else {
		fmt.Fprintln(w, "note: optimizer state is never imported; training the model further starts a fresh optimizer")
	}
	fmt.Fprintf(w, "saved %s with the weights of %s\n", out, in)
	return nil
}
