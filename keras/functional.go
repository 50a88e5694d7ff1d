package keras

import (
	"fmt"
	"sort"
	"strings"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
)

// readFunctional builds a functional model (Keras' "Functional" or
// "Model" class) from its config: every layer is made first (declare),
// then its calls are connected once their inputs exist (connect), and the
// model's inputs and outputs are looked up by reference.
func readFunctional(cfg map[string]any, unfilled bool) (*model.Model, error) {
	entries, err := parseEntries(cfg)
	if err != nil {
		return nil, err
	}
	f := &functional{made: map[string]layers.Layer{}, outs: map[string][][]*model.Tensor{}, pending: map[string][][]ref{}}
	for _, e := range entries {
		if err := f.declare(e); err != nil {
			return nil, err
		}
	}
	if err := f.connect(entries); err != nil {
		return nil, err
	}
	ins, err := f.tensors(cfg, "input_layers")
	if err != nil {
		return nil, err
	}
	outputs, err := f.tensors(cfg, "output_layers")
	if err != nil {
		return nil, err
	}
	if unfilled {
		return model.NewModelUnfilled(ins, outputs, 0)
	}
	return model.NewModel(ins, outputs, 0)
}

// functional is a functional model's config being connected into a graph:
// the layers made from it, the outputs of each call made so far, and the
// calls still waiting for their inputs.
type functional struct {
	made    map[string]layers.Layer      // by layer name; nil for an InputLayer
	outs    map[string][][]*model.Tensor // per layer, per call, its outputs
	pending map[string][][]ref           // per layer, the inputs of each call not made yet
}

// declare makes the layer of entry e (an Input for an InputLayer) and
// records its calls, each a list of input tensors (Keras' inbound_nodes).
func (f *functional) declare(e entry) error {
	if e.name == "" {
		return fmt.Errorf("%s has no name: a functional model config names every layer", e)
	}
	if e.class == "InputLayer" {
		shape, err := inputShape(e)
		if err != nil {
			return err
		}
		if shape == nil {
			return fmt.Errorf("%s: no batch_shape or batch_input_shape", e)
		}
		if err := checkInputConfig(e); err != nil {
			return err
		}
		x := model.Input(shape...)
		if x.Err() != nil {
			return fmt.Errorf("%s: %w", e, x.Err())
		}
		f.outs[e.name] = [][]*model.Tensor{{x}}
		f.made[e.name] = nil
		return nil
	}
	l, err := layers.FromConfig(e.class, e.cfg)
	if err != nil {
		return fmt.Errorf("%s: %w", e, err)
	}
	f.made[e.name] = l
	nodes, _ := e.raw["inbound_nodes"].([]any)
	if len(nodes) == 0 {
		return fmt.Errorf("%s is not connected to anything (no inbound_nodes)", e)
	}
	for _, n := range nodes {
		refs, err := parseNode(n)
		if err != nil {
			return fmt.Errorf("%s: %w", e, err)
		}
		if len(refs) == 0 {
			return fmt.Errorf("%s: an inbound node has no input tensors", e)
		}
		f.pending[e.name] = append(f.pending[e.name], refs)
	}
	return nil
}

// resolve returns the tensor r refers to; ok is false while the call that
// makes it has not been made.
func (f *functional) resolve(r ref) (t *model.Tensor, ok bool, err error) {
	if _, ok := f.made[r.layer]; !ok {
		return nil, false, fmt.Errorf("a tensor refers to layer %q, which is not in the model", r.layer)
	}
	calls := f.outs[r.layer]
	if r.node >= len(calls) {
		return nil, false, nil // not made yet
	}
	if r.tensor >= len(calls[r.node]) {
		return nil, false, fmt.Errorf("a tensor refers to output %d of layer %q, which has %d", r.tensor, r.layer, len(calls[r.node]))
	}
	return calls[r.node][r.tensor], true, nil
}

// connect makes every pending call whose inputs exist, in passes over the
// entries, until none is left; a pass that makes nothing means a cycle or
// a reference to a call that does not exist.
func (f *functional) connect(entries []entry) error {
	for len(f.pending) > 0 {
		progress := false
		for _, e := range entries {
			made, err := f.callReady(e)
			if err != nil {
				return err
			}
			progress = progress || made
		}
		if len(f.pending) > 0 && !progress {
			var names []string
			for n := range f.pending {
				names = append(names, n)
			}
			sort.Strings(names)
			return fmt.Errorf("cannot connect layer(s) %s: their inputs never become available (a cycle, or a reference to a call that does not exist)", strings.Join(names, ", "))
		}
	}
	return nil
}

// callReady makes e's pending calls in order, as long as their inputs
// exist, and reports whether it made any.
func (f *functional) callReady(e entry) (made bool, err error) {
	for len(f.pending[e.name]) > 0 {
		var ins []*model.Tensor
		for _, r := range f.pending[e.name][0] {
			t, ok, err := f.resolve(r)
			if err != nil {
				return made, fmt.Errorf("%s: %w", e, err)
			}
			if !ok {
				return made, nil
			}
			ins = append(ins, t)
		}
		res := model.Apply(f.made[e.name], ins...)
		if err := res[0].Err(); err != nil {
			return made, err
		}
		f.outs[e.name] = append(f.outs[e.name], res)
		f.pending[e.name] = f.pending[e.name][1:]
		made = true
	}
	delete(f.pending, e.name)
	return made, nil
}

// tensors resolves the model's inputs or outputs (key "input_layers" or
// "output_layers" of cfg).
func (f *functional) tensors(cfg map[string]any, key string) ([]*model.Tensor, error) {
	refs, err := parseRefs(key, cfg[key])
	if err != nil {
		return nil, err
	}
	var ts []*model.Tensor
	for _, r := range refs {
		t, ok, err := f.resolve(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		if !ok {
			return nil, fmt.Errorf("%s: layer %q has no call %d", key, r.layer, r.node)
		}
		ts = append(ts, t)
	}
	return ts, nil
}
