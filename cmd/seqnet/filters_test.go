package main

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
)

func TestFiltersText(t *testing.T) {
	f := textFixture(t)
	dir := t.TempDir()
	report := filepath.Join(dir, "filters.html")
	stdout, stderr, code := xmCall("filters", "--model", f.model, "--data", f.data, "--top", "3", "--out", report)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// One line per filter of the text model's Conv1D (4 filters, bigrams).
	if !strings.Contains(stdout, "conv1d: 4 filters, kernel 2, strides 1, dilation 1; each output step sees 2 input tokens") {
		t.Errorf("layer line missing:\n%s", stdout)
	}
	line := regexp.MustCompile(`(?m)^  filter  \d: "[\w<>]+ [\w<>]+" [-0-9.e]+, "[\w<>]+ [\w<>]+" [-0-9.e]+, "[\w<>]+ [\w<>]+" [-0-9.e]+$`)
	if got := len(line.FindAllString(stdout, -1)); got != 4 {
		t.Errorf("want 4 filter lines with 3 bigrams each, got %d:\n%s", got, stdout)
	}
	// Some filter's favourite bigram holds the word that decides the class.
	if !regexp.MustCompile(`filter  \d: "(spam [\w<>]+|[\w<>]+ spam)"`).MatchString(stdout) {
		t.Errorf("no filter leads with a bigram holding \"spam\":\n%s", stdout)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "<html") || !strings.Contains(string(b), "spam") {
		t.Errorf("%s is not an HTML report with the n-grams:\n%.400s", report, b)
	}
	// --x gives the same report; JSON and TSV decode.
	js := filepath.Join(dir, "filters.json")
	stdout2, stderr, code := xmCall("filters", "--model", f.model, "--x", f.x, "--top", "3", "--out", js)
	if code != 0 {
		t.Fatalf("--x: exit %d: %s", code, stderr)
	}
	if a, b := strings.SplitN(stdout, "\n", 2)[1], strings.SplitN(stdout2, "\n", 2)[1]; strings.ReplaceAll(a, report, "") != strings.ReplaceAll(b, js, "") {
		t.Errorf("--data and --x give different filters:\n%s\n%s", a, b)
	}
	var r struct {
		Layers []struct {
			Layer   string
			Filters []struct{ Top []struct{ Text string } }
		}
	}
	if b, err := os.ReadFile(js); err != nil || json.Unmarshal(b, &r) != nil || len(r.Layers) != 1 || len(r.Layers[0].Filters) != 4 || len(r.Layers[0].Filters[0].Top) != 3 {
		t.Errorf("%s does not hold 1 layer of 4 filters × 3 n-grams (%v):\n%s", js, err, b)
	}
	tsv := filepath.Join(dir, "filters.tsv")
	if _, stderr, code := xmCall("filters", "--model", f.model, "--x", f.x, "--top", "2", "--out", tsv); code != 0 {
		t.Fatalf("tsv: exit %d: %s", code, stderr)
	}
	if b, _ := os.ReadFile(tsv); strings.Count(string(b), "\n") < 8 {
		t.Errorf("%s should have a line per match:\n%s", tsv, b)
	}
}

func TestFiltersSeries(t *testing.T) {
	f := seriesFixture(t)
	dir := t.TempDir()
	weights := filepath.Join(dir, "weights")
	stdout, stderr, code := xmCall("filters", "--model", f.model, "--data", f.data, "--weights-dir", weights)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"conv1d: 4 filters, kernel 3", "conv1d_1: 5 filters, kernel 2", "top 10 per filter", "wrote 9 filter weight pictures to " + weights} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	window := regexp.MustCompile(`row \d+ steps \d+–\d+ [-0-9.e]+`)
	if got := len(window.FindAllString(stdout, -1)); got < 9*5 {
		t.Errorf("want about 10 windows for each of 9 filters, found %d:\n%s", got, stdout)
	}
	ents, err := os.ReadDir(weights)
	if err != nil || len(ents) != 9 {
		t.Fatalf("want 9 pictures in %s, got %d (%v)", weights, len(ents), err)
	}
	for _, e := range ents {
		r, err := os.Open(filepath.Join(weights, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		_, err = png.Decode(r)
		r.Close()
		if err != nil {
			t.Errorf("%s is not a PNG: %v", e.Name(), err)
		}
	}
	if _, err := os.Stat(filepath.Join(weights, "conv1d_1_filter04.png")); err != nil {
		t.Errorf("pictures are not named LAYER_filterNN.png: %v", err)
	}
}

// TestFiltersErrors pins the messages of the mistakes people make.
func TestFiltersErrors(t *testing.T) {
	s := seriesFixture(t)
	dir := t.TempDir()
	// A model without Conv1D.
	dense, err := model.NewSequential(layers.Input(12, 1), layers.NewFlatten(), layers.NewDense(2, "softmax"))
	if err != nil {
		t.Fatal(err)
	}
	if err := dense.Build(); err != nil {
		t.Fatal(err)
	}
	denseFile := filepath.Join(dir, "dense.seqnet")
	if err := checkpoint.Save(denseFile, dense, checkpoint.Extra{}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--data", s.data}, "seqnet filters: --model is required"},
		{[]string{"--model", s.model}, "no rows given: pass --data FILE"},
		{[]string{"--model", s.model, "--x", s.x, "--top", "0"}, "--top must be at least 1 (inputs kept per filter), received 0"},
		{[]string{"--model", s.model, "--x", s.x, "--out", filepath.Join(dir, "r.pdf")}, `--out ` + filepath.Join(dir, "r.pdf") + `: unsupported extension ".pdf": use .html (tables), .json or .tsv`},
		{[]string{"--model", denseFile, "--x", s.x}, "--model " + denseFile + " has no Conv1D layer, so it has no filters to report (its layers: "},
		{[]string{"--model", s.model, "--x", s.x, "--layer", "conv1d"}, "flag provided but not defined: -layer; run 'seqnet filters -h' for the flags"},
		{[]string{"--model", s.model, "--x", s.x, "extra"}, `unexpected argument "extra"`},
	}
	for _, c := range cases {
		stdout, stderr, code := xmCall(append([]string{"filters"}, c.args...)...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", c.args, code, stderr)
		}
		if !strings.Contains(stderr, c.want) {
			t.Errorf("%v:\n got %q\nwant %q", c.args, stderr, c.want)
		}
		if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "seqnet filters: ") {
			t.Errorf("%v: stderr should be one line starting with the command, got %q", c.args, stderr)
		}
		if stdout != "" {
			t.Errorf("%v: printed despite the error:\n%s", c.args, stdout)
		}
	}
	out, _, code := xmCall("filters", "-h")
	if code != 0 || !strings.Contains(out, "--weights-dir DIR") {
		t.Errorf("-h: exit %d:\n%s", code, out)
	}
}
