package shapewalk

import (
	"strings"
	"testing"
)

// TestMessagesNameInput: Walk's messages call the batch shape "input", as
// Walk's caller passes it, and write a shape to try as the Go string to
// pass (seqnet shape shows them as its --input flag).
func TestMessagesNameInput(t *testing.T) {
	for _, c := range []struct {
		input, spec, want string
	}{
		{"16070", "flatten", `input: expected the batch shape (batch, steps, channels), e.g. 16070,45,1, received "16070"`},
		{"1000,18", "conv1d:filters=8,kernel_size=3", `use (1000, 18, 1): input "1000,18,1"; if they are 18 features of a single step, use (1000, 1, 18): input "1000,1,18"`},
		{"16070,1,45", "conv1d:filters=128,kernel_size=10,strides=5", `the shape is (16070, 45, 1): input "16070,45,1"`},
	} {
		_, err := Walk(c.input, []string{c.spec})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Walk(%q, %q): %v\nwant an error saying %s", c.input, c.spec, err, c.want)
		}
	}
	if _, err := Walk("8,45,1", nil); err == nil || !strings.HasPrefix(err.Error(), "give at least one layer spec, e.g. conv1d:") {
		t.Errorf("Walk with no layers: %v", err)
	}
}
