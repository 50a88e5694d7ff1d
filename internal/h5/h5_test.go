//go:build !386 && !arm && !mips && !mipsle

package h5

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The fixture is made by keras/testdata/kerasfiles/make_kerasfiles.py.
const fixture = "../../keras/testdata/kerasfiles/convbn.h5"

func TestOpenReadsKerasH5(t *testing.T) {
	f, err := Open(fixture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names, ok, err := f.Attr("model_weights", "layer_names")
	if err != nil || !ok {
		t.Fatalf("layer_names: %v %v", ok, err)
	}
	if want := []string{"conv1d", "batch_normalization", "max_pooling1d", "flatten", "dense", "dense_1"}; !slices.Equal(names.([]string), want) {
		t.Errorf("layer_names %v, want %v", names, want)
	}
	if v, ok, err := f.Attr("model_weights/flatten", "weight_names"); err != nil || !ok || len(v.([]string)) != 0 {
		t.Errorf("an empty weight_names: %v %v %v", v, ok, err)
	}
	if _, ok, err := f.Attr("", "no_such_attribute"); ok || err != nil {
		t.Errorf("a missing attribute: %v %v", ok, err)
	}
	p := "model_weights/conv1d/conv1d/kernel:0"
	dims, float, size, err := f.Shape(p)
	if err != nil || !slices.Equal(dims, []int{3, 4, 5}) || !float || size != 4 {
		t.Fatalf("Shape: %v %v %v %v", dims, float, size, err)
	}
	v, err := f.ReadFloat32(p, 60)
	if err != nil || len(v) != 60 {
		t.Fatalf("ReadFloat32: %d values, %v", len(v), err)
	}
	if _, err := f.ReadFloat32(p, 61); err == nil {
		t.Error("a wrong count was not refused")
	}
	if !f.IsGroup("model_weights/conv1d") || !f.IsDataset(p) || f.IsDataset("model_weights/conv1d") {
		t.Error("IsGroup/IsDataset disagree with the file")
	}
	if got := f.Children("model_weights/conv1d/conv1d"); !slices.Equal(got, []string{"bias:0", "kernel:0"}) {
		t.Errorf("Children %v", got)
	}
	if _, _, _, err := f.Shape("optimizer_weights/Adam/iter:0"); err != nil {
		t.Errorf("scalar dataset: %v", err)
	}
}

func TestOpenTruncated(t *testing.T) {
	b, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "short.h5")
	os.WriteFile(p, b[:len(b)-1], 0o644)
	if _, err := Open(p); !errors.Is(err, ErrTruncated) {
		t.Errorf("a file one byte short: %v, want ErrTruncated", err)
	}
	os.WriteFile(p, []byte("not hdf5 at all"), 0o644)
	if _, err := Open(p); err == nil {
		t.Error("a text file opened")
	}
}

func TestParseInfo(t *testing.T) {
	for _, c := range []struct {
		info  string
		dims  []int
		float bool
		size  int
	}{
		{"Dataset: float (size=4 bytes), 2D array [8 x 1], contiguous (address=0x23C0, size=32)", []int{8, 1}, true, 4},
		{"Dataset: float (size=8 bytes), 3D array [3 2 4], contiguous (address=0x2350, size=96)", []int{3, 2, 4}, true, 8},
		{"Dataset: float (size=4 bytes), 1D array [4], compact", []int{4}, true, 4},
		{"Dataset: integer (size=8 bytes), scalar, contiguous", []int{}, false, 8},
	} {
		dims, float, size, err := parseInfo("d", c.info)
		if err != nil || !slices.Equal(dims, c.dims) || float != c.float || size != c.size {
			t.Errorf("%q: %v %v %v %v", c.info, dims, float, size, err)
		}
	}
	for _, bad := range []string{"", "Dataset: float", "Dataset: float (size=4 bytes), 2D array [8 x", "Dataset: float (size=4 bytes), 1D array [99999999999]"} {
		if _, _, _, err := parseInfo("d", bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}
