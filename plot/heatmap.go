package plot

import (
	"fmt"
	"image"
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Heatmaps with more cells than these are drawn as one image instead of
// one rectangle per cell: in SVG that keeps files small, in PNG it keeps
// drawing fast (filling a path costs about 0.2 ms).
const (
	maxVectorCellsSVG = 20000
	maxVectorCellsPNG = 2500
)

// useRaster says whether a heatmap of n cells is drawn as an image.
func useRaster(f format, n int) bool {
	if f == formatSVG {
		return n > maxVectorCellsSVG
	}
	return n > maxVectorCellsPNG
}

// seam is how far each heatmap cell overlaps its neighbours.
const seam = vg.Length(0.4)

// divergingMap returns a blue–grey–red colour map (Moreland's smooth
// diverging map, as in ParaView) spanning -m..m, so that 0 is the neutral
// light grey, positive values red and negative values blue.
func divergingMap(m float64) palette.ColorMap {
	if !(m > 0) || math.IsInf(m, 0) {
		m = 1
	}
	m = math.Min(m, math.MaxFloat64/4) // keep max-min finite
	cm := moreland.SmoothBlueRed()
	cm.SetMin(-m)
	cm.SetMax(m)
	return cm
}

// colorAt is cm.At with the value clamped into the map's range.
func colorAt(cm palette.ColorMap, v float64) color.Color {
	v = math.Max(cm.Min(), math.Min(cm.Max(), v))
	c, err := cm.At(v)
	if err != nil {
		return color.Gray{0xcc}
	}
	return c
}

// cellGrid draws a cols×rows grid of coloured cells centred on integer
// coordinates: column i spans x in [i-0.5, i+0.5], row j spans y in
// [j-0.5, j+0.5].
type cellGrid struct {
	cols, rows int
	z          func(col, row int) float64
	cmap       palette.ColorMap
	raster     bool   // draw as one image instead of one rectangle per cell
	labels     bool   // print each cell's value in it
	format     string // fmt verb for labels
}

// DataRange implements gonum's plot.DataRanger.
func (g *cellGrid) DataRange() (xmin, xmax, ymin, ymax float64) {
	return -0.5, float64(g.cols) - 0.5, -0.5, float64(g.rows) - 0.5
}

// Plot implements gonum's plot.Plotter.
func (g *cellGrid) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, trY := p.Transforms(&c)
	if g.raster {
		// Repeat each cell over fx×fy pixels, about two per point, so a
		// viewer that smooths scaled images still shows sharp cells.
		fx := max(1, min(16, int(math.Ceil(2*float64(c.Max.X-c.Min.X)/float64(g.cols)))))
		fy := max(1, min(16, int(math.Ceil(2*float64(c.Max.Y-c.Min.Y)/float64(g.rows)))))
		img := image.NewRGBA(image.Rect(0, 0, g.cols*fx, g.rows*fy))
		for i := 0; i < g.cols; i++ {
			for j := 0; j < g.rows; j++ {
				col := color.RGBAModel.Convert(colorAt(g.cmap, g.z(i, j))).(color.RGBA)
				y0 := (g.rows - 1 - j) * fy
				for y := y0; y < y0+fy; y++ {
					for x := i * fx; x < (i+1)*fx; x++ {
						img.SetRGBA(x, y, col)
					}
				}
			}
		}
		plotter.NewImage(img, -0.5, -0.5, float64(g.cols)-0.5, float64(g.rows)-0.5).Plot(c, p)
	} else {
		for i := 0; i < g.cols; i++ {
			x0, x1 := trX(float64(i)-0.5), trX(float64(i)+0.5)
			for j := 0; j < g.rows; j++ {
				y0, y1 := trY(float64(j)-0.5), trY(float64(j)+0.5)
				c.SetColor(colorAt(g.cmap, g.z(i, j)))
				// Overlap the next cell slightly so anti-aliasing leaves
				// no hairline seams between cells.
				ox, oy := x1, y1
				if i < g.cols-1 {
					ox += seam
				}
				if j < g.rows-1 {
					oy += seam
				}
				c.Fill(vg.Rectangle{Min: vg.Point{X: x0, Y: y0}, Max: vg.Point{X: ox, Y: oy}}.Path())
			}
		}
	}
	if !g.labels {
		return
	}
	m := math.Max(math.Abs(g.cmap.Min()), math.Abs(g.cmap.Max()))
	sty := text.Style{
		Font:    font.From(font.Font{Typeface: "Liberation", Variant: "Sans"}, vg.Points(9)),
		XAlign:  draw.XCenter,
		YAlign:  draw.YCenter,
		Handler: p.TextHandler,
	}
	for i := 0; i < g.cols; i++ {
		for j := 0; j < g.rows; j++ {
			v := g.z(i, j)
			sty.Color = color.Black
			if math.Abs(v) > 0.6*m { // dark cell: white text
				sty.Color = color.White
			}
			c.FillText(sty, vg.Point{X: trX(float64(i)), Y: trY(float64(j))}, fmt.Sprintf(g.format, v))
		}
	}
}

