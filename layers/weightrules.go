package layers

// Reading and writing constraints and regularizers as Keras serializes
// them: one parser (parseRule) for both families, the Config accessors
// layers use for "kernel_constraint" and the like, and attachRules, which
// gives a weight its rules at Build.

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/tensor"
)

// constraintClasses maps Keras class names to a constructor with Keras'
// defaults and the config keys it reads.
var constraintClasses = map[string]kerasClass[Constraint]{
	"MaxNorm": {func(c Config) (Constraint, error) {
		m, err := c.Float("max_value", 2)
		if err != nil {
			return nil, err
		}
		axis, err := axisFromConfig(c)
		return &MaxNormConstraint{MaxValue: m, Axis: axis}, err
	}, []string{"max_value", "axis"}, 2},
	"NonNeg": {func(Config) (Constraint, error) { return NonNeg(), nil }, nil, 0},
	"UnitNorm": {func(c Config) (Constraint, error) {
		axis, err := axisFromConfig(c)
		return &UnitNormConstraint{Axis: axis}, err
	}, []string{"axis"}, 1},
	"MinMaxNorm": {func(c Config) (Constraint, error) {
		var v [3]float64
		var err error
		for i, k := range []struct {
			key string
			def float64
		}{{"min_value", 0}, {"max_value", 1}, {"rate", 1}} {
			if v[i], err = c.Float(k.key, k.def); err != nil {
				return nil, err
			}
		}
		axis, err := axisFromConfig(c)
		return &MinMaxNormConstraint{MinValue: v[0], MaxValue: v[1], Rate: v[2], Axis: axis}, err
	}, []string{"min_value", "max_value", "rate", "axis"}, 4},
}

func axisFromConfig(c Config) ([]int, error) {
	axis, err := c.Ints("axis")
	if err != nil {
		return nil, err
	}
	if axis == nil {
		axis = []int{0}
	}
	return axis, nil
}

// regularizerClasses maps Keras class names to a constructor with Keras'
// class defaults and the config keys it reads.
var regularizerClasses = map[string]kerasClass[Regularizer]{
	"L1": {func(c Config) (Regularizer, error) {
		l1, err := c.Float("l1", 0.01)
		return L1(l1), err
	}, []string{"l1"}, 1},
	"L2": {func(c Config) (Regularizer, error) {
		l2, err := c.Float("l2", 0.01)
		return L2(l2), err
	}, []string{"l2"}, 1},
	"L1L2": {func(c Config) (Regularizer, error) {
		l1, err := c.Float("l1", 0)
		if err != nil {
			return nil, err
		}
		l2, err := c.Float("l2", 0)
		return L1L2(l1, l2), err
	}, []string{"l1", "l2"}, 2},
	"OrthogonalRegularizer": {func(c Config) (Regularizer, error) {
		f, err := c.Float("factor", 0.01)
		if err != nil {
			return nil, err
		}
		mode, err := c.String("mode", "rows")
		return NewOrthogonalRegularizer(f, mode), err
	}, []string{"factor", "mode"}, 1}, // mode is not a number
}

// shorthand resolves Keras' string identifiers: the class name or its snake
// case ("MaxNorm", "max_norm"), any case.
func shorthand(name string, classes []string) (string, bool) {
	key := strings.ToLower(strings.ReplaceAll(name, "_", ""))
	for _, c := range classes {
		if strings.ToLower(c) == key {
			return c, true
		}
	}
	return "", false
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// parseCall splits "max_norm(3, 1)" into its name and numbers; a bare name
// has no numbers.
func parseCall(s string) (string, []float64, error) {
	s = strings.TrimSpace(s)
	open := strings.IndexByte(s, '(')
	if open < 0 {
		return s, nil, nil
	}
	if !strings.HasSuffix(s, ")") {
		return "", nil, fmt.Errorf("expected name(arguments), received %q", s)
	}
	var nums []float64
	for _, f := range strings.Split(s[open+1:len(s)-1], ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if i := strings.IndexByte(f, '='); i >= 0 {
			return "", nil, fmt.Errorf("expected positional numbers in %q; write a JSON object for keyword arguments", s)
		}
		x, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return "", nil, fmt.Errorf("expected numbers in %q, received %q", s, f)
		}
		nums = append(nums, x)
	}
	return strings.TrimSpace(s[:open]), nums, nil
}

func asMap(v any) map[string]any {
	if c, ok := v.(Config); ok {
		return c
	}
	m, _ := v.(map[string]any)
	return m
}

