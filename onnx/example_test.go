package onnx_test

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/onnx"
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
	// A layer without an ONNX form is refused by name.
	bad, _ := model.NewSequential(layers.Input(10, 2), layers.NewConv1DTranspose(3, 2))
	fmt.Println(onnx.Export(&buf, bad, onnx.ExportOptions{}))
	// Output:
	// true
	// onnx: layer "conv1d_transpose" (Conv1DTranspose): Conv1DTranspose has no ONNX export in seqnet (supported: Embedding, Conv1D, DepthwiseConv1D, SeparableConv1D, Dense, Activation, Dropout, SpatialDropout1D, MaxPooling1D, AveragePooling1D, GlobalMaxPooling1D, GlobalAveragePooling1D, Flatten, Reshape, ZeroPadding1D, Cropping1D, UpSampling1D, BatchNormalization, LayerNormalization, Concatenate, Add, Subtract, Multiply, Average, LSTM, GRU, SimpleRNN, Bidirectional)
}
