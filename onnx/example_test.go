package onnx_test

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/onnx"
	"github.com/seqnet/seqnet/tensor"
)

// A text CNN written as ONNX, with its vocabulary in the metadata.
func ExampleExport() {
	m, err := model.NewSequential(layers.Input(20), layers.NewEmbedding(100, 8),
		layers.NewConv1D(4, 3, layers.Padding("same"), layers.ConvActivation("relu")),
		layers.NewGlobalMaxPooling1D(), layers.NewDense(2, "softmax"))
	if err != nil {
		panic(err)
	}
	var buf bytes.Buffer
	pre := json.RawMessage(`{"vocabulary": ["", "[UNK]", "good", "bad"]}`)
	if err := onnx.Export(&buf, m, onnx.ExportOptions{Preprocessing: pre}); err != nil {
		panic(err)
	}
	fmt.Println(buf.Len() > 0)
	// A layer option without an ONNX form is refused by name.
	ln := layers.NewLayerNormalization()
	ln.RMSScaling = true
	bad, _ := model.NewSequential(layers.Input(10, 2), ln)
	fmt.Println(onnx.Export(&buf, bad, onnx.ExportOptions{}))
	// Output:
	// true
	// onnx: layer "layer_normalization" (LayerNormalization): LayerNormalization with rms_scaling=True has no ONNX form in opset 17 (RMSNormalization is opset 23)
}

// A model exported and imported back predicts exactly as before.
func ExampleImport() {
	m, err := model.NewSequential(layers.Input(12, 3), layers.NewLSTM(4), layers.NewDense(1, ""))
	if err != nil {
		panic(err)
	}
	var buf bytes.Buffer
	if err := onnx.Export(&buf, m, onnx.ExportOptions{Preprocessing: json.RawMessage(`{"scaler": "standard"}`)}); err != nil {
		panic(err)
	}
	back, info, err := onnx.Import(&buf)
	if err != nil {
		panic(err)
	}
	x := tensor.New(2, 12, 3)
	for i := range x.Data {
		x.Data[i] = float32(i%7) / 7
	}
	y1, _ := m.Predict(x, 0)
	y2, _ := back.Predict(x, 0)
	fmt.Println(back.InputShapes(), y1.Data[0] == y2.Data[0] && y1.Data[1] == y2.Data[1], info.Metadata[onnx.MetaPreprocessing])
	// Output: [[12 3]] true {"scaler":"standard"}
}
