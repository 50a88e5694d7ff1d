package serve

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// tfServing answers TensorFlow Serving's REST API:
//
//	GET  /v1/models/NAME[/versions/V]           model status
//	GET  /v1/models/NAME[/versions/V]/metadata  what the model reads and answers
//	POST /v1/models/NAME[/versions/V]:predict   {"instances": [...]} or {"inputs": ...}
func (s *Server) tfServing(w http.ResponseWriter, r *http.Request) {
	c := s.newCall(w, r, protoTF)
	defer c.done()
	rest := strings.TrimPrefix(r.URL.Path, "/v1/models/")
	rest, verb, hasVerb := strings.Cut(rest, ":")
	name, sub, e, lm, ok := s.modelRoute(c, rest)
	if !ok {
		return
	}
	switch {
	case hasVerb && sub == "":
		if verb != "predict" {
			c.fail(404, fmt.Errorf("%q is not served: this server answers :predict (a classify or regress request can be sent to :predict as instances)", ":"+verb))
			return
		}
		if r.Method != http.MethodPost {
			c.fail(405, fmt.Errorf("%s :predict: use POST with a JSON body", r.Method))
			return
		}
		if !c.acquire() {
			return
		}
		defer c.release()
		req, a, err := c.predict(e, lm, (*reader).decodeTF)
		if err != nil {
			c.failRequest(err)
			return
		}
		if req.columnar {
			c.reply(200, map[string]any{"outputs": a.tfColumns()})
			return
		}
		buf := getBuffer()
		defer putBuffer(buf)
		if b, ok := a.appendTFRows((*buf)[:0]); ok {
			*buf = append(b, '\n')
			c.replyJSON(200, *buf)
			return
		}
		c.reply(200, map[string]any{"predictions": a.tfRows()})
	case r.Method != http.MethodGet:
		c.fail(405, fmt.Errorf("%s %s: use GET (or POST to .../%s:predict)", r.Method, r.URL.Path, name))
	case sub == "":
		c.reply(200, map[string]any{"model_version_status": []any{map[string]any{
			"version": strconv.FormatInt(lm.version, 10), "state": "AVAILABLE",
			"status": map[string]string{"error_code": "OK", "error_message": ""}}}})
	case sub == "metadata":
		c.reply(200, map[string]any{
			"model_spec": map[string]string{"name": name, "signature_name": "serving_default", "version": strconv.FormatInt(lm.version, 10)},
			"metadata":   describe(lm)})
	default:
		c.fail(404, fmt.Errorf("no such endpoint %s: use /v1/models/%s, /v1/models/%s/metadata or POST /v1/models/%s:predict", r.URL.Path, name, name, name))
	}
}

// failRequest answers an error from decoding or predicting.
func (c *call) failRequest(err error) {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		c.fail(503, fmt.Errorf("the request was cancelled or timed out before its forward pass: %v", err))
		return
	}
	c.fail(errorStatus(err), err)
}

// tfRows is the row form's answer: one object per instance.
func (a *answer) tfRows() []map[string]any {
	out := make([]map[string]any, len(a.preds))
	classes := a.lm.p.Classes()
	names := a.outputNames()
	for i, q := range a.preds {
		m := map[string]any{}
		if classes != nil {
			m["label"] = q.Label
			m["probabilities"] = named(classes, q.Probabilities)
		} else {
			m["values"] = named(names, q.Values)
		}
		if a.namedRows() {
			m[a.rowName] = q.Row
		}
		out[i] = m
	}
	return out
}

// tfColumns is the columnar answer: one list per output.
func (a *answer) tfColumns() map[string]any {
	out := map[string]any{}
	if classes := a.lm.p.Classes(); classes != nil {
		labels := make([]string, len(a.preds))
		probs := make([][]num, len(a.preds))
		for i, q := range a.preds {
			labels[i], probs[i] = q.Label, nums(q.Probabilities)
		}
		out["label"], out["probabilities"], out["classes"] = labels, probs, classes
	} else {
		for j, n := range a.outputNames() {
			col := make([]num, len(a.preds))
			for i, q := range a.preds {
				col[i] = num(q.Values[j])
			}
			out[n] = col
		}
	}
	if a.namedRows() {
		rows := make([]string, len(a.preds))
		for i, q := range a.preds {
			rows[i] = q.Row
		}
		out[a.rowName] = rows
	}
	return out
}

// describe says what a model reads and answers (TF metadata).
func describe(lm *loaded) map[string]any {
	p := lm.p
	m := map[string]any{"input_shape": lm.r.in, "reads": lm.r.reads()}
	if p.Kind != "" {
		m["kind"], m["task"] = p.Kind, p.Task
	}
	if c := p.Classes(); c != nil {
		m["classes"] = c
	}
	if p.Task == "regression" {
		m["outputs"] = p.Outputs
	}
	switch {
	case p.Kind == "csv" || p.Kind == "series":
		m["columns"] = p.Features
	case p.Kind == "text":
		m["text_column"] = p.TextColumn
	}
	if p.Windowing != nil {
		m["window"] = p.Windowing
	}
	return m
}
