package main

import (
	"runtime"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/layers"
)

func shapeCall(args ...string) (stdout, stderr string, code int) {
	var o, e strings.Builder
	code = runShape(args, &o, &e)
	return o.String(), e.String(), code
}

func TestShapeTablePaddingSame(t *testing.T) {
	out, errOut, code := shapeCall("--input", "16070,1,45", "conv1d:filters=128,kernel_size=10,strides=5,padding=same", "flatten", "dense:units=1")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := `Layer (type)        Output Shape     Param #  Formula
─────────────────────────────────────────────────────
input (InputLayer)  (16070, 1, 45)         0  batch shape as given
conv1d (Conv1D)     (16070, 1, 128)    57728  O = ceil(W / S) = ceil(1 / 5) = 1; pad = max((O - 1)*S + K - W, 0) = 9 → 4 left, 5 right
flatten (Flatten)   (16070, 128)           0  1 × 128 = 128
dense (Dense)       (16070, 1)           129  units = 1
Total params: 57857 (trainable 57857, non-trainable 0)
`
	if out != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
}

func TestShapeTableSteps(t *testing.T) {
	out, _, code := shapeCall("--input", "16070,45,1", "conv1d:filters=128,kernel_size=10,strides=5", "conv1d:filters=4,kernel_size=3,dilation_rate=2,padding=causal",
		"flatten", "dense:units=1,activation=sigmoid")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, line := range []string{
		"conv1d (Conv1D)     (16070, 8, 128)     1408  O = floor((W - K) / S) + 1 = floor((45 - 10) / 5) + 1 = 8",
		"conv1d_1 (Conv1D)   (16070, 8, 4)       1540  P = (k - 1)*d = 4 on the left; O = floor((W + P - K) / S) + 1 = floor((8 + 4 - 5) / 1) + 1 = 8",
		"flatten (Flatten)   (16070, 32)            0  8 × 4 = 32",
		"dense (Dense)       (16070, 1)            33  units = 1",
		"Total params: 2981 (trainable 2981, non-trainable 0)",
	} {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("missing %q in:\n%s", line, out)
		}
	}
	// Dense on every step; None batch.
	out, _, code = shapeCall("conv1d:filters=6,kernel_size=3", "dense:units=2", "--input", "None,7,3")
	if code != 0 || !strings.Contains(out, "dense (Dense)       (None, 5, 2)       14  units = 2, on the last axis of every step (6 → 2)\n") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// A pooling layer registered by another package shows its ConvOutput
// formula too (skipped while pooling is not registered).
func TestShapePooling(t *testing.T) {
	if _, ok := layers.ClassFor("MaxPooling1D"); !ok {
		t.Skip("MaxPooling1D not registered")
	}
	out, errOut, code := shapeCall("--input", "8,10,3", "max_pooling1d:pool_size=3")
	if code != 0 || !strings.Contains(out, "(8, 3, 3)") || !strings.Contains(out, "floor((10 - 3) / 3) + 1 = 3") {
		t.Errorf("exit %d, %s\n%s", code, errOut, out)
	}
	_, errOut, code = shapeCall("--input", "8,2,30", "max_pooling1d:pool_size=5")
	if code != 2 || !strings.Contains(errOut, "  fix: otherwise use padding=same or a pool of 2\n") {
		t.Errorf("exit %d, %s", code, errOut)
	}
}

func TestShapeKernelDoesNotFit(t *testing.T) {
	out, errOut, code := shapeCall("--input", "16070,1,45", "conv1d:filters=128,kernel_size=10,strides=5", "flatten", "dense:units=1")
	want := `seqnet shape: layer 1 conv1d (Conv1D) cannot take input (16070, 1, 45): input length 1 is shorter than the kernel's reach 10 (kernel_size 10, dilation 1): O = floor((1 - 10) / 5) + 1 would be -1
  the data has 1 step of 45 channels, so a kernel of 10 cannot fit
  fix: if each sample is a 45-step series of one feature, the shape is (16070, 45, 1): --input 16070,45,1
  fix: otherwise use padding=same or a kernel of 1
`
	if code != 2 || errOut != want {
		t.Errorf("exit %d, stderr:\n%s\nwant:\n%s", code, errOut, want)
	}
	if !strings.Contains(out, "input (InputLayer)  (16070, 1, 45)") || strings.Contains(out, "Total params") {
		t.Errorf("partial table: %s", out)
	}
	// Short sequences of few channels: no reshape advice.
	_, errOut, code = shapeCall("--input", "4,3,2", "conv1d:filters=1,kernel_size=5")
	want = `seqnet shape: layer 1 conv1d (Conv1D) cannot take input (4, 3, 2): input length 3 is shorter than the kernel's reach 5 (kernel_size 5, dilation 1): O = floor((3 - 5) / 1) + 1 would be -1
  fix: use a kernel of at most 3, padding=same, or longer sequences
`
	if code != 2 || errOut != want {
		t.Errorf("exit %d, stderr:\n%s\nwant:\n%s", code, errOut, want)
	}
}

