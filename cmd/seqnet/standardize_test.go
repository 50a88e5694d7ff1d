package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTrainStandardize: text is split at punctuation by default, train
// says so, and predict reads new texts with the standardization the model
// was trained with: "free-cash,now" is the words free cash now for a
// model trained with the default, and the one word freecashnow for a
// model trained with Keras' default. An unknown standardization, or one
// given for data that is not text, is a usage error.
func TestTrainStandardize(t *testing.T) {
	dir := t.TempDir()
	path := textTSV(t, dir, 60)
	args := append([]string{"train", "--data", path, "--text", "--text-column", "subject", "--target", "label", "--epochs", "1"}, small...)
	texts := writeFile(t, filepath.Join(dir, "p.tsv"), "subject\nfree-cash,now\nteam/meeting report\n")
	for _, c := range []struct {
		flag, says, same string
	}{
		{"", "words: --standardize lower_and_split_punctuation: ASCII punctuation separates words", "subject\nfree cash now\nteam meeting report\n"},
		{"lower_and_strip_punctuation", "words: --standardize lower_and_strip_punctuation (Keras' default): ASCII punctuation is deleted", "subject\nfreecashnow\nteammeeting report\n"},
	} {
		mp := filepath.Join(dir, "m"+c.flag+".seqnet")
		a := append(slices.Clone(args), "--out", mp)
		if c.flag != "" {
			a = append(a, "--standardize", c.flag)
		}
		if out := mustCLI(t, a...); !strings.Contains(out, c.says) {
			t.Errorf("--standardize %q: train does not say %q:\n%s", c.flag, c.says, out)
		}
		got := mustCLI(t, "predict", "--model", mp, "--data", texts)
		same := mustCLI(t, "predict", "--model", mp, "--data", writeFile(t, filepath.Join(dir, "same.tsv"), c.same))
		if got != same {
			t.Errorf("--standardize %q: predict read %q not as %q:\n%s\n%s", c.flag, "free-cash,now", c.same, got, same)
		}
		if c.flag == "" {
			joined := mustCLI(t, "predict", "--model", mp, "--data", writeFile(t, filepath.Join(dir, "joined.tsv"), "subject\nfreecashnow\nteammeeting report\n"))
			if joined == got {
				t.Errorf("the default model reads free-cash,now as freecashnow:\n%s", got)
			}
		}
	}
	if out := mustCLI(t, "summary", "--model", filepath.Join(dir, "m.seqnet")); !strings.Contains(out, "words split at punctuation (lower_and_split_punctuation)") {
		t.Errorf("summary does not name the standardization:\n%s", out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{append(slices.Clone(args), "--standardize", "lower", "--out", filepath.Join(dir, "x.seqnet")), `--standardize lower is not a standardization: expected "lower_and_split_punctuation"`},
		{[]string{"train", "--data", classCSV(t, dir, 30, 1), "--standardize", "lower_and_split_punctuation", "--out", filepath.Join(dir, "x.seqnet")}, "--standardize apply to text only"},
	} {
		_, errOut, code := cli(c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %q, want 2 and %q", c.args, code, errOut, c.want)
		}
	}
}
