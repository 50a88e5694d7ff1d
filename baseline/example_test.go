package baseline_test

import (
	"fmt"
	"math"

	"github.com/seqnet/seqnet/baseline"
)

func ExamplePersistence() {
	y := []float64{10, 12, 11, 13, 15}
	p, _ := baseline.Persistence(y, []int{3, 4}, 1)
	fmt.Println(p, baseline.MAE(p, []float64{13, 15}))
	// Output: [11 13] 2
}

func ExampleSeasonalNaive() {
	// Quarterly: each forecast is the same quarter a year earlier.
	y := []float64{1, 5, 3, 2, 2, 6, 4, 3}
	p, _ := baseline.SeasonalNaive(y, []int{4, 5, 6, 7}, 1, 4)
	fmt.Println(p)
	// Output: [1 5 3 2]
}

func ExampleSelectRidge() {
	// An autoregression on windows of 2 values: y[t] = y[t-1] + (y[t-1] - y[t-2]).
	series := []float64{1, 2, 3, 4, 5, 6, 7, 8}
	var x, y []float64
	for t := 2; t < len(series); t++ {
		x = append(x, series[t-2], series[t-1])
		y = append(y, series[t])
	}
	n := len(y)
	m, _ := baseline.SelectRidge(x[:2*(n-2)], n-2, 2, y[:n-2], 1, x[2*(n-2):], 2, y[n-2:])
	fmt.Printf("%.2f\n", m.Predict([]float64{8, 9}, 1))
	// Output: [10.00]
}

func ExampleFitNaiveBayes() {
	// Token 1 = "win", 2 = "cash", 3 = "meeting", 4 = "agenda".
	docs := [][]int{{1, 2}, {2, 1, 1}, {3, 4}, {4, 3, 3}}
	nb, _ := baseline.FitNaiveBayes(docs, []int{1, 1, 0, 0}, 2, 5, 1)
	fmt.Println(nb.Predict([]int{2}), nb.Predict([]int{4, 0, 0}))
	// Output: 1 0
}

func ExampleFitLogistic() {
	x := []baseline.Sparse{baseline.Dense([]float64{0, 1}), baseline.Dense([]float64{1, 0}), baseline.Dense([]float64{0, 2}), baseline.Dense([]float64{2, 0})}
	m, _ := baseline.FitLogistic(x, []int{0, 1, 0, 1}, 2, 2, baseline.LogisticOptions{})
	fmt.Println(m.Predict(baseline.Dense([]float64{0, 3})), m.Predict(baseline.Dense([]float64{3, 0})))
	// Output: 0 1
}

func ExampleMajority() {
	c, _ := baseline.Majority([]int{0, 2, 2, 1, 2}, 3)
	fmt.Println(c)
	// Output: 2
}

func ExampleSoftmax() {
	// Scores 1000 and 1000+ln 3 would overflow exp; the largest is subtracted first.
	p := []float64{1000, 1000 + math.Log(3)}
	baseline.Softmax(p)
	fmt.Printf("%.2f\n", p)
	// Output: [0.25 0.75]
}
