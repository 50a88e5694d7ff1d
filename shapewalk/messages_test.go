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

// TestNameInput: both ways Walk's messages name the batch shape are
// rewritten with the caller's name, and nothing else is.
func TestNameInput(t *testing.T) {
	for _, c := range []struct{ msg, want string }{
		{`input: expected the batch shape, received "16070"`, `--input: expected the batch shape, received "16070"`},
		{`use (1000, 18, 1): input "1000,18,1"; or (1000, 1, 18): input "1000,1,18"`, `use (1000, 18, 1): --input 1000,18,1; or (1000, 1, 18): --input 1000,1,18`},
		{`the input: is not at the start; output "1,2,3" stays`, `the input: is not at the start; output "1,2,3" stays`},
	} {
		if got := NameInput(c.msg, "--input"); got != c.want {
			t.Errorf("NameInput(%q)\n got %q\nwant %q", c.msg, got, c.want)
		}
	}
	_, err := Walk("16070,1,45", []string{"conv1d:filters=128,kernel_size=10,strides=5"})
	if got := NameInput(err.Error(), "--input"); !strings.Contains(got, "(16070, 45, 1): --input 16070,45,1") {
		t.Errorf("a real message, renamed: %s", got)
	}
}
