package main

import (
	"io"
	"strings"
	"testing"
)

// TestPanicIsNotAUserError checks that a panic inside a command (a bug)
// ends with status 1 and a message saying it is a bug, not with Go's
// status 2, which the README reserves for user errors.
func TestPanicIsNotAUserError(t *testing.T) {
	commands["test-panic"] = command{func([]string, io.Writer, io.Writer) int {
		var s []int
		return s[3]
	}, ""}
	defer delete(commands, "test-panic")
	_, errOut, code := cli("test-panic")
	if code != 1 || !strings.Contains(errOut, "internal error (a bug in seqnet") {
		t.Errorf("exit %d, stderr %q: want 1 and the bug message", code, errOut)
	}
}

// TestValidationSplitNaN is the CLI side of `--validation-split NaN`,
// which panicked in data.(*Series).Slice: a user error, before reading.
func TestValidationSplitNaN(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir+"/s.csv", "date,a,b\n1,1,2\n2,2,3\n3,3,4\n4,4,5\n5,5,6\n6,6,7\n7,7,8\n")
	for _, extra := range [][]string{{"--window", "2"}, nil} {
		args := append([]string{"train", "--data", path, "--validation-split", "NaN", "--out", dir + "/m.seqnet"}, extra...)
		_, errOut, code := cli(args...)
		if code != 2 || !strings.Contains(errOut, "--validation-split must be in [0, 1), received NaN") {
			t.Errorf("%v: exit %d, stderr %q", extra, code, errOut)
		}
	}
}
