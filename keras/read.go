package keras

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/data/npy"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// ReadModelJSON builds a model from the JSON that Keras' model.to_json()
// writes, Keras 2.x or 3.x, Sequential or Functional. The weights are
// fresh (drawn from seed 0); load trained ones with LoadWeightsNPZ or
// SetWeights.
//
// Layers are made by layers.FromConfig, so a layer class or an option
// seqnet does not implement is refused by name. The input shape comes
// from the InputLayer (batch_shape in Keras 3, batch_input_shape in Keras
// 2), or from the first layer's batch_input_shape, or from
// build_input_shape; a Sequential model without any is returned unbuilt
// (it is built from the data at the first Fit or Predict).
func ReadModelJSON(r io.Reader) (*model.Model, error) {
	var top map[string]any
	if err := json.NewDecoder(r).Decode(&top); err != nil {
		return nil, fmt.Errorf("keras: not a Keras model JSON (expected the output of model.to_json()): %w", err)
	}
	return FromConfig(top)
}

// FromConfig builds a model from a decoded model.to_json() object
// ({"class_name": "Sequential" | "Functional", "config": {…}}); see
// ReadModelJSON.
func FromConfig(top map[string]any) (*model.Model, error) {
	return fromConfig(top, false)
}

// fromConfig is FromConfig, with the weights left at zero when unfilled
// (model.NewSequentialUnfilled): for a caller that sets every one of them
// right after or drops the model.
func fromConfig(top map[string]any, unfilled bool) (*model.Model, error) {
	if mc, ok := top["model_config"].(map[string]any); ok && top["class_name"] == nil {
		top = mc // the attribute of a Keras .h5 file, or a TensorFlow.js modelTopology
	}
	class, _ := top["class_name"].(string)
	cfg, _ := top["config"].(map[string]any)
	if class == "" || cfg == nil {
		return nil, errors.New("keras: the JSON has no \"class_name\" and \"config\": expected the output of model.to_json()")
	}
	var m *model.Model
	var err error
	switch class {
	case "Sequential":
		m, err = readSequential(cfg, top, unfilled)
	case "Functional", "Model":
		m, err = readFunctional(cfg, unfilled)
	default:
		return nil, fmt.Errorf("keras: unsupported model class %q: expected Sequential or Functional (a subclassed Keras model has no JSON architecture)", class)
	}
	if err != nil {
		return nil, fmt.Errorf("keras: %w", err)
	}
	if name, ok := cfg["name"].(string); ok && name != "" {
		m.Name = name
	}
	return m, nil
}

// entry is one element of config["layers"].
type entry struct {
	index int
	class string
	name  string
	cfg   layers.Config
	raw   map[string]any
}

func (e entry) String() string { return fmt.Sprintf("layer %d %q (%s)", e.index, e.name, e.class) }

// droppable are keys newer Keras versions add with a null or default value
// that change nothing seqnet computes.
var droppable = map[string]bool{"quantization_config": true, "lora_rank": true, "lora_alpha": true, "optional": true}

func parseEntries(cfg map[string]any) ([]entry, error) {
	list, ok := cfg["layers"].([]any)
	if !ok {
		return nil, errors.New("the model config has no \"layers\" list")
	}
	var out []entry
	seen := map[string]bool{}
	for i, v := range list {
		raw, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("layer %d is %T, expected an object", i, v)
		}
		e := entry{index: i, raw: raw}
		e.class, _ = raw["class_name"].(string)
		if e.class == "" {
			return nil, fmt.Errorf("layer %d has no class_name", i)
		}
		c, _ := raw["config"].(map[string]any)
		e.cfg = layers.Config{}
		for k, v := range c {
			if droppable[k] && (v == nil || v == false) {
				continue
			}
			if strings.HasSuffix(k, "_initializer") {
				v = normalizeInitializer(v)
			}
			e.cfg[k] = v
		}
		e.name, _ = raw["name"].(string)
		if e.name == "" {
			e.name, _ = c["name"].(string)
		}
		if e.name != "" {
			if seen[e.name] {
				return nil, fmt.Errorf("%s: two layers are named %q", e, e.name)
			}
			seen[e.name] = true
			e.cfg["name"] = e.name
		}
		out = append(out, e)
	}
	return out, nil
}

// normalizeInitializer maps Keras 3 initializer class names that differ
// from the Keras 2 ones seqnet's registry knows.
func normalizeInitializer(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	if m["class_name"] == "OrthogonalInitializer" {
		c := map[string]any{}
		for k, x := range m {
			c[k] = x
		}
		c["class_name"] = "Orthogonal"
		return c
	}
	return v
}

// batchShape reads a shape whose first entry is the batch axis.
func batchShape(e entry, key string, v any) ([]int, error) {
	s, err := layers.Config{key: v}.Ints(key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e, err)
	}
	if len(s) < 2 {
		return nil, fmt.Errorf("%s: %s %v needs a batch axis and at least one more", e, key, v)
	}
	return sampleShape(e, key, s[1:], v)
}