// Every user error exits 2; the first stderr line says what is wrong.
func TestShapeErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--input", "1000,18", "conv1d:filters=8,kernel_size=3"},
			"seqnet shape: layer 1 conv1d (Conv1D) cannot take input (1000, 18): Conv1D needs 3-D input (batch, steps, channels), received 2-D (1000, 18); " +
				"if the 18 columns are 18 steps of 1 feature, use (1000, 18, 1): --input 1000,18,1; if they are 18 features of a single step, use (1000, 1, 18): --input 1000,1,18 " +
				"(then a kernel of 3 fits only with padding=same); if they are token ids, put embedding:input_dim=VOCAB,output_dim=DIM first"},
		{[]string{"conv1d:filters=8,kernel_size=3"},
			"seqnet shape: --input is required: the batch shape, e.g. --input 16070,45,1 for 16070 samples of 45 steps of 1 channel"},
		{[]string{"--input", "16070,45,1"},
			"seqnet shape: give at least one layer after the flags, e.g. conv1d:filters=128,kernel_size=10 flatten dense:units=1"},
		{[]string{"--input", "16070"},
			`seqnet shape: --input: expected the batch shape (batch, steps, channels), e.g. 16070,45,1, received "16070"`},
		{[]string{"--input", "16070,45,0", "flatten"},
			`seqnet shape: --input: dimension "0" of "16070,45,0" is not a positive integer`},
		{[]string{"--input", "many,45,1", "flatten"},
			`seqnet shape: --input: batch size "many" is not a positive integer (use None for unknown)`},
		{[]string{"--input", "8,45,1", "conv1d:filters=8,kernel_size=3", "nope:units=1"},
			`seqnet shape: layer 2 "nope:units=1": unsupported layer "nope": seqnet knows ` + strings.Join(layers.Classes(), ", ")},
		{[]string{"--input", "8,45,1", "conv1d:filter=8,kernel_size=3"},
			`seqnet shape: layer 1 "conv1d:filter=8,kernel_size=3": Conv1D: unsupported option "filter"`},
		{[]string{"--input", "8,45,1", "dense:8"},
			`seqnet shape: layer 1 "dense:8": expected key=value after "dense:", received "8"`},
		{[]string{"--input", "8,45,1", "dense:units=2,units=3"},
			`seqnet shape: layer 1 "dense:units=2,units=3": units is given twice`},
		{[]string{"--input", "8,45,1", ":units=2"},
			`seqnet shape: layer 1 ":units=2": missing layer name: write name:key=value,…, e.g. conv1d:filters=8,kernel_size=3`},
		{[]string{"--input", "8,45,1", "conv1d:filters=8,kernel_size=3,strides=2,dilation_rate=2"},
			"seqnet shape: layer 1 conv1d (Conv1D) cannot take input (8, 45, 1): strides > 1 together with dilation_rate > 1 is not supported (received strides=2, dilation_rate=2), as in Keras: use one or the other"},
		{[]string{"--input", "8,45,1", "--batch", "3", "flatten"},
			"seqnet shape: flag provided but not defined: -batch; run 'seqnet shape -h' for the flags"},
	} {
		out, errOut, code := shapeCall(c.args...)
		first, _, _ := strings.Cut(errOut, "\n")
		if code != 2 || first != c.want || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%q: exit %d, stderr %q\nwant %q", c.args, code, errOut, c.want)
		}
		if strings.Contains(out, "Total params") {
			t.Errorf("%q: a failed walk printed totals: %s", c.args, out)
		}
	}
}

func TestShapeHelp(t *testing.T) {
	out, _, code := shapeCall("--help")
	if code != 0 || !strings.Contains(out, "--input SHAPE") {
		t.Errorf("exit %d: %s", code, out)
	}
}

// Layers too large to allocate are counted, never built: the walk
// allocates a few kilobytes whatever the sizes (a Conv1D of 10⁹ filters
// took 39 s and 15.7 GB when it was built).
func TestShapeHugeLayersAreCounted(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	out, errOut, code := shapeCall("--input", "2,100000,800", "flatten", "dense:units=1000")
	if code != 0 || !strings.Contains(out, "(2, 1000)         80000001000  units = 1000\n") ||
		!strings.Contains(out, "Total params: 80000001000 (trainable 80000001000, non-trainable 0)\n") {
		t.Errorf("exit %d %s:\n%s", code, errOut, out)
	}
	out, errOut, code = shapeCall("--input", "1,10,1", "conv1d:filters=100000000,kernel_size=3")
	if code != 0 || !strings.Contains(out, "Total params: 400000000 (trainable 400000000, non-trainable 0)\n") {
		t.Errorf("exit %d %s:\n%s", code, errOut, out)
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 10<<20 {
		t.Errorf("the walks allocated %d bytes: the layers were built, not counted", grew)
	}
	for _, c := range [][]string{
		{"--input", "1,9223372036854775807,1", "conv1d:filters=2,kernel_size=3"},
		{"--input", "1,10,1", "zero_padding1d:padding=9223372036854775807"},
		{"--input", "1,10,1", "conv1d:filters=99999999999,kernel_size=3"},
		{"--input", "1,10,1", "conv1d:filters=2,kernel_size=3,dilation_rate=4611686018427387904"},
	} {
		if _, errOut, code := shapeCall(c...); code != 2 || !strings.Contains(errOut, "too large") && !strings.Contains(errOut, "more than") {
			t.Errorf("%q: exit %d, stderr %q: want a size error", c, code, errOut)
		}
	}
}
