package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/seqnet/seqnet/convwalk"
)

const explainUsage = `Usage: seqnet explain --input VALUES --kernel VALUES [flags]

Shows a 1-D convolution (Keras Conv1D, one sample) step by step: the padded
input, every window × kernel = products → sum (+ bias) per filter, the
output-length formula with the numbers filled in, and the output.

  seqnet explain --input 0,3,4,5 --kernel 1,2
  seqnet explain --input '[[0,0],[3,6],[4,7],[5,8]]' --kernel '[[[1],[3]],[[2],[4]]]'
  seqnet explain --input 0,3,4,5 --kernel '[[[1,3]],[[2,4]]]' --bias 0.5,-1 --padding same

Flags:
  --input VALUES    one sample: a comma list (steps of 1 channel) or JSON (steps, channels)
  --kernel VALUES   a comma list (1 channel, 1 filter) or JSON (kernel_size, channels, filters)
  --bias VALUES     one value per filter, comma list (default: no bias)
  --strides N       step between windows (default 1)
  --padding MODE    valid (default), same or causal
  --dilation N      dilation_rate: gap between kernel taps (default 1)
  --json            print one JSON object (output, output_length, pad_left, pad_right, windows, …)
`

// runExplain is the `seqnet explain` command. It returns 0 on success and
// 2, with one line on stderr, on a user error.
func runExplain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	input := fs.String("input", "", "")
	kernel := fs.String("kernel", "", "")
	bias := fs.String("bias", "", "")
	strides := fs.Int("strides", 1, "")
	padding := fs.String("padding", "valid", "")
	dilation := fs.Int("dilation", 1, "")
	asJSON := fs.Bool("json", false, "")
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "seqnet explain: "+format+"\n", a...)
		return 2
	}
	rest, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, explainUsage)
		return 0
	}
	if err != nil {
		return fail("%v; run 'seqnet explain -h' for the flags", err)
	}
	if len(rest) > 0 {
		return fail("unexpected argument %q: give the numbers with --input and --kernel", rest[0])
	}
	if *input == "" {
		return fail("--input is required: one sample, e.g. --input 0,3,4,5 or --input '[[0,0],[3,6],[4,7]]' (steps, channels)")
	}
	if *kernel == "" {
		return fail("--kernel is required: e.g. --kernel 1,2 or --kernel '[[[1],[3]],[[2],[4]]]' (kernel_size, channels, filters)")
	}
	spec := convwalk.Spec{Strides: *strides, Dilation: *dilation, Padding: strings.ToLower(strings.TrimSpace(*padding))}
	if *strides < 1 {
		return fail("--strides must be at least 1, received %d", *strides)
	}
	if *dilation < 1 {
		return fail("--dilation must be at least 1, received %d", *dilation)
	}
	if spec.Input, err = convwalk.ParseInput(*input); err != nil {
		return fail("--input: %v", err)
	}
	if spec.Kernel, err = convwalk.ParseKernel(*kernel); err != nil {
		return fail("--kernel: %v", err)
	}
	if *bias != "" {
		if spec.Bias, err = convwalk.ParseList(*bias); err != nil {
			return fail("--bias: %v", err)
		}
	}
	r, err := convwalk.Explain(spec)
	if err != nil {
		return fail("%v", err)
	}
	if *asJSON {
		err = r.WriteJSON(stdout)
	} else {
		err = r.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "seqnet explain: %v\n", err)
		return 1
	}
	return 0
}

// parseInterleaved parses flags that may come before, between or after
// positional arguments and returns the positional ones in order.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}