// colorBarPlot returns a one-row panel showing the colour map cm with
// its values along the x axis.
func colorBarPlot(cm palette.ColorMap, label string) *gplot.Plot {
	p := newPlot("", label, "")
	p.Add(&plotter.ColorBar{ColorMap: cm, Colors: 256})
	p.HideY()
	p.X.Tick.Marker = niceTicks{}
	p.X.Padding = 0
	p.X.Min, p.X.Max = cm.Min(), cm.Max()
	p.Y.Min, p.Y.Max = 0, 1
	return p
}

// panel is one plot in a figure column.
type panel struct {
	p      *gplot.Plot
	height float64 // share of the figure height
	// narrow panels (colour bars) are centred at half the width and not
	// lined up with the others.
	narrow bool
	// legendOutside draws the legend right of the data area instead of
	// over it, for plots with no empty corner.
	legendOutside bool
}

// drawColumn draws panels top to bottom in dc and lines up the data areas
// of the full-width ones, so that panels sharing an x range share it
// exactly.
func drawColumn(dc draw.Canvas, panels ...panel) {
	const pad = vg.Length(6)
	const legendGap = vg.Length(8)
	dc = draw.Crop(dc, pad, -2*pad, pad, -pad)
	total := 0.0
	for _, pn := range panels {
		total += pn.height
	}
	H := dc.Max.Y - dc.Min.Y
	W := dc.Max.X - dc.Min.X
	cs := make([]draw.Canvas, len(panels))
	legends := make([]*gplot.Legend, len(panels))
	legendW := make([]vg.Length, len(panels))
	top := dc.Max.Y
	for i, pn := range panels {
		h := H * vg.Length(pn.height/total)
		c := dc
		c.Min.Y, c.Max.Y = top-h, top
		if i > 0 {
			c.Max.Y -= pad // gap between panels
		}
		if pn.narrow {
			c.Min.X += W / 4
			c.Max.X -= W / 4
		}
		cs[i] = c
		top -= h
		if pn.legendOutside {
			leg := pn.p.Legend
			legends[i] = &leg
			r := leg.Rectangle(c)
			legendW[i] = r.Max.X - r.Min.X + legendGap
			pn.p.Legend = gplot.NewLegend() // drawn by us, outside
		}
	}
	// Each full-width panel gets the largest left and right margin any of
	// them needs (legends drawn outside count in the right margin).
	var left, right vg.Length
	lefts := make([]vg.Length, len(panels))
	rights := make([]vg.Length, len(panels))
	for i, pn := range panels {
		if pn.narrow {
			continue
		}
		c := cs[i]
		c.Max.X -= legendW[i]
		da := pn.p.DataCanvas(c)
		lefts[i] = da.Min.X - cs[i].Min.X
		rights[i] = cs[i].Max.X - da.Max.X
		left, right = max(left, lefts[i]), max(right, rights[i])
	}
	for i, pn := range panels {
		c := cs[i]
		if !pn.narrow {
			c.Min.X += left - lefts[i]
			c.Max.X -= legendW[i] + right - rights[i]
		}
		pn.p.Draw(c)
		if legends[i] != nil {
			da := pn.p.DataCanvas(c)
			lc := da
			lc.Min.X, lc.Max.X = da.Max.X+legendGap, cs[i].Max.X
			legends[i].Top, legends[i].Left = true, true
			legends[i].XOffs, legends[i].YOffs = 0, 0
			legends[i].Draw(lc)
		}
	}
}

// channelTicks labels rows with names, channel 0 at the top (row
// len(names)-1), thinning the labels when rows are too short for text of
// the given size.
func channelTicks(names []string, rowHeight vg.Length) gplot.ConstantTicks {
	every := 1
	if need := vg.Points(11); rowHeight < need && rowHeight > 0 {
		every = int(math.Ceil(float64(need / rowHeight)))
	}
	ticks := make([]gplot.Tick, len(names))
	for i, n := range names {
		ticks[i] = gplot.Tick{Value: float64(len(names) - 1 - i)}
		if i%every == 0 {
			ticks[i].Label = n
		}
	}
	return ticks
}

