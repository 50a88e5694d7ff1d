package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/seqnet/seqnet/shapewalk"
)

const shapeUsage = `Usage: seqnet shape --input BATCH,STEPS,CHANNELS LAYER...

Walks a batch shape through a stack of layers and prints, per layer, the
output shape, the formula with the numbers filled in and the parameter
count. When a layer cannot take its input it says which one, shows the
arithmetic and suggests the fix.

A LAYER is name:key=value,key=value with Keras argument names; the name is
any registered layer class or its snake_case (conv1d, dense, flatten,
max_pooling1d, …). Values are given as on the command line; a value that
holds commas continues until the next key=.

  seqnet shape --input 16070,45,1 conv1d:filters=128,kernel_size=10,strides=5 flatten dense:units=1
  seqnet shape --input 32,100,8 conv1d:filters=16,kernel_size=3,padding=same max_pooling1d:pool_size=2 flatten dense:units=1,activation=sigmoid

Flags:
  --input SHAPE   batch shape (batch, steps, channels), e.g. 16070,45,1; the first
                  number is the batch size, printed as given (None or ? for unknown)
`

// runShape is the `seqnet shape` command. It returns 0 on success and 2,
// with the reason on stderr (first line says it all), on a user error.
// The walk itself is shapewalk.Walk, shared with `seqnet studio`.
func runShape(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("shape", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	input := fs.String("input", "", "")
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "seqnet shape: "+format+"\n", a...)
		return 2
	}
	specs, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, shapeUsage)
		return 0
	}
	if err != nil {
		return fail("%v; run 'seqnet shape -h' for the flags", err)
	}
	if *input == "" {
		return fail("--input is required: the batch shape, e.g. --input 16070,45,1 for 16070 samples of 45 steps of 1 channel")
	}
	if _, _, err := shapewalk.ParseBatchShape(*input); err == nil && len(specs) == 0 {
		// Walk says "give at least one layer spec"; a command line gives
		// them as arguments.
		return fail("give at least one layer after the flags, e.g. conv1d:filters=128,kernel_size=10 flatten dense:units=1")
	}
	t, err := shapewalk.Walk(*input, specs)
	var le *shapewalk.LayerError
	if errors.As(err, &le) {
		t.Write(stdout) // the partial table, without totals
	}
	if err != nil {
		return fail("%s", shapewalk.NameInput(err.Error(), "--input"))
	}
	t.Write(stdout)
	return 0
}
