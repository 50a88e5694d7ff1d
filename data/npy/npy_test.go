package npy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/tensor"
)

type expect struct {
	Shape  []int     `json:"shape"`
	Values []float64 `json:"values"`
}

func loadExpected(t *testing.T) map[string]expect {
	t.Helper()
	b, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]expect
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func checkArray(t *testing.T, name string, got *tensor.Tensor, want expect) {
	t.Helper()
	if !tensor.SameShape(got.Shape, want.Shape) && !(len(got.Shape) == 0 && len(want.Shape) == 0) {
		t.Fatalf("%s: shape %v, want %v", name, got.Shape, want.Shape)
	}
	if len(got.Data) != len(want.Values) {
		t.Fatalf("%s: %d values, want %d", name, len(got.Data), len(want.Values))
	}
	for i, w := range want.Values {
		if got.Data[i] != float32(w) {
			t.Fatalf("%s: value %d = %v, want %v", name, i, got.Data[i], float32(w))
		}
	}
}

// TestReadNumpyFiles reads files written by NumPy 1.24 (testdata/make_testdata.py).
func TestReadNumpyFiles(t *testing.T) {
	exp := loadExpected(t)
	n := 0
	for name, want := range exp {
		if strings.Contains(name, ".npz/") {
			continue
		}
		a, err := ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkArray(t, name, a.Tensor, want)
		n++
	}
	if n < 15 {
		t.Fatalf("only %d .npy files checked", n)
	}
	a, _ := ReadFile("testdata/fortran_3x4.npy")
	if !a.FortranOrder || a.DType != "<f8" {
		t.Fatalf("fortran file: FortranOrder=%v DType=%q", a.FortranOrder, a.DType)
	}
	if got := a.Describe(); got != "float64 <f8 (3, 4) Fortran order → float32" {
		t.Fatalf("Describe = %q", got)
	}
	for _, f := range []string{"v2_header.npy", "v3_header.npy"} {
		a, _ := ReadFile("testdata/" + f)
		if a.Version != f[1:2]+".0" {
			t.Fatalf("%s: version %q", f, a.Version)
		}
	}
}

func TestReadNumpyNPZ(t *testing.T) {
	exp := loadExpected(t)
	for _, file := range []string{"savez_positional.npz", "savez_compressed_named.npz", "savez_12.npz"} {
		arrs, err := ReadNPZFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		var names []string
		for _, a := range arrs {
			names = append(names, a.Name)
			want, ok := exp[file+"/"+a.Name]
			if !ok {
				t.Fatalf("%s: unexpected array %q", file, a.Name)
			}
			checkArray(t, file+"/"+a.Name, a.Tensor, want)
		}
		switch file {
		case "savez_positional.npz":
			if strings.Join(names, ",") != "arr_0,arr_1" {
				t.Fatalf("order %v", names)
			}
		case "savez_12.npz":
			if names[10] != "arr_10" || names[2] != "arr_2" || len(names) != 12 {
				t.Fatalf("order %v", names)
			}
		}
	}
}

func TestRefusedDTypes(t *testing.T) {
	for file, want := range map[string]string{
		"bad_object.npy":     "Python object",
		"bad_unicode.npy":    "unicode string",
		"bad_complex.npy":    "complex",
		"bad_structured.npy": "structured",
	} {
		_, err := ReadFile("testdata/" + file)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one mentioning %q", file, err, want)
		}
	}
}

