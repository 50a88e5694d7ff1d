package layers

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Config is a Keras layer config: the dictionary of get_config(), as
// decoded from JSON (numbers are float64, tuples are []any) or as given on
// the command line (values are strings). The getters below accept all of
// these forms.
type Config map[string]any

// Factory makes a layer from its config.
type Factory func(cfg Config) (Layer, error)

var registry = map[string]Factory{}
var aliases = map[string]string{}

// Register makes a layer class known to FromConfig (Keras JSON import, the
// `seqnet shape` command). The lower-case and snake-case forms of the class
// name ("conv1d", "global_max_pooling1d") and any extra aliases resolve to
// it too.
func Register(class string, f Factory, extra ...string) {
	registry[class] = f
	aliases[strings.ToLower(class)] = class
	aliases[SnakeCase(class)] = class
	for _, a := range extra {
		aliases[strings.ToLower(a)] = class
	}
}

// ClassFor resolves a class name or alias ("Conv1D", "conv1d",
// "Convolution1D") to the registered class name.
func ClassFor(name string) (string, bool) {
	if _, ok := registry[name]; ok {
		return name, true
	}
	c, ok := aliases[strings.ToLower(name)]
	return c, ok
}

// Classes lists the registered layer classes, sorted.
func Classes() []string {
	var names []string
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// FromConfig makes a layer of a registered class from its config. An
// unknown class or option is an error that names it.
func FromConfig(class string, cfg Config) (Layer, error) {
	c, ok := ClassFor(class)
	if !ok {
		return nil, fmt.Errorf("unsupported layer %q: seqnet knows %s", class, strings.Join(Classes(), ", "))
	}
	if cfg == nil {
		cfg = Config{}
	}
	l, err := registry[c](cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c, err)
	}
	if name, ok := cfg["name"].(string); ok {
		l.Common().Name = name
	}
	if tr, ok := cfg["trainable"]; ok {
		b, err := cfg.Bool("trainable", true)
		if err != nil {
			return nil, err
		}
		_ = tr
		l.Common().Frozen = !b
	}
	return l, nil
}

// SnakeCase turns a class name into Keras' default layer name
// (Conv1D → conv1d, GlobalMaxPooling1D → global_max_pooling1d).
func SnakeCase(class string) string {
	var out []rune
	rs := []rune(class)
	for i, r := range rs {
		upper := r >= 'A' && r <= 'Z'
		if upper && i > 0 {
			prevLower := rs[i-1] >= 'a' && rs[i-1] <= 'z'
			nextLower := i+1 < len(rs) && rs[i+1] >= 'a' && rs[i+1] <= 'z'
			if prevLower || (nextLower && rs[i-1] != '_') {
				out = append(out, '_')
			}
		}
		out = append(out, r)
	}
	return strings.ToLower(string(out))
}

// Has reports whether the key is present and not null.
func (c Config) Has(key string) bool { v, ok := c[key]; return ok && v != nil }

// Int reads an integer; a one-element list ([3], as Keras writes
// kernel_size) counts as its element.
func (c Config) Int(key string, def int) (int, error) {
	v, ok := c[key]
	if !ok || v == nil {
		return def, nil
	}
	if l, ok := v.([]any); ok {
		if len(l) != 1 {
			return 0, fmt.Errorf("%s: expected one integer, received %v", key, v)
		}
		v = l[0]
	}
	if l, ok := v.([]int); ok && len(l) == 1 {
		v = l[0]
	}
	limit := MaxDim
	if key == "seed" {
		limit = math.MaxInt
	}
	var n int
	switch x := v.(type) {
	case int:
		n = x
	case float64:
		if x != math.Trunc(x) {
			return 0, fmt.Errorf("%s: expected an integer, received %v", key, x)
		}
		if math.Abs(x) > float64(limit) {
			return 0, tooLarge(key, fmt.Sprint(x), limit)
		}
		n = int(x)
	case string:
		s := strings.Trim(strings.TrimSpace(x), "()[],")
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return 0, tooLarge(key, s, limit)
			}
			return 0, fmt.Errorf("%s: expected an integer, received %q", key, x)
		}
	default:
		return 0, fmt.Errorf("%s: expected an integer, received %v (%T)", key, v, v)
	}
	if n > limit || n < -limit {
		return 0, tooLarge(key, strconv.Itoa(n), limit)
	}
	return n, nil
}

// tooLarge is the error for an integer argument beyond limit.
func tooLarge(key, v string, limit int) error {
	return fmt.Errorf("%s=%s is too large: expected at most %d (sizes beyond that cannot be allocated)", key, v, limit)
}

