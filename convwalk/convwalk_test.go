package convwalk

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

func mustExplain(t *testing.T, s Spec) *Result {
	t.Helper()
	r, err := Explain(s)
	if err != nil {
		t.Fatalf("Explain: %v", err)
	}
	return r
}

// The tutorial's NumPy table, line for line.
func TestTutorialTable(t *testing.T) {
	in, err := ParseInput("0,3,4,5")
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParseKernel("1,2")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := mustExplain(t, Spec{Input: in, Kernel: k}).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"[0 3] * [1 2] = [0 6] → sum 6",
		"[3 4] * [1 2] = [3 8] → sum 11",
		"[4 5] * [1 2] = [4 10] → sum 14",
		"Conv1d output [6 11 14]",
	}
	lines := strings.Split(b.String(), "\n")
	start := -1
	for i, l := range lines {
		if l == want[0] {
			start = i
		}
	}
	if start < 0 || start+len(want) > len(lines) {
		t.Fatalf("table not found in:\n%s", b.String())
	}
	for i, w := range want {
		if lines[start+i] != w {
			t.Errorf("line %d = %q, want %q", i, lines[start+i], w)
		}
	}
	for _, w := range []string{
		"output length: O = floor((W - K) / S) + 1 = floor((4 - 2) / 1) + 1 = 3",
		"padded input: no padding, [0 3 4 5]",
	} {
		if !strings.Contains(b.String(), w+"\n") {
			t.Errorf("missing line %q in:\n%s", w, b.String())
		}
	}
}

// The tutorial's channels and filters sections, with a bias added.
func TestMultiChannelMultiFilterBias(t *testing.T) {
	in, _ := ParseInput("[[0,0],[3,6],[4,7],[5,8]]")
	k, err := ParseKernel("[[[1,1],[3,1]],[[2,1],[4,1]]]")
	if err != nil {
		t.Fatal(err)
	}
	r := mustExplain(t, Spec{Input: in, Kernel: k, Bias: []float64{1, -2}})
	want := [][]float64{{31, 7}, {58, 18}, {68, 22}} // filter 0 is the tutorial's [30 57 67]
	if fmt.Sprint(r.Output) != fmt.Sprint(want) {
		t.Errorf("output %v, want %v", r.Output, want)
	}
	var b strings.Builder
	r.WriteText(&b)
	for _, line := range []string{
		"out[0] ← padded steps 0, 1:",
		"  filter 0: [[0 0] [3 6]] * [[1 3] [2 4]] = [[0 0] [6 24]] → sum 30 + bias 1 = 31",
		"  filter 1: [[0 0] [3 6]] * [[1 1] [1 1]] = [[0 0] [3 6]] → sum 9 + bias -2 = 7",
		"Conv1d output [[31 7] [58 18] [68 22]]",
		"output shape (3, 2): 3 steps × 2 filters",
	} {
		if !strings.Contains(b.String(), line+"\n") {
			t.Errorf("missing line %q in:\n%s", line, b.String())
		}
	}
	// The tutorial's multiple-filters example: weights [[1, 2], [3, 4]].
	in, _ = ParseInput("0,3,4,5")
	k, _ = ParseKernel("[[[1,3]],[[2,4]]]")
	r = mustExplain(t, Spec{Input: in, Kernel: k})
	if got := fmt.Sprint(r.Output); got != "[[6 12] [11 25] [14 32]]" {
		t.Errorf("two filters: %s, want [[6 12] [11 25] [14 32]]", got)
	}
}

// direct computes the convolution from first principles: TensorFlow's
// padding rule written out again here, independent of layers.ConvOutput.
func direct(x [][]float64, k [][][]float64, bias []float64, s, d int, padding string) (out [][]float64, left, right int) {
	L, K, C, F := len(x), len(k), len(x[0]), len(k[0][0])
	keff := (K-1)*d + 1
	var n int
	switch padding {
	case "valid":
		n = (L-keff)/s + 1
	case "same":
		n = (L + s - 1) / s
		total := (n-1)*s + keff - L
		if total < 0 {
			total = 0
		}
		left, right = total/2, total-total/2
	case "causal":
		left = (K - 1) * d
		n = (L-1)/s + 1
	}
	for t := range n {
		row := make([]float64, F)
		for f := range F {
			sum := 0.0
			if bias != nil {
				sum = bias[f]
			}
			for j := range K {
				p := t*s + j*d - left
				if p < 0 || p >= L {
					continue
				}
				for c := range C {
					sum += x[p][c] * k[j][c][f]
				}
			}
			row[f] = sum
		}
		out = append(out, row)
	}
	return out, left, right
}

