package serve

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/seqnet/seqnet/tensor"
)

// tensor reads samples given as nested lists of numbers.
func (r *reader) tensor(list []any, what string) (*tensor.Tensor, error) {
	shape, err := nestedShape(list, what)
	if err != nil {
		return nil, err
	}
	data, err := flatten(list, what)
	if err != nil {
		return nil, err
	}
	return r.fill(data, shape, what)
}

// fill makes the model's input tensor of shape (N, …) from data, checking
// the per-sample shape against the model's and every value.
func (r *reader) fill(data []any, shape []int, what string) (*tensor.Tensor, error) {
	if r.in != nil && !fits(shape[1:], r.in) {
		return nil, bad("%s: samples of shape %v, but the model reads %v per sample (%s)", what, shape[1:], r.in, r.reads())
	}
	if len(data) == 0 {
		return nil, bad("%s holds no values", what)
	}
	if r.in != nil && len(shape) == len(r.in)+2 {
		shape = shape[:len(shape)-1] // (steps, 1) read as (steps,)
	}
	x := tensor.New(shape...)
	for i, v := range data {
		f, err := number(v)
		if err != nil {
			return nil, bad("%s: value %d: %v", what, i, err)
		}
		x.Data[i] = f
	}
	return x, nil
}

// fits says whether per-sample shape got fits want (≤ 0: any size); a
// model reading (steps,) tokens also takes (steps, 1).
func fits(got, want []int) bool {
	if len(got) == len(want)+1 && got[len(got)-1] == 1 {
		got = got[:len(got)-1]
	}
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if want[i] > 0 && got[i] != want[i] {
			return false
		}
	}
	return true
}

// nestedShape is the shape of nested lists, which must be rectangular.
func nestedShape(v any, what string) ([]int, error) {
	var shape []int
	for {
		l, ok := v.([]any)
		if !ok {
			break
		}
		if len(l) == 0 {
			return nil, bad("%s: an empty list inside the data: every sample must have the model's input shape", what)
		}
		shape = append(shape, len(l))
		v = l[0]
		if len(shape) > 8 {
			return nil, bad("%s: lists nested more than 8 deep", what)
		}
	}
	return shape, nil
}

// flatten lists the leaves of nested lists in row-major order, checking
// that the nesting is rectangular.
func flatten(v any, what string) ([]any, error) {
	l, ok := v.([]any)
	if !ok {
		return nil, bad("%s must be a list, received %s", what, kindOf(v))
	}
	shape, err := nestedShape(l, what)
	if err != nil {
		return nil, err
	}
	var out []any
	var walk func(v any, depth int) error
	walk = func(v any, depth int) error {
		l, isList := v.([]any)
		if depth == len(shape) {
			if isList {
				return bad("%s is not rectangular: lists nested deeper in some places than in others", what)
			}
			out = append(out, v)
			return nil
		}
		if !isList || len(l) != shape[depth] {
			return bad("%s is not rectangular: expected lists of %d at depth %d, as the first one", what, shape[depth], depth)
		}
		for _, e := range l {
			if err := walk(e, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(l, 0); err != nil {
		return nil, err
	}
	return out, nil
}

// number converts a JSON number to float32, refusing non-finite values.
func number(v any) (float32, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("expected a number, received %s", kindOf(v))
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsNaN(f) || math.Abs(f) > math.MaxFloat32 {
		return 0, fmt.Errorf("%s is not a finite 32-bit number", n)
	}
	return float32(f), nil
}

// record turns a JSON object into a row of column values as text.
func record(m map[string]any, what string) (map[string]string, error) {
	rec := make(map[string]string, len(m))
	for k, v := range m {
		s, err := cell(v, fmt.Sprintf("%s column %q", what, k))
		if err != nil {
			return nil, err
		}
		rec[k] = s
	}
	return rec, nil
}

// cell is one value as it would be written in a CSV file: a number as
// sent, a string as is, null as missing.
func cell(v any, what string) (string, error) {
	switch x := v.(type) {
	case json.Number:
		return string(x), nil
	case string:
		return x, nil
	case nil:
		return "", nil
	}
	return "", bad("%s is %s: expected a number, a string or null", what, kindOf(v))
}

// rowList reads a window given as a list of row objects.
func rowList(v any, what string) ([]map[string]string, error) {
	l, ok := v.([]any)
	if !ok || len(l) == 0 {
		return nil, bad("%s must be a non-empty list of rows ({column: value} objects), oldest first", what)
	}
	rows := make([]map[string]string, len(l))
	for i, e := range l {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, bad("%s row %d is %s, expected an object {column: value}", what, i, kindOf(e))
		}
		rec, err := record(m, fmt.Sprintf("%s row %d", what, i))
		if err != nil {
			return nil, err
		}
		rows[i] = rec
	}
	return rows, nil
}

// columnsToRows reads {column: [values]} (equal lengths) as rows.
func columnsToRows(m map[string]any, what string) ([]map[string]string, error) {
	n := -1
	for k, v := range m {
		l, ok := v.([]any)
		if !ok {
			return nil, bad("%s column %q is %s: expected a list of values, one per row", what, k, kindOf(v))
		}
		if n >= 0 && len(l) != n {
			return nil, bad("%s column %q has %d values, but other columns have %d: give every column the same number", what, k, len(l), n)
		}
		n = len(l)
	}
	if n <= 0 {
		return nil, bad("%s holds no rows: send {column: [values]} with at least one value", what)
	}
	rows := make([]map[string]string, n)
	for i := range rows {
		rows[i] = make(map[string]string, len(m))
	}
	for k, v := range m {
		for i, e := range v.([]any) {
			s, err := cell(e, fmt.Sprintf("%s column %q value %d", what, k, i))
			if err != nil {
				return nil, err
			}
			rows[i][k] = s
		}
	}
	return rows, nil
}
