package plot_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/seqnet/seqnet/plot"
)

// A Keras-style training history: losses on top, accuracies below.
func ExampleLearningCurves() {
	history := map[string][]float64{
		"loss":         {0.69, 0.52, 0.41, 0.35, 0.31, 0.29},
		"val_loss":     {0.70, 0.57, 0.47, 0.43, 0.42, 0.42},
		"accuracy":     {0.51, 0.74, 0.83, 0.87, 0.89, 0.90},
		"val_accuracy": {0.50, 0.70, 0.79, 0.81, 0.82, 0.82},
	}
	path := filepath.Join(os.TempDir(), "seqnet-example-curves.png")
	if err := plot.LearningCurves(path, "Training history", history); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("wrote", filepath.Base(path))
	// Output: wrote seqnet-example-curves.png
}

// The tutorial's toy model: two convolution weights printed every 20
// epochs, converging to [1, 2].
func ExampleWeightTrajectories() {
	epochs := []int{0, 20, 40, 60, 80, 100}
	w0 := []float64{-0.997, 0.21, 0.64, 0.86, 0.95, 0.99}
	w1 := []float64{-0.009, 1.12, 1.62, 1.85, 1.95, 1.99}
	path := filepath.Join(os.TempDir(), "seqnet-example-weights.svg")
	err := plot.WeightTrajectories(path, "Conv1D weights every 20 epochs", epochs,
		[]plot.Series{{Name: "w[0]", Values: w0}, {Name: "w[1]", Values: w1}}, 1, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("wrote", filepath.Base(path))
	// Output: wrote seqnet-example-weights.svg
}

// An input of 40 steps × 2 channels and an attribution of the same shape.
func ExampleAttributionHeatmap() {
	const steps = 40
	series := make([][]float64, steps)
	attribution := make([][]float64, steps)
	for t := range series {
		x := float64(t)
		series[t] = []float64{math.Sin(x / 4), math.Cos(x / 6)}
		bump := math.Exp(-(x - 20) * (x - 20) / 20)
		attribution[t] = []float64{bump * series[t][0], -0.5 * bump * series[t][1]}
	}
	path := filepath.Join(os.TempDir(), "seqnet-example-attribution.png")
	if err := plot.AttributionHeatmap(path, "Saliency", series, attribution, []string{"sin", "cos"}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("wrote", filepath.Base(path))
	// Output: wrote seqnet-example-attribution.png
}

// One filter of a Conv1D kernel (kernel_size=2, in_channels=2): the
// tutorial's [[1, 3], [2, 4]].
func ExampleFilterWeights() {
	kernel := [][]float64{{1, 3}, {2, 4}} // kernel[tap][channel]
	path := filepath.Join(os.TempDir(), "seqnet-example-filter.png")
	if err := plot.FilterWeights(path, "filter 0", kernel, "x0", "x1"); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("wrote", filepath.Base(path))
	// Output: wrote seqnet-example-filter.png
}

// Words shaded by how much they pushed a sentiment score up (red) or
// down (blue).
func ExampleTokenHTML() {
	tokens := []string{"the", "film", "was", "not", "good", "but", "the", "cast", "was", "great"}
	scores := []float64{0.01, 0.05, 0.0, -0.62, 0.35, -0.08, 0.02, 0.12, 0.0, 0.81}
	path := filepath.Join(os.TempDir(), "seqnet-example-tokens.html")
	if err := plot.TokenHTML(path, "Why positive?", tokens, scores, "gradient × input, summed over embedding channels"); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("wrote", filepath.Base(path))
	// Output: wrote seqnet-example-tokens.html
}

// The n-grams that excite two filters most.
func ExampleFilterReportHTML() {
	filters := []plot.FilterNgrams{
		{Filter: 0, Label: "conv1d", Ngrams: []string{"TATA", "TATT", "AATA"}, Activations: []float64{3.1, 2.7, 2.2}},
		{Filter: 1, Label: "conv1d", Ngrams: []string{"GGCG", "GCGC"}, Activations: []float64{1.9, 1.4}},
	}
	path := filepath.Join(os.TempDir(), "seqnet-example-filters.html")
	if err := plot.FilterReportHTML(path, filters); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("wrote", filepath.Base(path))
	// Output: wrote seqnet-example-filters.html
}
