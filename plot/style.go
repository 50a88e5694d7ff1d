package plot

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

var colorWhite = color.RGBA{255, 255, 255, 255}

// seriesColors is the line palette: matplotlib's "tab10", which most
// readers of training plots already know. Series beyond ten reuse the
// colours with a dash pattern (see lineStyleFor).
var seriesColors = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, // blue
	{0xff, 0x7f, 0x0e, 0xff}, // orange
	{0x2c, 0xa0, 0x2c, 0xff}, // green
	{0xd6, 0x27, 0x28, 0xff}, // red
	{0x94, 0x67, 0xbd, 0xff}, // purple
	{0x8c, 0x56, 0x4b, 0xff}, // brown
	{0xe3, 0x77, 0xc2, 0xff}, // pink
	{0x7f, 0x7f, 0x7f, 0xff}, // grey
	{0xbc, 0xbd, 0x22, 0xff}, // olive
	{0x17, 0xbe, 0xcf, 0xff}, // cyan
}

// referenceColor draws reference lines that belong to no single series.
var referenceColor = color.RGBA{0x44, 0x44, 0x44, 0xff}

const lineWidth = vg.Length(1.6)

var (
	dashesVal       = []vg.Length{vg.Points(6), vg.Points(3)}
	dashesReference = []vg.Length{vg.Points(2.5), vg.Points(2.5)}
	dashesCycle     = []vg.Length{vg.Points(1.5), vg.Points(2)}
)

// lineStyleFor returns the style of the i-th series of a panel.
func lineStyleFor(i int) draw.LineStyle {
	s := draw.LineStyle{Color: seriesColors[i%len(seriesColors)], Width: lineWidth}
	if i >= len(seriesColors) {
		s.Dashes = dashesCycle
	}
	return s
}

// newPlot returns a gonum plot with seqnet's defaults: sans-serif text in
// readable sizes and a light grid. Callers choose the tick pickers.
func newPlot(title, xlabel, ylabel string) *gplot.Plot {
	p := gplot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(14)
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.X.Label.TextStyle.Font.Size = vg.Points(12)
	p.Y.Label.TextStyle.Font.Size = vg.Points(12)
	p.X.Tick.Label.Font.Size = vg.Points(10)
	p.Y.Tick.Label.Font.Size = vg.Points(10)
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	p.Legend.ThumbnailWidth = vg.Points(28)
	p.Legend.Padding = vg.Points(2)
	p.Legend.XOffs = -vg.Points(6)
	for _, f := range []*font.Font{&p.Title.TextStyle.Font, &p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font,
		&p.X.Tick.Label.Font, &p.Y.Tick.Label.Font, &p.Legend.TextStyle.Font} {
		f.Variant = "Sans"
	}
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{0xe4}
	g.Horizontal.Color = color.Gray{0xe4}
	g.Vertical.Width = vg.Points(0.5)
	g.Horizontal.Width = vg.Points(0.5)
	p.Add(g)
	return p
}

// niceTicks labels round values (1, 2 or 5 times a power of ten) about
// six times across the axis, with unlabelled minor ticks between them.
// With integer set, it never labels a fraction (for epochs and steps).
type niceTicks struct{ integer bool }

