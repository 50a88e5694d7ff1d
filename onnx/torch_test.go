package onnx

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/tensor"
)

// channelsLast transposes a (batch, channels, steps) array to seqnet's
// (batch, steps, channels).
func channelsLast(a array) *tensor.Tensor {
	b, c, l := a.Shape[0], a.Shape[1], a.Shape[2]
	t := tensor.New(b, l, c)
	for i := 0; i < b; i++ {
		for j := 0; j < c; j++ {
			for k := 0; k < l; k++ {
				t.Data[(i*l+k)*c+j] = float32(a.Data[(i*c+j)*l+k])
			}
		}
	}
	return t
}

// TestTorchGolden imports the models torch.onnx.export wrote
// (scripts/onnx/torch-export.py, torch 1.13, opsets 13 and 17) and
// compares seqnet's predictions with torch's.
func TestTorchGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "torch", "*.onnx"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no torch fixtures in testdata/torch (%v): run scripts/onnx-check.sh", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".onnx")
		t.Run(name, func(t *testing.T) {
			m, info, err := ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			g := readGolden(t, strings.TrimSuffix(f, ".onnx")+".json")
			x := g.Input.tensor()
			if info.InputChannelsFirst[0] {
				x = channelsLast(g.Input)
			}
			ys := predictAll(t, m, x)
			if len(ys) != len(g.Reference) {
				t.Fatalf("%d outputs, torch gave %d", len(ys), len(g.Reference))
			}
			for i, y := range ys {
				if !slices.Equal(y.Shape, g.Reference[i].Shape) {
					t.Fatalf("output %d has shape %v, torch's %v", i, y.Shape, g.Reference[i].Shape)
				}
				a, r, ok := diff(y, g.Reference[i], 1e-5, 1e-6)
				if !ok {
					t.Errorf("output %d: seqnet and %s differ by up to %.3g (relative %.3g)", i, g.By, a, r)
				} else if *report {
					t.Logf("output %d: seqnet vs %s: max abs diff %.3g (%.3g of the largest |value|), max elementwise rel diff %.3g", i, g.By, a, a/largest(g.Reference[i]), r)
				}
			}
		})
	}
}
