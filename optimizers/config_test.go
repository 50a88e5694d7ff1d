package optimizers

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestFromConfig reads Keras get_config() dictionaries: present arguments
// replace the defaults, the arguments of Keras' base optimizer are
// accepted at their off values, anything else is an error naming it.
func TestFromConfig(t *testing.T) {
	decode := func(s string) map[string]any {
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	// Keras 3: keras.optimizers.Adam(0.01, beta_2=0.99, clipnorm=1.0).get_config()
	o, err := FromConfig("", decode(`{"name": "adam", "learning_rate": 0.01, "weight_decay": null, "clipnorm": 1.0, "global_clipnorm": null, "clipvalue": null,
		"use_ema": false, "ema_momentum": 0.99, "ema_overwrite_frequency": null, "loss_scale_factor": null, "gradient_accumulation_steps": null,
		"beta_1": 0.9, "beta_2": 0.99, "epsilon": 1e-07, "amsgrad": false}`))
	if err != nil {
		t.Fatal(err)
	}
	a := o.(*Adam)
	if a.LR != 0.01 || a.Beta2 != 0.99 || a.Beta1 != 0.9 || a.ClipNorm != 1 || a.Epsilon != 1e-7 {
		t.Errorf("adam: %+v", a)
	}
	o, err = FromConfig("sgd", decode(`{"momentum": 0.9, "nesterov": true}`))
	if s := o.(*SGD); err != nil || s.Momentum != 0.9 || !s.Nesterov || s.LR != 0.01 {
		t.Errorf("sgd: %+v %v", o, err)
	}
	for cfg, want := range map[string]string{
		`{"name": "adam", "beta_1": 1.5}`:                "beta_1=1.5 is invalid: expected a number in [0, 1)",
		`{"name": "adam", "momentum": 0.9}`:              "unknown argument(s) momentum",
		`{"name": "rmsprop", "weight_decay": 0.01}`:      "weight_decay=0.01 is not supported",
		`{"name": "sgd", "clipnorm": 1, "clipvalue": 1}`: "only one of clipnorm, clipvalue and global_clipnorm",
		`{"name": "adamw"}`:                              `unknown optimizer "adamw"`,
		`{"name": "sgd", "learning_rate": -1}`:           "learning_rate=-1 is invalid: expected a positive number",
		`{"learning_rate": 0.1}`:                         "no name",
		`{"name": "adagrad", "epsilon": "small"}`:        "epsilon is small, expected a number",
	} {
		if _, err := FromConfig("", decode(cfg)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", cfg, err, want)
		}
	}
}