// Ticks implements gonum's plot.Ticker.
func (t niceTicks) Ticks(min, max float64) []gplot.Tick {
	span := max - min
	if !(span > 0) || math.IsInf(span, 0) {
		return []gplot.Tick{{Value: min, Label: fmtNum(min)}, {Value: max, Label: fmtNum(max)}}
	}
	step, minors := niceStep(span / 6)
	if t.integer && step < 1 {
		step, minors = 1, 1
	}
	var out []gplot.Tick
	prec := -int(math.Floor(math.Log10(step))) // decimals needed to show step
	if prec < 0 {
		prec = 0
	}
	first := math.Ceil(min/step-1e-9) * step
	// Bounded loops: with a span far below the values' precision, adding
	// step might never pass max.
	for i := 0; i < 50; i++ {
		v := first + float64(i)*step
		if v > max+step*1e-9 {
			break
		}
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		out = append(out, gplot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', prec, 64)})
	}
	if minors > 1 {
		ms := step / float64(minors)
		firstMinor := math.Ceil(min/ms-1e-9) * ms
		for i := 0; i < 500; i++ {
			v := firstMinor + float64(i)*ms
			if v > max+ms*1e-9 {
				break
			}
			if r := math.Mod(math.Abs(v)/step+1e-9, 1); r < 2e-9 {
				continue // a major tick already
			}
			out = append(out, gplot.Tick{Value: v})
		}
	}
	return out
}

// niceStep rounds raw up to 1, 2 or 5 times a power of ten and says how
// many minor intervals to put in each step.
func niceStep(raw float64) (step float64, minors int) {
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	switch f := raw / pow; {
	case f <= 1:
		return pow, 5
	case f <= 2:
		return 2 * pow, 4
	case f <= 5:
		return 5 * pow, 5
	default:
		return 10 * pow, 5
	}
}

// padY widens the y range by 6% on each side so lines do not run along
// the frame, and gives a flat series a visible range.
func padY(p *gplot.Plot) {
	lo, hi := p.Y.Min, p.Y.Max
	if math.IsInf(lo, 0) || math.IsInf(hi, 0) || lo > hi {
		p.Y.Min, p.Y.Max = -1, 1
		return
	}
	d := hi - lo
	if math.IsInf(d, 0) {
		return // already as wide as float64 goes
	}
	if d == 0 {
		d = math.Max(math.Abs(lo)*0.2, 0.5)
		p.Y.Min, p.Y.Max = lo-d, hi+d
		return
	}
	p.Y.Min, p.Y.Max = lo-0.06*d, hi+0.06*d
}

// placeLegend puts the legend in the corner of the data area that holds
// the fewest points, so it hides as little of the data as possible, and
// reports whether that corner is (nearly) empty; if not, the caller should
// draw the legend outside the data area. Must be called after the axis
// ranges are final.
func placeLegend(p *gplot.Plot, pts []plotter.XYs) bool {
	type corner struct{ top, left bool }
	corners := []corner{{true, false}, {false, false}, {true, true}, {false, true}}
	best, bestN := 0, math.MaxInt
	dx, dy := p.X.Max-p.X.Min, p.Y.Max-p.Y.Min
	if dx <= 0 || dy <= 0 {
		return true
	}
	total := 0
	for _, xys := range pts {
		total += len(xys)
	}
	for ci, c := range corners {
		n := 0
		for _, xys := range pts {
			for _, pt := range xys {
				u, v := (pt.X-p.X.Min)/dx, (pt.Y-p.Y.Min)/dy
				inX := (c.left && u < 0.4) || (!c.left && u > 0.6)
				inY := (c.top && v > 0.65) || (!c.top && v < 0.35)
				if inX && inY {
					n++
				}
			}
		}
		if n < bestN {
			best, bestN = ci, n
		}
	}
	p.Legend.Top, p.Legend.Left = corners[best].top, corners[best].left
	if p.Legend.Left {
		p.Legend.XOffs = vg.Points(6)
	}
	if p.Legend.Top {
		p.Legend.YOffs = -vg.Points(4)
	} else {
		p.Legend.YOffs = vg.Points(4)
	}
	return bestN <= total/50
}

// pngChunk is the most points stroked at once in PNG output: the raster
// stroker's cost grows faster than linearly with the length of a path, so
// long lines are drawn as joined pieces (12 s → under 1 s for 64 noisy
// lines of 1000 points). SVG lines stay whole.
const pngChunk = 64

// lineChunk returns the chunk size addLine should use for format f.
func lineChunk(f format) int {
	if f == formatPNG {
		return pngChunk
	}
	return 0
}

// maxDrawable is the largest |value| drawn; beyond it axis arithmetic
// (max - min) overflows.
const maxDrawable = 1e300

// addLine adds one named series to p, drawn with style. Non-finite values
// (and values beyond ±maxDrawable) break the line; isolated finite points are drawn as dots. With chunk > 0,
// longer stretches are drawn as pieces of chunk points that share their
// end points. It returns the finite points (for legend placement) and how
// many values were skipped.
func addLine(p *gplot.Plot, name string, xs, ys []float64, style draw.LineStyle, chunk int) (plotter.XYs, int) {
	var all plotter.XYs
	var seg plotter.XYs
	skipped := 0
	var thumb gplot.Thumbnailer
	flush := func() {
		switch len(seg) {
		case 0:
			return
		case 1:
			s, _ := plotter.NewScatter(seg)
			s.GlyphStyle = draw.GlyphStyle{Color: style.Color, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
			if style.Dashes != nil { // hollow dots for dashed (validation) series
				s.GlyphStyle.Shape = draw.RingGlyph{}
			}
			p.Add(s)
		default:
			step := len(seg)
			if chunk > 0 {
				step = chunk
			}
			for i := 0; i < len(seg)-1; i += step {
				l := &plotter.Line{XYs: seg[i:min(len(seg), i+step+1)], LineStyle: style}
				p.Add(l)
				if thumb == nil {
					thumb = l
				}
			}
		}
		seg = nil
	}
	huge := 0
	for i, y := range ys {
		if math.IsNaN(y) || math.IsInf(y, 0) {
			skipped++
			flush()
			continue
		}
		if math.Abs(y) > maxDrawable {
			huge++
			flush()
			continue
		}
		pt := plotter.XY{X: xs[i], Y: y}
		seg = append(seg, pt)
		all = append(all, pt)
	}
	flush()
	label := name
	switch {
	case skipped > 0 && huge > 0:
		label = fmt.Sprintf("%s (%d non-finite and %d beyond ±1e300 skipped)", name, skipped, huge)
	case skipped > 0:
		label = fmt.Sprintf("%s (%d non-finite skipped)", name, skipped)
	case huge > 0:
		label = fmt.Sprintf("%s (%d beyond ±1e300 skipped)", name, huge)
	}
	skipped += huge
	if thumb == nil {
		// Only dots, or nothing at all: the legend still shows the style.
		thumb = &plotter.Line{LineStyle: style}
	}
	p.Legend.Add(label, thumb)
	return all, skipped
}

// seqX returns from, from+1, ..., from+n-1 as float64.
func seqX(n int, from int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = float64(from + i)
	}
	return xs
}

// checkFinite returns an error naming the first NaN or infinity in vs.
func checkFinite(what string, vs []float64) error {
	for i, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("plot: %s[%d] is %v; expected a finite number (replace or drop non-finite values before plotting)", what, i, v)
		}
	}
	return nil
}
