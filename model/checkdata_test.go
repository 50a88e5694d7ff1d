package model

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// TestNonFiniteNamed checks that TrainOnBatch and Predict refuse a NaN,
// +Inf or -Inf anywhere in a batch (the first of a vector block, in its
// tail, past the first chunks of the vector check, the last value) with
// the value, its sample and its flat index, and in the targets too; and
// that a batch holding the largest float32 values, subnormals and negative
// zeros trains.
func TestNonFiniteNamed(t *testing.T) {
	m := smallNet(t, 1)
	x, y := data(6, 200) // 7200 input values: several chunks
	for _, at := range []int{0, 31, 32, 2047, 2048, 4100, len(x.Data) - 1} {
		for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			xx := x.Clone()
			xx.Data[at] = float32(v)
			want := fmt.Sprintf("train_on_batch: input 0 holds %v at sample %d (flat index %d)", float32(v), at/36, at)
			if _, err := m.TrainOnBatch(xx, y); err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("%v at %d: error %v, want it to contain %q", v, at, err, want)
			}
			want = strings.Replace(want, "train_on_batch", "predict", 1)
			if _, err := m.Predict(xx, 0); err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("predict, %v at %d: error %v, want it to contain %q", v, at, err, want)
			}
		}
	}
	yy := y.Clone()
	yy.Data[len(yy.Data)-1] = float32(math.Inf(-1))
	want := fmt.Sprintf("train_on_batch: target 0 holds -Inf at sample %d (flat index %d)", len(yy.Data)/2-1, len(yy.Data)-1)
	if _, err := m.TrainOnBatch(x, yy); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want it to contain %q", err, want)
	}
	xx := x.Clone()
	for i, v := range []float32{math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, float32(math.Copysign(0, -1))} {
		xx.Data[i*1000+7] = v
	}
	if _, err := m.TrainOnBatch(xx, y); err != nil {
		t.Fatalf("finite extremes refused: %v", err)
	}
}
