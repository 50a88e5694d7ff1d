package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/onnx"
)

// exportONNX is `seqnet export --model M --onnx out.onnx`.
func exportONNX(modelPath, out string, w io.Writer) error {
	if modelPath == "" {
		return userErr("--model is required, e.g. seqnet export --model model.seqnet --onnx model.onnx")
	}
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

// importONNX is `seqnet import --onnx file.onnx --out M`.
func importONNX(in, out string, w io.Writer) error {
	if out == "" {
		return userErr("--out is required, e.g. seqnet import --onnx model.onnx --out model.seqnet")
	}
	if err := checkFile("--onnx", in); err != nil {
		return err
	}
	if err := checkOutDir("--out", out); err != nil {
		return err
	}
	m, info, err := onnx.ReadFile(in)
	if err != nil {
		return userErr("--onnx %v", err)
	}
	var extra checkpoint.Extra
	if p := info.Metadata[onnx.MetaPreprocessing]; p != "" {
		if !json.Valid([]byte(p)) {
			return userErr("--onnx %s: metadata_props[%q] is not valid JSON", in, onnx.MetaPreprocessing)
		}
		extra.Preprocessing = json.RawMessage(p)
	}
	if err := checkpoint.Save(out, m, extra); err != nil {
		return fmt.Errorf("--out %s: %w", out, err)
	}
	fmt.Fprint(w, m.Summary())
	for i, cf := range info.InputChannelsFirst {
		if cf {
			fmt.Fprintf(w, "note: ONNX input %d is channels-first (batch, channels, steps); the seqnet model takes (batch, steps, channels): transpose your data\n", i)
		}
	}
	for i, cf := range info.OutputChannelsFirst {
		if cf {
			fmt.Fprintf(w, "note: ONNX output %d is channels-first; seqnet's is (batch, steps, channels)\n", i)
		}
	}
	if extra.Preprocessing != nil {
		fmt.Fprintln(w, "the preprocessing stored in the file's metadata is kept")
	}
	fmt.Fprintf(w, "saved %s with the weights of %s\n", out, in)
	return nil
}
