package pipeline_test

import (
	"fmt"
	"log"

	"github.com/seqnet/seqnet/pipeline"
)

// A text classifier trained with
//
//	seqnet train --data spam.tsv --text --target label --text-column subject --out spam.seqnet
//
// classifies new texts: the stored vocabulary turns them into token
// indices, and Decode turns the sigmoid output into a label and the
// probability of each class.
func ExamplePipeline_Texts() {
	m, p, err := pipeline.Load("testdata/spam-cli1.seqnet")
	if err != nil {
		log.Fatal(err)
	}
	b, err := p.Texts([]string{"Great FREE Offers! Click here NOW", "Re: meeting notes for tomorrow"})
	if err != nil {
		log.Fatal(err)
	}
	y, err := m.Predict(b.X, 0)
	if err != nil {
		log.Fatal(err)
	}
	preds, err := p.Decode(y, b.Rows)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("classes:", p.Classes())
	for _, q := range preds {
		fmt.Printf("text %s: label %s, P(spam) %.2f\n", q.Row, q.Label, q.Probabilities[1])
	}
	// Output:
	// classes: [0 1]
	// text 0: label 1, P(spam) 0.97
	// text 1: label 0, P(spam) 0.09
}

// A forecaster trained with
//
//	seqnet train --data weather.csv --window 7 --target temp_max --row-label date \
//	    --features temp_max,temp_min,precipitation,wind --out weather.seqnet
//
// forecasts from the latest rows: give the last Windowing.Window rows and
// Decode returns tomorrow's temp_max in degrees (the scaler undone).
func ExamplePipeline_Window() {
	m, p, err := pipeline.Load("testdata/weather-cli1.seqnet")
	if err != nil {
		log.Fatal(err)
	}
	latest := []map[string]string{
		{"date": "2013/01/28", "temp_max": "6.1", "temp_min": "3.3", "precipitation": "7.9", "wind": "3.2"},
		{"date": "2013/01/29", "temp_max": "8.3", "temp_min": "5.0", "precipitation": "4.3", "wind": "3.9"},
		{"date": "2013/01/30", "temp_max": "8.9", "temp_min": "6.7", "precipitation": "3.6", "wind": "3.9"},
		{"date": "2013/01/31", "temp_max": "9.4", "temp_min": "7.2", "precipitation": "3.0", "wind": "4.0"},
		{"date": "2013/02/01", "temp_max": "11.7", "temp_min": "5.0", "precipitation": "0.3", "wind": "2.9"},
		{"date": "2013/02/02", "temp_max": "6.1", "temp_min": "2.8", "precipitation": "0.0", "wind": "2.0"},
		{"date": "2013/02/03", "temp_max": "8.9", "temp_min": "2.8", "precipitation": "2.3", "wind": "2.9"},
	}
	fmt.Println("window:", p.Windowing.Window, "rows of", p.Windowing.Inputs)
	b, err := p.Window(latest)
	if err != nil {
		log.Fatal(err)
	}
	y, err := m.Predict(b.X, 0)
	if err != nil {
		log.Fatal(err)
	}
	preds, err := p.Decode(y, b.Rows)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("forecast for %s: %s %.1f\n", preds[0].Row, p.OutputNames(1)[0], preds[0].Values[0])
	// Output:
	// window: 7 rows of [temp_max temp_min precipitation wind]
	// forecast for 2013/02/03+1: temp_max 8.9
}

// SplitList reads the comma lists of column names that --features,
// --ignore and a multi-column --target take.
func ExampleSplitList() {
	fmt.Printf("%q\n", pipeline.SplitList(" temp, wind ,,rain "))
	fmt.Println(pipeline.SplitList("") == nil)
	// Output:
	// ["temp" "wind" "rain"]
	// true
}
