package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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
	// maxInstances caps the samples of one request; instancesName names
	// the setting in the error (Options.limitName).
	maxInstances  int
	instancesName string
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
		return &badRequest{msg: fmt.Sprintf("%d instances in one request; the server takes at most %d%s: split the request", n, r.maxInstances, r.instancesName), tooLarge: true}
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
