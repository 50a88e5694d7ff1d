package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/pipeline"
	"github.com/seqnet/seqnet/tensor"
)

// request is a decoded inference request: the raw inputs the pipeline
// reads (texts, records, windows of rows) or the model's input tensor.
type request struct {
	n       int
	texts   []string
	records []map[string]string
	windows [][]map[string]string
	x       *tensor.Tensor
	// columnar: TF Serving's "inputs" form, answered with "outputs".
	columnar bool
	// outputs are the KServe outputs asked for (nil: all); id is echoed.
	outputs []string
	id      string
}

// reader is what a model reads, as the request decoders need it.
type reader struct {
	p *pipeline.Pipeline
	// in is the model's per-sample input shape (≤ 0: any size).
	in []int
	// maxInstances caps the samples of one request.
	maxInstances int
}

// badRequest is a client error: the server answers 400 (413 with tooLarge).
type badRequest struct {
	msg      string
	tooLarge bool
}

func (e *badRequest) Error() string { return e.msg }

func bad(format string, a ...any) error { return &badRequest{msg: fmt.Sprintf(format, a...)} }

// decodeJSON decodes one JSON value with numbers kept as written; trailing
// data is an error.
func decodeJSON(body []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return bad("the body is not valid JSON: %v", err)
	}
	if d.More() {
		return bad("the body holds more than one JSON value: send one object")
	}
	return nil
}

// decodeTF decodes a TensorFlow Serving :predict body: {"instances": [...]}
// (row form) or {"inputs": ...} (columnar form).
func (r *reader) decodeTF(body []byte) (*request, error) {
	if list, ok := textInstances(body); ok {
		return r.rows(list)
	}
	// The usual body, {"instances": [...]} (and maybe "signature_name"),
	// is decoded in one pass; anything else takes the careful path below,
	// whose messages say what is wrong.
	var fast struct {
		Instances []any           `json:"instances"`
		Inputs    json.RawMessage `json:"inputs"`
	}
	if decodeJSON(body, &fast) == nil && fast.Instances != nil && fast.Inputs == nil {
		return r.rows(fast.Instances)
	}
	var top map[string]json.RawMessage
	if err := decodeJSON(body, &top); err != nil {
		return nil, err
	}
	if top == nil {
		return nil, bad(`expected a JSON object {"instances": [...]} or {"inputs": ...}`)
	}
	inst, hasInst := top["instances"]
	inputs, hasInputs := top["inputs"]
	switch {
	case hasInst && hasInputs:
		return nil, bad(`the body has both "instances" and "inputs": send one of them`)
	case hasInst:
		var list []any
		if err := decodeJSON(inst, &list); err != nil || list == nil {
			return nil, bad(`"instances" must be a list of instances, one per sample`)
		}
		return r.rows(list)
	case hasInputs:
		var v any
		if err := decodeJSON(inputs, &v); err != nil {
			return nil, err
		}
		req, err := r.columns(v)
		if err != nil {
			return nil, err
		}
		req.columnar = true
		return req, nil
	}
	return nil, bad(`the body has neither "instances" nor "inputs": send {"instances": [...]} (one entry per sample) or {"inputs": ...} (columns)`)
}

// rows decodes TF Serving's row form: every instance is a sample.
func (r *reader) rows(list []any) (*request, error) {
	if len(list) == 0 {
		return nil, bad(`"instances" is empty: send at least one instance`)
	}
	if err := r.checkCount(len(list)); err != nil {
		return nil, err
	}
	req := &request{n: len(list)}
	p := r.p
	switch first := list[0].(type) {
	case string:
		if p.Kind != pipeline.KindText {
			return nil, bad("instance 0 is a string, but this model reads %s", r.reads())
		}
		for i, v := range list {
			s, ok := v.(string)
			if !ok {
				return nil, bad("instance %d is %s, but instance 0 is a string: send every instance in the same form", i, kindOf(v))
			}
			req.texts = append(req.texts, s)
		}
		return req, nil
	case map[string]any:
		for i, v := range list {
			m, ok := v.(map[string]any)
			if !ok {
				return nil, bad("instance %d is %s, but instance 0 is an object: send every instance in the same form", i, kindOf(v))
			}
			switch p.Kind {
			case pipeline.KindText:
				s, err := r.textField(m, fmt.Sprintf("instance %d", i))
				if err != nil {
					return nil, err
				}
				req.texts = append(req.texts, s)
			case pipeline.KindCSV:
				rec, err := record(m, fmt.Sprintf("instance %d", i))
				if err != nil {
					return nil, err
				}
				req.records = append(req.records, rec)
			case pipeline.KindSeries:
				w, err := columnsToRows(m, fmt.Sprintf("instance %d", i))
				if err != nil {
					return nil, err
				}
				req.windows = append(req.windows, w)
			default:
				return nil, bad("instance %d is an object, but this model reads %s", i, r.reads())
			}
		}
		return req, nil
	case []any:
		if p.Kind == pipeline.KindSeries && len(first) > 0 {
			if _, ok := first[0].(map[string]any); ok {
				for i, v := range list {
					w, err := rowList(v, fmt.Sprintf("instance %d", i))
					if err != nil {
						return nil, err
					}
					req.windows = append(req.windows, w)
				}
				return req, nil
			}
		}
		x, err := r.tensor(list, "instances")
		if err != nil {
			return nil, err
		}
		req.x = x
		return req, nil
	}
	if isNumber(list[0]) {
		x, err := r.tensor(list, "instances")
		if err != nil {
			return nil, err
		}
		req.x = x
		return req, nil
	}
	return nil, bad("instance 0 is %s: this model reads %s", kindOf(list[0]), r.reads())
}

