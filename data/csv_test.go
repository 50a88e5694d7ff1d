package data

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func mustCSV(t *testing.T, text string, o CSVOptions) *Table {
	t.Helper()
	tab, err := ReadCSV(strings.NewReader(text), o)
	if err != nil {
		t.Fatalf("ReadCSV: %v", err)
	}
	return tab
}

func wantErr(t *testing.T, text string, o CSVOptions, parts ...string) {
	t.Helper()
	_, err := ReadCSV(strings.NewReader(text), o)
	if err == nil {
		t.Fatalf("ReadCSV(%q): no error, want one containing %q", text, parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("ReadCSV(%q): error %q does not contain %q", text, err, p)
		}
	}
}

func TestCSVHeaderLabelsDescribe(t *testing.T) {
	text := "a,b,c,label\n1,2,3,cat\n4,5,6,dog\n7,8.5,-9,cat\n1e3,0,0,bird\n"
	tab := mustCSV(t, text, CSVOptions{})
	if !tab.HasHeader || !tab.HeaderGuessed || tab.Delimiter != ',' {
		t.Fatalf("header %v guessed %v delim %q", tab.HasHeader, tab.HeaderGuessed, tab.Delimiter)
	}
	if got := strings.Join(tab.Labels.Classes, ","); got != "bird,cat,dog" {
		t.Fatalf("classes %s", got)
	}
	wantY := []float32{1, 2, 1, 0}
	wantX := []float32{1, 2, 3, 4, 5, 6, 7, 8.5, -9, 1000, 0, 0}
	for i := range wantY {
		if tab.Y[i] != wantY[i] {
			t.Fatalf("Y %v, want %v", tab.Y, wantY)
		}
	}
	for i := range wantX {
		if tab.X[i] != wantX[i] {
			t.Fatalf("X %v, want %v", tab.X, wantX)
		}
	}
	if got, want := tab.Describe(), "4 samples × 3 steps × 1 channel, target: column `label` with 3 classes"; got != want {
		t.Fatalf("Describe %q, want %q", got, want)
	}
	if tab.Lines[0] != 2 || tab.Lines[3] != 5 {
		t.Fatalf("lines %v", tab.Lines)
	}
	x := tab.XTensor()
	if fmt.Sprint(x.Shape) != "[4 3 1]" || x.Data[7] != 8.5 {
		t.Fatalf("XTensor %v", x)
	}
	if y := tab.YTensor(); fmt.Sprint(y.Shape) != "[4]" {
		t.Fatalf("YTensor %v", y.Shape)
	}
	if !strings.Contains(tab.Report(), "delimiter comma, header row (detected)") {
		t.Fatalf("Report:\n%s", tab.Report())
	}
}

func TestCSVNoHeaderDelimitersNumericTarget(t *testing.T) {
	for _, d := range []string{",", ";", "\t"} {
		text := strings.ReplaceAll("1,2,0.5\n3,4,1.5\n5,6,2.5\n", ",", d)
		tab := mustCSV(t, text, CSVOptions{})
		if tab.HasHeader || string(tab.Delimiter) != d || tab.Labels != nil || tab.Samples() != 3 {
			t.Fatalf("delim %q: %+v", d, tab)
		}
		if tab.TargetName != "2" || tab.Y[2] != 2.5 || fmt.Sprint(tab.YTensor().Shape) != "[3 1]" {
			t.Fatalf("delim %q: target %q %v", d, tab.TargetName, tab.Y)
		}
		if !strings.Contains(tab.Describe(), "(numeric)") {
			t.Fatal(tab.Describe())
		}
	}
	// European CSV: semicolons, and quoted fields holding commas.
	tab := mustCSV(t, "x;y;\"note, with comma\"\n1;2;3\n4;5;6\n", CSVOptions{})
	if tab.Delimiter != ';' || tab.TargetName != "note, with comma" {
		t.Fatalf("%q %q", tab.Delimiter, tab.TargetName)
	}
}

