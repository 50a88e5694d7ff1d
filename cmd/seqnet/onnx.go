package main

import (
	"fmt"
	"io"

	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/onnx"
)

// exportONNX is `seqnet export --model M --onnx out.onnx`.
func exportONNX(modelPath, out string, w io.Writer) error {
	if err := checkFile("--model", modelPath); err != nil {
		return err
	}
	if err := checkOutDir("--onnx", out); err != nil {
		return err
	}
	m, extra, err := checkpoint.Load(modelPath)
	if err != nil {
		return userErr("--model %s: %v", modelPath, err)
	}
	if err := onnx.WriteFile(out, m, onnx.ExportOptions{Preprocessing: extra.Preprocessing}); err != nil {
		return userErr("--onnx %s: %v", out, err)
	}
	note := ""
	if extra.Preprocessing != nil {
		note = fmt.Sprintf(", with the preprocessing in metadata_props[%q]", onnx.MetaPreprocessing)
	}
	fmt.Fprintf(w, "ONNX model (opset %d, dynamic batch axis) written to %s%s\n", onnx.Opset, out, note)
	return nil
}