func randomMatrix(rng *rand.Rand, a, b int) [][]float64 {
	m := make([][]float64, a)
	for i := range m {
		m[i] = make([]float64, b)
		for j := range m[i] {
			m[i][j] = float64(rng.IntN(19) - 9) // small integers: exact in float32
		}
	}
	return m
}

func randomKernel(rng *rand.Rand, k, c, f int) [][][]float64 {
	out := make([][][]float64, k)
	for j := range out {
		out[j] = randomMatrix(rng, c, f)
	}
	return out
}

// Explain agrees with layers.Conv1D's Forward, with layers.ConvOutput and
// with a direct computation on random configurations.
func TestAgreesWithConv1DForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	checked, refused := 0, 0
	for trial := range 1000 {
		steps, ch, filters, ks := 1+rng.IntN(13), 1+rng.IntN(4), 1+rng.IntN(3), 1+rng.IntN(5)
		strides, dil := 1+rng.IntN(3), 1+rng.IntN(3)
		padding := []string{"valid", "same", "causal"}[rng.IntN(3)]
		x := randomMatrix(rng, steps, ch)
		k := randomKernel(rng, ks, ch, filters)
		var bias []float64
		if rng.IntN(2) == 0 {
			bias = randomMatrix(rng, 1, filters)[0]
		}
		spec := Spec{Input: x, Kernel: k, Bias: bias, Strides: strides, Dilation: dil, Padding: padding}
		name := fmt.Sprintf("trial %d: steps=%d ch=%d filters=%d k=%d s=%d d=%d %s", trial, steps, ch, filters, ks, strides, dil, padding)
		r, err := Explain(spec)
		keff := (ks-1)*dil + 1
		impossible := (strides > 1 && dil > 1) || (padding == "valid" && steps < keff)
		if impossible {
			if err == nil {
				t.Errorf("%s: expected an error", name)
			}
			refused++
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		g, err := layers.ConvOutput(steps, ks, strides, dil, padding)
		if err != nil || g.OutLength != r.Geometry.OutLength || g.PadLeft != r.Geometry.PadLeft || g.PadRight != r.Geometry.PadRight {
			t.Errorf("%s: geometry %+v, ConvOutput %+v (%v)", name, r.Geometry, g, err)
		}
		want, left, right := direct(x, k, bias, strides, dil, padding)
		if left != g.PadLeft || right != g.PadRight || len(want) != g.OutLength {
			t.Errorf("%s: direct pads %d,%d length %d; ConvOutput %d,%d length %d", name, left, right, len(want), g.PadLeft, g.PadRight, g.OutLength)
		}
		if fmt.Sprint(want) != fmt.Sprint(r.Output) {
			t.Errorf("%s: output %v, direct %v", name, r.Output, want)
		}

		out, outShapes, err := conv1DForward(x, k, bias, strides, dil, padding)
		if err != nil {
			t.Fatalf("%s: Build: %v", name, err)
		}
		if outShapes[0][0] != len(r.Output) || outShapes[0][1] != filters {
			t.Errorf("%s: layer shape %v, explain (%d, %d)", name, outShapes[0], len(r.Output), filters)
			continue
		}
		for i, row := range r.Output {
			for f, v := range row {
				if got := out.Data[i*filters+f]; math.Abs(float64(got)-v) > 1e-4*(1+math.Abs(v)) {
					t.Errorf("%s: out[%d][%d] layer %v, explain %v", name, i, f, got, v)
				}
			}
		}
		checked++
	}
	if checked < 400 || refused < 50 {
		t.Errorf("only %d configurations checked and %d refused: widen the sampling", checked, refused)
	}
}