func TestCSVColumnsByNameAndIndex(t *testing.T) {
	text := "id,date,f1,f2,f3,y\n1,2020-01-01,0.1,0.2,0.3,a\n2,2020-01-02,0.4,0.5,0.6,b\n"
	tab := mustCSV(t, text, CSVOptions{Features: []string{"f3", "2"}, Target: "y"})
	if strings.Join(tab.FeatureNames, ",") != "f3,f1" || tab.X[0] != 0.3 || tab.X[1] != 0.1 {
		t.Fatalf("features %v X %v", tab.FeatureNames, tab.X)
	}
	tab = mustCSV(t, text, CSVOptions{Ignore: []string{"id", "date"}})
	if strings.Join(tab.FeatureNames, ",") != "f1,f2,f3" {
		t.Fatalf("features %v", tab.FeatureNames)
	}
	tab = mustCSV(t, text, CSVOptions{Ignore: []string{"0", "date"}, Target: "-1"})
	if tab.TargetName != "y" {
		t.Fatal(tab.TargetName)
	}
	wantErr(t, text, CSVOptions{Target: "z"}, "no target column named \"z\"", "`id`, `date`")
	wantErr(t, text, CSVOptions{Target: "9"}, "out of range", "6 columns")
	wantErr(t, text, CSVOptions{Features: []string{"y"}, Target: "y"}, "both the target and a feature")
	// The date column is text: naming the line, column, value and the fix.
	wantErr(t, text, CSVOptions{Ignore: []string{"id"}}, "column 1 `date` has no numeric value", `line 2: the value "2020-01-01" is not a number`, "ignore it")
	wantErr(t, text, CSVOptions{Ignore: []string{"y"}}, "both the target and ignored")
	// A partly textual column: the earliest bad cell in file order is named.
	wantErr(t, "a,b,y\n1,2,0\n3,oops,1\nbad,4,0\n", CSVOptions{}, "line 3, column 1 `b`", `"oops"`)
	wantErr(t, "a;b;y\n1;2;0\n3;4,5;1\n", CSVOptions{}, "line 3", "decimal comma", `"4.5"`)
}

func TestCSVErrors(t *testing.T) {
	wantErr(t, "", CSVOptions{}, "empty")
	wantErr(t, "  \n\n", CSVOptions{}, "empty")
	wantErr(t, "a,b,c\n", CSVOptions{}, "header", "no data rows")
	wantErr(t, "a,b,c\n1,2,3\n4,5\n", CSVOptions{}, "line 3 has 2 fields", "line 1", "has 3")
	wantErr(t, "a,b,c\n1,2,3\n4,x5,6\n", CSVOptions{}, "line 3, column 1 `b`", `"x5" is not a number`, "fill policy")
	wantErr(t, "a,b,c\n1,2,3\n4,,6\n", CSVOptions{}, "line 3, column 1 `b`", "empty")
	wantErr(t, "a,b,c\n1,2,3\n4,5,\n", CSVOptions{}, "line 3, target column 2 `c`", "missing")
	wantErr(t, "a,b,c\n1,2,3\n4,1e99,5\n", CSVOptions{}, "not a finite float32")
	wantErr(t, "a,b\n1,\"2\n", CSVOptions{}, "syntax")
	wantErr(t, "a,b\n1,2\n", CSVOptions{Fill: "median"}, "unknown fill policy")
	wantErr(t, "a,b,c\nx,1,2\ny,3,4\n", CSVOptions{Fill: FillZero}, "column 0 `a` has no numeric value")
}

func TestCSVFillPolicies(t *testing.T) {
	text := "a,b,y\n1,10,0\n,20,1\n3,NA,0\n5,40,1\n"
	cases := []struct {
		fill  FillPolicy
		x     []float32
		lines []int
	}{
		{FillZero, []float32{1, 10, 0, 20, 3, 0, 5, 40}, []int{2, 3, 4, 5}},
		{FillMean, []float32{1, 10, 3, 20, 3, 70.0 / 3, 5, 40}, []int{2, 3, 4, 5}},
		{FillPrevious, []float32{1, 10, 1, 20, 3, 20, 5, 40}, []int{2, 3, 4, 5}},
		{FillDrop, []float32{1, 10, 5, 40}, []int{2, 5}},
	}
	for _, c := range cases {
		tab := mustCSV(t, text, CSVOptions{Fill: c.fill})
		if fmt.Sprint(tab.X) != fmt.Sprint(c.x) || fmt.Sprint(tab.Lines) != fmt.Sprint(c.lines) {
			t.Errorf("%s: X %v lines %v, want %v %v", c.fill, tab.X, tab.Lines, c.x, c.lines)
		}
		if c.fill == FillDrop && (fmt.Sprint(tab.Dropped) != "[3 4]" || fmt.Sprint(tab.Y) != "[0 1]") {
			t.Errorf("drop: dropped %v Y %v", tab.Dropped, tab.Y)
		}
		if c.fill != FillDrop && tab.Filled != 2 {
			t.Errorf("%s: filled %d", c.fill, tab.Filled)
		}
	}
	wantErr(t, "a,y\n,1\n2,0\n", CSVOptions{Fill: FillPrevious}, "line 2", "first row")
	if p, err := ParseFillPolicy("Mean"); err != nil || p != FillMean {
		t.Fatal(p, err)
	}
	if _, err := ParseFillPolicy("median"); err == nil {
		t.Fatal("median accepted")
	}
}