// checkMatrix checks that m is a non-empty rows×cols matrix of finite
// values with rows and cols named by rowName and colName.
func checkMatrix(fn, what string, m [][]float64, rowName, colName string) (rows, cols int, err error) {
	if len(m) == 0 {
		return 0, 0, fmt.Errorf("plot: %s: %s is empty; expected a %s × %s matrix", fn, what, rowName, colName)
	}
	cols = len(m[0])
	if cols == 0 {
		return 0, 0, fmt.Errorf("plot: %s: %s[0] is empty; expected one value per %s", fn, what, colName)
	}
	for i, row := range m {
		if len(row) != cols {
			return 0, 0, fmt.Errorf("plot: %s: %s is ragged: row %d has %d values but row 0 has %d; every %s needs one value per %s", fn, what, i, len(row), cols, rowName, colName)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, 0, fmt.Errorf("plot: %s: %s[%d][%d] is %v; expected a finite number (replace or drop non-finite values before plotting)", fn, what, i, j, v)
			}
		}
	}
	return len(m), cols, nil
}

// maxAbs is the largest |v| in m.
func maxAbs(m [][]float64) float64 {
	a := 0.0
	for _, row := range m {
		for _, v := range row {
			a = math.Max(a, math.Abs(v))
		}
	}
	return a
}

// channelLabels returns names, or "ch 0", "ch 1", ... when names is nil.
func channelLabels(fn string, names []string, channels int) ([]string, error) {
	if names == nil {
		names = make([]string, channels)
		for i := range names {
			names[i] = fmt.Sprintf("ch %d", i)
		}
		return names, nil
	}
	if len(names) != channels {
		return nil, fmt.Errorf("plot: %s: %d channel names for %d channels; give one name per channel, or nil to name them ch 0, ch 1 and so on", fn, len(names), channels)
	}
	return names, nil
}

// AttributionHeatmap draws an input sequence and an attribution of the
// same shape (saliency, gradient × input, occlusion ...) and writes the
// figure to path (".png" or ".svg").
//
// series and attribution are steps × channels, channels-last as everywhere
// in seqnet. The top panel draws each channel of series as a line over the
// steps; the panel below draws attribution as a heatmap with steps along
// x and channels along y (channel 0 at the top), in a blue–red diverging
// colour map whose neutral light grey is 0
// (red: pushes the output up; blue: pushes it down), with a colour bar
// underneath. Both panels share the step axis exactly. channelNames may be
// nil (channels are then called ch 0, ch 1, ...); otherwise it needs one
// name per channel.
func AttributionHeatmap(path, title string, series [][]float64, attribution [][]float64, channelNames []string) error {
	const fn = "AttributionHeatmap"
	f, err := imageFormat(path)
	if err != nil {
		return err
	}
	steps, channels, err := checkMatrix(fn, "series", series, "step", "channel")
	if err != nil {
		return err
	}
	aSteps, aChannels, err := checkMatrix(fn, "attribution", attribution, "step", "channel")
	if err != nil {
		return err
	}
	if aSteps != steps || aChannels != channels {
		return fmt.Errorf("plot: %s: attribution is %d steps × %d channels but series is %d × %d; they must have the same shape", fn, aSteps, aChannels, steps, channels)
	}
	names, err := channelLabels(fn, channelNames, channels)
	if err != nil {
		return err
	}

	// Top: the input, one line per channel.
	top, pts := seriesPanel(title, series, names, f)

	// Bottom: the attribution heatmap.
	m := maxAbs(attribution)
	cm := divergingMap(m)
	heat := newPlot("", "step", "channel")
	heat.X.Tick.Marker = niceTicks{integer: true}
	heat.X.Padding = 0
	heat.Y.Padding = 0
	heat.Add(&cellGrid{
		cols: steps, rows: channels,
		z:      func(i, j int) float64 { return attribution[i][channels-1-j] }, // channel 0 on top
		cmap:   cm,
		raster: useRaster(f, steps*channels),
	})

	// Shared x range: cells are centred on whole steps.
	for _, p := range []*gplot.Plot{top, heat} {
		p.X.Min, p.X.Max = -0.5, float64(steps)-0.5
	}
	padY(top)
	legendOutside := !placeLegend(top, pts)
	heat.Y.Min, heat.Y.Max = -0.5, float64(channels)-0.5

	heatH := math.Min(6, math.Max(1.6, 0.22*float64(channels)))
	topH := 3.0
	barH := 0.75
	W, H := 9*vg.Inch, vg.Length(topH+heatH+barH+0.3)*vg.Inch
	heat.Y.Tick.Marker = channelTicks(names, vg.Length(heatH)*vg.Inch*0.8/vg.Length(channels))

	barLabel := "attribution (red +, blue −)"
	if m == 0 {
		barLabel = "attribution (all zero)"
	}
	bar := colorBarPlot(cm, barLabel)
	return render(path, W, H, func(dc draw.Canvas) {
		drawColumn(dc,
			panel{p: top, height: topH, legendOutside: legendOutside},
			panel{p: heat, height: heatH},
			panel{p: bar, height: barH, narrow: true})
	})
}