// conv1DForward runs layers.Conv1D with kernel k (kernel size × channels ×
// filters) and bias (nil: no bias) on x (steps × channels), one sample. The
// output starts as NaN so that a value Forward did not write shows.
func conv1DForward(x [][]float64, k [][][]float64, bias []float64, strides, dil int, padding string) (*tensor.Tensor, []layers.Shape, error) {
	steps, ch, ks, filters := len(x), len(x[0]), len(k), len(k[0][0])
	opts := []layers.Conv1DOption{layers.Strides(strides), layers.DilationRate(dil), layers.Padding(padding)}
	if bias == nil {
		opts = append(opts, layers.NoBias())
	}
	conv := layers.NewConv1D(filters, ks, opts...)
	outShapes, err := conv.Build([]layers.Shape{{steps, ch}}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		return nil, nil, err
	}
	for j := range ks {
		for c := range ch {
			for f := range filters {
				conv.Kernel().Value.Data[(j*ch+c)*filters+f] = float32(k[j][c][f])
			}
		}
	}
	for f, v := range bias {
		conv.Bias().Value.Data[f] = float32(v)
	}
	in := tensor.New(1, steps, ch)
	for i, row := range x {
		for c, v := range row {
			in.Data[i*ch+c] = float32(v)
		}
	}
	out := tensor.New(1, outShapes[0][0], outShapes[0][1])
	for i := range out.Data {
		out.Data[i] = float32(math.NaN()) // Forward must overwrite
	}
	conv.Forward(&layers.Context{}, []*tensor.Tensor{in}, []*tensor.Tensor{out})
	return out, outShapes, nil
}

// Same padding with odd and even totals: TensorFlow puts the extra zero on
// the right.
func TestSamePadding(t *testing.T) {
	in, _ := ParseInput("1,2,3,4,5")
	for _, c := range []struct {
		kernel      string
		strides     int
		left, right int
		out         string
	}{
		{"1,1", 1, 0, 1, "[[3] [5] [7] [9] [5]]"},        // total 1
		{"1,1,1", 1, 1, 1, "[[3] [6] [9] [12] [9]]"},     // total 2
		{"1,1,1,1", 1, 1, 2, "[[6] [10] [14] [12] [9]]"}, // total 3
		{"1,1,1", 2, 1, 1, "[[3] [9] [9]]"},              // total (3-1)*2+3-5 = 2
		{"1,1", 3, 0, 0, "[[3] [9]]"},                    // total max((2-1)*3+2-5, 0) = 0
	} {
		k, _ := ParseKernel(c.kernel)
		r := mustExplain(t, Spec{Input: in, Kernel: k, Strides: c.strides, Padding: "same"})
		if r.Geometry.PadLeft != c.left || r.Geometry.PadRight != c.right || fmt.Sprint(r.Output) != c.out {
			t.Errorf("kernel %s strides %d: pads %d,%d output %v; want %d,%d %s", c.kernel, c.strides,
				r.Geometry.PadLeft, r.Geometry.PadRight, r.Output, c.left, c.right, c.out)
		}
	}
}