// TestTruncatedAndCorrupt cuts and damages every good file: each must give
// an error, never a panic or a wrong array of the same size.
func TestTruncatedAndCorrupt(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.npy")
	for _, f := range files {
		if strings.Contains(f, "bad_") {
			continue
		}
		b, _ := os.ReadFile(f)
		for cut := 0; cut < len(b); cut++ {
			if _, err := Read(bytes.NewReader(b[:cut])); err == nil {
				// Only an empty array can be cut inside its (empty) data: impossible.
				t.Fatalf("%s cut at %d/%d: no error", f, cut, len(b))
			}
		}
		if _, err := Read(bytes.NewReader(append(b[:len(b):len(b)], 0, 0, 0, 0))); err == nil {
			t.Fatalf("%s with trailing bytes: no error", f)
		}
	}
	hdr := func(version byte, dict string, data string) string {
		if version == 1 {
			return Magic + "\x01\x00" + string([]byte{byte(len(dict)), byte(len(dict) >> 8)}) + dict + data
		}
		return Magic + string([]byte{version, 0, byte(len(dict)), byte(len(dict) >> 8), 0, 0}) + dict + data
	}
	for _, tc := range []struct{ data, want string }{
		{"", "empty"},
		{"PK\x03\x04 zip", "not a .npy file"},
		{"\x93NUMPY\x04\x00\x10\x00", "version 4.0"},
		{"\x93NUMPY\x01\x00\x40\x00{'descr': '<f4'}", "truncated"},
		{hdr(1, "{'descr': '<f4'}\n", ""), "expected exactly the keys"},
		{hdr(1, "{'descr':}", ""), "corrupt .npy header"},
		{hdr(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", ""), "corrupt"},
		{hdr(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999, 99999999, 9999), }", ""), "elements"},
		{hdr(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", "\x00\x00\x80\x3f"), "truncated"},
		{hdr(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", "\x00\x00\x80\x3f"), ""},
		{hdr(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", ""), "corrupt"},
		{hdr(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", ""), "complex"},
		{hdr(1, "{'descr': '<f4', 'fortran_order': 1, 'shape': (1,), }", ""), "corrupt"},
		{hdr(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\xff", ""), "non-ASCII"},
		{"\x93NUMPY\x02\x00\xff\xff\xff\x7f", "header length"},
	} {
		_, err := Read(strings.NewReader(tc.data))
		if tc.want == "" {
			if err != nil {
				t.Errorf("Read(%q): %v", tc.data, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Read(%q): error %v, want one containing %q", tc.data, err, tc.want)
		}
	}
}

func randTensor(r *rand.Rand, shape ...int) *tensor.Tensor {
	x := tensor.New(shape...)
	for i := range x.Data {
		x.Data[i] = float32(r.NormFloat64() * 3)
	}
	return x
}

func TestWriteReadRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, shape := range [][]int{{}, {1}, {7}, {3, 5}, {2, 3, 4}, {0, 3}, {4, 1, 9, 2}} {
		x := randTensor(r, shape...)
		var buf bytes.Buffer
		if err := Write(&buf, x); err != nil {
			t.Fatal(err)
		}
		if buf.Len()%64 != 4*len(x.Data)%64 {
			t.Errorf("shape %v: data not 64-byte aligned (%d bytes)", shape, buf.Len())
		}
		a, err := Read(&buf)
		if err != nil {
			t.Fatalf("shape %v: %v", shape, err)
		}
		if a.DType != "<f4" || !tensor.SameShape(a.Tensor.Shape, shape) {
			t.Fatalf("shape %v: read %q %v", shape, a.DType, a.Tensor.Shape)
		}
		for i := range x.Data {
			if a.Tensor.Data[i] != x.Data[i] {
				t.Fatalf("shape %v: value %d differs", shape, i)
			}
		}
	}
	// A header too long for format 1.0 switches to 2.0.
	shape := make([]int, 30000)
	for i := range shape {
		shape[i] = 1
	}
	var buf bytes.Buffer
	if err := Write(&buf, tensor.New(shape...)); err != nil {
		t.Fatal(err)
	}
	a, err := Read(&buf)
	if err != nil || a.Version != "2.0" || len(a.Tensor.Shape) != 30000 {
		t.Fatalf("long header: %v", err)
	}
}

func TestNPZRoundTripFiles(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	dir := t.TempDir()
	for _, compress := range []bool{false, true} {
		ts := []*tensor.Tensor{randTensor(r, 5, 7, 3), randTensor(r, 5), randTensor(r, 2, 2)}
		arrays := Named(ts...)
		for i := 3; i < 13; i++ { // enough to check arr_10 keeps its place
			arrays = append(arrays, &Array{Tensor: randTensor(r, i)})
		}
		arrays[1].Name = "y"
		path := filepath.Join(dir, fmt.Sprintf("a%v.npz", compress))
		if err := WriteNPZFile(path, arrays, compress); err != nil {
			t.Fatal(err)
		}
		got, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(arrays) {
			t.Fatalf("%d arrays, want %d", len(got), len(arrays))
		}
		for i, a := range got {
			want := fmt.Sprintf("arr_%d", i)
			if i == 1 {
				want = "y"
			}
			if a.Name != want {
				t.Fatalf("array %d named %q, want %q", i, a.Name, want)
			}
			for k, v := range arrays[i].Tensor.Data {
				if a.Tensor.Data[k] != v {
					t.Fatalf("array %q value %d differs", a.Name, k)
				}
			}
		}
		b, _ := os.ReadFile(path)
		for _, cut := range []int{0, 10, len(b) / 2, len(b) - 1} {
			if _, err := ReadNPZ(bytes.NewReader(b[:cut]), int64(cut)); err == nil {
				t.Fatalf("npz cut at %d: no error", cut)
			}
		}
	}
	// Single .npy through Load, and the atomic writer leaves no temp file.
	p := filepath.Join(dir, "x.npy")
	if err := WriteFile(p, randTensor(r, 3, 2)); err != nil {
		t.Fatal(err)
	}
	got, err := Load(p)
	if err != nil || len(got) != 1 || got[0].Name != "x" {
		t.Fatalf("Load npy: %v %v", err, got)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Fatalf("temporary file left: %s", e.Name())
		}
	}
	if _, err := ReadNPZFile(p); err == nil || !strings.Contains(err.Error(), "single .npy") {
		t.Fatalf("npy read as npz: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "foreign.bin"), []byte("hello world"), 0o644)
	if _, err := Load(filepath.Join(dir, "foreign.bin")); err == nil || !strings.Contains(err.Error(), "neither") {
		t.Fatalf("foreign file: %v", err)
	}
}

func TestHalf(t *testing.T) {
	for h, want := range map[uint16]float32{
		0x3c00: 1, 0xc000: -2, 0x7bff: 65504, 0x0001: float32(math.Pow(2, -24)),
		0x8001: -float32(math.Pow(2, -24)), 0x0000: 0, 0x3555: 0.33325195,
	} {
		if got := halfToFloat(h); got != want {
			t.Errorf("half %#04x = %v, want %v", h, got, want)
		}
	}
	if !math.IsInf(float64(halfToFloat(0x7c00)), 1) || !math.IsNaN(float64(halfToFloat(0x7e00))) {
		t.Error("half inf/nan")
	}
}

func ExampleWrite() {
	x := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3, 1)
	var buf bytes.Buffer
	if err := Write(&buf, x); err != nil {
		fmt.Println(err)
		return
	}
	a, err := Read(&buf)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Describe(), a.Tensor.Data)
	// Output: float32 <f4 (2, 3, 1) [1 2 3 4 5 6]
}
