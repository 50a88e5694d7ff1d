package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/keras"
	"github.com/seqnet/seqnet/tensor"
)

// TestImportKerasFile: seqnet import --keras writes a model that predicts
// as the .keras or .h5 file read directly, says that optimizer state is
// not imported, and refuses a file whose weights it cannot all find.
func TestImportKerasFile(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ file, say string }{
		{"convbn.keras", "the optimizer state in the file is not imported"},
		{"rnns.h5", "optimizer state is never imported"},
	} {
		in := filepath.Join("..", "..", "keras", "testdata", "kerasfiles", c.file)
		out := filepath.Join(dir, c.file+".seqnet")
		said := mustCLI(t, "import", "--keras", in, "--out", out)
		if !strings.Contains(said, c.say) || !strings.Contains(said, "saved "+out) {
			t.Errorf("%s: output %q does not say %q", c.file, said, c.say)
		}
		want, _, err := keras.ReadModelFile(in)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := checkpoint.Load(out)
		if err != nil {
			t.Fatal(err)
		}
		shape := append([]int{3}, want.InputShapes()[0]...)
		x := tensor.New(shape...)
		for i := range x.Data {
			x.Data[i] = float32(i % 7)
		}
		pw, err := want.Predict(x, 3)
		if err != nil {
			t.Fatal(err)
		}
		pg, err := got.Predict(x, 3)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(pw.Data, pg.Data) {
			t.Errorf("%s: the saved model predicts %v, the file %v", c.file, pg.Data, pw.Data)
		}
	}
	bad := filepath.Join("..", "..", "keras", "testdata", "kerasfiles", "deep_latest.keras")
	_, errOut, code := cli("import", "--keras", bad, "--out", filepath.Join(dir, "bad.seqnet"))
	if code != 2 || !strings.Contains(errOut, `needs 2 weight arrays; found 0`) {
		t.Errorf("a file with weights missing: exit %d, %q", code, errOut)
	}
	_, errOut, code = cli("import", "--keras", bad, "--keras-json", "m.json", "--out", filepath.Join(dir, "x.seqnet"))
	if code != 2 || !strings.Contains(errOut, "leave out --keras-json") {
		t.Errorf("--keras with --keras-json: exit %d, %q", code, errOut)
	}
}
