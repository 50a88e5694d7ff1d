package checkpoint

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"

	"github.com/seqnet/seqnet/optimizers"
)

// optimizerState is the JSON part of the optimizer section; the slots go
// in the optimizer_slots section.
type optimizerState struct {
	Name       string         `json:"name"`
	Config     map[string]any `json:"config"`
	Iterations int64          `json:"iterations"`
}

// makeOptimizer builds an optimizer from its name and Keras config, and
// checks that its Config() gives the same config back, so that an option
// this function does not know is an error rather than silently lost.
func makeOptimizer(name string, cfg map[string]any) (optimizers.Optimizer, error) {
	num := func(key string) (float64, error) {
		switch v := cfg[key].(type) {
		case nil:
			return 0, nil
		case float64:
			return v, nil
		case int:
			return float64(v), nil
		}
		return 0, fmt.Errorf("optimizer %s: %s is %v, expected a number", name, key, cfg[key])
	}
	flag := func(key string) bool { b, _ := cfg[key].(bool); return b }
	lr, err := num("learning_rate")
	if err != nil {
		return nil, err
	}
	opt, err := optimizers.Get(name, lr)
	if err != nil {
		return nil, err
	}
	opt.SetLearningRate(lr)
	b := opt.Common()
	set := func(dst *float64, key string) {
		if err == nil {
			*dst, err = num(key)
		}
	}
	set(&b.ClipNorm, "clipnorm")
	set(&b.GlobalClipNorm, "global_clipnorm")
	set(&b.ClipValue, "clipvalue")
	switch o := opt.(type) {
	case *optimizers.SGD:
		set(&o.Momentum, "momentum")
		o.Nesterov = flag("nesterov")
	case *optimizers.Adam:
		set(&o.Beta1, "beta_1")
		set(&o.Beta2, "beta_2")
		set(&o.Epsilon, "epsilon")
		o.AMSGrad = flag("amsgrad")
	case *optimizers.RMSprop:
		set(&o.Rho, "rho")
		set(&o.Momentum, "momentum")
		set(&o.Epsilon, "epsilon")
		o.Centered = flag("centered")
	case *optimizers.Adagrad:
		set(&o.InitialAccumulator, "initial_accumulator_value")
		set(&o.Epsilon, "epsilon")
	}
	if err != nil {
		return nil, err
	}
	// Compare through JSON, the form the file holds.
	got, want := normalize(opt.Config()), normalize(cfg)
	if !reflect.DeepEqual(got, want) {
		var keys []string
		for k := range want {
			if !reflect.DeepEqual(got[k], want[k]) {
				keys = append(keys, k)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		return nil, fmt.Errorf("optimizer %s: cannot restore option(s) %v (config %v, restored %v)", name, keys, want, got)
	}
	return opt, nil
}

func normalize(c map[string]any) map[string]any {
	b, err := json.Marshal(c)
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	var out map[string]any
	json.Unmarshal(b, &out)
	return out
}
