package model

import "github.com/seqnet/seqnet/layers"

// NewSequentialUnfilled is NewSequential for a loader that sets every
// weight right after (Model.SetWeights or keras.SetWeights, which refuse
// a missing weight): the weights are allocated at zero instead of drawn
// from the seed. Drawing them is wasted work there, and most of a load's
// time for a large Embedding (20000×128 is 2.56 million draws). Until
// its weights are set, the model computes with zeros.
func NewSequentialUnfilled(ls ...layers.Layer) (*Model, error) {
	return newSequential(ls, true)
}

// NewModelUnfilled is NewModel for a loader that sets every weight right
// after: the weights are allocated at zero instead of drawn from seed;
// see NewSequentialUnfilled.
func NewModelUnfilled(inputs, outputs []*Tensor, seed uint64) (*Model, error) {
	return newModel(inputs, outputs, seed, true)
}
