package keras

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/seqnet/seqnet/data/npy"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
)

// WriteModelJSON writes the model's architecture as Keras 3's
// model.to_json() does, for keras.models.model_from_json: Sequential
// models as {"class_name": "Sequential", …} with an InputLayer first,
// others as {"class_name": "Functional", …} with inbound_nodes in Keras 3's
// {"args": […], "kwargs": {}} form. Layers are listed in Keras' order, the
// order of WriteWeightsNPZ.
func WriteModelJSON(w io.Writer, m *model.Model) error {
	cfg, err := ModelConfig(m)
	if err != nil {
		return err
	}
	return json.NewEncoder(w).Encode(cfg)
}

// ModelConfig returns what WriteModelJSON writes, as a JSON-ready map.
func ModelConfig(m *model.Model) (map[string]any, error) {
	g, err := readGraph(m)
	if err != nil {
		return nil, fmt.Errorf("keras: %w", err)
	}
	if g.sequential {
		return sequentialConfig(m, g), nil
	}
	return functionalConfig(m, g), nil
}

// withBatch turns a per-sample shape into Keras' [null, d1, d2, …].
func withBatch(s []int) []any {
	out := []any{nil}
	for _, d := range s {
		out = append(out, d)
	}
	return out
}

func layerEntry(l layers.Layer, inShapes [][]int) map[string]any {
	e := map[string]any{
		"module":          "keras.layers",
		"class_name":      l.ClassName(),
		"config":          l.Config(),
		"registered_name": nil,
	}
	if _, ok := l.(*layers.InputLayer); !ok {
		var in any
		if len(inShapes) == 1 {
			in = withBatch(inShapes[0])
		} else {
			var all []any
			for _, s := range inShapes {
				all = append(all, withBatch(s))
			}
			in = all
		}
		e["build_config"] = map[string]any{"input_shape": in}
	}
	return e
}

func inShapes(n *gnode) [][]int {
	var s [][]int
	for _, r := range n.in {
		s = append(s, r.shape())
	}
	return s
}

func sequentialConfig(m *model.Model, g *graph) map[string]any {
	var ls []any
	for _, n := range g.nodes {
		ls = append(ls, layerEntry(n.layer, inShapes(n)))
	}
	in := withBatch(g.inputs[0].outShapes[0])
	return map[string]any{
		"module":     "keras",
		"class_name": "Sequential",
		"config": map[string]any{
			"name":              m.Name,
			"trainable":         true,
			"dtype":             "float32",
			"layers":            ls,
			"build_input_shape": in,
		},
		"registered_name": nil,
		"build_config":    map[string]any{"input_shape": in},
	}
}

func history(r gref) []any { return []any{r.n.layer.Common().Name, r.n.call, r.index} }

func functionalConfig(m *model.Model, g *graph) map[string]any {
	calls := map[layers.Layer][]*gnode{}
	for _, n := range g.nodes {
		calls[n.layer] = append(calls[n.layer], n)
	}
	var ls []any
	for _, first := range g.kerasOrder() {
		e := layerEntry(first.layer, inShapes(first))
		e["name"] = first.layer.Common().Name
		nodes := []any{}
		for _, n := range calls[first.layer] {
			if n.input {
				continue
			}
			var args []any
			for _, r := range n.in {
				args = append(args, map[string]any{
					"class_name": "__keras_tensor__",
					"config": map[string]any{
						"shape":         withBatch(r.shape()),
						"dtype":         "float32",
						"keras_history": history(r),
					},
				})
			}
			if len(args) > 1 {
				args = []any{args} // merge layers take a list as their first argument
			}
			nodes = append(nodes, map[string]any{"args": args, "kwargs": map[string]any{}})
		}
		e["inbound_nodes"] = nodes
		ls = append(ls, e)
	}
	var ins, outs []any
	for _, n := range g.inputs {
		ins = append(ins, history(gref{n, 0}))
	}
	for _, r := range g.outputs {
		outs = append(outs, history(r))
	}
	return map[string]any{
		"module":     "keras.src.models.functional",
		"class_name": "Functional",
		"config": map[string]any{
			"name":          m.Name,
			"trainable":     true,
			"layers":        ls,
			"input_layers":  ins,
			"output_layers": outs,
		},
		"registered_name": "Functional",
	}
}

// WriteWeightsNPZ writes the model's weights as numpy.savez(path,
// *model.get_weights()) does: arrays arr_0, arr_1, … in Keras'
// get_weights() order, float32, so that Keras'
// model.set_weights(list(numpy.load(path).values())) loads them into the
// model made from WriteModelJSON. The file is written atomically.
func WriteWeightsNPZ(path string, m *model.Model) error {
	w, err := KerasWeights(m)
	if err != nil {
		return fmt.Errorf("keras: %w", err)
	}
	return npy.WriteNPZFile(path, npy.Named(w...), false)
}
