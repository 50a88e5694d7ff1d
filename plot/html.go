package plot

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strings"
)

// The HTML colours match the heatmaps' meaning: red for positive scores,
// blue for negative ones.
const (
	rgbPositive = "214,39,40"
	rgbNegative = "31,119,180"
)

// htmlPath checks that path ends in .html or .htm.
func htmlPath(fn, path string) error {
	if path == "" {
		return fmt.Errorf("plot: %s: empty output path; give a file name ending in .html", fn)
	}
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".html", ".htm":
		return nil
	case "":
		return fmt.Errorf("plot: %s: output path %q has no extension; expected .html (for example %q)", fn, path, path+".html")
	default:
		return fmt.Errorf("plot: %s: output path %q has extension %q; expected .html or .htm", fn, path, ext)
	}
}

// shade returns the CSS background for a score given the largest |score|:
// red for positive, blue for negative, opacity |score|/maxAbs.
func shade(score, maxAbs float64) (css string, alpha float64) {
	if maxAbs > 0 {
		alpha = math.Min(1, math.Abs(score)/maxAbs)
	}
	rgb := rgbPositive
	if score < 0 {
		rgb = rgbNegative
	}
	return fmt.Sprintf("background-color:rgba(%s,%.3f)", rgb, alpha), alpha
}

// textColor keeps text readable on strong shades.
func textColor(alpha float64) string {
	if alpha > 0.6 {
		return ";color:#fff"
	}
	return ""
}

// fmtScore formats a score with its sign, compactly.
func fmtScore(v float64) string {
	if v == 0 {
		return "0"
	}
	return fmt.Sprintf("%+.4g", v)
}

// visibleToken shows whitespace-only tokens (a space, a newline) as a
// visible symbol, since an empty shaded box says nothing.
func visibleToken(tok string) string {
	switch {
	case tok == "":
		return "∅"
	case strings.TrimSpace(tok) == "":
		r := strings.NewReplacer(" ", "␣", "\n", "⏎", "\t", "⇥", "\r", "")
		return r.Replace(tok)
	}
	return tok
}

const pageCSS = `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:2em auto;max-width:60em;padding:0 1em;color:#222;line-height:1.4}
h1{font-size:1.4em;margin-bottom:.3em}
h2{font-size:1.15em;margin:1.6em 0 .4em}
.note{color:#555;margin:.2em 0 1em}
.tokens{display:flex;flex-wrap:wrap;gap:3px;padding:.6em;border:1px solid #ddd;border-radius:4px;background:#fff}
.tok{padding:1px 4px;margin:1px;border-radius:3px;white-space:pre;font-size:1.05em}
.legend{display:flex;align-items:center;margin:.8em 0;font-size:.9em;color:#444}
.legend>span{margin-right:.5em}
.filters{display:flex;flex-wrap:wrap;align-items:flex-start}
.filter{margin-right:2.5em}
.bar{width:14em;height:.9em;border:1px solid #ccc;background:linear-gradient(to right,rgb(` + rgbNegative + `),#fff,rgb(` + rgbPositive + `))}
table{border-collapse:collapse;margin:.4em 0;font-size:.92em}
th,td{border-bottom:1px solid #e4e4e4;padding:2px 10px;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre}
.meter{display:inline-block;height:.8em;vertical-align:middle}
details{margin:1em 0}
summary{cursor:pointer;color:#333}
`

// writePageStart writes the doctype, head (with inline CSS) and <h1>.
func writePageStart(w *bufio.Writer, title string) {
	t := html.EscapeString(title)
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>%s</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>%s</h1>\n", t, pageCSS, t)
}

func writePageEnd(w *bufio.Writer) {
	fmt.Fprintf(w, "</body>\n</html>\n")
}

// checkTokens validates TokenHTML's input.
func checkTokens(fn string, tokens []string, scores []float64) error {
	if len(tokens) == 0 {
		return fmt.Errorf("plot: %s: tokens is empty; expected one token per input position", fn)
	}
	if len(scores) != len(tokens) {
		return fmt.Errorf("plot: %s: %d tokens but %d scores; give one score per token", fn, len(tokens), len(scores))
	}
	return checkFinite(fn+": scores", scores)
}

