package serve

import (
	"fmt"
	"strings"

	"github.com/seqnet/seqnet/pipeline"
)

// v2Request is the Open Inference Protocol's inference request.
type v2Request struct {
	ID      string    `json:"id"`
	Inputs  []v2Input `json:"inputs"`
	Outputs []struct {
		Name string `json:"name"`
	} `json:"outputs"`
}

// v2Input is one named input tensor: shape, datatype, row-major data.
type v2Input struct {
	Name     string `json:"name"`
	Shape    []int  `json:"shape"`
	Datatype string `json:"datatype"`
	Data     any    `json:"data"`
}

// decodeV2 decodes a KServe v2 /infer body.
func (r *reader) decodeV2(body []byte) (*request, error) {
	var v v2Request
	if err := decodeJSON(body, &v); err != nil {
		return nil, err
	}
	if len(v.Inputs) == 0 {
		return nil, bad(`"inputs" is missing or empty: send [{"name": ..., "shape": [...], "datatype": ..., "data": [...]}]`)
	}
	var req *request
	var err error
	p := r.p
	names := map[string]bool{}
	for _, in := range v.Inputs {
		if names[in.Name] {
			return nil, bad("input %q is given twice", in.Name)
		}
		names[in.Name] = true
	}
	byColumns := (p.Kind == pipeline.KindCSV || p.Kind == pipeline.KindSeries) && r.allColumns(v.Inputs)
	switch {
	case byColumns:
		req, err = r.v2Columns(v.Inputs)
	case len(v.Inputs) != 1:
		return nil, bad("%d inputs given, but this model reads %s", len(v.Inputs), r.reads())
	case strings.EqualFold(v.Inputs[0].Datatype, "BYTES"):
		req, err = r.v2Texts(v.Inputs[0])
	default:
		req, err = r.v2Tensor(v.Inputs[0])
	}
	if err != nil {
		return nil, err
	}
	req.id = v.ID
	for _, o := range v.Outputs {
		req.outputs = append(req.outputs, o.Name)
	}
	return req, nil
}

// allColumns says whether every input names one of the stored columns.
func (r *reader) allColumns(ins []v2Input) bool {
	for _, in := range ins {
		found := false
		for _, f := range r.p.Features {
			found = found || f == in.Name
		}
		if !found && in.Name != r.p.RowLabel {
			return false
		}
	}
	return true
}

// v2Values checks an input's shape against its data and returns the data
// flattened, with its shape.
func v2Values(in v2Input) ([]any, error) {
	if len(in.Shape) == 0 {
		return nil, bad("input %q has no shape: give its dimensions, e.g. [2] or [2, 100]", in.Name)
	}
	data, err := flatten(in.Data, fmt.Sprintf("input %q data", in.Name))
	if err != nil {
		return nil, err
	}
	size := 1
	for _, d := range in.Shape {
		if d < 0 {
			return nil, bad("input %q: shape %v has a negative dimension: give the actual sizes (e.g. [2, 12] for 2 samples of 12)", in.Name, in.Shape)
		}
		if d > len(data) || size*d > len(data) {
			return nil, bad("input %q: shape %v holds more values than the %d data values given", in.Name, in.Shape, len(data))
		}
		size *= d
	}
	if size != len(data) {
		return nil, bad("input %q: shape %v holds %d values, but %d data values were given", in.Name, in.Shape, size, len(data))
	}
	return data, nil
}

func (r *reader) v2Texts(in v2Input) (*request, error) {
	if r.p.Kind != pipeline.KindText {
		return nil, bad("input %q is BYTES (texts), but this model reads %s", in.Name, r.reads())
	}
	data, err := v2Values(in)
	if err != nil {
		return nil, err
	}
	if len(in.Shape) > 2 || (len(in.Shape) == 2 && in.Shape[1] != 1) {
		return nil, bad("input %q: texts have shape [N] or [N, 1], received %v", in.Name, in.Shape)
	}
	list := make([]any, len(data))
	copy(list, data)
	for i, v := range list {
		if _, ok := v.(string); !ok {
			return nil, bad("input %q element %d is %s, expected a string", in.Name, i, kindOf(v))
		}
	}
	return r.rows(list)
}

func (r *reader) v2Tensor(in v2Input) (*request, error) {
	switch strings.ToUpper(in.Datatype) {
	case "FP32", "FP64", "FP16", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64":
	default:
		return nil, bad("input %q has datatype %q: expected FP32 (or another number type) for the model's input tensor, or BYTES for texts", in.Name, in.Datatype)
	}
	data, err := v2Values(in)
	if err != nil {
		return nil, err
	}
	if err := r.checkCount(in.Shape[0]); err != nil {
		return nil, err
	}
	x, err := r.fill(data, in.Shape, fmt.Sprintf("input %q", in.Name))
	if err != nil {
		return nil, err
	}
	return &request{n: in.Shape[0], x: x}, nil
}

// v2Columns reads named column inputs: records (shape [N] or [N, 1]) for a
// table, the rows of one window (shape [T]) or N windows ([N, T]) for a
// series.
func (r *reader) v2Columns(ins []v2Input) (*request, error) {
	var n, t int
	cols := map[string][]any{}
	for i, in := range ins {
		data, err := v2Values(in)
		if err != nil {
			return nil, err
		}
		var ni, ti int
		switch {
		case len(in.Shape) == 1:
			ni, ti = in.Shape[0], 1
		case len(in.Shape) == 2:
			ni, ti = in.Shape[0], in.Shape[1]
		default:
			return nil, bad("input %q: a column has shape [N] or [N, T], received %v", in.Name, in.Shape)
		}
		if r.p.Kind == pipeline.KindSeries && len(in.Shape) == 1 {
			ni, ti = 1, in.Shape[0]
		}
		if r.p.Kind == pipeline.KindCSV && ti != 1 {
			return nil, bad("input %q: a table column has shape [N] or [N, 1], received %v", in.Name, in.Shape)
		}
		if i > 0 && (ni != n || ti != t) {
			return nil, bad("input %q has shape %v, unlike input %q: give every column the same shape", in.Name, in.Shape, ins[0].Name)
		}
		n, t = ni, ti
		cols[in.Name] = data
	}
	if n == 0 || t == 0 {
		return nil, bad("the inputs hold no rows: send at least one")
	}
	if err := r.checkCount(n); err != nil {
		return nil, err
	}
	req := &request{n: n}
	for k := 0; k < n; k++ {
		rows := make([]map[string]string, t)
		for j := range rows {
			rows[j] = map[string]string{}
			for c, data := range cols {
				s, err := cell(data[k*t+j], fmt.Sprintf("input %q element %d", c, k*t+j))
				if err != nil {
					return nil, err
				}
				rows[j][c] = s
			}
		}
		if r.p.Kind == pipeline.KindCSV {
			req.records = append(req.records, rows[0])
		} else {
			req.windows = append(req.windows, rows)
		}
	}
	return req, nil
}
