// Package rnntest holds end-to-end learning tests of seqnet's recurrent
// layers: Embedding(mask_zero) → LSTM (or Bidirectional GRU) → Dense
// classifiers learn to detect a short ordered token pattern planted
// anywhere in right-padded random token sequences. It has no API; the
// tests are in rnntest_test.go.
package rnntest