// TokenHTML writes a self-contained HTML page (inline CSS, no scripts, no
// external resources) to path (".html" or ".htm") that shows tokens
// shaded by their attribution scores: red for positive, blue for
// negative, with opacity |score| / max|score|. Each token's title
// attribute (its tooltip) gives its position and score. note, if not
// empty, is shown under the title. Below the text are the ten strongest
// tokens (by |score|, zeros left out) and, folded, a table of every
// token's score.
func TokenHTML(path string, title string, tokens []string, scores []float64, note string) error {
	const fn = "TokenHTML"
	if err := htmlPath(fn, path); err != nil {
		return err
	}
	if err := checkTokens(fn, tokens, scores); err != nil {
		return err
	}
	return writeAtomic(path, func(w io.Writer) error {
		return WriteTokenHTML(w, title, tokens, scores, note)
	})
}

// WriteTokenHTML is TokenHTML writing to w.
func WriteTokenHTML(w io.Writer, title string, tokens []string, scores []float64, note string) error {
	if err := checkTokens("WriteTokenHTML", tokens, scores); err != nil {
		return err
	}
	m := 0.0
	for _, s := range scores {
		m = math.Max(m, math.Abs(s))
	}
	bw := bufio.NewWriter(w)
	writePageStart(bw, title)
	if note != "" {
		fmt.Fprintf(bw, "<p class=\"note\">%s</p>\n", html.EscapeString(note))
	}
	fmt.Fprintf(bw, "<div class=\"tokens\">\n")
	for i, tok := range tokens {
		css, a := shade(scores[i], m)
		fmt.Fprintf(bw, "<span class=\"tok\" style=\"%s%s\" title=\"#%d %s: %s\">%s</span>\n",
			css, textColor(a), i, html.EscapeString(tok), fmtScore(scores[i]), html.EscapeString(visibleToken(tok)))
	}
	fmt.Fprintf(bw, "</div>\n")
	if m == 0 {
		fmt.Fprintf(bw, "<p class=\"legend\">All %d scores are zero: nothing is shaded.</p>\n", len(scores))
	} else {
		fmt.Fprintf(bw, "<div class=\"legend\"><span>%s</span><span class=\"bar\"></span><span>%s</span><span>(blue lowers the output, red raises it; shade ∝ |score| / %.4g)</span></div>\n",
			fmtScore(-m), fmtScore(m), m)
	}

	// The ten strongest tokens (zeros say nothing), then all of them.
	var strong []int
	for i, s := range scores {
		if s != 0 {
			strong = append(strong, i)
		}
	}
	sort.SliceStable(strong, func(a, b int) bool { return math.Abs(scores[strong[a]]) > math.Abs(scores[strong[b]]) })
	if len(strong) > 0 {
		strong = strong[:min(10, len(strong))]
		fmt.Fprintf(bw, "<h2>Strongest %d tokens</h2>\n", len(strong))
		writeScoreTable(bw, tokens, scores, strong, m)
	}
	all := make([]int, len(tokens))
	for i := range all {
		all[i] = i
	}
	fmt.Fprintf(bw, "<details>\n<summary>Scores of all %d tokens, in order</summary>\n", len(tokens))
	writeScoreTable(bw, tokens, scores, all, m)
	fmt.Fprintf(bw, "</details>\n")
	writePageEnd(bw)
	return bw.Flush()
}

// writeScoreTable writes a table of the tokens at idx with their scores
// and a bar proportional to |score|.
func writeScoreTable(w *bufio.Writer, tokens []string, scores []float64, idx []int, m float64) {
	fmt.Fprintf(w, "<table>\n<tr><th class=\"num\">#</th><th>token</th><th class=\"num\">score</th><th></th></tr>\n")
	for _, i := range idx {
		fmt.Fprintf(w, "<tr><td class=\"num\">%d</td><td class=\"mono\">%s</td><td class=\"num\">%s</td><td>%s</td></tr>\n",
			i, html.EscapeString(visibleToken(tokens[i])), fmtScore(scores[i]), meter(scores[i], m))
	}
	fmt.Fprintf(w, "</table>\n")
}

