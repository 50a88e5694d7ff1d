package plot

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// svgPath is one <path> of a gonum SVG: its style and the number of
// points in its data.
type svgPath struct {
	stroke, fill, dash string
	points             int
	d                  string
}

// svgDoc is what the tests read back from an SVG file.
type svgDoc struct {
	paths  []svgPath
	images int
	texts  []string
}

// readSVG parses an SVG with encoding/xml (so it must be well-formed) and
// collects its paths, images and text.
func readSVG(t *testing.T, file string) svgDoc {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	var doc svgDoc
	inText := false
	root := ""
	for {
		tok, err := dec.Token()
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("%s is not well-formed XML: %v", file, err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = el.Name.Local
			}
			switch el.Name.Local {
			case "path":
				var p svgPath
				for _, a := range el.Attr {
					switch a.Name.Local {
					case "d":
						p.d = a.Value
						p.points = strings.Count(a.Value, "M") + strings.Count(a.Value, "L")
					case "style":
						for _, kv := range strings.Split(a.Value, ";") {
							k, v, _ := strings.Cut(kv, ":")
							switch strings.TrimSpace(k) {
							case "stroke":
								p.stroke = strings.ToUpper(v)
							case "fill":
								p.fill = strings.ToUpper(v)
							case "stroke-dasharray":
								p.dash = v
							}
						}
					}
				}
				doc.paths = append(doc.paths, p)
			case "image":
				doc.images++
			case "text":
				inText = true
			}
		case xml.EndElement:
			if el.Name.Local == "text" {
				inText = false
			}
		case xml.CharData:
			if inText {
				doc.texts = append(doc.texts, strings.TrimSpace(string(el)))
			}
		}
	}
	if root != "svg" {
		t.Fatalf("%s: root element is %q, want svg", file, root)
	}
	return doc
}

// hexColor is the #RRGGBB gonum's SVG writer uses.
func hexColor(c color.RGBA) string {
	return fmt.Sprintf("#%02X%02X%02X", c.R, c.G, c.B)
}

// dataLines returns the stroked paths in colour c with at least minPoints
// points: the data lines, as opposed to axes (black), grid lines (grey)
// and legend thumbnails (two points).
func (d svgDoc) dataLines(c color.RGBA, minPoints int) []svgPath {
	var out []svgPath
	for _, p := range d.paths {
		if p.stroke == hexColor(c) && p.points >= minPoints {
			out = append(out, p)
		}
	}
	return out
}

// allDataLines counts data lines over the whole series palette.
func (d svgDoc) allDataLines(minPoints int) []svgPath {
	var out []svgPath
	for _, c := range seriesColors {
		out = append(out, d.dataLines(c, minPoints)...)
	}
	return out
}

// cellFills returns the fill colours of the filled, unstroked rectangles
// that are not white: the heatmap cells, in drawing order.
func (d svgDoc) cellFills() []string {
	var out []string
	for _, p := range d.paths {
		if p.fill != "" && p.fill != "NONE" && p.fill != "#FFFFFF" && p.stroke == "" && strings.Count(p.d, "L") == 3 {
			out = append(out, p.fill)
		}
	}
	return out
}

// parseHex parses #RRGGBB.
func parseHex(t *testing.T, s string) (r, g, b int) {
	t.Helper()
	if len(s) != 7 || s[0] != '#' {
		t.Fatalf("colour %q is not #RRGGBB", s)
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		t.Fatalf("colour %q: %v", s, err)
	}
	return int(v >> 16), int(v >> 8 & 0xff), int(v & 0xff)
}

// readPNG decodes a PNG and checks its size.
func readPNG(t *testing.T, file string, wantW, wantH int) image.Image {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", file, err)
	}
	if b := img.Bounds(); b.Dx() != wantW || b.Dy() != wantH {
		t.Fatalf("%s is %d×%d pixels, want %d×%d", file, b.Dx(), b.Dy(), wantW, wantH)
	}
	return img
}

// pngStats counts distinct colours, non-white pixels in the central
// region, and exact matches of each colour in want.
func pngStats(img image.Image, want []color.RGBA) (distinct int, centreInk float64, matches []int) {
	b := img.Bounds()
	seen := map[color.RGBA]bool{}
	matches = make([]int, len(want))
	ink, total := 0, 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			seen[c] = true
			for i, w := range want {
				if c == w {
					matches[i]++
				}
			}
			if x > b.Dx()/5 && x < b.Dx()*4/5 && y > b.Dy()/5 && y < b.Dy()*4/5 {
				total++
				if c != (color.RGBA{255, 255, 255, 255}) {
					ink++
				}
			}
		}
	}
	return len(seen), float64(ink) / float64(total), matches
}

// onlyFiles checks that dir holds exactly the named files: no temporary
// files were left behind.
func onlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Fatalf("%s holds %v, want exactly %v (a temporary file left behind?)", dir, got, names)
	}
}

// randMatrix returns rows×cols values from r, none of them zero.
func randMatrix(r *rand.Rand, rows, cols int) [][]float64 {
	m := make([][]float64, rows)
	for i := range m {
		m[i] = make([]float64, cols)
		for j := range m[i] {
			v := r.NormFloat64()
			if v == 0 {
				v = 0.5
			}
			m[i][j] = v
		}
	}
	return m
}

// testHistory returns a seeded, realistic-looking training history.
func testHistory(r *rand.Rand, epochs int, names ...string) map[string][]float64 {
	h := map[string][]float64{}
	for k, name := range names {
		v := make([]float64, epochs)
		for i := range v {
			x := float64(i)
			if strings.Contains(name, "loss") {
				v[i] = 1.3*math.Exp(-x/7) + 0.05*float64(k+1) + 0.03*r.Float64()
			} else {
				v[i] = 1 - 0.5*math.Exp(-x/6) - 0.03*float64(k) - 0.02*r.Float64()
			}
		}
		h[name] = v
	}
	return h
}

func tempFile(t *testing.T, name string) string {
	return filepath.Join(t.TempDir(), name)
}

// px is the PNG size in pixels of a length in inches.
func px(inches float64) int { return int(inches*DPI + 0.5) }
