package data

import (
	"fmt"
	"strings"

	"github.com/seqnet/seqnet/data/npy"
	"github.com/seqnet/seqnet/tensor"
)

// Sequences checks that x is model input of shape (samples, steps,
// channels) and returns it; a (samples, steps) array gets a channel axis of
// 1, sharing data.
func Sequences(x *tensor.Tensor) (*tensor.Tensor, error) {
	switch len(x.Shape) {
	case 3:
		return x, nil
	case 2:
		return &tensor.Tensor{Shape: []int{x.Shape[0], x.Shape[1], 1}, Data: x.Data, Mask: x.Mask}, nil
	}
	return nil, fmt.Errorf("x has shape %s: expected (samples, steps, channels) or (samples, steps); reshape it before saving (e.g. x.reshape(n, steps, channels))",
		tensor.ShapeString(x.Shape, false))
}

// XY is model input and target read from arrays, with a note of where each
// came from.
type XY struct {
	X, Y         *tensor.Tensor // X is (samples, steps, channels); Y may be nil
	XName, YName string         // array names, e.g. "x" or "arr_0"
}

// Describe says what was read, e.g. "x: arr_0 (100, 20, 3); y: arr_1 (100,)".
func (d *XY) Describe() string {
	s := fmt.Sprintf("x: %s %s", d.XName, tensor.ShapeString(d.X.Shape, false))
	if d.Y != nil {
		s += fmt.Sprintf("; y: %s %s", d.YName, tensor.ShapeString(d.Y.Shape, false))
	}
	return s
}

// SplitXY picks x and y among arrays read from a .npy or .npz file: arrays
// named "x" and "y" (any case) if present, otherwise the first and second
// arrays (arr_0 and arr_1 of numpy.savez(path, x, y)). A lone array is x
// without y. x must be (samples, steps, channels) or (samples, steps); y, of
// any shape, must have as many samples.
func SplitXY(arrays []*npy.Array) (*XY, error) {
	if len(arrays) == 0 {
		return nil, fmt.Errorf("no arrays: expected x (and y)")
	}
	xi, yi := -1, -1
	for i, a := range arrays {
		switch strings.ToLower(a.Name) {
		case "x":
			xi = i
		case "y":
			yi = i
		}
	}
	if xi < 0 {
		xi = 0
		if yi == 0 {
			xi = 1
		}
	}
	if yi < 0 && len(arrays) > 1 {
		yi = 1
		if xi == 1 {
			yi = 0
		}
	}
	if xi >= len(arrays) {
		return nil, fmt.Errorf("found y but no x among the arrays")
	}
	x, err := Sequences(arrays[xi].Tensor)
	if err != nil {
		return nil, fmt.Errorf("array %q: %w", arrays[xi].Name, err)
	}
	d := &XY{X: x, XName: arrays[xi].Name}
	if yi >= 0 {
		y := arrays[yi].Tensor
		if len(y.Shape) == 0 || y.Shape[0] != x.Shape[0] {
			return nil, fmt.Errorf("x (%q) has %d samples but y (%q) has shape %s: expected y's first dimension to be %d",
				arrays[xi].Name, x.Shape[0], arrays[yi].Name, tensor.ShapeString(y.Shape, false), x.Shape[0])
		}
		d.Y, d.YName = y, arrays[yi].Name
	}
	return d, nil
}

// LoadXY reads x and y from a .npy or .npz file; see SplitXY.
func LoadXY(path string) (*XY, error) {
	arrays, err := npy.Load(path)
	if err != nil {
		return nil, err
	}
	d, err := SplitXY(arrays)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// OneHot turns class indices (N,) into (N, classes) one-hot rows. An index
// outside 0..classes-1 or not a whole number is an error.
func OneHot(y *tensor.Tensor, classes int) (*tensor.Tensor, error) {
	out := tensor.New(len(y.Data), classes)
	for i, v := range y.Data {
		k := int(v)
		if float32(k) != v || k < 0 || k >= classes {
			return nil, fmt.Errorf("label %d is %v: expected a class index 0..%d", i, v, classes-1)
		}
		out.Data[i*classes+k] = 1
	}
	return out, nil
}
