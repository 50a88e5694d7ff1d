// Package onnx writes seqnet models as ONNX files and reads ONNX files
// into seqnet models, in pure Go (the ONNX types are generated from
// onnx.proto into internal/onnxpb).
//
// # Export
//
// Export writes opset 17 in an IR version 8 file, with a dynamic batch
// axis ("batch") on every input and output. Inputs and outputs keep
// seqnet's channels-last layout, (batch, steps, channels); an input read
// only by Embedding layers is declared int64 (token indices), others
// float32. Each layer is written as:
//
//   - Conv1D, DepthwiseConv1D, SeparableConv1D: Transpose(0,2,1) to
//     channels-first, Conv, Transpose back (consecutive convolutions reuse
//     the transposes). The Keras kernel (k, in/groups, filters) becomes W
//     (filters, in/groups, k); "same" padding puts the odd zero on the
//     right (k=4: pads [1, 2]), "causal" pads [(k-1)·dilation, 0];
//     strides, dilation and groups carry over.
//   - MaxPooling1D, AveragePooling1D: MaxPool, AveragePool with the same
//     pads (count_include_pad=0: a window over the padded edge averages the
//     real values only, as Keras). Global poolings: ReduceMax, ReduceMean
//     over the steps axis.
//   - Embedding: Gather. Dense: MatMul + Add, on (batch, features) or per
//     step on (batch, steps, features).
//   - Flatten, Reshape: on the channels-last tensor, so the following
//     Dense weights keep Keras' element order.
//   - BatchNormalization: BatchNormalization (inference form, moving
//     statistics) between transposes; LayerNormalization:
//     LayerNormalization over the last axis.
//   - Dropout, SpatialDropout1D: left out (inference is the identity).
//   - Activations: Relu, Sigmoid, Tanh, Softmax (last axis), Elu, Selu,
//     Softplus, LeakyRelu (0.2), HardSigmoid (1/6, 0.5, Keras 3's form),
//     swish as x·Sigmoid(x), gelu as 0.5·x·(1+Erf(x/√2)).
//   - Concatenate: Concat. Add, Subtract, Multiply, Average: Sum, Sub,
//     Mul, Mean (a lower-rank input is unsqueezed after the batch axis, as
//     seqnet broadcasts it).
//   - LSTM, GRU, SimpleRNN: LSTM, GRU, RNN on (steps, batch, features)
//     (layout 0; ONNX Runtime refuses layout 1), between transposes. LSTM
//     gates i,f,c,o become ONNX's i,o,f,c, bias [Wb; Rb=0]; GRU keeps
//     z,r,h, reset_after=True becomes linear_before_reset=1 with the two
//     bias rows as Wb and Rb. go_backwards is direction "reverse" (the
//     returned sequence reversed back, as Keras returns it).
//     Bidirectional is direction "bidirectional" with every merge mode.
//   - Masks (Embedding mask_zero=True) become sequence_lens, the number of
//     non-zero tokens of each sample: exact when the padding zeros come
//     after the tokens, as seqnet's text pipeline writes them (a zero
//     inside a sequence would be read as a real step). Where Keras repeats
//     the last state at masked steps of a returned sequence, the export
//     does too; masked global poolings average or take the maximum of the
//     real steps only.
//   - Conv1DTranspose: ConvTranspose (W (in, filters, k)); seqnet's crop
//     is the left pad, the rest of the length the right pad or
//     output_padding.
//
// A layer or option without a faithful ONNX form (LayerNormalization with
// rms_scaling, recurrent activations other than sigmoid, tanh, relu,
// hard_sigmoid, leaky_relu, elu and softplus, masks meeting layers that
// would combine them, go_backwards on a masked sequence) is refused with
// an error naming the layer and the option.
//
// The preprocessing saved with a model (vocabulary, scaler, labels: the
// JSON of checkpoint Extra.Preprocessing, which for models trained by
// seqnet is package pipeline's Pipeline, format "seqnet-pipeline/1") is
// written to the model's
// metadata_props under the key "seqnet.preprocessing", so that a server in
// any language can read it with its ONNX library, e.g. in Python
// {p.key: p.value for p in onnx.load(path).metadata_props}.
//
// # Import
//
// Import (Unmarshal, ReadFile) reads every file Export writes, predicting
// exactly as the exported model, and what torch.onnx.export (torch 1.13,
// opsets 13 to 17) emits for Conv1d text CNNs and GRU/LSTM models:
// Gather (embeddings, a step of a sequence, a direction of a recurrent
// state), Transpose, Conv (pads become Keras' valid, same or causal
// padding, or ZeroPadding1D before a valid convolution), Relu, Tanh,
// Sigmoid, Softmax and the other activations above, MaxPool, AveragePool,
// GlobalMaxPool, GlobalAveragePool, ReduceMax, ReduceMean, Squeeze,
// Unsqueeze, Flatten and Reshape with constant shapes, Pad, Slice, Gemm
// (transB), MatMul (+ Add: Dense), Add, Sub, Mul, Sum, Mean, Concat,
// BatchNormalization, LayerNormalization, LSTM, GRU and RNN (torch's two
// biases summed into Keras' one; linear_before_reset=1 is reset_after),
// and the Shape, Gather, Unsqueeze, Concat, ConstantOfShape and Slice
// nodes that build zero initial states. Two directions become
// Bidirectional with merge_mode "none" followed by the graph's own merge.
//
// A padding mask (sequence_lens, or the masked pooling idiom) gives
// mask_zero to the Embeddings (Gathers) whose outputs the masked node
// reads, not to every lookup of the same tokens: seqnet's default text
// model reads its tokens through a masked and an unmasked Embedding. A
// lookup read both masked and unmasked by layers seqnet would mask has no
// seqnet form and is refused.
//
// Channels-first graphs become channels-last layers: a float input whose
// first reader is Conv or a pooling is ONNX (batch, channels, steps), and
// the seqnet model takes (batch, steps, channels) (Info.InputChannelsFirst
// says so); a Flatten of a channels-first tensor keeps ONNX's element order
// by reordering the next Dense layer's weight rows. An operator, attribute
// or pattern outside this set is an error naming the node, its op type and
// the attribute. Sizes read from the file are checked before anything is
// allocated; a truncated, corrupt or foreign file is an error.
//
// Predictions of the exported file in ONNX Runtime agree with seqnet's to
// about 1e-6 relative; they are not bit-identical, because the two sum
// products in different orders (float32 accumulation order).
package onnx