// columns decodes TF Serving's columnar form.
func (r *reader) columns(v any) (*request, error) {
	p := r.p
	switch in := v.(type) {
	case []any:
		if len(in) == 0 {
			return nil, bad(`"inputs" is empty: send at least one sample`)
		}
		if _, ok := in[0].(string); ok {
			return r.rows(in)
		}
		if err := r.checkCount(len(in)); err != nil {
			return nil, err
		}
		x, err := r.tensor(in, "inputs")
		if err != nil {
			return nil, err
		}
		return &request{n: len(in), x: x}, nil
	case map[string]any:
		switch p.Kind {
		case pipeline.KindText:
			name := r.textName(in)
			list, ok := in[name].([]any)
			if !ok || len(in) != 1 {
				return nil, bad(`"inputs" for a text model: a list of texts, or {%q: [texts]}`, p.TextColumn)
			}
			return r.rows(list)
		case pipeline.KindCSV:
			recs, err := columnsToRows(in, `"inputs"`)
			if err != nil {
				return nil, err
			}
			if err := r.checkCount(len(recs)); err != nil {
				return nil, err
			}
			return &request{n: len(recs), records: recs}, nil
		case pipeline.KindSeries:
			w, err := columnsToRows(in, `"inputs"`)
			if err != nil {
				return nil, err
			}
			return &request{n: 1, windows: [][]map[string]string{w}}, nil
		}
		if len(in) == 1 {
			for k, t := range in {
				list, ok := t.([]any)
				if !ok {
					return nil, bad(`"inputs".%s must be a list of samples`, k)
				}
				return r.columns(list)
			}
		}
	}
	return nil, bad(`"inputs" is %s: this model reads %s`, kindOf(v), r.reads())
}

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

// textField is the text of an instance object: its text column (or "text").
func (r *reader) textField(m map[string]any, what string) (string, error) {
	name := r.textName(m)
	s, ok := m[name].(string)
	if !ok {
		return "", bad("%s has no string field %q: send {%q: \"the text\"} or just the string", what, name, name)
	}
	return s, nil
}

func (r *reader) textName(m map[string]any) string {
	if _, ok := m[r.p.TextColumn]; ok && r.p.TextColumn != "" {
		return r.p.TextColumn
	}
	return "text"
}

func (r *reader) checkCount(n int) error {
	if r.maxInstances > 0 && n > r.maxInstances {
		return &badRequest{msg: fmt.Sprintf("%d instances in one request; the server takes at most %d (--max-instances): split the request", n, r.maxInstances), tooLarge: true}
	}
	return nil
}

// reads says what the model reads, for messages.
func (r *reader) reads() string {
	p := r.p
	var s string
	switch p.Kind {
	case pipeline.KindText:
		s = fmt.Sprintf(`texts (strings, or {%q: text} objects)`, orText(p.TextColumn))
	case pipeline.KindCSV:
		s = "table rows: {column: value} objects with the columns " + strings.Join(p.Features, ", ")
	case pipeline.KindSeries:
		s = fmt.Sprintf("windows of at least %d time-series rows (a list of {column: value} objects, oldest first) with the columns %s",
			p.Windowing.Window, strings.Join(p.Features, ", "))
	default:
		s = "tensors"
	}
	if r.in != nil {
		s += fmt.Sprintf("; or the model's input as nested lists of numbers of shape %v per sample", r.in)
	}
	return s
}

func orText(s string) string {
	if s == "" {
		return "text"
	}
	return s
}

func isNumber(v any) bool { _, ok := v.(json.Number); return ok }

// kindOf names a JSON value's type for messages.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// errorStatus is the HTTP status of a request error.
func errorStatus(err error) int {
	var b *badRequest
	if errors.As(err, &b) {
		if b.tooLarge {
			return 413
		}
		return 400
	}
	var in pipeline.InputError
	if errors.As(err, &in) {
		return 400
	}
	return 500
}
