package engine

import "regexp"

// walkInput is how shapewalk's messages name Walk's input, the batch
// shape: "input: ..." at the start, or a shape to try, input "16070,45,1".
var walkInput = regexp.MustCompile(`^input:|\binput "([^"\\]*)"`)

// inputFlag writes the batch shape that shapewalk's message names as the
// page's command line does, with seqnet shape's flag: "--input: ...",
// --input 16070,45,1 (the page shows that command beside the message).
func inputFlag(msg string) string {
	return walkInput.ReplaceAllStringFunc(msg, func(ref string) string {
		if ref == "input:" {
			return "--input:"
		}
		return "--input " + walkInput.FindStringSubmatch(ref)[1]
	})
}
