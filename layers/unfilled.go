package layers

import (
	"math/rand/v2"
	"sync"
)

// unfilled holds the generators Unfilled hands out: AddParam given one
// allocates the weight without drawing its values.
var unfilled sync.Map // *rand.Rand → struct{}

// Unfilled returns a generator for Layer.Build that makes the layer's
// weights start at zero instead of being drawn from their initializers,
// and the function that retires it. It is for building a model whose
// every weight is set right after (a model read from a file), where the
// draws are wasted work: most of the load's time for a large Embedding.
// The layers' checks still run; a nil initializer is still reported.
func Unfilled() (rng *rand.Rand, release func()) {
	rng = rand.New(rand.NewPCG(0, 0))
	unfilled.Store(rng, struct{}{})
	return rng, func() { unfilled.Delete(rng) }
}

// isUnfilled reports whether rng came from Unfilled.
func isUnfilled(rng *rand.Rand) bool {
	if rng == nil {
		return false
	}
	_, ok := unfilled.Load(rng)
	return ok
}
