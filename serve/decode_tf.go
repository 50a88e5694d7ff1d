package serve

import (
	"encoding/json"
	"fmt"

	"github.com/seqnet/seqnet/pipeline"
)

// decodeTF decodes a TensorFlow Serving :predict body: {"instances": [...]}
// (row form) or {"inputs": ...} (columnar form).
func (r *reader) decodeTF(body []byte) (*request, error) {
	if texts, ok := textInstances(body); ok {
		return r.texts(texts)
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
		texts := make([]string, len(list))
		for i, v := range list {
			s, ok := v.(string)
			if !ok {
				return nil, bad("instance %d is %s, but instance 0 is a string: send every instance in the same form", i, kindOf(v))
			}
			texts[i] = s
		}
		return r.texts(texts)
	case map[string]any:
		return r.objects(list, req)
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

// texts is the request of instances given as strings (at least one).
func (r *reader) texts(texts []string) (*request, error) {
	if err := r.checkCount(len(texts)); err != nil {
		return nil, err
	}
	if r.p.Kind != pipeline.KindText {
		return nil, bad("instance 0 is a string, but this model reads %s", r.reads())
	}
	return &request{n: len(texts), texts: texts}, nil
}

// objects decodes instances given as objects into req: a text model's
// {text: ...}, a table's records, a series' {column: [values]} windows.
func (r *reader) objects(list []any, req *request) (*request, error) {
	for i, v := range list {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, bad("instance %d is %s, but instance 0 is an object: send every instance in the same form", i, kindOf(v))
		}
		switch r.p.Kind {
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
