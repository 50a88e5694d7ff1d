package optimizers

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// FromConfig makes an optimizer from a Keras optimizer.get_config()
// dictionary (as decoded from JSON): "name" (or the name argument when
// not empty) picks sgd, adam, rmsprop or adagrad; the arguments present
// replace Keras' defaults. Keras arguments seqnet does not implement
// (weight_decay, use_ema, loss_scale_factor, gradient_accumulation_steps)
// are accepted only at their "off" values; any other key is an error, as
// is a value outside the argument's range.
func FromConfig(name string, cfg map[string]any) (Optimizer, error) {
	if name == "" {
		n, _ := cfg["name"].(string)
		name = n
	}
	if name == "" {
		return nil, fmt.Errorf("optimizer config: no name: give \"name\": \"adam\" (or sgd, rmsprop, adagrad)")
	}
	opt, err := Get(name, 0)
	if err != nil {
		return nil, err
	}
	r := configReader{cfg: cfg, who: opt.Name(), used: map[string]bool{"name": true}}
	b := opt.Common()
	r.num(&b.LR, "learning_rate", positive)
	r.num(&b.ClipNorm, "clipnorm", positiveOrNull)
	r.num(&b.GlobalClipNorm, "global_clipnorm", positiveOrNull)
	r.num(&b.ClipValue, "clipvalue", positiveOrNull)
	switch o := opt.(type) {
	case *SGD:
		r.num(&o.Momentum, "momentum", fraction(true))
		r.flag(&o.Nesterov, "nesterov")
	case *Adam:
		r.num(&o.Beta1, "beta_1", fraction(false))
		r.num(&o.Beta2, "beta_2", fraction(false))
		r.num(&o.Epsilon, "epsilon", positive)
		r.flag(&o.AMSGrad, "amsgrad")
	case *RMSprop:
		r.num(&o.Rho, "rho", fraction(false))
		r.num(&o.Momentum, "momentum", fraction(false))
		r.num(&o.Epsilon, "epsilon", positive)
		r.flag(&o.Centered, "centered")
	case *Adagrad:
		r.num(&o.InitialAccumulator, "initial_accumulator_value", nonNegative)
		r.num(&o.Epsilon, "epsilon", positive)
	}
	r.off("weight_decay", "use_ema", "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps", "is_legacy_optimizer", "jit_compile")
	if r.err != nil {
		return nil, r.err
	}
	var unknown []string
	for k := range cfg {
		if !r.used[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		known := make([]string, 0, len(r.used))
		for k := range r.used {
			known = append(known, k)
		}
		sort.Strings(known)
		return nil, fmt.Errorf("optimizer %s: unknown argument(s) %s: expected %s", opt.Name(), strings.Join(unknown, ", "), strings.Join(known, ", "))
	}
	if (b.ClipNorm > 0) && (b.GlobalClipNorm > 0 || b.ClipValue > 0) || (b.GlobalClipNorm > 0 && b.ClipValue > 0) {
		return nil, fmt.Errorf("optimizer %s: only one of clipnorm, clipvalue and global_clipnorm can be set (as in Keras)", opt.Name())
	}
	return opt, nil
}

// A range check returns the expected range when v is outside it.
type rangeCheck func(v float64) string

func positive(v float64) string {
	if v > 0 && !math.IsInf(v, 0) {
		return ""
	}
	return "a positive number"
}

func positiveOrNull(v float64) string {
	if v == 0 {
		return "" // null: off
	}
	return positive(v)
}

func nonNegative(v float64) string {
	if v >= 0 && !math.IsInf(v, 0) {
		return ""
	}
	return "a number ≥ 0"
}

// fraction accepts [0, 1), or [0, 1] when closed.
func fraction(closed bool) rangeCheck {
	return func(v float64) string {
		if v >= 0 && (v < 1 || closed && v == 1) {
			return ""
		}
		if closed {
			return "a number in [0, 1]"
		}
		return "a number in [0, 1)"
	}
}

type configReader struct {
	cfg  map[string]any
	who  string
	used map[string]bool
	err  error
}

// num reads a number (null keeps 0 for the clipping arguments, the
// default otherwise).
func (r *configReader) num(dst *float64, key string, ok rangeCheck) {
	r.used[key] = true
	v, present := r.cfg[key]
	if r.err != nil || !present {
		return
	}
	var f float64
	switch x := v.(type) {
	case nil:
		if strings.Contains(key, "clip") {
			*dst = 0
			return
		}
		return
	case float64:
		f = x
	case int:
		f = float64(x)
	default:
		r.err = fmt.Errorf("optimizer %s: %s is %v, expected a number", r.who, key, v)
		return
	}
	if want := ok(f); want != "" {
		r.err = fmt.Errorf("optimizer %s: %s=%v is invalid: expected %s", r.who, key, f, want)
		return
	}
	*dst = f
}

func (r *configReader) flag(dst *bool, key string) {
	r.used[key] = true
	v, present := r.cfg[key]
	if r.err != nil || !present || v == nil {
		return
	}
	b, ok := v.(bool)
	if !ok {
		r.err = fmt.Errorf("optimizer %s: %s is %v, expected true or false", r.who, key, v)
		return
	}
	*dst = b
}

// off accepts Keras arguments seqnet does not implement at their "off"
// values (null, false, 0, or Keras' default ema_momentum 0.99).
func (r *configReader) off(keys ...string) {
	for _, k := range keys {
		r.used[k] = true
		v, present := r.cfg[k]
		if r.err != nil || !present {
			continue
		}
		switch x := v.(type) {
		case nil:
			continue
		case bool:
			if !x {
				continue
			}
		case float64:
			if x == 0 || k == "ema_momentum" && x == 0.99 {
				continue
			}
		}
		r.err = fmt.Errorf("optimizer %s: %s=%v is not supported by seqnet: leave it out (or null)", r.who, k, v)
	}
}
