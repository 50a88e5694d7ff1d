package main

import (
	"encoding/json"
	"flag"
	"os"
	"sort"
	"strings"

	"github.com/seqnet/seqnet/optimizers"
)

// optimizerFlags maps train's optimizer flags to Keras argument names.
var optimizerFlags = map[string]string{
	"momentum": "momentum", "nesterov": "nesterov",
	"beta-1": "beta_1", "beta-2": "beta_2", "epsilon": "epsilon", "amsgrad": "amsgrad",
	"rho": "rho", "centered": "centered", "initial-accumulator": "initial_accumulator_value",
	"clipnorm": "clipnorm", "clipvalue": "clipvalue", "global-clipnorm": "global_clipnorm",
}

// optimizerArgs lists each optimizer's own Keras arguments (clipping is
// common to all).
var optimizerArgs = map[string][]string{
	"sgd":     {"momentum", "nesterov"},
	"adam":    {"beta_1", "beta_2", "epsilon", "amsgrad"},
	"rmsprop": {"rho", "momentum", "epsilon", "centered"},
	"adagrad": {"initial_accumulator_value", "epsilon"},
}

const optimizerUsage = `Optimizer arguments (Keras names; each applies to the optimizers named):
  --momentum M          sgd, rmsprop (default 0)      --nesterov           sgd
  --beta-1 B, --beta-2 B adam (0.9, 0.999)            --amsgrad            adam
  --epsilon E           adam, rmsprop, adagrad (1e-7) --rho R              rmsprop (0.9)
  --centered            rmsprop                       --initial-accumulator A  adagrad (0.1)
  --clipnorm C, --clipvalue V, --global-clipnorm C    all (one of them, as in Keras)
  --optimizer-config J  a Keras optimizer.get_config() dictionary, as JSON text or a
                        .json file; the flags above override its entries
`

// addOptimizerFlags registers the optimizer argument flags on fs.
func addOptimizerFlags(fs *flag.FlagSet) {
	for name, key := range optimizerFlags {
		switch key {
		case "nesterov", "amsgrad", "centered":
			fs.Bool(name, false, "")
		default:
			fs.Float64(name, 0, "")
		}
	}
	fs.String("optimizer-config", "", "")
}

// optimizerConfig gathers the optimizer's Keras config from
// --optimizer-config, --optimizer, --learning-rate and the argument flags
// that were set, and checks it by building the optimizer. A flag that does
// not apply to the optimizer is an error naming the ones it applies to.
func optimizerConfig(fs *flag.FlagSet, set map[string]bool, name string, lr float64) (map[string]any, error) {
	cfg := map[string]any{}
	if src := fs.Lookup("optimizer-config").Value.String(); src != "" {
		text := []byte(src)
		if !strings.HasPrefix(strings.TrimSpace(src), "{") {
			if err := checkFile("--optimizer-config", src); err != nil {
				return nil, err
			}
			var err error
			if text, err = os.ReadFile(src); err != nil {
				return nil, userErr("--optimizer-config %s: %v", src, err)
			}
		}
		if err := json.Unmarshal(text, &cfg); err != nil {
			return nil, userErr("--optimizer-config: not a JSON object (%v): expected the dictionary of a Keras optimizer's get_config(), e.g. {\"name\": \"adam\", \"beta_2\": 0.99}", err)
		}
		if n, ok := cfg["name"].(string); ok && n != "" {
			n = strings.ToLower(n)
			if set["optimizer"] && n != name {
				return nil, userErr("--optimizer %s and --optimizer-config's name %q differ: give one of them", name, n)
			}
			name = n
		}
		if _, ok := cfg["learning_rate"]; ok && !set["learning-rate"] {
			lr = 0 // the config's rate
		}
	}
	cfg["name"] = name
	if lr > 0 {
		cfg["learning_rate"] = lr
	}
	own, ok := optimizerArgs[name]
	if !ok {
		return nil, userErr("--optimizer %q: expected sgd, adam, rmsprop or adagrad", name)
	}
	var flags []string
	for f := range optimizerFlags {
		if set[f] {
			flags = append(flags, f)
		}
	}
	sort.Strings(flags)
	for _, f := range flags {
		key := optimizerFlags[f]
		if !strings.Contains(key, "clip") && !contains(own, key) {
			var to []string
			for _, o := range []string{"sgd", "adam", "rmsprop", "adagrad"} {
				if contains(optimizerArgs[o], key) {
					to = append(to, o)
				}
			}
			return nil, userErr("--%s does not apply to --optimizer %s: it is an argument of %s", f, name, strings.Join(to, " and "))
		}
		switch v := fs.Lookup(f).Value.(flag.Getter).Get().(type) {
		case bool:
			cfg[key] = v
		case float64:
			cfg[key] = v
		}
	}
	if _, err := optimizers.FromConfig("", cfg); err != nil {
		return nil, userErr("optimizer: %v", err)
	}
	return cfg, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
