// Package plot draws seqnet's pictures: learning curves, weight
// trajectories, attribution heatmaps, filter weights, and HTML pages that
// shade tokens by their attribution.
//
// Inputs are plain Go values (slices and maps), so the package does not
// depend on the rest of seqnet. Charts are drawn with gonum/plot
// (gonum.org/v1/plot), the Go ecosystem's standard charting library, and are
// written as PNG or SVG depending on the extension of the output path
// (".png" or ".svg", any case). HTML pages are self-contained: inline CSS,
// no scripts, no external resources.
//
// Every file is written atomically: the bytes go to a temporary file in the
// destination directory, which is synced and then renamed over the
// destination, so a reader never sees a half-written picture.
//
// Problems a caller can cause (empty data, ragged rows, lengths that do not
// match, NaN where a value is needed, an unknown extension) come back as an
// error that says what was wrong and how to fix it; nothing panics on user
// input.
package plot
