package embedded

import (
	"fmt"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/data"
)

func TestSpamSubjects(t *testing.T) {
	texts, labels := SpamSubjects()
	if len(texts) != 4268 || len(labels) != len(texts) {
		t.Fatalf("%d subjects, %d labels; want 4268", len(texts), len(labels))
	}
	spam := 0
	seen := map[string]bool{}
	for i, s := range texts {
		spam += labels[i]
		if s == "" || seen[s] {
			t.Fatalf("subject %d %q empty or duplicated", i, s)
		}
		seen[s] = true
	}
	if spam != 1659 {
		t.Fatalf("%d spam, want 1659", spam)
	}
}

func TestSeattleWeather(t *testing.T) {
	w := SeattleWeather()
	if w.Samples() != 1461 || len(w.FeatureNames) != 4 || w.Labels.Len() != 5 {
		t.Fatalf("%s", w.Describe())
	}
	if got := strings.Join(w.Labels.Classes, ","); got != "drizzle,fog,rain,snow,sun" {
		t.Fatalf("classes %s", got)
	}
	// 2012/01/01,0.0,12.8,5.0,4.7,drizzle
	if w.X[1] != 12.8 || w.Y[0] != 0 {
		t.Fatalf("first row %v → %v", w.X[:4], w.Y[0])
	}
	d := SeattleWeatherDates()
	if len(d) != 1461 || d[0] != "2012/01/01" || d[1460] != "2015/12/31" {
		t.Fatalf("dates %d %q %q", len(d), d[0], d[len(d)-1])
	}
}

func TestSunspots(t *testing.T) {
	years, s := Sunspots()
	if len(years) != 309 || s.Rows != 309 || years[0] != 1700 || years[308] != 2008 {
		t.Fatalf("%d years %d..%d", len(years), years[0], years[len(years)-1])
	}
	if s.Data[0] != 5 || s.Data[308] != 2.9 {
		t.Fatalf("values %v %v", s.Data[0], s.Data[308])
	}
	if _, err := Open("nope"); err == nil || !strings.Contains(err.Error(), "sunspots") {
		t.Fatal(err)
	}
}

// Forecast next year's sunspot number from the previous 10 years.
func Example() {
	years, s := Sunspots()
	train, val, test, _ := s.SplitByTime(0.7, 0.2)
	sc, _ := data.FitScaler(data.ScaleStandard, train)
	train, _ = sc.Transform(train)
	_, _ = val, test
	w, _ := data.MakeWindows(train, data.WindowOptions{Window: 10, Horizon: 1, Targets: []string{"SUNACTIVITY"}})
	fmt.Println(w.Describe())
	fmt.Println("first target year:", years[w.TargetRows[0]])
	// Output:
	// window 0: rows 0–9 → target row 10 (SUNACTIVITY)
	// window 1: rows 1–10 → target row 11 (SUNACTIVITY)
	// x (206, 10, 1), y (206, 1)
	// first target year: 1710
}

func ExampleSpamSubjects() {
	texts, labels := SpamSubjects()
	v := data.NewTextVectorizer(2000, 16)
	v.Adapt(texts)
	x, _ := v.EncodeBatch(texts)
	fmt.Println(len(texts), "subjects,", labels[0], "=", texts[0])
	fmt.Println(v.Describe())
	fmt.Println("x", x.Shape, "first:", x.Data[:8])
	fmt.Println("tokens:", v.Decode([]int{int(x.Data[0]), int(x.Data[1]), int(x.Data[2])}))
	// Output:
	// 4268 subjects, 1 = !!Would you like to make more money NOW?
	// vocabulary of 2000 tokens (2 special: padding 0, [UNK] 1; max_tokens 2000), sequences of 16 tokens
	// x [4268 16] first: [604 13 169 5 77 64 40 32]
	// tokens: [would you like]
}

func ExampleSeattleWeather() {
	w := SeattleWeather()
	fmt.Println(w.Describe())
	s := w.Series()
	train, _, _, _ := s.SplitByTime(0.7, 0.15)
	d, _ := data.DescribeWindows(train, data.WindowOptions{Window: 14, Horizon: 1, Targets: []string{"temp_max"}})
	fmt.Println(d)
	// Output:
	// 1461 samples × 4 steps × 1 channel, target: column `weather` with 5 classes
	// window 0: rows 0–13 (2012/01/01–2012/01/14) → target row 14 2012/01/15 (temp_max)
	// window 1: rows 1–14 (2012/01/02–2012/01/15) → target row 15 2012/01/16 (temp_max)
	// 1008 windows of 14 steps × 4 channels
}
