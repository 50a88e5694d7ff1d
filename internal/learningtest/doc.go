// Package learningtest holds end-to-end learning tests: small models built
// from seqnet's layers that must actually learn a generated task to a set
// accuracy, with a fixed seed. They check what gradient checks cannot: that
// the layers, the model's graph executor, the loss and the optimizer work
// together. The package has no code outside its tests.
package learningtest
