// Package plot draws seqnet's pictures: learning curves, weight
// trajectories, attribution heatmaps, filter weights, and HTML pages that
// shade tokens by their attribution.
//
//   - LearningCurves / LearningCurvesEpochs: a Keras-style history, losses
//     and other metrics on two stacked panels sharing the epoch axis.
//   - WeightTrajectories: weights recorded during training (the tutorial's
//     "every 20 epochs"), with dashed reference lines for target values.
//   - AttributionHeatmap: an input (steps × channels) as lines, with its
//     attribution as a diverging heatmap underneath on the same step axis.
//   - FilterWeights: one Conv1D filter (kernel_size × in_channels) as a
//     heatmap with the weights printed in the cells.
//   - TokenHTML / WriteTokenHTML: tokens shaded red (positive) or blue
//     (negative) by their scores.
//   - FilterReportHTML / WriteFilterReportHTML: each filter's top n-grams.
//
// Inputs are plain Go values (slices and maps), so the package does not
// depend on the rest of seqnet. Charts are drawn with gonum/plot
// (gonum.org/v1/plot), the Go ecosystem's standard charting library, and are
// written as PNG (at DPI dots per inch) or SVG depending on the extension
// of the output path (".png" or ".svg", any case). HTML pages are
// self-contained: inline CSS, no scripts, no external resources.
//
// Colours mean the same everywhere: red is positive, blue negative, and a
// heatmap's neutral light grey is exactly 0, its scale symmetric around 0.
//
// Every file is written atomically: the bytes go to a temporary file in the
// destination directory, which is synced and then renamed over the
// destination, so a reader never sees a half-written picture, and a failed
// call leaves an existing file as it was.
//
// Problems a caller can cause (empty data, ragged rows, lengths that do not
// match, NaN where a value is needed, an unknown extension) come back as an
// error that says what was wrong and how to fix it; nothing panics on user
// input. In LearningCurves and WeightTrajectories, NaN and infinite values
// (a diverged run) are not errors: they break the line and the legend says
// how many were skipped.
package plot
