package explainplot

import (
	"encoding/json"
	"image"
	_ "image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/explain"
	"github.com/seqnet/seqnet/explain/internal/explaintest"
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
	tk := explaintest.TrainedSeries(t)
	dir := t.TempDir()
	a, err := explain.ForRow(tk.M, tk.TX, 1, "integrated", explain.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Row != 1 || len(a.Input) != explaintest.SeriesSteps || len(a.Values[0]) != explaintest.SeriesChannels {
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
	if len(lines) != explaintest.SeriesSteps+1 || lines[0] != "step,input_0,input_1,score,attr_0,attr_1" {
		t.Fatalf("CSV: %d lines, header %q", len(lines), lines[0])
	}
	if err := WritePicture(filepath.Join(dir, "x.jpg"), a, nil); err == nil || !strings.Contains(err.Error(), ".png") {
		t.Errorf("a .jpg path: %v", err)
	}
	// Filter weights of the conv layer.
	fw := filepath.Join(dir, "filter.png")
	if err := FilterWeights(fw, tk.M, tk.M.Layers()[0].Common().Name, 2, "bump", "decoy"); err != nil {
		t.Fatal(err)
	}
	decodePNG(t, fw)
	if err := FilterWeights(fw, tk.M, tk.M.Layers()[0].Common().Name, 8); err == nil || !strings.Contains(err.Error(), "8 filters (0–7)") {
		t.Errorf("filter 8 of 8: %v", err)
	}
	if err := FilterWeights(fw, tk.M, "dense", 0); err == nil || !strings.Contains(err.Error(), "conv1d") {
		t.Errorf("a Dense layer as a filter: %v", err)
	}
}

func TestWritePictureTokens(t *testing.T) {
	tk := explaintest.TrainedText(t)
	dir := t.TempDir()
	voc := explaintest.Vocabulary()
	row := 1 // a positive row (odd rows are positives)
	a, err := explain.ForRow(tk.M, tk.TX, row, "gradxinput", explain.Options{})
	if err != nil {
		t.Fatal(err)
	}
	words := explain.Words(voc, a.Tokens)
	if got := explain.Words(voc[:3], []int{2, 7, 0}); strings.Join(got, " ") != "w2 7 <pad>" {
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
	r, err := explain.FilterReport(tk.M, tk.X, voc, 3)
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
			var back explain.Report
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
