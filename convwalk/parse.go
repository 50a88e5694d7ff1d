package convwalk

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseInput reads a convolution input as given on the command line: a
// comma list ("0,3,4,5": steps of one channel) or a JSON array, either flat
// (one channel) or nested (steps × channels, "[[0,0],[3,6]]"). A nested
// array of one sample, (1, steps, channels), is accepted too.
func ParseInput(s string) ([][]float64, error) {
	shape, flat, err := parseArray(s)
	if err != nil {
		return nil, err
	}
	switch len(shape) {
	case 1:
		return reshape2(flat, shape[0], 1), nil
	case 2:
		return reshape2(flat, shape[0], shape[1]), nil
	case 3:
		if shape[0] == 1 {
			return reshape2(flat, shape[1], shape[2]), nil
		}
		return nil, fmt.Errorf("expected one sample as (steps, channels), received %d samples of shape %s: give one sample only",
			shape[0], shapeString(shape[1:]))
	}
	return nil, fmt.Errorf("expected a list of steps or a (steps, channels) array, received an array of %d levels %s",
		len(shape), shapeString(shape))
}

// ParseKernel reads a Conv1D kernel as given on the command line: a comma
// list or flat JSON array ("1,2": kernel_size values for one channel and
// one filter), or a 3-level JSON array in Keras' layout (kernel_size,
// channels, filters).
func ParseKernel(s string) ([][][]float64, error) {
	shape, flat, err := parseArray(s)
	if err != nil {
		return nil, err
	}
	switch len(shape) {
	case 1:
		return reshape3(flat, shape[0], 1, 1), nil
	case 3:
		return reshape3(flat, shape[0], shape[1], shape[2]), nil
	}
	return nil, fmt.Errorf("expected a comma list (one channel, one filter) or a 3-level JSON array in Keras layout (kernel_size, channels, filters), "+
		"e.g. [[[1],[3]],[[2],[4]]] for kernel_size 2, 2 channels, 1 filter; received an array of shape %s", shapeString(shape))
}

// ParseList reads a flat list of numbers: "0.5,-1" or "[0.5,-1]".
func ParseList(s string) ([]float64, error) {
	shape, flat, err := parseArray(s)
	if err != nil {
		return nil, err
	}
	if len(shape) != 1 {
		return nil, fmt.Errorf("expected a flat list of numbers, received an array of shape %s", shapeString(shape))
	}
	return flat, nil
}

// parseArray reads a comma list or a JSON array into its shape and values
// (row-major). Every value must be a finite number within float32 range.
func parseArray(s string) ([]int, []float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil, fmt.Errorf("empty value: give numbers such as 0,3,4,5")
	}
	if strings.HasPrefix(s, "{") {
		return nil, nil, fmt.Errorf("expected numbers or a JSON array, received a JSON object %s", s)
	}
	if !strings.HasPrefix(s, "[") {
		parts := strings.Split(s, ",")
		vals := make([]float64, len(parts))
		for i, p := range parts {
			v, err := parseNumber(strings.TrimSpace(p))
			if err != nil {
				return nil, nil, fmt.Errorf("value %d of %q: %w", i+1, s, err)
			}
			vals[i] = v
		}
		return []int{len(vals)}, vals, nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, nil, fmt.Errorf("not valid JSON (%v): write arrays such as [[0,0],[3,6]]", err)
	}
	if dec.More() {
		return nil, nil, fmt.Errorf("not valid JSON: unexpected text after the array in %q", s)
	}
	var shape []int
	for x := v; ; {
		l, ok := x.([]any)
		if !ok {
			break
		}
		if len(l) == 0 {
			return nil, nil, fmt.Errorf("empty array in %q: every level needs at least one entry", s)
		}
		shape = append(shape, len(l))
		x = l[0]
	}
	if len(shape) == 0 {
		return nil, nil, fmt.Errorf("expected an array, received %s", s)
	}
	var flat []float64
	var walk func(x any, depth int, path string) error
	walk = func(x any, depth int, path string) error {
		if depth == len(shape) {
			n, ok := x.(json.Number)
			if !ok {
				return fmt.Errorf("entry %s is %s, expected a number (the array's shape is %s from its first entries)",
					path, describe(x), shapeString(shape))
			}
			f, err := parseNumber(n.String())
			if err != nil {
				return fmt.Errorf("entry %s: %w", path, err)
			}
			flat = append(flat, f)
			return nil
		}
		l, ok := x.([]any)
		if !ok || len(l) != shape[depth] {
			return fmt.Errorf("array is ragged: entry %s is %s but the first entry at that level has %d: every row needs the same length",
				path, describe(x), shape[depth])
		}
		for i, e := range l {
			if err := walk(e, depth+1, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(v, 0, ""); err != nil {
		return nil, nil, err
	}
	return shape, flat, nil
}

func describe(x any) string {
	switch v := x.(type) {
	case []any:
		return fmt.Sprintf("a list of %d", len(v))
	case json.Number:
		return "the number " + v.String()
	case string:
		return fmt.Sprintf("the string %q", v)
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", x)
}

func parseNumber(p string) (float64, error) {
	v, err := strconv.ParseFloat(p, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", p)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > math.MaxFloat32 {
		return 0, fmt.Errorf("%q is not a finite float32 number", p)
	}
	return v, nil
}

func reshape2(flat []float64, a, b int) [][]float64 {
	out := make([][]float64, a)
	for i := range out {
		out[i] = flat[i*b : (i+1)*b : (i+1)*b]
	}
	return out
}

func reshape3(flat []float64, a, b, c int) [][][]float64 {
	out := make([][][]float64, a)
	for i := range out {
		out[i] = reshape2(flat[i*b*c:(i+1)*b*c], b, c)
	}
	return out
}

func shapeString(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
