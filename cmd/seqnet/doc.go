// Command seqnet trains, explains and runs 1-D convolutional networks for
// text and time series, with Keras semantics (names, arguments, defaults,
// weight layouts; channels-last data).
//
// Usage:
//
//	seqnet <command> [flags]
//
// Train and use a model:
//
//	seqnet train          train a model from CSV, text, time-series or .npy files
//	seqnet evaluate       loss and metrics of a trained model on labelled data, with a baseline
//	seqnet predict        predict with a trained model, applying its stored preprocessing
//	seqnet summary        print a model file's layers, preprocessing and training history
//	seqnet serve          serve models over HTTP (TensorFlow Serving and KServe v2 REST APIs)
//
// Understand a model:
//
//	seqnet shape          walk shapes through a stack of layers and explain shape errors
//	seqnet explain        show a convolution step by step
//	seqnet explain-model  explain one prediction: which steps or tokens it rests on
//	seqnet filters        what each Conv1D filter responds to: top n-grams or windows
//	seqnet demo           the Conv1D tutorial end to end (then real data)
//	seqnet studio         an interactive Conv1D page (convolution, training, shapes) served locally or exported
//
// Exchange models with Keras and ONNX:
//
//	seqnet import         make a seqnet model file from Keras JSON and weights, a .keras or .h5 file, or ONNX
//	seqnet export         write a seqnet model as Keras JSON and .npz weights, or as ONNX
//
// Measure:
//
//	seqnet bench          time the reference workloads (W1–W5), as torch_bench.py does
//
// `seqnet help` lists the commands, `seqnet <command> -h` gives a
// command's flags. Every command also takes --max-memory SIZE (default
// 4GiB). A command exits 0 when it succeeds, 2 for a usage or input error
// (reported in one line on stderr, with the likely fix), 1 otherwise.
//
// A command registers itself in its own file's init (commands["name"] =
// command{run, summary}); add it to the list above too, where
// TestDocListsEveryCommand looks for it.
package main