// meter is an inline bar as wide as |v|/m (up to 10em), red or blue.
func meter(v, m float64) string {
	wid := 0.0
	if m > 0 {
		wid = 10 * math.Abs(v) / m
	}
	rgb := rgbPositive
	if v < 0 {
		rgb = rgbNegative
	}
	return fmt.Sprintf("<span class=\"meter\" style=\"width:%.2fem;background-color:rgb(%s)\"></span>", wid, rgb)
}

// FilterNgrams lists the input n-grams that activate one convolution
// filter most, for FilterReportHTML.
type FilterNgrams struct {
	// Filter is the filter's index in its layer.
	Filter int
	// Label, if not empty, is shown next to the index (e.g. a layer name).
	Label string
	// Ngrams are the n-grams, strongest first (the order is kept).
	Ngrams []string
	// Activations[i] is the filter's activation on Ngrams[i].
	Activations []float64
}

func checkFilters(fn string, filters []FilterNgrams) error {
	if len(filters) == 0 {
		return fmt.Errorf("plot: %s: filters is empty; expected one FilterNgrams per filter to report", fn)
	}
	for i, f := range filters {
		if len(f.Ngrams) != len(f.Activations) {
			return fmt.Errorf("plot: %s: filters[%d] (filter %d) has %d n-grams but %d activations; give one activation per n-gram", fn, i, f.Filter, len(f.Ngrams), len(f.Activations))
		}
		if err := checkFinite(fmt.Sprintf("%s: filters[%d].Activations", fn, i), f.Activations); err != nil {
			return err
		}
	}
	return nil
}

// FilterReportHTML writes a self-contained HTML page to path (".html" or
// ".htm") with, for each filter, a table of its top n-grams and their
// activations, each with a bar scaled to the filter's strongest
// activation. A filter with no n-grams is listed as such.
func FilterReportHTML(path string, filters []FilterNgrams) error {
	const fn = "FilterReportHTML"
	if err := htmlPath(fn, path); err != nil {
		return err
	}
	if err := checkFilters(fn, filters); err != nil {
		return err
	}
	return writeAtomic(path, func(w io.Writer) error { return WriteFilterReportHTML(w, filters) })
}

// WriteFilterReportHTML is FilterReportHTML writing to w.
func WriteFilterReportHTML(w io.Writer, filters []FilterNgrams) error {
	if err := checkFilters("WriteFilterReportHTML", filters); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	writePageStart(bw, "Filter report")
	fmt.Fprintf(bw, "<p class=\"note\">%d filters; for each, the n-grams of the input that activate it most, strongest first.</p>\n", len(filters))
	fmt.Fprintf(bw, "<div class=\"filters\">\n")
	for _, f := range filters {
		fmt.Fprintf(bw, "<section class=\"filter\">\n")
		head := fmt.Sprintf("Filter %d", f.Filter)
		if f.Label != "" {
			head += " — " + f.Label
		}
		fmt.Fprintf(bw, "<h2 id=\"filter-%d\">%s</h2>\n", f.Filter, html.EscapeString(head))
		if len(f.Ngrams) == 0 {
			fmt.Fprintf(bw, "<p class=\"note\">No n-grams (the filter never activated).</p>\n</section>\n")
			continue
		}
		m := 0.0
		for _, a := range f.Activations {
			m = math.Max(m, math.Abs(a))
		}
		fmt.Fprintf(bw, "<table>\n<tr><th class=\"num\">rank</th><th>n-gram</th><th class=\"num\">activation</th><th></th></tr>\n")
		for i, g := range f.Ngrams {
			fmt.Fprintf(bw, "<tr><td class=\"num\">%d</td><td class=\"mono\">%s</td><td class=\"num\">%.4g</td><td>%s</td></tr>\n",
				i+1, html.EscapeString(g), f.Activations[i], meter(f.Activations[i], m))
		}
		fmt.Fprintf(bw, "</table>\n</section>\n")
	}
	fmt.Fprintf(bw, "</div>\n")
	writePageEnd(bw)
	return bw.Flush()
}