func TestCSVLabelsAtPrediction(t *testing.T) {
	train := mustCSV(t, "f,label\n1,rain\n2,sun\n3,fog\n", CSVOptions{})
	b, err := json.Marshal(train.Labels)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"classes":["fog","rain","sun"]}` {
		t.Fatalf("json %s", b)
	}
	var saved LabelMap
	if err := json.Unmarshal(b, &saved); err != nil {
		t.Fatal(err)
	}
	// Prediction data with only some classes keeps the training indices.
	pred := mustCSV(t, "f,label\n5,sun\n6,sun\n", CSVOptions{Labels: &saved})
	if pred.Labels.Len() != 3 || pred.Y[0] != 2 {
		t.Fatalf("Y %v classes %v", pred.Y, pred.Labels.Classes)
	}
	wantErr(t, "f,label\n5,sun\n6,snow\n", CSVOptions{Labels: &saved}, "line 3", `unknown label "snow"`, `"fog", "rain", "sun"`)
	// Numeric labels as classes sort numerically.
	tab := mustCSV(t, "f,c\n1,10\n2,2\n3,1\n", CSVOptions{Classes: true})
	if fmt.Sprint(tab.Labels.Classes) != "[1 2 10]" || fmt.Sprint(tab.Y) != "[2 1 0]" {
		t.Fatalf("classes %v Y %v", tab.Labels.Classes, tab.Y)
	}
	if _, err := saved.Name(3); err == nil {
		t.Fatal("Name(3) accepted")
	}
}

// TestCSVRandomRoundTrip writes random tables with random delimiters and
// reads them back.
func TestCSVRandomRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for it := 0; it < 50; it++ {
		rows, cols := 1+r.IntN(30), 1+r.IntN(7)
		d := []string{",", ";", "\t"}[r.IntN(3)]
		var b strings.Builder
		var names []string
		for j := 0; j <= cols; j++ {
			names = append(names, fmt.Sprintf("c%d", j))
		}
		b.WriteString(strings.Join(names, d) + "\n")
		vals := make([]float32, rows*cols)
		classes := []string{"x", "y", "z"}
		labels := make([]string, rows)
		for i := 0; i < rows; i++ {
			var f []string
			for j := 0; j < cols; j++ {
				v := float32(r.NormFloat64() * 100)
				vals[i*cols+j] = v
				f = append(f, fmt.Sprint(v))
			}
			labels[i] = classes[r.IntN(3)]
			f = append(f, labels[i])
			b.WriteString(strings.Join(f, d) + "\n")
		}
		tab := mustCSV(t, b.String(), CSVOptions{})
		if string(tab.Delimiter) != d || !tab.HasHeader || tab.Samples() != rows || len(tab.FeatureNames) != cols {
			t.Fatalf("iteration %d: delim %q header %v rows %d cols %d", it, tab.Delimiter, tab.HasHeader, tab.Samples(), len(tab.FeatureNames))
		}
		for i, v := range vals {
			if tab.X[i] != v {
				t.Fatalf("iteration %d: X[%d] %v want %v", it, i, tab.X[i], v)
			}
		}
		for i, l := range labels {
			if tab.Labels.Classes[int(tab.Y[i])] != l {
				t.Fatalf("iteration %d: label %d", it, i)
			}
		}
	}
}

func TestFillValuesFitted(t *testing.T) {
	train := "a,b,y\n1,10,0\n,20,1\n3,,0\n"
	tb, err := ReadCSV(strings.NewReader(train), CSVOptions{Fill: FillPrevious})
	if err != nil {
		t.Fatal(err)
	}
	if tb.FillValues["a"] != 3 || tb.FillValues["b"] != 20 {
		t.Errorf("previous: fitted %v, want the last valid values a 3, b 20", tb.FillValues)
	}
	// A gap in the first row of new data takes the stored last value.
	nw, err := ReadCSV(strings.NewReader("a,b\n,5\n"), CSVOptions{Fill: FillPrevious, NoTarget: true, FillValues: tb.FillValues})
	if err != nil {
		t.Fatal(err)
	}
	if nw.X[0] != 3 || nw.X[1] != 5 {
		t.Errorf("previous at prediction: %v, want [3 5]", nw.X)
	}
	tb, err = ReadCSV(strings.NewReader(train), CSVOptions{Fill: FillMean})
	if err != nil {
		t.Fatal(err)
	}
	if tb.FillValues["a"] != 2 || tb.FillValues["b"] != 15 {
		t.Errorf("mean: fitted %v, want a 2, b 15", tb.FillValues)
	}
	nw, err = ReadCSV(strings.NewReader("a,b\n,5\n100,7\n"), CSVOptions{Fill: FillMean, NoTarget: true, FillValues: tb.FillValues})
	if err != nil {
		t.Fatal(err)
	}
	if nw.X[0] != 2 {
		t.Errorf("mean at prediction: %v, want the training mean 2 in the gap (not this file's 100)", nw.X)
	}
}
