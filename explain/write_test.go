package explain

import (
	"encoding/json"
	"image"
	_ "image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// decodePNG opens a PNG and checks it has a size and more than one colour.
func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, format, err := image.Decode(f)
	if err != nil || format != "png" {
		t.Fatalf("%s: %v (format %q)", path, err, format)
	}
	b := img.Bounds()
	if b.Dx() < 100 || b.Dy() < 100 {
		t.Fatalf("%s: %d×%d pixels", path, b.Dx(), b.Dy())
	}
	colors := map[[4]uint32]bool{}
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, a := img.At(x, y).RGBA()
			colors[[4]uint32{r, g, bl, a}] = true
		}
	}
	if len(colors) < 10 {
		t.Fatalf("%s looks blank: %d colours", path, len(colors))
	}
	return img
}

func TestWritePictureSeries(t *testing.T) {
	tk := trainedSeries(t)
	dir := t.TempDir()
	a, err := ForRow(tk.m, tk.tx, 1, "integrated", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Row != 1 || len(a.Input) != seriesSteps || len(a.Values[0]) != seriesChannels {
		t.Fatalf("attribution row %d, %d×%d", a.Row, len(a.Values), len(a.Values[0]))
	}
	png := filepath.Join(dir, "series.png")
	if err := WritePicture(png, a, nil); err != nil {
		t.Fatal(err)
	}
	decodePNG(t, png)
	svg := filepath.Join(dir, "series.SVG")
	if err := WritePicture(svg, a, nil); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(svg); !strings.Contains(string(b), "<svg") {
		t.Fatal("the SVG has no <svg element")
	}
	csv := filepath.Join(dir, "series.csv")
	if err := WritePicture(csv, a, nil); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(csv)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != seriesSteps+1 || lines[0] != "step,input_0,input_1,score,attr_0,attr_1" {
		t.Fatalf("CSV: %d lines, header %q", len(lines), lines[0])
	}
	if err := WritePicture(filepath.Join(dir, "x.jpg"), a, nil); err == nil || !strings.Contains(err.Error(), ".png") {
		t.Errorf("a .jpg path: %v", err)
	}
	// Filter weights of the conv layer.
	fw := filepath.Join(dir, "filter.png")
	if err := FilterWeights(fw, tk.m, tk.m.Layers()[0].Common().Name, 2, "bump", "decoy"); err != nil {
		t.Fatal(err)
	}
	decodePNG(t, fw)
	if err := FilterWeights(fw, tk.m, tk.m.Layers()[0].Common().Name, 8); err == nil || !strings.Contains(err.Error(), "8 filters (0–7)") {
		t.Errorf("filter 8 of 8: %v", err)
	}
	if err := FilterWeights(fw, tk.m, "dense", 0); err == nil || !strings.Contains(err.Error(), "conv1d") {
		t.Errorf("a Dense layer as a filter: %v", err)
	}
}

func TestWritePictureTokens(t *testing.T) {
	tk := trainedText(t)
	dir := t.TempDir()
	voc := vocabulary()
	row := 1 // a positive row (odd rows are positives)
	a, err := ForRow(tk.m, tk.tx, row, "gradxinput", Options{})
	if err != nil {
		t.Fatal(err)
	}
	words := Words(voc, a.Tokens)
	if got := Words(voc[:3], []int{2, 7, 0}); strings.Join(got, " ") != "w2 7 <pad>" {
		t.Errorf("Words: %q", got)
	}
	page := filepath.Join(dir, "tokens.html")
	if err := WritePicture(page, a, words); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(page)
	for _, w := range words {
		if !strings.Contains(string(b), ">"+w+"<") {
			t.Fatalf("the page lacks token %q", w)
		}
	}
	if err := WritePicture(filepath.Join(dir, "t.png"), a, words); err == nil || !strings.Contains(err.Error(), ".html") {
		t.Errorf("a token attribution as PNG: %v", err)
	}
	if err := WritePicture(page, a, words[:3]); err == nil || !strings.Contains(err.Error(), "3 tokens") {
		t.Errorf("too few tokens: %v", err)
	}
	r, err := FilterReport(tk.m, tk.x, voc, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"filters.html", "filters.json", "filters.tsv"} {
		p := filepath.Join(dir, name)
		if err := WriteFilterReport(p, r); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(p)
		if !strings.Contains(string(b), "w5 w9 w2") {
			t.Errorf("%s lacks the planted trigram", name)
		}
		if strings.HasSuffix(name, ".json") {
			var back Report
			if err := json.Unmarshal(b, &back); err != nil || len(back.Layers) != 1 || len(back.Layers[0].Filters) != 16 {
				t.Errorf("JSON report does not read back: %v", err)
			}
		}
	}
	if err := WriteFilterReport(filepath.Join(dir, "f.pdf"), r); err == nil {
		t.Error("a .pdf report accepted")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestErrorsForPeople(t *testing.T) {
	tk := trainedSeries(t)
	cases := []struct {
		name string
		err  func() error
		want []string
	}{
		{"row out of range", func() error { _, err := ForRow(tk.m, tk.tx.Rows(0, 100), 120, "gradient", Options{}); return err },
			[]string{"row 120 does not exist: the data has 100 rows (0–99)"}},
		{"negative row", func() error { _, err := ForRow(tk.m, tk.tx, -1, "gradient", Options{}); return err },
			[]string{"row -1 does not exist"}},
		{"unknown method", func() error { _, err := ForRow(tk.m, tk.tx, 0, "lime", Options{}); return err },
			[]string{`"lime"`, "gradient, gradxinput, integrated, occlusion"}},
		{"unit", func() error { _, err := Gradient(tk.m, tk.tx, Options{Unit: 3}); return err },
			[]string{"unit 3 does not exist", "1 unit"}},
		{"output", func() error { _, err := Gradient(tk.m, tk.tx, Options{Output: 1}); return err },
			[]string{"output 1 does not exist"}},
		{"rule", func() error { _, err := IntegratedGradients(tk.m, tk.tx, Options{Rule: "simpson"}); return err },
			[]string{"simpson", "trapezoid", "midpoint"}},
		{"baseline", func() error { _, err := Occlusion(tk.m, tk.tx, Options{Baseline: "median"}); return err },
			[]string{"median", "zero", "mean"}},
		{"wrong data shape", func() error { _, err := Gradient(tk.m, tensor.New(3, 10, 2), Options{}); return err }, []string{"10"}},
		{"empty data", func() error { _, err := ForRow(tk.m, nil, 0, "gradient", Options{}); return err }, []string{"empty"}},
		{"no Conv1D", func() error {
			m, err := model.NewSequential(layers.Input(6, 2), layers.NewFlatten(), layers.NewDense(1, "sigmoid"))
			if err != nil {
				return err
			}
			_, err = FilterReport(m, tensor.New(4, 6, 2), nil, 3)
			return err
		}, []string{"no Conv1D layer", "flatten, dense"}},
		{"mean of tokens", func() error {
			tt := trainedText(t)
			_, err := Occlusion(tt.m, tt.tx.Rows(0, 2), Options{Baseline: "mean"})
			return err
		}, []string{"no mean token", "padding index 0"}},
		{"vocabulary too short", func() error {
			tt := trainedText(t)
			_, err := FilterReport(tt.m, tt.tx, []string{"<pad>", "a"}, 3)
			return err
		}, []string{"vocabulary has 2 entries"}},
	}
	for _, c := range cases {
		err := c.err()
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", c.name, err, w)
			}
		}
		t.Logf("%s: %v", c.name, err)
	}
}
