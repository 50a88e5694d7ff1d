package plot

import (
	"bytes"
	"fmt"
	"github.com/seqnet/seqnet/internal/atomicfile"
	"io"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// DPI is the resolution of PNG output. A figure 8 inches wide is
// 8*DPI pixels wide.
const DPI = 150

// format is an output file format chosen from a path's extension.
type format int

const (
	formatPNG format = iota
	formatSVG
)

// imageFormat returns the picture format for path, or an error naming the
// extension and the ones that are supported.
func imageFormat(path string) (format, error) {
	if path == "" {
		return 0, fmt.Errorf("plot: empty output path; give a file name ending in .png or .svg")
	}
	ext := strings.ToLower(filepath.Ext(path))
	switch ext {
	case ".png":
		return formatPNG, nil
	case ".svg":
		return formatSVG, nil
	case "":
		return 0, fmt.Errorf("plot: output path %q has no extension; expected .png or .svg (for example %q)", path, path+".png")
	default:
		return 0, fmt.Errorf("plot: output path %q has extension %q; expected .png or .svg", path, ext)
	}
}

// render draws a figure of size w×h with fn and writes it to path as PNG
// or SVG, atomically. fn is called once.
func render(path string, w, h vg.Length, fn func(dc draw.Canvas)) (err error) {
	f, err := imageFormat(path)
	if err != nil {
		return err
	}
	// gonum/plot panics on a few impossible configurations; our checks
	// should make those unreachable, but a picture is never worth a crash.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plot: drawing %s failed: %v (this is a bug in package plot; please report it with the input that caused it)", path, r)
		}
	}()
	var buf bytes.Buffer
	switch f {
	case formatPNG:
		c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(DPI))
		fn(draw.New(c))
		if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
			return fmt.Errorf("plot: encoding PNG for %s: %w", path, err)
		}
	case formatSVG:
		c := vgsvg.New(w, h)
		// Paint the page white; an SVG is transparent by default and
		// unreadable on a dark viewer.
		dc := draw.New(c)
		dc.SetColor(colorWhite)
		dc.Fill(dc.Rectangle.Path())
		fn(dc)
		if _, err := c.WriteTo(&buf); err != nil {
			return fmt.Errorf("plot: encoding SVG for %s: %w", path, err)
		}
		return writeFileAtomic(path, fixSVG(buf.Bytes()))
	}
	return writeFileAtomic(path, buf.Bytes())
}

// svgFixes repair what gonum's SVG writer (v0.17.0) leaves for viewers to
// guess:
//   - embedded images are PNG but labelled image/jpg, which strict
//     renderers (librsvg, Inkscape) refuse to draw;
//   - embedded images keep their aspect ratio by default, which squeezes a
//     256×1 colour bar or a steps×channels heatmap into a thin strip;
//     they must fill their box, pixel for pixel, without smoothing;
//   - text names only "Liberation Sans", whose metrics gonum measured;
//     Arial and Helvetica have the same metrics, so viewers without
//     Liberation fonts still lay labels out as drawn.
var svgFixes = strings.NewReplacer(
	`xlink:href="data:image/jpg;base64,`, `xlink:href="data:image/png;base64,`,
	`<image `, `<image preserveAspectRatio="none" style="image-rendering:pixelated;image-rendering:crisp-edges" `,
	`font-family:Liberation Sans;`, `font-family:'Liberation Sans',Arial,Helvetica,sans-serif;`,
)

// fixSVG applies svgFixes.
func fixSVG(b []byte) []byte {
	return []byte(svgFixes.Replace(string(b)))
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory, synced and renamed over path.
func writeFileAtomic(path string, data []byte) error {
	return writeAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeAtomic lets fn fill a temporary file next to path and puts it in
// place atomically (internal/atomicfile). On any error path is left as it
// was.
func writeAtomic(path string, fn func(w io.Writer) error) error {
	if err := atomicfile.Write(path, fn); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}
