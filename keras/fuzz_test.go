package keras

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// small reports whether every number in a JSON value is at most 64 in
// magnitude, so that a fuzzed config cannot ask for gigabytes of weights.
func small(v any) bool {
	switch x := v.(type) {
	case float64:
		return x <= 64 && x >= -64
	case []any:
		for _, e := range x {
			if !small(e) {
				return false
			}
		}
	case map[string]any:
		for _, e := range x {
			if !small(e) {
				return false
			}
		}
	}
	return true
}

// FuzzReadModelJSON: ReadModelJSON never panics on configs with small
// numbers, and what it accepts exports and imports again.
//
//	go test -run XXX -fuzz=FuzzReadModelJSON -fuzztime=60s -fuzzminimizetime=2s ./keras
func FuzzReadModelJSON(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v any
		if json.Unmarshal(b, &v) != nil || !small(v) {
			return
		}
		m, err := ReadModelJSON(bytes.NewReader(b))
		if err != nil || !m.Built() {
			return
		}
		var out bytes.Buffer
		if err := WriteModelJSON(&out, m); err != nil {
			t.Fatalf("an imported model does not export: %v", err)
		}
		if _, err := ReadModelJSON(&out); err != nil {
			t.Fatalf("an exported model does not import: %v\n%s", err, out.String())
		}
	})
}
