package main

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/data/npy"
	"github.com/seqnet/seqnet/tensor"
)

// writeInt64NPY writes vals as a 1-D little-endian int64 .npy file, as
// numpy.save(path, numpy.array(vals, dtype="int64")) does.
func writeInt64NPY(t *testing.T, path string, vals []int64) string {
	t.Helper()
	h := fmt.Sprintf("{'descr': '<i8', 'fortran_order': False, 'shape': (%d,), }", len(vals))
	h += strings.Repeat(" ", 63-(10+len(h))%64) + "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(h)), byte(len(h)>>8))
	b = append(b, h...)
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint64(b, uint64(v))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// randomX writes an (n, 5, 1) float32 x.npy.
func randomX(t *testing.T, dir string, n int) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	x := tensor.New(n, 5, 1)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	path := filepath.Join(dir, "x.npy")
	if err := npy.WriteFile(path, x); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestIntegerLabelsStayExact: int64 class labels above 2^24 went through
// float32, so 20240101 became the class "20240100" and 16777216 and
// 16777217 merged into one class. They are classes by their exact
// integers, in the stored model and in predict's output.
func TestIntegerLabelsStayExact(t *testing.T) {
	dir := t.TempDir()
	xp := randomX(t, dir, 40)
	var ys []int64
	for i := 0; i < 10; i++ {
		ys = append(ys, 20240101, 20240102, 16777216, 16777217)
	}
	yp := writeInt64NPY(t, filepath.Join(dir, "y.npy"), ys)
	mp := filepath.Join(dir, "m.seqnet")
	mustCLI(t, append([]string{"train", "--x", xp, "--y", yp, "--epochs", "1", "--out", mp}, small...)...)
	recs := readCSVOut(t, mustCLI(t, "predict", "--model", mp, "--x", xp))
	want := []string{"index", "label", "prob_16777216", "prob_16777217", "prob_20240101", "prob_20240102"}
	if !slices.Equal(recs[0], want) {
		t.Errorf("predictions header %v, want %v", recs[0], want)
	}
	for _, r := range recs[1:] {
		if !slices.Contains(want[2:], "prob_"+r[1]) {
			t.Fatalf("label %q is not one of the training labels", r[1])
		}
	}
	out := mustCLI(t, "evaluate", "--model", mp, "--x", xp, "--y", yp)
	if !strings.Contains(out, "accuracy") {
		t.Errorf("evaluate:\n%s", out)
	}
}

// TestNumericallyEqualClassesAreOne: with --classes, `1` and `1.0` in the
// target column are one class, as they are in a NumPy/pandas column that
// Keras is given (pandas reads both as 1.0). The class is named by the
// whole number ("1"), and new data spelling it either way maps to it.
func TestNumericallyEqualClassesAreOne(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 6))
	var b strings.Builder
	b.WriteString("a,b,c,y\n")
	spell := map[int][]string{0: {"0", "0.0", "00"}, 1: {"1", "1.0", "1e0"}, 2: {"2.5", "2.50"}}
	for i := 0; i < 60; i++ {
		c := i % 3
		s := spell[c][(i/3)%len(spell[c])]
		fmt.Fprintf(&b, "%.3f,%.3f,%.3f,%s\n", rng.NormFloat64()+float64(c), rng.NormFloat64(), rng.NormFloat64(), s)
	}
	data := writeFile(t, filepath.Join(dir, "d.csv"), b.String())
	mp := filepath.Join(dir, "m.seqnet")
	out := mustCLI(t, append([]string{"train", "--data", data, "--classes", "--epochs", "1", "--out", mp}, small...)...)
	if !strings.Contains(out, "3 classes") {
		t.Errorf("train: want 3 classes (0, 1, 2.5):\n%s", out)
	}
	if !strings.Contains(out, "numerically equal") {
		t.Errorf("train does not say that numerically equal labels were merged:\n%s", out)
	}
	recs := readCSVOut(t, mustCLI(t, "predict", "--model", mp, "--data", data))
	want := []string{"line", "label", "prob_0", "prob_1", "prob_2.5"}
	if !slices.Equal(recs[0], want) {
		t.Errorf("predictions header %v, want %v", recs[0], want)
	}
	mustCLI(t, "evaluate", "--model", mp, "--data", data)
}
