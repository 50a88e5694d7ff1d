package layers

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/seqnet/seqnet/tensor"
)

// MaxDim is the largest size seqnet accepts for one axis of a shape or one
// layer argument counting things (units, filters, kernel_size, padding, …):
// 2³¹-1. Beyond it sizes overflow 32-bit indexing and no array could hold
// them anyway; it also keeps sums and products of sizes from wrapping.
const MaxDim = 1<<31 - 1

// MaxElements is the largest number of values one per-sample shape or one
// weight may hold (2⁴⁰, 4 TiB of float32): a bound that keeps the products
// of sizes exact, far above what fits in memory (math.MaxInt on 32-bit
// builds).
const MaxElements = min(1<<40, math.MaxInt)

// CheckShape reports a per-sample shape with an axis that is not positive
// or above MaxDim, or more than MaxElements values in all.
func CheckShape(what string, s Shape) error { return checkShape(what, s, true) }

// checkShape is CheckShape for a per-sample shape (perSample) or a weight's.
func checkShape(what string, s Shape, perSample bool) error {
	n := 1
	str := tensor.ShapeString(s, perSample)
	for _, d := range s {
		if d <= 0 || d > MaxDim {
			return fmt.Errorf("%s shape %s: every axis must be between 1 and %d, received %d", what, str, MaxDim, d)
		}
		if n > MaxElements/d {
			return fmt.Errorf("%s shape %s holds more than %d values: far more than memory can hold", what, str, MaxElements)
		}
		n *= d
	}
	return nil
}

// counting holds the generators Count hands to Build: AddParam given one
// records the weight's shape without allocating or filling it.
var counting sync.Map // *rand.Rand → struct{}

// Count builds l on the per-sample input shapes in counting mode: it
// returns the output shapes and the number of weight values (all, and
// trainable) without allocating any weight, so that `seqnet shape`, a
// model summary or a size check can price a layer of any size. l is left
// unbuilt.
func Count(l Layer, in []Shape) (out []Shape, params, trainable int, err error) {
	rng := rand.New(rand.NewPCG(1, 2))
	counting.Store(rng, struct{}{})
	defer counting.Delete(rng)
	b := l.Common()
	defer b.ResetParams()
	if out, err = l.Build(in, rng); err != nil {
		return nil, 0, 0, err
	}
	if err = b.ParamError(); err != nil {
		return nil, 0, 0, err
	}
	for _, s := range out {
		if err := CheckShape("output", s); err != nil {
			return nil, 0, 0, err
		}
	}
	for _, p := range b.Params() {
		k := tensor.Size(p.Value.Shape)
		params += k
		if p.Trainable() {
			trainable += k
		}
	}
	return out, params, trainable, nil
}

// isCounting reports whether rng came from Count.
func isCounting(rng *rand.Rand) bool {
	if rng == nil {
		return false
	}
	_, ok := counting.Load(rng)
	return ok
}
