package layers

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestUnfilledBuild: a layer built with Unfilled's generator has its
// weights allocated at zero; once released, the generator is an ordinary
// one and the same layer's weights are drawn.
func TestUnfilledBuild(t *testing.T) {
	nonzero := func(v float32) bool { return v != 0 }
	d := NewDense(3, "relu")
	rng, release := Unfilled()
	out, err := d.Build([]Shape{{5}}, rng)
	if err != nil || d.ParamError() != nil {
		t.Fatal(err, d.ParamError())
	}
	if !slices.Equal(out[0], Shape{3}) || len(d.Params()) != 2 || len(d.Params()[0].Value.Data) != 15 {
		t.Fatalf("output %v, %d weights", out, len(d.Params()))
	}
	if slices.ContainsFunc(d.Params()[0].Value.Data, nonzero) {
		t.Error("the unfilled kernel is not zero")
	}
	if d.Params()[0].Grad == nil {
		t.Error("the unfilled kernel has no gradient buffer")
	}
	release()
	if _, err := d.Build([]Shape{{5}}, rng); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(d.Params()[0].Value.Data, nonzero) {
		t.Error("after release the kernel was not drawn")
	}
	if _, err := d.Build([]Shape{{5}}, rand.New(rand.NewPCG(1, 2))); err != nil || !slices.ContainsFunc(d.Params()[0].Value.Data, nonzero) {
		t.Error("an ordinary generator did not draw the kernel", err)
	}
}
