package npy

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
)

// keepExact keeps the data bytes of an array whose values float32 may
// round (a float32 holds integers exactly only up to 2^24), so that class
// labels can be read exactly. The bytes were read anyway; they are freed
// with the Array.
func (a *Array) keepExact(raw []byte, d dtype) {
	if (d.kind == 'i' || d.kind == 'u') && d.size >= 4 || d.kind == 'f' && d.size == 8 {
		a.exact, a.exactDType = raw, d
	}
}

// IntStrings returns the array's values, in row-major order, as exact
// decimal integers ("20240101"), as class labels: an int64 label of
// 16777217 stays itself, where the float32 Tensor rounds it to 16777216. A
// value that is not a whole number (2.5, NaN) is an error naming it and its
// index.
func (a *Array) IntStrings() ([]string, error) {
	if a.exact == nil {
		return floatInts(a.Tensor.Data)
	}
	d := a.exactDType
	n := len(a.exact) / d.size
	var bo binary.ByteOrder = binary.LittleEndian
	if d.big {
		bo = binary.BigEndian
	}
	out := make([]string, n)
	for i := range out {
		b := a.exact[i*d.size : (i+1)*d.size]
		switch {
		case d.kind == 'i' && d.size == 4:
			out[i] = strconv.FormatInt(int64(int32(bo.Uint32(b))), 10)
		case d.kind == 'i':
			out[i] = strconv.FormatInt(int64(bo.Uint64(b)), 10)
		case d.kind == 'u' && d.size == 4:
			out[i] = strconv.FormatUint(uint64(bo.Uint32(b)), 10)
		case d.kind == 'u':
			out[i] = strconv.FormatUint(bo.Uint64(b), 10)
		default:
			s, err := wholeNumber(math.Float64frombits(bo.Uint64(b)), i)
			if err != nil {
				return nil, err
			}
			out[i] = s
		}
	}
	if a.FortranOrder && len(a.Tensor.Shape) > 1 {
		out = fromFortran(out, a.Tensor.Shape)
	}
	return out, nil
}

// floatInts formats float32 values that are whole numbers.
func floatInts(v []float32) ([]string, error) {
	out := make([]string, len(v))
	for i, x := range v {
		s, err := wholeNumber(float64(x), i)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

func wholeNumber(v float64, i int) (string, error) {
	if v != math.Trunc(v) || math.IsInf(v, 0) {
		return "", fmt.Errorf("value %g at index %d is not a whole number", v, i)
	}
	if v == 0 {
		return "0", nil // not "-0"
	}
	return strconv.FormatFloat(v, 'f', 0, 64), nil
}
