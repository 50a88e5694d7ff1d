package tensor

import (
	"fmt"
	"testing"
)

func TestReshapeRowsGather(t *testing.T) {
	x := FromSlice([]float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 3, 2, 2)
	r, err := x.Reshape(3, -1)
	if err != nil || fmt.Sprint(r.Shape) != "[3 4]" {
		t.Fatalf("reshape: %v %v", r, err)
	}
	if _, err := x.Reshape(5, -1); err == nil {
		t.Error("reshape of 12 values to (5, -1) accepted")
	}
	if got := x.Rows(1, 3); fmt.Sprint(got.Shape, got.Data) != "[2 2 2] [4 5 6 7 8 9 10 11]" {
		t.Errorf("rows: %v", got)
	}
	if got := x.Gather([]int{2, 0}); fmt.Sprint(got.Data) != "[8 9 10 11 0 1 2 3]" {
		t.Errorf("gather: %v", got)
	}
	if ShapeString([]int{3, 1}, true) != "(None, 3, 1)" || ShapeString([]int{5}, false) != "(5,)" {
		t.Error("ShapeString")
	}
}

// A batch of one sequence of 4 steps with 1 channel, as Keras' (1, 4, 1).
func ExampleFromSlice() {
	x := FromSlice([]float32{0, 3, 4, 5}, 1, 4, 1)
	fmt.Println(x.Shape, ShapeString(x.Shape[1:], true))
	// Output: [1 4 1] (None, 4, 1)
}
