package serve

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/pipeline"
)

// v2 answers KServe's Open Inference Protocol (v2) REST API:
//
//	GET  /v2                                       server metadata
//	GET  /v2/health/live, /v2/health/ready          health
//	GET  /v2/models/NAME[/versions/V]              model metadata
//	GET  /v2/models/NAME[/versions/V]/ready        model readiness
//	POST /v2/models/NAME[/versions/V]/infer        inference
func (s *Server) v2(w http.ResponseWriter, r *http.Request) {
	c := s.newCall(w, r, protoV2)
	defer c.done()
	path := strings.TrimSuffix(r.URL.Path, "/")
	switch path {
	case "/v2":
		c.reply(200, map[string]any{"name": "seqnet", "version": "1", "extensions": []string{}})
		return
	case "/v2/health/live":
		c.reply(200, map[string]bool{"live": true})
		return
	case "/v2/health/ready":
		c.reply(200, map[string]bool{"ready": true}) // every model loaded at start, and a reload never unloads one
		return
	}
	rest, ok := strings.CutPrefix(path, "/v2/models/")
	if !ok {
		c.fail(404, fmt.Errorf("no such endpoint %s: the v2 endpoints are /v2, /v2/health/live, /v2/health/ready and /v2/models/NAME[/ready|/infer]", r.URL.Path))
		return
	}
	name, sub, e, lm, ok := s.modelRoute(c, rest)
	if !ok {
		return
	}
	want := http.MethodGet
	if sub == "infer" {
		want = http.MethodPost
	}
	if r.Method != want {
		c.fail(405, fmt.Errorf("%s %s: use %s", r.Method, r.URL.Path, want))
		return
	}
	switch sub {
	case "":
		c.reply(200, v2Metadata(name, lm))
	case "ready":
		c.reply(200, map[string]any{"name": name, "ready": true})
	case "infer":
		if !c.acquire() {
			return
		}
		defer c.release()
		req, a, err := c.predict(e, lm, (*reader).decodeV2)
		if err != nil {
			c.failRequest(err)
			return
		}
		outs, err := a.v2Outputs(req.outputs)
		if err != nil {
			c.fail(400, err)
			return
		}
		resp := map[string]any{"model_name": name, "model_version": strconv.FormatInt(lm.version, 10), "outputs": outs}
		if req.id != "" {
			resp["id"] = req.id
		}
		c.reply(200, resp)
	default:
		c.fail(404, fmt.Errorf("no such endpoint %s: use /v2/models/%s, /v2/models/%s/ready or POST /v2/models/%s/infer", r.URL.Path, name, name, name))
	}
}

// v2Tensor is a named tensor of the v2 protocol.
type v2Tensor struct {
	Name     string `json:"name"`
	Datatype string `json:"datatype"`
	Shape    []int  `json:"shape"`
	Data     any    `json:"data,omitempty"`
}

// v2Metadata lists the inputs a model takes and the outputs it answers.
func v2Metadata(name string, lm *loaded) map[string]any {
	p := lm.p
	var ins, outs []v2Tensor
	switch p.Kind {
	case pipeline.KindText:
		ins = append(ins, v2Tensor{Name: orText(p.TextColumn), Datatype: "BYTES", Shape: []int{-1}})
	case pipeline.KindCSV:
		for _, f := range p.Features {
			ins = append(ins, v2Tensor{Name: f, Datatype: "FP32", Shape: []int{-1}})
		}
	case pipeline.KindSeries:
		for _, f := range p.Features {
			ins = append(ins, v2Tensor{Name: f, Datatype: "FP32", Shape: []int{-1, -1}})
		}
	}
	shape := []int{-1}
	for _, d := range lm.r.in {
		if d <= 0 {
			d = -1
		}
		shape = append(shape, d)
	}
	ins = append(ins, v2Tensor{Name: "input", Datatype: "FP32", Shape: shape})
	if c := p.Classes(); c != nil {
		outs = append(outs, v2Tensor{Name: "label", Datatype: "BYTES", Shape: []int{-1}},
			v2Tensor{Name: "probabilities", Datatype: "FP32", Shape: []int{-1, len(c)}})
	} else {
		k := 1
		if o := lm.m.OutputShapes(); len(o) == 1 {
			for _, d := range o[0] {
				k *= max(d, 1)
			}
		}
		for _, n := range p.OutputNames(k) {
			outs = append(outs, v2Tensor{Name: n, Datatype: "FP32", Shape: []int{-1}})
		}
	}
	m := map[string]any{"name": name, "versions": []string{strconv.FormatInt(lm.version, 10)}, "platform": "seqnet",
		"inputs": ins, "outputs": outs}
	if c := p.Classes(); c != nil {
		m["parameters"] = map[string]any{"classes": c}
	}
	return m
}

// v2Outputs are the answer's tensors, only those asked for when want is
// not empty.
func (a *answer) v2Outputs(want []string) ([]v2Tensor, error) {
	n := len(a.preds)
	var all []v2Tensor
	if classes := a.lm.p.Classes(); classes != nil {
		labels := make([]string, n)
		probs := make([]num, 0, n*len(classes))
		for i, q := range a.preds {
			labels[i] = q.Label
			probs = append(probs, nums(q.Probabilities)...)
		}
		all = append(all, v2Tensor{Name: "label", Datatype: "BYTES", Shape: []int{n}, Data: labels},
			v2Tensor{Name: "probabilities", Datatype: "FP32", Shape: []int{n, len(classes)}, Data: probs})
	} else {
		for j, name := range a.outputNames() {
			col := make([]num, n)
			for i, q := range a.preds {
				col[i] = num(q.Values[j])
			}
			all = append(all, v2Tensor{Name: name, Datatype: "FP32", Shape: []int{n}, Data: col})
		}
	}
	if a.namedRows() {
		rows := make([]string, n)
		for i, q := range a.preds {
			rows[i] = q.Row
		}
		all = append(all, v2Tensor{Name: a.rowName, Datatype: "BYTES", Shape: []int{n}, Data: rows})
	}
	if len(want) == 0 {
		return all, nil
	}
	var out []v2Tensor
	var names []string
	for _, t := range all {
		names = append(names, t.Name)
	}
	for _, w := range want {
		found := false
		for _, t := range all {
			if t.Name == w {
				out, found = append(out, t), true
			}
		}
		if !found {
			return nil, fmt.Errorf("output %q does not exist: this model answers %s", w, strings.Join(quoteAll(names), ", "))
		}
	}
	return out, nil
}
