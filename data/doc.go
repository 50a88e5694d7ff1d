// Package data reads the inputs of seqnet's 1D CNNs and turns them into
// channels-last tensors: (samples, steps, channels), as Keras expects.
//
// It has four families of readers, each of which records how it read its
// input so a command-line tool can print it back to the user:
//
//   - CSV tables (ReadCSV): header and delimiter detection, feature and target
//     columns by name or index, string labels mapped to class indices
//     (LabelMap), explicit fill policies for missing values. A flat row of F
//     features is read as F steps of 1 channel: (N, F, 1).
//   - Time series (Series, MakeWindows): sliding windows with the semantics
//     of Keras' timeseries_dataset_from_array, chronological train/val/test
//     splits (Series.SplitByTime) and scalers fitted on the training part only
//     (FitScaler).
//   - Text (ReadTextCSV, TextVectorizer, PadSequences, ReadWordVectors):
//     labelled text files, the defaults of Keras' TextVectorization layer and
//     pad_sequences (plus one standardization Keras does not have, which
//     splits words at punctuation instead of deleting it:
//     LowerAndSplitPunctuation), and GloVe/word2vec text files aligned to a
//     vocabulary.
//   - NumPy arrays: see the sub-package data/npy; Sequences and SplitXY here
//     turn its arrays into model inputs.
//
// Embedded real datasets (SpamAssassin subjects, Seattle weather, yearly
// sunspots) live in data/embedded.
//
// The readers are fuzzed (FuzzReadCSV, FuzzReadWordVectors here, FuzzRead and
// FuzzReadNPZ in data/npy); run one with e.g.
//
//	go test -run='^$' -fuzz=FuzzReadCSV -fuzztime 500000x -fuzzminimizetime=5s ./data
//
// (A count of executions, about a minute on a 2-core machine, not a
// duration: Go 1.26 can end a clean timed run with exit status 1,
// go.dev/issue/75804; see scripts/fuzz.sh.)
//
// (a short -fuzzminimizetime keeps the fuzzer from spending its whole run
// minimizing a large .npz input).
//
// Every problem a user can cause (a file, a column name, a shape) comes back
// as an error that says what was wrong, what was expected and how to fix it.
package data