func sampleShape(e entry, key string, s []int, raw any) ([]int, error) {
	vals, _ := raw.([]any)
	if len(vals) == len(s)+1 {
		vals = vals[1:] // the batch axis
	}
	for i, d := range s {
		switch {
		case i < len(vals) && vals[i] != nil && d < 0:
			return nil, fmt.Errorf("%s: %s %v has a negative dimension %d: every dimension of a sample must be a positive size", e, key, raw, d)
		case d == 0:
			return nil, fmt.Errorf("%s: %s %v has an empty (0) dimension: every dimension of a sample must be a positive size", e, key, raw)
		case d < 0:
			return nil, fmt.Errorf("%s: %s has an unknown (None) dimension: seqnet needs a fixed shape per sample, e.g. keras.Input(shape=(100, 8)) rather than (None, 8)", e, key)
		}
	}
	return s, nil
}

// inputShape finds a per-sample input shape in a layer config, if any.
func inputShape(e entry) ([]int, error) {
	for _, k := range []string{"batch_shape", "batch_input_shape"} {
		if e.cfg.Has(k) {
			return batchShape(e, k, e.cfg[k])
		}
	}
	for _, k := range []string{"shape", "input_shape"} {
		if e.cfg.Has(k) {
			s, err := e.cfg.Ints(k)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", e, err)
			}
			return sampleShape(e, k, s, e.cfg[k])
		}
	}
	return nil, nil
}

func readSequential(cfg, top map[string]any, unfilled bool) (*model.Model, error) {
	entries, err := parseEntries(cfg)
	if err != nil {
		return nil, err
	}
	var shape []int
	var ls []layers.Layer
	for i, e := range entries {
		if e.class == "InputLayer" {
			if i != 0 {
				return nil, fmt.Errorf("%s: an InputLayer must come first in a Sequential model", e)
			}
			if shape, err = inputShape(e); err != nil {
				return nil, err
			}
			if shape == nil {
				return nil, fmt.Errorf("%s: no batch_shape or batch_input_shape", e)
			}
			if err := checkInputConfig(e); err != nil {
				return nil, err
			}
			continue
		}
		if shape == nil && len(ls) == 0 {
			if shape, err = inputShape(e); err != nil {
				return nil, err
			}
		}
		l, err := layers.FromConfig(e.class, e.cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e, err)
		}
		ls = append(ls, l)
	}
	if len(ls) == 0 {
		return nil, errors.New("the Sequential model has no layers")
	}
	if shape == nil {
		e := entry{index: -1, name: "build_input_shape", class: "Sequential"}
		if v, ok := cfg["build_input_shape"]; ok && v != nil {
			if shape, err = batchShape(e, "build_input_shape", v); err != nil {
				return nil, err
			}
		} else if bc, ok := top["build_config"].(map[string]any); ok && bc["input_shape"] != nil {
			if shape, err = batchShape(e, "build_config.input_shape", bc["input_shape"]); err != nil {
				return nil, err
			}
		}
	}
	if shape != nil {
		ls = append([]layers.Layer{layers.Input(shape...)}, ls...)
	}
	if unfilled {
		return model.NewSequentialUnfilled(ls...)
	}
	return model.NewSequential(ls...)
}

// checkInputConfig refuses InputLayer options seqnet cannot honour.
func checkInputConfig(e entry) error {
	for _, k := range []string{"sparse", "ragged"} {
		if b, _ := e.cfg.Bool(k, false); b {
			return fmt.Errorf("%s: unsupported option %q: seqnet inputs are dense", e, k)
		}
	}
	return nil
}

// ref is a tensor reference: [layer name, node index, tensor index].
type ref struct {
	layer        string
	node, tensor int
}

func parseRef(v any) (ref, error) {
	l, ok := v.([]any)
	if !ok || len(l) < 3 {
		return ref{}, fmt.Errorf("tensor reference %v: expected [layer name, node index, tensor index]", v)
	}
	name, ok := l[0].(string)
	if !ok {
		return ref{}, fmt.Errorf("tensor reference %v: the layer name is not a string", v)
	}
	var idx [2]int
	for i := range idx {
		f, ok := l[i+1].(float64)
		if !ok || f < 0 || f != math.Trunc(f) || f > 1<<20 {
			return ref{}, fmt.Errorf("tensor reference %v: expected non-negative integer indices", v)
		}
		idx[i] = int(f)
	}
	if len(l) == 4 {
		if err := noKwargs(l[3]); err != nil {
			return ref{}, err
		}
	} else if len(l) > 4 {
		return ref{}, fmt.Errorf("tensor reference %v: expected [layer name, node index, tensor index, {}]", v)
	}
	return ref{name, idx[0], idx[1]}, nil
}

