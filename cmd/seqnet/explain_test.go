package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/layers"
)

func explainCall(args ...string) (stdout, stderr string, code int) {
	var o, e strings.Builder
	code = runExplain(args, &o, &e)
	return o.String(), e.String(), code
}

func TestExplainTutorial(t *testing.T) {
	out, errOut, code := explainCall("--input", "0,3,4,5", "--kernel", "1,2")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	want := "\n[0 3] * [1 2] = [0 6] → sum 6\n[3 4] * [1 2] = [3 8] → sum 11\n[4 5] * [1 2] = [4 10] → sum 14\nConv1d output [6 11 14]\n"
	if !strings.Contains(out, want) {
		t.Errorf("tutorial table missing; got:\n%s", out)
	}
	if !strings.Contains(out, "output length: O = floor((W - K) / S) + 1 = floor((4 - 2) / 1) + 1 = 3\n") {
		t.Errorf("formula missing; got:\n%s", out)
	}
	// Flags may follow each other in any order, with one or two dashes.
	out2, _, _ := explainCall("-kernel=1,2", "--input=0,3,4,5")
	if out2 != out {
		t.Errorf("flag order changed the output:\n%s", out2)
	}
}

type explainJSON struct {
	Output       [][]float64 `json:"output"`
	OutputLength int         `json:"output_length"`
	PadLeft      int         `json:"pad_left"`
	PadRight     int         `json:"pad_right"`
	Windows      []struct {
		Positions []int `json:"padded_steps"`
	} `json:"windows"`
}

func explainJSONCall(t *testing.T, args ...string) explainJSON {
	t.Helper()
	out, errOut, code := explainCall(append(args, "--json")...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	if strings.Count(out, "\n") != 1 {
		t.Errorf("--json should print one line, got %q", out)
	}
	var j explainJSON
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("%v: %v in %s", args, err, out)
	}
	return j
}

func TestExplainJSONTutorial(t *testing.T) {
	j := explainJSONCall(t, "--input", "0,3,4,5", "--kernel", "1,2")
	if fmt.Sprint(j.Output) != "[[6] [11] [14]]" || j.OutputLength != 3 || j.PadLeft != 0 || j.PadRight != 0 {
		t.Errorf("got %+v", j)
	}
}

// --json values for every padding, strides 1–3 and dilation 1–3 against
// layers.ConvOutput and a direct computation.
func TestExplainJSONSweep(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	steps, ch, filters := 9, 2, 3
	x := make([][]float64, steps)
	for i := range x {
		x[i] = []float64{float64(rng.IntN(11) - 5), float64(rng.IntN(11) - 5)}
	}
	xs, _ := json.Marshal(x)
	for _, ks := range []int{1, 2, 3, 4} { // odd and even same-padding totals
		kern := make([][][]float64, ks)
		for j := range kern {
			kern[j] = make([][]float64, ch)
			for c := range kern[j] {
				kern[j][c] = make([]float64, filters)
				for f := range kern[j][c] {
					kern[j][c][f] = float64(rng.IntN(7) - 3)
				}
			}
		}
		bias := []float64{0.5, -1, 2}
		kjs, _ := json.Marshal(kern)
		for _, padding := range []string{"valid", "same", "causal"} {
			for strides := 1; strides <= 3; strides++ {
				for dil := 1; dil <= 3; dil++ {
					args := []string{"--input", string(xs), "--kernel", string(kjs), "--bias", "0.5,-1,2",
						"--padding", padding, "--strides", fmt.Sprint(strides), "--dilation", fmt.Sprint(dil)}
					if (strides > 1 && dil > 1) || (padding == "valid" && (ks-1)*dil+1 > steps) {
						if _, _, code := explainCall(args...); code != 2 {
							t.Errorf("%v: exit %d, want 2", args, code)
						}
						continue
					}
					g, err := layers.ConvOutput(steps, ks, strides, dil, padding)
					if err != nil {
						t.Fatal(err)
					}
					j := explainJSONCall(t, args...)
					if j.OutputLength != g.OutLength || j.PadLeft != g.PadLeft || j.PadRight != g.PadRight || len(j.Output) != g.OutLength {
						t.Errorf("%s k=%d s=%d d=%d: json length %d pads %d,%d; ConvOutput %d pads %d,%d",
							padding, ks, strides, dil, j.OutputLength, j.PadLeft, j.PadRight, g.OutLength, g.PadLeft, g.PadRight)
					}
					for ti, row := range j.Output {
						for f, v := range row {
							want := bias[f]
							for jj := range ks {
								p := ti*strides + jj*dil - g.PadLeft
								if p < 0 || p >= steps {
									continue
								}
								for c := range ch {
									want += x[p][c] * kern[jj][c][f]
								}
							}
							if v != want {
								t.Errorf("%s k=%d s=%d d=%d: out[%d][%d] = %v, want %v", padding, ks, strides, dil, ti, f, v, want)
							}
						}
						if pos := j.Windows[ti].Positions; pos[0] != ti*strides || pos[len(pos)-1] != ti*strides+(ks-1)*dil {
							t.Errorf("%s k=%d s=%d d=%d: window %d taps %v", padding, ks, strides, dil, ti, pos)
						}
					}
				}
			}
		}
	}
}

