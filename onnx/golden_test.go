package onnx

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

var report = flag.Bool("report", false, "log the largest differences from the references (scripts/onnx-check.sh)")

var writeFixtures = flag.String("write-fixtures", "", "write the check set's .onnx files and inputs to this directory (scripts/onnx-check.sh)")

// golden is a fixture: the input of a model, its outputs computed by
// seqnet and by the reference (ONNX Runtime or PyTorch), each flat with
// its shape.
type golden struct {
	Input     array   `json:"input"`
	Seqnet    []array `json:"seqnet,omitempty"`
	Reference []array `json:"reference,omitempty"`
	// By names the reference: "onnxruntime-node 1.30.0" or "torch 1.13".
	By string `json:"by,omitempty"`
}

type array struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
	Int   bool      `json:"int,omitempty"`
}

func toArray(t *tensor.Tensor) array {
	a := array{Shape: append([]int(nil), t.Shape...)}
	for _, v := range t.Data {
		a.Data = append(a.Data, float64(v))
	}
	return a
}

func (a array) tensor() *tensor.Tensor {
	t := tensor.New(a.Shape...)
	for i, v := range a.Data {
		t.Data[i] = float32(v)
	}
	return t
}

// buildZoo makes model z with its random weights.
func buildZoo(t testing.TB, z zooModel) *model.Model {
	t.Helper()
	m, err := z.make()
	if err != nil {
		t.Fatalf("%s: %v", z.name, err)
	}
	randomize(m, 3)
	return m
}

func predictAll(t testing.TB, m *model.Model, x *tensor.Tensor) []*tensor.Tensor {
	t.Helper()
	ys, err := m.PredictMulti([]*tensor.Tensor{x}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ys
}

// diff returns the largest absolute difference and the largest difference
// relative to the reference's magnitude, and whether every element meets
// |got-want| <= rtol·|want| + atol.
func diff(got *tensor.Tensor, want array, rtol, atol float64) (maxAbs, maxRel float64, ok bool) {
	ok = len(got.Data) == len(want.Data)
	for i := 0; i < len(got.Data) && i < len(want.Data); i++ {
		d := math.Abs(float64(got.Data[i]) - want.Data[i])
		maxAbs = math.Max(maxAbs, d)
		if w := math.Abs(want.Data[i]); w > 0 {
			maxRel = math.Max(maxRel, d/w)
		}
		if !(d <= rtol*math.Abs(want.Data[i])+atol) {
			ok = false
		}
	}
	return
}

// largest returns the largest magnitude of a reference array.
func largest(a array) float64 {
	m := 0.0
	for _, v := range a.Data {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

func TestWriteFixtures(t *testing.T) {
	if *writeFixtures == "" {
		t.Skip("run by scripts/onnx-check.sh with -write-fixtures DIR")
	}
	dir := *writeFixtures
	for _, z := range zoo {
		m := buildZoo(t, z)
		x := zooInput(z, m, 5)
		b, err := Marshal(m, ExportOptions{})
		if err != nil {
			t.Fatalf("%s: %v", z.name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, z.name+".onnx"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		g := golden{Input: toArray(x)}
		g.Input.Int = z.vocab > 0
		for _, y := range predictAll(t, m, x) {
			g.Seqnet = append(g.Seqnet, toArray(y))
		}
		j, _ := json.Marshal(g)
		if err := os.WriteFile(filepath.Join(dir, z.name+".json"), j, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readGolden(t *testing.T, path string) golden {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return g
}

// TestSeqnetGolden checks each model of the check set against the outputs
// ONNX Runtime gave for the file the exporter writes (committed by
// scripts/onnx-check.sh): the export must still be byte for byte that
// file, and seqnet and ONNX Runtime must agree within 1e-5 relative.
func TestSeqnetGolden(t *testing.T) {
	for _, z := range zoo {
		t.Run(z.name, func(t *testing.T) {
			m := buildZoo(t, z)
			want, err := os.ReadFile(filepath.Join("testdata", "seqnet", z.name+".onnx"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Marshal(m, ExportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("the export differs from testdata/seqnet/%s.onnx, which ONNX Runtime checked; if the change is intended, run scripts/onnx-check.sh", z.name)
			}
			g := readGolden(t, filepath.Join("testdata", "seqnet", z.name+".json"))
			ys := predictAll(t, m, g.Input.tensor())
			if len(g.Reference) != len(ys) {
				t.Fatalf("%d outputs, the golden file has %d reference outputs", len(ys), len(g.Reference))
			}
			for i, y := range ys {
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

// TestRoundTrip imports each committed export back: it must predict
// exactly as the original model.
func TestRoundTrip(t *testing.T) {
	for _, z := range zoo {
		t.Run(z.name, func(t *testing.T) {
			m := buildZoo(t, z)
			b, err := os.ReadFile(filepath.Join("testdata", "seqnet", z.name+".onnx"))
			if err != nil {
				t.Fatal(err)
			}
			back, _, err := Unmarshal(b)
			if err != nil {
				t.Fatalf("import of the export: %v", err)
			}
			g := readGolden(t, filepath.Join("testdata", "seqnet", z.name+".json"))
			ys := predictAll(t, m, g.Input.tensor())
			ys2 := predictAll(t, back, g.Input.tensor())
			if len(ys) != len(ys2) {
				t.Fatalf("%d outputs after the round trip, want %d", len(ys2), len(ys))
			}
			for i := range ys {
				if !slices.Equal(ys[i].Shape, ys2[i].Shape) {
					t.Fatalf("output %d has shape %v after the round trip, want %v", i, ys2[i].Shape, ys[i].Shape)
				}
				if a, _, _ := diff(ys2[i], toArray(ys[i]), 0, 0); a != 0 {
					t.Errorf("output %d: seqnet → ONNX → seqnet differs by up to %.3g", i, a)
				}
			}
		})
	}
}
