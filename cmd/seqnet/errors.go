package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/seqnet/seqnet/pipeline"
)

// userError is a problem the user can fix (a flag, a file, a column): the
// command exits with status 2 and one line on stderr.
type userError struct{ err error }

func (e userError) Error() string { return e.err.Error() }
func (e userError) Unwrap() error { return e.err }

// userErr formats a user error.
func userErr(format string, a ...any) error { return userError{fmt.Errorf(format, a...)} }

// asUser marks err (e.g. from a data reader) as the user's to fix.
func asUser(err error) error {
	if err == nil {
		return nil
	}
	var u userError
	if errors.As(err, &u) {
		return err
	}
	return userError{err}
}

// finish prints err as one line (the settings package pipeline names as
// Options fields named as flags) and returns the exit status: 0 without an
// error, 2 for a user error, 1 otherwise.
func finish(stderr io.Writer, cmd string, err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "seqnet %s: %s\n", cmd, oneLine(flagNames(err.Error())))
	var u userError
	var in pipeline.InputError
	if errors.As(err, &u) || errors.As(err, &in) {
		return 2
	}
	return 1
}

// oneLine joins the lines of a message with "; ".
func oneLine(s string) string {
	var parts []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "; ")
}

// parseFlags parses args with fs; -h prints usage to stdout. It returns
// done=true when the command should stop with the returned status.
func parseFlags(fs *flag.FlagSet, args []string, usage string, stdout, stderr io.Writer) (done bool, status int) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		return true, 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "seqnet %s: %v; run 'seqnet %s -h' for the flags\n", fs.Name(), err, fs.Name())
		return true, 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "seqnet %s: unexpected argument %q: every input is given by a flag (e.g. --data FILE); run 'seqnet %s -h' for the flags\n",
			fs.Name(), fs.Arg(0), fs.Name())
		return true, 2
	}
	return false, 0
}

// parseFileFlags parses the flags of a command whose flags may come in any
// order around stray words (parseInterleaved); a stray word is a user error
// that ends with hint, which says which flags name the files.
func parseFileFlags(fs *flag.FlagSet, args []string, usage, hint string, stdout, stderr io.Writer) (done bool, status int) {
	fs.SetOutput(io.Discard)
	rest, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		return true, 0
	}
	if err != nil {
		return true, finish(stderr, fs.Name(), userErr("%v; run 'seqnet %s -h' for the flags", err, fs.Name()))
	}
	if len(rest) > 0 {
		return true, finish(stderr, fs.Name(), userErr("unexpected argument %q: %s", rest[0], hint))
	}
	return false, 0
}
