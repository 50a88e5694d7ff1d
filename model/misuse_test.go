package model

import (
	"math"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/layers"
)

// TestLibraryMisuseIsAnError checks that mistakes a library user can make
// come back as errors naming the fix, never as a panic.
func TestLibraryMisuseIsAnError(t *testing.T) {
	x, y := data(3, 10)
	glorot, _ := layers.GetInitializer("glorot_uniform")
	cases := []struct {
		name string
		run  func() error
		want string
	}{
		{"NaN validation split", func() error {
			_, err := smallNet(t, 1).Fit(x, y, FitOptions{Epochs: 1, ValidationSplit: math.NaN()})
			return err
		}, "validation_split must be in [0, 1), received NaN"},
		{"Dense literal without activation", func() error {
			_, err := NewSequential(layers.Input(4, 2), layers.NewFlatten(), &layers.Dense{Units: 3, KernelInitializer: glorot})
			return err
		}, "the activation is nil"},
		{"Conv1D literal without activation", func() error {
			_, err := NewSequential(layers.Input(4, 2), &layers.Conv1D{Filters: 3, KernelSize: 2, Strides: 1, DilationRate: 1, Groups: 1, Padding: "valid"})
			return err
		}, "the activation is nil"},
		{"Dense literal without initializers", func() error {
			lin, _ := layers.GetActivation("linear")
			_, err := NewSequential(layers.Input(4, 2), layers.NewFlatten(), &layers.Dense{Units: 3, Activation: lin, UseBias: true})
			return err
		}, `the initializer of weight "kernel" is nil`},
		{"nil weight in SetWeights", func() error {
			m := smallNet(t, 1)
			w := m.Weights()
			w[1] = nil
			return m.SetWeights(w)
		}, "weight 1 (layer \"conv1d\", bias) is nil: expected an array of shape (4,)"},
	}
	for _, c := range cases {
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panicked: %v", c.name, r)
				}
			}()
			err = c.run()
		}()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
}
