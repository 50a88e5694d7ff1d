// Package explainplot writes what package explain computes as pictures and
// files: an attribution as a heatmap (PNG, SVG), shaded tokens (HTML) or
// numbers (CSV); a filter report as a page (HTML), JSON or TSV; one
// Conv1D filter's weights (PNG, SVG).
//
// It is apart from explain so that computing attributions does not pull in
// the plotting library (gonum/plot and its fonts and image encoders).
package explainplot