func TestExplainSamePaddingOddEven(t *testing.T) {
	for _, c := range []struct {
		kernel      string
		left, right int
		out         string
	}{
		{"1,2", 0, 1, "[[6] [11] [14] [5]]"},    // total 1: the extra zero goes right
		{"1,2,1", 1, 1, "[[3] [10] [16] [14]]"}, // total 2
	} {
		j := explainJSONCall(t, "--input", "0,3,4,5", "--kernel", c.kernel, "--padding", "same")
		if j.PadLeft != c.left || j.PadRight != c.right || fmt.Sprint(j.Output) != c.out {
			t.Errorf("kernel %s: %+v", c.kernel, j)
		}
	}
	j := explainJSONCall(t, "--input", "0,3,4,5", "--kernel", "1,2", "--padding", "causal")
	if j.PadLeft != 1 || j.PadRight != 0 || fmt.Sprint(j.Output) != "[[0] [6] [11] [14]]" {
		t.Errorf("causal: %+v", j)
	}
}

func TestExplainMultiChannelFilterBias(t *testing.T) {
	j := explainJSONCall(t, "--input", "[[0,0],[3,6],[4,7],[5,8]]", "--kernel", "[[[1,1],[3,1]],[[2,1],[4,1]]]", "--bias", "1,-2")
	if fmt.Sprint(j.Output) != "[[31 7] [58 18] [68 22]]" {
		t.Errorf("got %v", j.Output)
	}
	out, _, code := explainCall("--input", "[[0,0],[3,6],[4,7],[5,8]]", "--kernel", "[[[1,1],[3,1]],[[2,1],[4,1]]]", "--bias", "1,-2")
	if code != 0 || !strings.Contains(out, "  filter 0: [[0 0] [3 6]] * [[1 3] [2 4]] = [[0 0] [6 24]] → sum 30 + bias 1 = 31\n") {
		t.Errorf("exit %d, text:\n%s", code, out)
	}
}

// Every user error exits 2 with one line on stderr and nothing on stdout.
func TestExplainErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--kernel", "1,2"},
			"seqnet explain: --input is required: one sample, e.g. --input 0,3,4,5 or --input '[[0,0],[3,6],[4,7]]' (steps, channels)"},
		{[]string{"--input", "0,3,4,5"},
			"seqnet explain: --kernel is required: e.g. --kernel 1,2 or --kernel '[[[1],[3]],[[2],[4]]]' (kernel_size, channels, filters)"},
		{[]string{"--input", "0,3", "--kernel", "1,2,3"},
			`seqnet explain: input length 2 is shorter than the kernel's reach 3 (kernel_size 3, dilation 1): O = floor((2 - 3) / 1) + 1 would be 0; use a kernel_size of at most 2, padding "same" or "causal", or a longer input`},
		{[]string{"--input", "0,3,4,5,6", "--kernel", "1,2", "--strides", "2", "--dilation", "2"},
			"seqnet explain: strides > 1 together with dilation > 1 is not supported (received strides=2, dilation=2), as in Keras: use one or the other"},
		{[]string{"--input", "[[0,0],[3,6]]", "--kernel", "1,2"},
			"seqnet explain: the kernel has shape (2, 1, 1) but the input has 2 channel(s): the kernel layout is (kernel_size, channels, filters), so it needs shape (2, 2, 1)"},
		{[]string{"--input", "[[0,0],[3,6]", "--kernel", "1,2"},
			"seqnet explain: --input: not valid JSON (unexpected EOF): write arrays such as [[0,0],[3,6]]"},
		{[]string{"--input", "0,3,4", "--kernel", "[[1,2],[3,4]]"},
			"seqnet explain: --kernel: expected a comma list (one channel, one filter) or a 3-level JSON array in Keras layout (kernel_size, channels, filters), e.g. [[[1],[3]],[[2],[4]]] for kernel_size 2, 2 channels, 1 filter; received an array of shape (2, 2)"},
		{[]string{"--input", "0,three,4", "--kernel", "1,2"},
			`seqnet explain: --input: value 2 of "0,three,4": "three" is not a number`},
		{[]string{"--input", "0,3,4", "--kernel", "1,2", "--bias", "1,2"},
			"seqnet explain: 2 bias value(s) for 1 filter(s): give one bias per filter"},
		{[]string{"--input", "0,3,4", "--kernel", "1,2", "--bias", "x"},
			`seqnet explain: --bias: value 1 of "x": "x" is not a number`},
		{[]string{"--input", "0,3,4", "--kernel", "1,2", "--padding", "full"},
			`seqnet explain: unknown padding "full": expected "valid", "same" or "causal"`},
		{[]string{"--input", "0,3,4", "--kernel", "1,2", "--strides", "0"},
			"seqnet explain: --strides must be at least 1, received 0"},
		{[]string{"--input", "0,3,4", "--kernel", "1,2", "--dilation", "-1"},
			"seqnet explain: --dilation must be at least 1, received -1"},
		{[]string{"--input", "0,3,4", "--kernel", "1,2", "--strides", "two"},
			`seqnet explain: invalid value "two" for flag -strides: parse error; run 'seqnet explain -h' for the flags`},
		{[]string{"--input", "0,3,4", "--kernel", "1,2", "--filters", "2"},
			"seqnet explain: flag provided but not defined: -filters; run 'seqnet explain -h' for the flags"},
		{[]string{"0,3,4", "--kernel", "1,2"},
			`seqnet explain: unexpected argument "0,3,4": give the numbers with --input and --kernel`},
	} {
		out, errOut, code := explainCall(c.args...)
		if code != 2 || out != "" || errOut != c.want+"\n" {
			t.Errorf("%q: exit %d, stdout %q\nstderr %q\nwant   %q", c.args, code, out, errOut, c.want+"\n")
		}
	}
}

func TestExplainHelp(t *testing.T) {
	out, errOut, code := explainCall("-h")
	if code != 0 || errOut != "" || !strings.Contains(out, "--padding MODE") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
