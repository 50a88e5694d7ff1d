package npy

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// addSeeds adds the test files matching pattern to the fuzz corpus (the
// committed corpus in testdata/fuzz is added by go test itself).
func addSeeds(f *testing.F, pattern string) {
	files, _ := filepath.Glob(filepath.Join("testdata", pattern))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
}

// FuzzRead: Read never panics, and what it accepts survives Write → Read.
//
//	go test -fuzz='^FuzzRead$' -fuzztime 1500000x ./data/npy
//
// (A count of executions, about a minute on a 2-core machine, not a
// duration: Go 1.26 can end a clean timed run with exit status 1,
// go.dev/issue/75804; see scripts/fuzz.sh.)
func FuzzRead(f *testing.F) {
	addSeeds(f, "*.npy")
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Read(bytes.NewReader(b))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := Write(&buf, a.Tensor); err != nil {
			t.Fatalf("write of an accepted array failed: %v", err)
		}
		c, err := Read(&buf)
		if err != nil {
			t.Fatalf("re-read failed: %v", err)
		}
		if len(c.Tensor.Data) != len(a.Tensor.Data) {
			t.Fatalf("re-read %d values, want %d", len(c.Tensor.Data), len(a.Tensor.Data))
		}
		for i, v := range a.Tensor.Data {
			if math.Float32bits(c.Tensor.Data[i]) != math.Float32bits(v) {
				t.Fatalf("value %d changed: %v → %v", i, v, c.Tensor.Data[i])
			}
		}
	})
}

// FuzzReadNPZ: ReadNPZ never panics, and what it accepts survives
// WriteNPZ → ReadNPZ with names and order kept.
//
//	go test -fuzz=FuzzReadNPZ -fuzztime 400000x ./data/npy
//
// (A count of executions, about a minute on a 2-core machine, not a
// duration: Go 1.26 can end a clean timed run with exit status 1,
// go.dev/issue/75804; see scripts/fuzz.sh.)
func FuzzReadNPZ(f *testing.F) {
	addSeeds(f, "*.npz")
	f.Fuzz(func(t *testing.T, b []byte) {
		arrs, err := ReadNPZ(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteNPZ(&buf, arrs, true); err != nil {
			t.Fatalf("write of accepted arrays failed: %v", err)
		}
		back, err := ReadNPZ(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatalf("re-read failed: %v", err)
		}
		if len(back) != len(arrs) {
			t.Fatalf("re-read %d arrays, want %d", len(back), len(arrs))
		}
		for i := range arrs {
			if back[i].Name != arrs[i].Name || len(back[i].Tensor.Data) != len(arrs[i].Tensor.Data) {
				t.Fatalf("array %d: %q/%d, want %q/%d", i, back[i].Name, len(back[i].Tensor.Data), arrs[i].Name, len(arrs[i].Tensor.Data))
			}
		}
	})
}