// objectConfig reads a Keras serialized object {"class_name": …,
// "config": {…}} (Keras 3 adds "module" and "registered_name").
func objectConfig(m map[string]any) (string, Config, error) {
	name, ok := m["class_name"].(string)
	if !ok {
		return "", nil, fmt.Errorf(`expected a Keras object {"class_name": …, "config": {…}}, received %v`, m)
	}
	for k := range m {
		switch k {
		case "class_name", "config", "module", "registered_name":
		default:
			return "", nil, fmt.Errorf("unexpected key %q in %s", k, name)
		}
	}
	cfg := Config{}
	switch c := m["config"].(type) {
	case nil:
	case map[string]any:
		cfg = c
	case Config:
		cfg = c
	default:
		return "", nil, fmt.Errorf("%s: expected a config object, received %v (%T)", name, c, c)
	}
	return name, cfg, nil
}

// ParseConstraint reads a constraint as Keras writes one: nil, a serialized
// object ({"class_name": "MaxNorm", "config": {"max_value": 3, "axis": 0}}),
// or a string: a class name or its snake case ("max_norm", "non_neg",
// "unit_norm", "min_max_norm") with Keras' defaults, optionally followed by
// positional numbers in the order of the Keras constructor
// ("max_norm(3)", "min_max_norm(0.5, 2)").
func ParseConstraint(v any) (Constraint, error) {
	return parseRule(constraints, v)
}

// ParseRegularizer reads a regularizer as Keras writes one: nil, a
// serialized object ({"class_name": "L2", "config": {"l2": 0.01}}), or a
// string: "l1" and "l2" (factor 0.01), "l1_l2" (0.01 and 0.01, as Keras
// documents it), "L1L2" (Keras 3's class defaults, 0 and 0),
// "orthogonal_regularizer", optionally followed by positional numbers
// ("l2(0.001)", "l1_l2(0, 1e-4)").
func ParseRegularizer(v any) (Regularizer, error) {
	if r, ok := v.(Regularizer); ok {
		return r, nil // already one: taken as it is
	}
	r, err := parseRule(regularizers, v)
	if err != nil || r == nil {
		return r, err
	}
	if wr, ok := r.(weightRule); ok {
		// Factors and mode do not depend on the weight: check them now,
		// with a shape every regularizer accepts.
		if err := wr.checkShape([]int{2, 2}); err != nil {
			return nil, fmt.Errorf("%s: %w", wr.ClassName(), err)
		}
	}
	return r, nil
}

// ruleFamily is what parseRule knows of one family of Keras objects
// (constraints, regularizers).
type ruleFamily[T any] struct {
	kind    string                   // "constraint": names the family in errors
	classes map[string]kerasClass[T] // Keras class name → constructor
	known   string                   // the string forms, for the error on an unknown one
	// aliases are string forms with defaults of their own (Keras' "l1_l2"
	// is L1L2(0.01, 0.01), not the class's 0 and 0), by lower-case name.
	aliases map[string]ruleAlias
}

// ruleAlias is a string form that stands for class with the config cfg.
type ruleAlias struct {
	class string
	cfg   Config
}

var constraints = ruleFamily[Constraint]{
	kind:    "constraint",
	classes: constraintClasses,
	known:   "max_norm, min_max_norm, non_neg, unit_norm",
}

var regularizers = ruleFamily[Regularizer]{
	kind:    "regularizer",
	classes: regularizerClasses,
	known:   "l1, l2, l1_l2, orthogonal_regularizer",
	aliases: map[string]ruleAlias{"l1_l2": {"L1L2", Config{"l1": 0.01, "l2": 0.01}}},
}

// parseRule reads a member of family f as Keras writes one: nil, a value of
// the family's Go type, a serialized object or a string form with optional
// positional numbers (see ParseConstraint).
func parseRule[T any](f ruleFamily[T], v any) (T, error) {
	var zero T
	switch x := v.(type) {
	case nil:
		return zero, nil
	case T:
		return x, nil
	case map[string]any, Config:
		class, cfg, err := objectConfig(asMap(x))
		if err != nil {
			return zero, err
		}
		return buildClass(f.kind, f.classes, class, cfg)
	case string:
		class, cfg, err := f.parseString(x)
		if err != nil {
			return zero, err
		}
		return buildClass(f.kind, f.classes, class, cfg)
	}
	return zero, fmt.Errorf("expected a %s name or a Keras %s object, received %v (%T)", f.kind, f.kind, v, v)
}

// parseString reads a string form, "max_norm" or "max_norm(3, 1)", into a
// class and its config: the numbers fill the class's numeric keys in order.
func (f ruleFamily[T]) parseString(s string) (string, Config, error) {
	name, nums, err := parseCall(s)
	if err != nil {
		return "", nil, err
	}
	class, cfg := "", Config{}
	if a, ok := f.aliases[strings.ToLower(name)]; ok {
		class = a.class
		for k, v := range a.cfg {
			cfg[k] = v
		}
	} else if class, ok = shorthand(name, sortedKeys(f.classes)); !ok {
		return "", nil, fmt.Errorf("unknown %s %q: seqnet knows %s", f.kind, name, f.known)
	}
	k := f.classes[class]
	keys := k.keys[:k.numbers]
	if len(nums) > len(keys) {
		return "", nil, fmt.Errorf("%s takes at most %d arguments (%s), received %d", class, len(keys), strings.Join(keys, ", "), len(nums))
	}
	for i, n := range nums {
		cfg[keys[i]] = n
	}
	return class, cfg, nil
}

