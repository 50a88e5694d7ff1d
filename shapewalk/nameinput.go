package shapewalk

import "regexp"

// inputRef is how Walk's messages name its input, the batch shape:
// "input: ..." at the start, or a shape to try, input "16070,45,1".
var inputRef = regexp.MustCompile(`^input:|\binput "([^"\\]*)"`)

// NameInput rewrites a message of Walk so that it names the batch shape as
// the caller takes it: with name "--input", "input: ..." becomes
// "--input: ..." and input "16070,45,1" becomes "--input 16070,45,1". It is
// for a caller that gets the shape from a flag (seqnet shape, and the
// studio page that shows that command); Walk itself names no flag.
func NameInput(msg, name string) string {
	return inputRef.ReplaceAllStringFunc(msg, func(ref string) string {
		if ref == "input:" {
			return name + ":"
		}
		return name + " " + inputRef.FindStringSubmatch(ref)[1]
	})
}
