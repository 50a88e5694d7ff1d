// Package rnntest holds end-to-end tests of seqnet's recurrent layers
// inside models: Embedding(mask_zero) → LSTM (or Bidirectional GRU with
// dropout) → Dense classifiers learn to detect a short ordered token
// pattern planted anywhere in right-padded random token sequences, and a
// stack of masked recurrent layers gives the same prediction whatever the
// amount of padding. It has no API; the tests are in rnntest_test.go.
package rnntest