// noKwargs refuses call keyword arguments, which seqnet layers do not take.
func noKwargs(v any) error {
	if v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("call keyword arguments %v: expected an object", v)
	}
	keys := make([]string, 0, len(m))
	for k, x := range m {
		if x != nil {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		return fmt.Errorf("unsupported call argument %q (the layer was called with %s=%v)", keys[0], keys[0], m[keys[0]])
	}
	return nil
}

// parseNode reads one inbound node: the tensors one call of a layer took.
// Keras 2: [["layer", 0, 0, {}], …]; Keras 3: {"args": [tensor or [tensors]],
// "kwargs": {}} with tensors {"class_name": "__keras_tensor__", "config":
// {"keras_history": ["layer", 0, 0]}}.
func parseNode(v any) ([]ref, error) {
	switch x := v.(type) {
	case []any:
		if len(x) > 0 {
			if _, ok := x[0].(string); ok { // a lone reference
				r, err := parseRef(x)
				return []ref{r}, err
			}
		}
		var refs []ref
		for _, e := range x {
			r, err := parseRef(e)
			if err != nil {
				return nil, err
			}
			refs = append(refs, r)
		}
		return refs, nil
	case map[string]any:
		var refs []ref
		var walk func(a any) error
		walk = func(a any) error {
			switch y := a.(type) {
			case []any:
				for _, e := range y {
					if err := walk(e); err != nil {
						return err
					}
				}
				return nil
			case map[string]any:
				if y["class_name"] == "__keras_tensor__" {
					c, _ := y["config"].(map[string]any)
					r, err := parseRef(c["keras_history"])
					if err != nil {
						return err
					}
					refs = append(refs, r)
					return nil
				}
			}
			return fmt.Errorf("unsupported call argument %v: seqnet layers take only tensors", a)
		}
		if err := walk(x["args"]); err != nil {
			return nil, err
		}
		if err := noKwargs(x["kwargs"]); err != nil {
			return nil, err
		}
		return refs, nil
	}
	return nil, fmt.Errorf("inbound node %v: expected a list (Keras 2) or an object with \"args\" (Keras 3)", v)
}

// parseRefs reads input_layers or output_layers: a list of references or
// a single one.
func parseRefs(key string, v any) ([]ref, error) {
	l, ok := v.([]any)
	if !ok || len(l) == 0 {
		return nil, fmt.Errorf("%s: expected a list of [layer name, node index, tensor index], received %v (dictionaries of inputs are not supported)", key, v)
	}
	if _, single := l[0].(string); single {
		r, err := parseRef(l)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		return []ref{r}, nil
	}
	var refs []ref
	for _, e := range l {
		r, err := parseRef(e)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		refs = append(refs, r)
	}
	return refs, nil
}

// ReadWeightsNPZ reads weights saved by numpy.savez(path,
// *model.get_weights()): arrays arr_0, arr_1, … in that order (any other
// names are taken in archive order). Apply them with SetWeights (or
// LoadWeightsNPZ), which checks count and shapes.
func ReadWeightsNPZ(path string) ([]*tensor.Tensor, error) {
	arrs, err := npy.ReadNPZFile(path)
	if err != nil {
		return nil, fmt.Errorf("keras: %w", err)
	}
	// numpy.savez(path, *arrays) names them arr_0, arr_1, …; the zip order
	// is usually the same, but the names are what counts.
	positional := true
	idx := make([]int, len(arrs))
	for i, a := range arrs {
		n, err := strconv.Atoi(strings.TrimPrefix(a.Name, "arr_"))
		if !strings.HasPrefix(a.Name, "arr_") || err != nil {
			positional = false
			break
		}
		idx[i] = n
	}
	out := make([]*tensor.Tensor, len(arrs))
	for i, a := range arrs {
		if !positional {
			out[i] = a.Tensor
			continue
		}
		if idx[i] < 0 || idx[i] >= len(arrs) {
			return nil, fmt.Errorf("keras: %s: holds %d arrays but one is named %s: expected arr_0 … arr_%d as numpy.savez(path, *model.get_weights()) writes", path, len(arrs), a.Name, len(arrs)-1)
		}
		if out[idx[i]] != nil {
			return nil, fmt.Errorf("keras: %s: array %s appears twice", path, a.Name)
		}
		out[idx[i]] = a.Tensor
	}
	return out, nil
}

// LoadWeightsNPZ reads weights saved by numpy.savez(path,
// *model.get_weights()) and sets them on m; a wrong count or shape is an
// error naming the layer and both shapes.
func LoadWeightsNPZ(path string, m *model.Model) error {
	w, err := ReadWeightsNPZ(path)
	if err != nil {
		return err
	}
	if err := SetWeights(m, w); err != nil {
		return fmt.Errorf("keras: %s: %w", path, err)
	}
	return nil
}