// Ints reads a list of integers (a shape); a single integer is a list of one.
func (c Config) Ints(key string) ([]int, error) {
	v, ok := c[key]
	if !ok || v == nil {
		return nil, nil
	}
	switch x := v.(type) {
	case []int:
		return x, nil
	case []any:
		out := make([]int, 0, len(x))
		for _, e := range x {
			if e == nil {
				out = append(out, -1) // the batch axis of batch_shape
				continue
			}
			n, err := Config{key: e}.Int(key, 0)
			if err != nil {
				return nil, err
			}
			out = append(out, n)
		}
		return out, nil
	case string:
		var out []int
		for _, f := range strings.FieldsFunc(x, func(r rune) bool {
			return r == 'x' || r == ',' || r == ' ' || r == '(' || r == ')' || r == '[' || r == ']'
		}) {
			n, err := strconv.Atoi(f)
			if err != nil {
				return nil, fmt.Errorf("%s: expected a list of integers, received %q", key, x)
			}
			out = append(out, n)
		}
		return out, nil
	}
	n, err := c.Int(key, 0)
	if err != nil {
		return nil, err
	}
	return []int{n}, nil
}

// Float reads a number.
func (c Config) Float(key string, def float64) (float64, error) {
	v, ok := c[key]
	if !ok || v == nil {
		return def, nil
	}
	switch x := v.(type) {
	case float64:
		return x, nil
	case int:
		return float64(x), nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return 0, fmt.Errorf("%s: expected a number, received %q", key, x)
		}
		return f, nil
	}
	return 0, fmt.Errorf("%s: expected a number, received %v (%T)", key, v, v)
}

// Bool reads a boolean ("true"/"false" strings accepted).
func (c Config) Bool(key string, def bool) (bool, error) {
	v, ok := c[key]
	if !ok || v == nil {
		return def, nil
	}
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		b, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(x)))
		if err != nil {
			return false, fmt.Errorf("%s: expected true or false, received %q", key, x)
		}
		return b, nil
	}
	return false, fmt.Errorf("%s: expected true or false, received %v (%T)", key, v, v)
}

// String reads a string; a Keras serialized object ({"class_name": …})
// yields its class name.
func (c Config) String(key, def string) (string, error) {
	v, ok := c[key]
	if !ok || v == nil {
		return def, nil
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case map[string]any:
		if n, ok := x["class_name"].(string); ok {
			return n, nil
		}
	}
	return "", fmt.Errorf("%s: expected a string, received %v (%T)", key, v, v)
}

// Initializer reads an initializer given by name or as a Keras serialized
// object ({"class_name": "GlorotUniform", "config": {…}}).
func (c Config) Initializer(key, def string) (Initializer, error) {
	v, ok := c[key]
	if !ok || v == nil {
		return GetInitializer(def)
	}
	if m, ok := v.(map[string]any); ok {
		name, _ := m["class_name"].(string)
		if name == "RandomUniform" {
			cfg, _ := m["config"].(map[string]any)
			lo, err := Config(cfg).Float("minval", -0.05)
			if err != nil {
				return nil, err
			}
			hi, err := Config(cfg).Float("maxval", 0.05)
			if err != nil {
				return nil, err
			}
			if lo == -0.05 && hi == 0.05 {
				return GetInitializer("uniform")
			}
			return RandomUniform(lo, hi), nil
		}
		if name == "Constant" {
			cfg, _ := m["config"].(map[string]any)
			val, err := Config(cfg).Float("value", 0)
			if err != nil {
				return nil, err
			}
			return Constant(float32(val)), nil
		}
		return GetInitializer(SnakeCase(name))
	}
	s, err := c.String(key, def)
	if err != nil {
		return nil, err
	}
	return GetInitializer(s)
}

// Unknown returns an error naming the first key of cfg that is not in
// known and not a common Keras layer key, so that an option seqnet does
// not implement is refused by name instead of silently ignored.
func (c Config) Unknown(known ...string) error {
	common := map[string]bool{"name": true, "trainable": true, "dtype": true, "batch_input_shape": true,
		"batch_shape": true, "input_shape": true, "input_dim": true, "data_format": true, "activity_regularizer": true}
	for _, k := range known {
		common[k] = true
	}
	var keys []string
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !common[k] {
			return fmt.Errorf("unsupported option %q", k)
		}
	}
	if df, ok := c["data_format"].(string); ok && df != "channels_last" {
		return fmt.Errorf("unsupported data_format %q: seqnet is channels_last (batch, steps, channels)", df)
	}
	if c.Has("activity_regularizer") {
		return fmt.Errorf("unsupported option \"activity_regularizer\"")
	}
	return nil
}