// kerasClass is a Keras class seqnet builds from its config: the config
// keys it takes and the constructor, which applies Keras' defaults.
type kerasClass[T any] struct {
	make func(c Config) (T, error)
	keys []string
	// numbers is how many of keys, from the first, a string form may give
	// as positional numbers ("max_norm(3, 1)"); the rest are not numbers.
	numbers int
}

// buildClass builds class from cfg with the constructors of classes; kind
// ("constraint", "regularizer") names it in the errors.
func buildClass[T any](kind string, classes map[string]kerasClass[T], class string, cfg Config) (T, error) {
	var zero T
	k, ok := classes[class]
	if !ok {
		return zero, fmt.Errorf("unsupported %s %q: seqnet knows %s", kind, class, strings.Join(sortedKeys(classes), ", "))
	}
	if err := cfg.unknownIn(class, k.keys); err != nil {
		return zero, err
	}
	v, err := k.make(cfg)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", class, err)
	}
	return v, nil
}

func (c Config) unknownIn(class string, known []string) error {
	for _, k := range sortedKeys(c) {
		found := false
		for _, kk := range known {
			found = found || k == kk
		}
		if !found {
			if len(known) == 0 {
				return fmt.Errorf("%s: unexpected argument %q: %s takes none", class, k, class)
			}
			return fmt.Errorf("%s: unexpected argument %q: expected %s", class, k, strings.Join(known, ", "))
		}
	}
	return nil
}

// Constraint reads a constraint (see ParseConstraint) under key; absent or
// null is nil.
func (c Config) Constraint(key string) (Constraint, error) {
	k, err := ParseConstraint(c[key])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return k, nil
}

// Regularizer reads a regularizer (see ParseRegularizer) under key; absent
// or null is nil.
func (c Config) Regularizer(key string) (Regularizer, error) {
	r, err := ParseRegularizer(c[key])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return r, nil
}

// ruleClassName is the Keras class name of a constraint or regularizer;
// one of the user's own types is named by its Go type.
func ruleClassName(v any) string {
	if n, ok := v.(interface{ ClassName() string }); ok {
		return n.ClassName()
	}
	s := fmt.Sprintf("%T", v)
	return s[strings.LastIndexAny(s, ".*")+1:]
}

// ConstraintConfig serializes a constraint as Keras 3 does:
// {"module": "keras.constraints", "class_name": "MaxNorm", "config": {…},
// "registered_name": null}; nil stays nil.
func ConstraintConfig(c Constraint) any {
	if c == nil {
		return nil
	}
	return map[string]any{"module": "keras.constraints", "class_name": ruleClassName(c), "config": c.Config(), "registered_name": nil}
}

// RegularizerConfig serializes a regularizer as Keras 3 does:
// {"module": "keras.regularizers", "class_name": "L2", "config": {…},
// "registered_name": null}; nil stays nil.
func RegularizerConfig(r Regularizer) any {
	if r == nil {
		return nil
	}
	return map[string]any{"module": "keras.regularizers", "class_name": ruleClassName(r), "config": r.Config(), "registered_name": nil}
}

// ruled is one weight with the constraint and regularizer its layer gives
// it (attachAll).
type ruled struct {
	p      *Param // nil: the weight does not exist (use_bias=False, ...)
	weight string
	c      Constraint
	r      Regularizer
}

// attachAll attaches the rules of each weight in turn (attachRules) and
// returns the first error.
func attachAll(layer string, ws ...ruled) error {
	for _, w := range ws {
		if err := attachRules(layer, w.p, w.weight, w.c, w.r); err != nil {
			return err
		}
	}
	return nil
}

// attachRules gives a weight its constraint and regularizer, checking that
// they fit its shape. layer names the layer and weight names the argument
// family ("kernel", "recurrent", "bias") in the error.
func attachRules(layer string, p *Param, weight string, c Constraint, r Regularizer) error {
	if p == nil {
		return nil
	}
	p.Constraint, p.Regularizer = c, r
	for _, x := range []struct {
		v   any
		key string
	}{{c, weight + "_constraint"}, {r, weight + "_regularizer"}} {
		if wr, ok := x.v.(weightRule); ok && x.v != nil {
			if err := wr.checkShape(p.Value.Shape); err != nil {
				return fmt.Errorf("%s: %s for the %s of shape %s: %w", layer, x.key, p.Name,
					tensor.ShapeString(p.Value.Shape, false), err)
			}
		}
	}
	return nil
}
