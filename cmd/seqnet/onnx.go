package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/onnx"
	"github.com/seqnet/seqnet/pipeline"
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
	pre, desc := storedPipeline(extra.Preprocessing)
	if err := onnx.WriteFile(out, m, onnx.ExportOptions{Preprocessing: pre}); err != nil {
		return userErr("--onnx %s: %v", out, err)
	}
	fmt.Fprintf(w, "ONNX model (opset %d, dynamic batch axis) written to %s\n", onnx.Opset, out)
	if pre != nil {
		fmt.Fprintf(w, "its preprocessing is in metadata_props[%q] as JSON:\n%s", onnx.MetaPreprocessing, desc)
	}
	return nil
}

// storedPipeline returns the preprocessing JSON to carry in an ONNX file
// and a description: a seqnet pipeline is rewritten in the current
// format (pipeline.Format) and described; other JSON is kept as it is.
func storedPipeline(raw json.RawMessage) (json.RawMessage, string) {
	if len(raw) == 0 {
		return nil, ""
	}
	p, err := pipeline.Parse(raw)
	if err != nil || p.Kind == "" {
		return raw, "  (not a seqnet pipeline: kept as it is)\n"
	}
	b, err := json.Marshal(p)
	if err != nil {
		return raw, ""
	}
	return b, "  " + strings.ReplaceAll(strings.TrimRight(p.Describe(), "\n"), "\n", "\n  ") + "\n"
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
	desc := ""
	if p := info.Metadata[onnx.MetaPreprocessing]; p != "" {
		if !json.Valid([]byte(p)) {
			return userErr("--onnx %s: metadata_props[%q] is not valid JSON", in, onnx.MetaPreprocessing)
		}
		extra.Preprocessing, desc = storedPipeline(json.RawMessage(p))
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
		fmt.Fprintf(w, "the preprocessing in the file's metadata is kept:\n%s", desc)
	}
	fmt.Fprintf(w, "saved %s with the weights of %s\n", out, in)
	return nil
}