func init() {
	Register("Conv1D", func(c Config) (Layer, error) {
		if err := c.Unknown("filters", "kernel_size", "strides", "padding", "dilation_rate", "groups", "activation",
			"use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
			"kernel_constraint", "bias_constraint"); err != nil {
			return nil, err
		}
		l := NewConv1D(0, 0)
		a := &configReader{c: c}
		a.require("filters", "kernel_size")
		a.getInt(&l.Filters, "filters", 0)
		a.getInt(&l.KernelSize, "kernel_size", 0)
		a.getInt(&l.Strides, "strides", 1)
		a.getInt(&l.DilationRate, "dilation_rate", 1)
		a.getInt(&l.Groups, "groups", 1)
		a.getString(&l.Padding, "padding", "valid")
		a.kernelArgs(&l.Activation, &l.UseBias, &l.KernelInitializer, &l.BiasInitializer,
			&l.KernelConstraint, &l.BiasConstraint, &l.KernelRegularizer, &l.BiasRegularizer)
		return l, a.err
	}, "Convolution1D", "Conv1d")
	Register("Dense", func(c Config) (Layer, error) {
		if err := c.Unknown("units", "activation", "use_bias", "kernel_initializer", "bias_initializer",
			"kernel_regularizer", "bias_regularizer", "kernel_constraint", "bias_constraint"); err != nil {
			return nil, err
		}
		l := NewDense(0, "")
		a := &configReader{c: c}
		a.require("units")
		a.getInt(&l.Units, "units", 0)
		a.kernelArgs(&l.Activation, &l.UseBias, &l.KernelInitializer, &l.BiasInitializer,
			&l.KernelConstraint, &l.BiasConstraint, &l.KernelRegularizer, &l.BiasRegularizer)
		return l, a.err
	}, "Linear")
	Register("Activation", func(c Config) (Layer, error) {
		if err := c.Unknown("activation"); err != nil {
			return nil, err
		}
		act, err := c.String("activation", "linear")
		if err != nil {
			return nil, err
		}
		a, err := GetActivation(act)
		if err != nil {
			return nil, err
		}
		return &ActivationLayer{Fn: a}, nil
	})
	Register("Flatten", func(c Config) (Layer, error) {
		return NewFlatten(), c.Unknown()
	})
	Register("InputLayer", func(c Config) (Layer, error) {
		if err := c.Unknown("sparse", "ragged", "optional"); err != nil {
			return nil, err
		}
		shape, err := c.Ints("batch_shape")
		if err == nil && shape == nil {
			shape, err = c.Ints("batch_input_shape")
		}
		if err != nil {
			return nil, err
		}
		if len(shape) > 0 {
			shape = shape[1:]
		} else if shape, err = c.Ints("shape"); err != nil {
			return nil, err
		}
		return Input(shape...), nil
	}, "Input")
}

// refuseUnimplemented refuses by name the keys of c that are set but that
// seqnet does not implement for the layer (Embedding's
// embeddings_regularizer, …).
func refuseUnimplemented(c Config, keys ...string) error {
	for _, k := range keys {
		if c.Has(k) {
			return fmt.Errorf("unsupported option %q", k)
		}
	}
	return nil
}

// configReader reads config values one after the other, keeping the first
// error (used by the convolution variants and the normalization layers).
type configReader struct {
	c   Config
	err error
}

func (a *configReader) getInt(p *int, key string, def int) {
	if a.err == nil {
		*p, a.err = a.c.Int(key, def)
	}
}

func (a *configReader) getString(p *string, key, def string) {
	if a.err == nil {
		*p, a.err = a.c.String(key, def)
	}
}

func (a *configReader) getBool(p *bool, key string, def bool) {
	if a.err == nil {
		*p, a.err = a.c.Bool(key, def)
	}
}

func (a *configReader) getInit(p *Initializer, key, def string) {
	if a.err == nil {
		*p, a.err = a.c.Initializer(key, def)
	}
}

func (a *configReader) getConstraint(p *Constraint, key string) {
	if a.err == nil {
		*p, a.err = a.c.Constraint(key)
	}
}

func (a *configReader) getRegularizer(p *Regularizer, key string) {
	if a.err == nil {
		*p, a.err = a.c.Regularizer(key)
	}
}

func (a *configReader) activation(p **Activation) {
	var name string
	a.getString(&name, "activation", "linear")
	if a.err == nil {
		*p, a.err = GetActivation(name)
	}
}

// kernelArgs reads the arguments every layer with a kernel and a bias
// shares (Conv1D, Dense, Conv1DTranspose): activation, use_bias, and the
// kernel's and bias's initializers, constraints and regularizers.
func (a *configReader) kernelArgs(act **Activation, useBias *bool, kInit, bInit *Initializer,
	kCons, bCons *Constraint, kReg, bReg *Regularizer) {
	a.activation(act)
	a.getBool(useBias, "use_bias", true)
	a.getInit(kInit, "kernel_initializer", "glorot_uniform")
	a.getInit(bInit, "bias_initializer", "zeros")
	a.getConstraint(kCons, "kernel_constraint")
	a.getConstraint(bCons, "bias_constraint")
	a.getRegularizer(kReg, "kernel_regularizer")
	a.getRegularizer(bReg, "bias_regularizer")
}

func (a *configReader) require(keys ...string) {
	for _, k := range keys {
		if a.err == nil && !a.c.Has(k) {
			a.err = fmt.Errorf("%s is required", k)
		}
	}
}
