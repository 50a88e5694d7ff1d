package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLibraryMessagesShowCommands: messages of packages keras, model and
// pipeline name the Go function or setting a library user has
// (keras.ReadModelJSON, model.MaxMemory, pipeline.Fit); seqnet shows them
// as its own commands and flags, and no Go name is left in what it prints.
func TestLibraryMessagesShowCommands(t *testing.T) {
	dir := t.TempDir()
	js := filepath.Join("..", "..", "keras", "testdata", "keras2_sequential_conv1d.json")
	imp := filepath.Join(dir, "imported.seqnet")
	mustCLI(t, "import", "--keras-json", js, "--out", imp)
	csv := filepath.Join(dir, "rows.csv")
	if err := os.WriteFile(csv, []byte("a,b\n1,2\n3,4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "--keras", js, "--out", filepath.Join(dir, "m.seqnet")},
			"is JSON, not a saved Keras model: for model.to_json() output use seqnet import --keras-json"},
		{[]string{"import", "--keras-json", js, "--out", filepath.Join(dir, "m.seqnet"), "--max-memory", "100"},
			"or raise the limit (--max-memory)"},
		{[]string{"predict", "--model", imp, "--data", csv},
			"(it was imported, not trained by seqnet train): give NumPy arrays with --x X.npy (and --y Y.npy)"},
	} {
		_, errOut, code := cli(c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("seqnet %s: exit %d, %q\nwant exit 2 saying %q", strings.Join(c.args, " "), code, errOut, c.want)
		}
		for _, goName := range []string{"keras.", "model.MaxMemory", "pipeline.", "Source.", "seqnet --max-memory"} {
			if strings.Contains(errOut, goName) {
				t.Errorf("seqnet %s: the message names %q, not a flag or command: %q", strings.Join(c.args, " "), goName, errOut)
			}
		}
	}
}