// seriesPanel draws AttributionHeatmap's top panel: each channel of series
// (steps × channels) as a line over the steps. It returns the plot and the
// lines' points, which placeLegend uses to keep the legend off them.
func seriesPanel(title string, series [][]float64, names []string, f format) (*gplot.Plot, []plotter.XYs) {
	steps, channels := len(series), len(names)
	top := newPlot(title, "", "input value")
	top.X.Tick.Marker = niceTicks{integer: true}
	top.Y.Tick.Marker = niceTicks{}
	top.X.Padding = 0
	xs := seqX(steps, 0)
	var pts []plotter.XYs
	for c := 0; c < channels; c++ {
		ys := make([]float64, steps)
		for t := range ys {
			ys[t] = series[t][c]
		}
		xy, _ := addLine(top, names[c], xs, ys, lineStyleFor(c), lineChunk(f))
		pts = append(pts, xy)
	}
	if channels > 12 {
		top.Legend = gplot.NewLegend() // too many to list; the heatmap names them
	}
	return top, pts
}

// FilterWeights draws one convolution filter's weights as a heatmap and
// writes it to path (".png" or ".svg").
//
// kernel is kernel_size × channels: kernel[k][c] is the weight at tap k
// for input channel c, i.e. one filter's slice W[:, :, f] of a Keras
// Conv1D kernel (kernel_size, in_channels, filters). Taps run along x,
// input channels along y (channel 0 at the top), in a blue–red diverging
// colour map whose neutral light grey is 0; small
// kernels have each weight printed in its cell. channelNames, if given,
// names the input channels (for example "A", "C", "G", "T" for one-hot
// DNA); it needs one name per channel.
func FilterWeights(path, title string, kernel [][]float64, channelNames ...string) error {
	const fn = "FilterWeights"
	f, err := imageFormat(path)
	if err != nil {
		return err
	}
	taps, channels, err := checkMatrix(fn, "kernel", kernel, "tap", "channel")
	if err != nil {
		return err
	}
	if len(channelNames) == 0 {
		channelNames = nil
	}
	names, err := channelLabels(fn, channelNames, channels)
	if err != nil {
		return err
	}
	m := maxAbs(kernel)
	cm := divergingMap(m)
	p := newPlot(title, "tap (position in the kernel)", "input channel")
	p.X.Tick.Marker = niceTicks{integer: true}
	p.X.Padding, p.Y.Padding = 0, 0
	p.Add(&cellGrid{
		cols: taps, rows: channels,
		z:      func(i, j int) float64 { return kernel[i][channels-1-j] }, // channel 0 on top
		cmap:   cm,
		raster: useRaster(f, taps*channels),
		labels: taps <= 24 && channels <= 24,
		format: "%.3g",
	})
	p.X.Min, p.X.Max = -0.5, float64(taps)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(channels)-0.5

	// Aim for square-ish cells big enough for a printed value.
	cell := math.Max(0.12, math.Min(0.6, math.Min(6.5/float64(taps), 5/float64(channels))))
	heatW := math.Max(3.5, cell*float64(taps))
	heatH := math.Max(1.2, cell*float64(channels))
	p.Y.Tick.Marker = channelTicks(names, vg.Length(heatH)*vg.Inch/vg.Length(channels))
	barH := 0.75
	W := vg.Length(heatW+1.6) * vg.Inch
	H := vg.Length(heatH+barH+1.1) * vg.Inch
	barLabel := "weight"
	if m == 0 {
		barLabel = "weight (all zero)"
	}
	bar := colorBarPlot(cm, barLabel)
	return render(path, W, H, func(dc draw.Canvas) {
		drawColumn(dc, panel{p: p, height: heatH + 0.7}, panel{p: bar, height: barH, narrow: true})
	})
}
