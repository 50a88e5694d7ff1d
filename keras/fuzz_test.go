package keras

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/seqnet/seqnet/internal/h5"
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
//	go test -run XXX -fuzz=FuzzReadModelJSON -fuzztime 200000x -fuzzminimizetime=2s ./keras
//
// (A count of executions, about a minute on a 2-core machine, not a
// duration: Go 1.26 can end a clean timed run with exit status 1,
// go.dev/issue/75804; see scripts/fuzz.sh.)
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

// configOf returns the JSON config inside a .keras or .h5 file's bytes, if
// it can be found, for the fuzz targets' small() guard: the readers build
// whatever model the config describes, so a mutated "units": 8 → 8e9 would
// only measure the machine's memory.
func configOf(t *testing.T, path string, b []byte) (any, bool) {
	var text []byte
	if bytes.HasPrefix(b, zipMagic) {
		z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return nil, false
		}
		for _, f := range z.File {
			if f.Name == "config.json" {
				if text, err = readZipEntry(f, maxConfigBytes); err != nil {
					return nil, false
				}
			}
		}
	} else {
		f, err := h5.Open(path)
		if err != nil {
			return nil, false
		}
		v, _, _ := f.Attr("", "model_config")
		f.Close()
		s, _ := v.(string)
		text = []byte(s)
	}
	var v any
	if json.Unmarshal(text, &v) != nil {
		return nil, false
	}
	return v, true
}

// fuzzModelFile: ReadModelFile never panics, and a model it accepts has
// every weight the config implies.
func fuzzModelFile(f *testing.F, pattern string) {
	files, _ := filepath.Glob(filepath.Join("testdata", "kerasfiles", pattern))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && len(b) < 40000 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "m")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if v, ok := configOf(t, p, b); ok && !small(v) {
			return
		}
		m, info, err := ReadModelFile(p)
		if err != nil {
			if m != nil {
				t.Fatal("a model was returned with an error")
			}
			return
		}
		if info.Weights != len(m.Params()) {
			t.Fatalf("accepted a file with %d weight arrays for a model of %d", info.Weights, len(m.Params()))
		}
	})
}

// FuzzReadModelFileH5 fuzzes the Keras 2 .h5 reader (and the HDF5 reader
// under it).
//
//	go test -run XXX -fuzz=FuzzReadModelFileH5 -fuzztime 300x -fuzzminimizetime=2s ./keras
//
// (A count of executions, about a minute on a 2-core machine, not a
// duration: Go 1.26 can end a clean timed run with exit status 1,
// go.dev/issue/75804; see scripts/fuzz.sh.)
func FuzzReadModelFileH5(f *testing.F) { fuzzModelFile(f, "*.h5") }

// FuzzReadModelFileKeras fuzzes the Keras 3 .keras reader.
//
//	go test -run XXX -fuzz=FuzzReadModelFileKeras -fuzztime 2000x -fuzzminimizetime=2s ./keras
//
// (A count of executions, about a minute on a 2-core machine, not a
// duration: Go 1.26 can end a clean timed run with exit status 1,
// go.dev/issue/75804; see scripts/fuzz.sh.)
func FuzzReadModelFileKeras(f *testing.F) { fuzzModelFile(f, "*.keras") }