func TestErrors(t *testing.T) {
	in, _ := ParseInput("0,3,4,5")
	in2, _ := ParseInput("[[0,0],[3,6]]")
	k1, _ := ParseKernel("1,2")
	for _, c := range []struct {
		spec Spec
		want string
	}{
		{Spec{Input: in, Kernel: k1, Strides: 2, Dilation: 2},
			"strides > 1 together with dilation > 1 is not supported (received strides=2, dilation=2), as in Keras: use one or the other"},
		{Spec{Input: in2, Kernel: k1},
			"the kernel has shape (2, 1, 1) but the input has 2 channel(s): the kernel layout is (kernel_size, channels, filters), so it needs shape (2, 2, 1)"},
		{Spec{Input: in, Kernel: [][][]float64{{{1}}, {{2}}, {{3}}, {{4}}, {{5}}}},
			"input length 4 is shorter than the kernel's reach 5 (kernel_size 5, dilation 1): O = floor((4 - 5) / 1) + 1 would be 0; use a kernel_size of at most 4, padding \"same\" or \"causal\", or a longer input"},
		{Spec{Input: in, Kernel: k1, Dilation: 4},
			"input length 4 is shorter than the kernel's reach 5 (kernel_size 2, dilation 4): O = floor((4 - 5) / 1) + 1 would be 0; use a kernel_size of at most 1, padding \"same\" or \"causal\", or a longer input"},
		{Spec{Input: in, Kernel: k1, Bias: []float64{1, 2}}, "2 bias value(s) for 1 filter(s): give one bias per filter"},
		{Spec{Input: in, Kernel: k1, Padding: "full"}, "unknown padding \"full\": expected \"valid\", \"same\" or \"causal\""},
		{Spec{Input: in, Kernel: k1, Strides: -1}, "strides must be a positive integer, received strides=-1"},
		{Spec{Kernel: k1}, "the input is empty: give at least one step, e.g. 0,3,4,5"},
		{Spec{Input: in}, "the kernel is empty: give at least one weight, e.g. 1,2"},
		{Spec{Input: [][]float64{{1, 2}, {3}}, Kernel: k1}, "input step 1 has 1 channels but step 0 has 2: every step needs the same number of channels"},
		{Spec{Input: in, Kernel: [][][]float64{{{1e38}}, {{1e38}}}}, "output step 1, filter 0 is 7e+38, beyond float32's range: use smaller numbers"},
	} {
		_, err := Explain(c.spec)
		if err == nil || err.Error() != c.want {
			t.Errorf("got error %v\nwant          %s", err, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct {
		parse func(string) error
		arg   string
		want  string
	}{
		{inputErr, "0,x,4", `value 2 of "0,x,4": "x" is not a number`},
		{inputErr, "1,NaN", `value 2 of "1,NaN": "NaN" is not a finite float32 number`},
		{inputErr, "1,1e39", `value 2 of "1,1e39": "1e39" is not a finite float32 number`},
		{inputErr, "", "empty value: give numbers such as 0,3,4,5"},
		{inputErr, "[[0,0],[3,6]", "not valid JSON (unexpected EOF): write arrays such as [[0,0],[3,6]]"},
		{inputErr, "[[0,0],[3]]", "array is ragged: entry [1] is a list of 1 but the first entry at that level has 2: every row needs the same length"},
		{inputErr, `[[0,"a"]]`, `entry [0][1] is the string "a", expected a number (the array's shape is (1, 2) from its first entries)`},
		{inputErr, "[[0,0]] 3", `not valid JSON: unexpected text after the array in "[[0,0]] 3"`},
		{inputErr, `{"a":1}`, `expected numbers or a JSON array, received a JSON object {"a":1}`},
		{inputErr, "[]", `empty array in "[]": every level needs at least one entry`},
		{inputErr, "[[[1],[2]],[[3],[4]]]", "expected one sample as (steps, channels), received 2 samples of shape (2, 1): give one sample only"},
		{kernelErr, "[[1,3],[2,4]]", "expected a comma list (one channel, one filter) or a 3-level JSON array in Keras layout (kernel_size, channels, filters), e.g. [[[1],[3]],[[2],[4]]] for kernel_size 2, 2 channels, 1 filter; received an array of shape (2, 2)"},
		{listErr, "[[1]]", "expected a flat list of numbers, received an array of shape (1, 1)"},
	} {
		if err := c.parse(c.arg); err == nil || err.Error() != c.want {
			t.Errorf("%q: got %v\nwant %s", c.arg, err, c.want)
		}
	}
	// One sample with its batch axis is accepted.
	x, err := ParseInput("[[[1,2],[3,4],[5,6]]]")
	if err != nil || fmt.Sprint(x) != "[[1 2] [3 4] [5 6]]" {
		t.Errorf("(1, 3, 2) input: %v %v", x, err)
	}
}

func inputErr(s string) error  { _, err := ParseInput(s); return err }
func kernelErr(s string) error { _, err := ParseKernel(s); return err }
func listErr(s string) error   { _, err := ParseList(s); return err }

func TestNumberFormat(t *testing.T) {
	for v, want := range map[float64]string{0: "0", math.Copysign(0, -1): "0", 6: "6", -1.5: "-1.5", 0.1 * 0.2: "0.02",
		1e6: "1000000", 1e20: "1e+20", 1.5e-7: "1.5e-07", 1e16 + 0.5: "1e+16"} {
		if got := num(v); got != want {
			t.Errorf("num(%v) = %q, want %q", v, got, want)
		}
	}
}

func Example() {
	in, _ := ParseInput("0,3,4,5")
	k, _ := ParseKernel("1,2")
	r, err := Explain(Spec{Input: in, Kernel: k})
	if err != nil {
		fmt.Println(err)
		return
	}
	r.WriteText(os.Stdout)
	// Output:
	// input: 4 steps × 1 channel: [0 3 4 5]
	// kernel: kernel_size 2 × 1 channel × 1 filter (Keras layout (kernel_size, channels, filters))
	// strides 1, dilation 1, padding valid
	// output length: O = floor((W - K) / S) + 1 = floor((4 - 2) / 1) + 1 = 3
	// padded input: no padding, [0 3 4 5]
	//
	// [0 3] * [1 2] = [0 6] → sum 6
	// [3 4] * [1 2] = [3 8] → sum 11
	// [4 5] * [1 2] = [4 10] → sum 14
	// Conv1d output [6 11 14]
	// output shape (3, 1): 3 steps × 1 filter
}
