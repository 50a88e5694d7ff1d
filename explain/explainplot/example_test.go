package explainplot_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/seqnet/seqnet/explain"
	"github.com/seqnet/seqnet/explain/explainplot"
)

func ExampleWritePictureLabeled() {
	attr := &explain.Attribution{Method: "gradient", Kind: explain.Series, Prediction: 0.05,
		Input: [][]float64{{0.1, 1}, {0.2, 0}}, Values: [][]float64{{0.5, -0.1}, {0.9, 0.2}}, Scores: []float64{0.4, 1.1}}
	dir, _ := os.MkdirTemp("", "explain")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "row.svg")
	err := explainplot.WritePictureLabeled(path, attr, nil, explainplot.Labels{Channels: []string{"sales", "promo"}, Prediction: "sales = 412"})
	b, _ := os.ReadFile(path)
	fmt.Println(err, strings.Contains(string(b), "prediction sales = 412"), strings.Contains(string(b), "promo"))
	// Output: <nil> true true
}
