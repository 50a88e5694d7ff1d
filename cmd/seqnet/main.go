package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"
)

// command is one subcommand: it gets its arguments and the output streams
// and returns the exit status (0 ok, 1 failure, 2 a usage or input error
// reported in one line on stderr).
type command struct {
	run     func(args []string, stdout, stderr io.Writer) int
	summary string
}

var commands = map[string]command{
	"demo":    {runDemo, "the Conv1D tutorial end to end (then real data)"},
	"explain": {runExplain, "show a convolution step by step"},
	"shape":   {runShape, "walk shapes through a stack of layers and explain shape errors"},
	"bench":   {runBench, "time the reference workloads (W1–W5), as torch_bench.py does"},
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "seqnet: 1D convolutional networks for text and time series, with Keras semantics.")
	fmt.Fprintln(w, "\nUsage: seqnet <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-14s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'seqnet <command> -h' for a command's flags.")
	fmt.Fprintln(w, "Every command also takes --max-memory SIZE (default 4GiB): the most memory a model may take;\na model, batch or input above it is refused with its size before anything is allocated.")
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// exitBug is the status of a panic: 1, like any failure that is not the
// user's; Go's own status for a panic, 2, is the README's user error.
const exitBug = 1

func run(args []string, stdout, stderr io.Writer) (status int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "seqnet: internal error (a bug in seqnet, not a problem with your input): %v\n"+
				"please report it with the command line that caused it; where it happened:\n%s", r, debug.Stack())
			status = exitBug
		}
	}()
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "seqnet: unknown command %q; known: %s\n", args[0], strings.Join(commandNames(), ", "))
		return 2
	}
	rest, err := takeMaxMemory(args[1:])
	if err == nil {
		err = guardPaths(args[0], rest)
	}
	if err != nil {
		return finish(stderr, args[0], err)
	}
	return c.run(rest, stdout, stderr)
}

func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
