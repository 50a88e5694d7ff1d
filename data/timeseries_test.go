package data

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// rowSeries has value 10*row + col, so every value names its place.
func rowSeries(rows int, names ...string) *Series {
	d := make([]float32, rows*len(names))
	for i := 0; i < rows; i++ {
		for j := range names {
			d[i*len(names)+j] = float32(10*i + j)
		}
	}
	s, _ := NewSeries(names, d)
	return s
}

func TestWindowsHandWorked(t *testing.T) {
	s := rowSeries(10, "a", "b")
	w, err := MakeWindows(s, WindowOptions{Window: 3, Horizon: 1, Targets: []string{"b"}})
	if err != nil {
		t.Fatal(err)
	}
	// Windows start at rows 0..6; window k holds rows k, k+1, k+2 and
	// predicts b at row k+3.
	if w.Len() != 7 || fmt.Sprint(w.X.Shape) != "[7 3 2]" || fmt.Sprint(w.Y.Shape) != "[7 1]" {
		t.Fatalf("%d windows, x %v y %v", w.Len(), w.X.Shape, w.Y.Shape)
	}
	if fmt.Sprint(w.X.Data[:6]) != "[0 1 10 11 20 21]" || w.Y.Data[0] != 31 {
		t.Fatalf("window 0: %v → %v", w.X.Data[:6], w.Y.Data[0])
	}
	if fmt.Sprint(w.X.Data[6*6:]) != "[60 61 70 71 80 81]" || w.Y.Data[6] != 91 {
		t.Fatalf("window 6: %v → %v", w.X.Data[36:], w.Y.Data[6])
	}
	want := "window 0: rows 0–2 → target row 3 (b)\nwindow 1: rows 1–3 → target row 4 (b)\nx (7, 3, 2), y (7, 1)"
	if got := w.Describe(); got != want {
		t.Fatalf("Describe:\n%s\nwant:\n%s", got, want)
	}

	// Stride 2, sampling rate 3, horizon 2, inputs a only.
	w, err = MakeWindows(rowSeries(20, "a", "b"), WindowOptions{Window: 3, Horizon: 2, Stride: 2, SamplingRate: 3, Inputs: []string{"a"}, Targets: []string{"a", "1"}})
	if err != nil {
		t.Fatal(err)
	}
	// Window k: rows 2k, 2k+3, 2k+6 → target row 2k+8; last start with 2k+8 ≤ 19 is k=5.
	if w.Len() != 6 || fmt.Sprint(w.X.Data[:3]) != "[0 30 60]" || fmt.Sprint(w.Y.Data[:2]) != "[80 81]" {
		t.Fatalf("n %d x %v y %v", w.Len(), w.X.Data[:3], w.Y.Data[:2])
	}
	if fmt.Sprint(w.X.Data[15:]) != "[100 130 160]" || fmt.Sprint(w.Y.Data[10:]) != "[180 181]" {
		t.Fatalf("last window x %v y %v", w.X.Data[15:], w.Y.Data[10:])
	}
	d, err := DescribeWindows(rowSeries(20, "a", "b"), WindowOptions{Window: 3, Horizon: 2, Stride: 2, SamplingRate: 3, Inputs: []string{"a"}, Targets: []string{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "window 0: rows 0–6 every 3 → target row 8 (a, b)\nwindow 1: rows 2–8 every 3 → target row 10 (a, b)\n6 windows of 3 steps × 1 channel"; d != want {
		t.Fatalf("DescribeWindows:\n%s\nwant:\n%s", d, want)
	}

	// Horizon 0: the target is the window's last row; no targets at all.
	w, _ = MakeWindows(rowSeries(5, "a"), WindowOptions{Window: 2, Targets: []string{"a"}})
	if w.Len() != 4 || w.Y.Data[0] != 10 {
		t.Fatalf("horizon 0: %d windows, y %v", w.Len(), w.Y.Data)
	}
	w, _ = MakeWindows(rowSeries(5, "a"), WindowOptions{Window: 2, Horizon: 3})
	if w.Len() != 4 || w.Y != nil {
		t.Fatalf("no targets: %d windows", w.Len())
	}
}

// kerasWindows is timeseries_dataset_from_array(data, targets, L, stride,
// rate) written from its definition (current Keras): start positions
// arange(0, min(N-(L-1)*rate, len(targets)), stride), window i is
// data[s : s+L*rate : rate], its target targets[s].
func kerasWindows(data [][]float32, targets []float32, L, stride, rate int) (x [][][]float32, y []float32) {
	num := len(data) - (L-1)*rate
	if targets != nil {
		num = min(num, len(targets))
	}
	for s := 0; s < num; s += stride {
		var win [][]float32
		for r := s; r < s+L*rate; r += rate {
			win = append(win, data[r])
		}
		x = append(x, win)
		if targets != nil {
			y = append(y, targets[s])
		}
	}
	return x, y
}

func TestWindowsMatchKeras(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for it := 0; it < 300; it++ {
		rows, cols := 1+r.IntN(40), 1+r.IntN(3)
		o := WindowOptions{Window: 1 + r.IntN(6), Horizon: r.IntN(4), Stride: 1 + r.IntN(3), SamplingRate: 1 + r.IntN(3)}
		names := []string{"a", "b", "c"}[:cols]
		tj := r.IntN(cols)
		o.Targets = []string{names[tj]}
		s, _ := NewSeries(names, make([]float32, rows*cols))
		data := make([][]float32, rows)
		for i := range data {
			data[i] = make([]float32, cols)
			for j := range data[i] {
				v := float32(r.NormFloat64())
				s.Data[i*cols+j], data[i][j] = v, v
			}
		}
		offset := (o.Window-1)*o.SamplingRate + o.Horizon
		w, err := MakeWindows(s, o)
		if offset >= rows {
			if err == nil {
				t.Fatalf("%+v on %d rows: no error", o, rows)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%+v on %d rows: %v", o, rows, err)
		}
		var targets []float32
		for i := offset; i < rows; i++ {
			targets = append(targets, data[i][tj])
		}
		kx, ky := kerasWindows(data, targets, o.Window, o.Stride, o.SamplingRate)
		if len(kx) != w.Len() {
			t.Fatalf("%+v on %d rows: %d windows, Keras %d", o, rows, w.Len(), len(kx))
		}
		for k := range kx {
			for st := range kx[k] {
				for c := range kx[k][st] {
					if w.X.Data[(k*o.Window+st)*cols+c] != kx[k][st][c] {
						t.Fatalf("%+v: window %d step %d differs", o, k, st)
					}
				}
			}
			if w.Y.Data[k] != ky[k] {
				t.Fatalf("%+v: target %d differs", o, k)
			}
		}
	}
}

func TestWindowErrors(t *testing.T) {
	s := rowSeries(5, "a")
	for _, c := range []struct {
		o    WindowOptions
		want string
	}{
		{WindowOptions{}, "window length 0"},
		{WindowOptions{Window: 3, Horizon: -1}, "horizon -1"},
		{WindowOptions{Window: 3, Stride: -1}, "stride"},
		{WindowOptions{Window: 5, Horizon: 1, Targets: []string{"a"}}, "5 rows but one window needs 6"},
		{WindowOptions{Window: 2, Targets: []string{"temp"}}, `no target column named "temp"`},
		{WindowOptions{Window: 2, Inputs: []string{"x"}}, `no input column named "x"`},
	} {
		_, err := MakeWindows(s, c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.want)
		}
	}
	if _, err := NewSeries([]string{"a", "b"}, make([]float32, 3)); err == nil {
		t.Error("ragged series accepted")
	}
}

func TestSplitByTimeAndScaler(t *testing.T) {
	s := rowSeries(10, "a", "b")
	tr, va, te, err := s.SplitByTime(0.7, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Rows != 7 || va.Rows != 2 || te.Rows != 1 || va.Offset != 7 || te.Offset != 9 || va.Data[0] != 70 {
		t.Fatalf("split %d/%d/%d offsets %d %d", tr.Rows, va.Rows, te.Rows, va.Offset, te.Offset)
	}
	// Row numbers in descriptions are those of the whole series.
	d, _ := DescribeWindows(va, WindowOptions{Window: 1, Horizon: 1, Targets: []string{"a"}})
	if !strings.HasPrefix(d, "window 0: rows 7–7 → target row 8 (a)") {
		t.Fatalf("val description %q", d)
	}
	for _, bad := range [][2]float64{{0, 0.1}, {0.9, 0.2}, {1.1, 0}, {0.5, -0.1}, {0.05, 0}} {
		if _, _, _, err := s.SplitByTime(bad[0], bad[1]); err == nil {
			t.Errorf("split %v accepted", bad)
		}
	}

	// Standard scaler fitted on train only: a is 0,10,...,60 → mean 30, std 20.
	sc, err := FitScaler(ScaleStandard, tr)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Offset[0] != 30 || sc.Scale[0] != 20 || sc.Offset[1] != 31 {
		t.Fatalf("scaler %+v", sc)
	}
	if got := sc.Describe(); got != "standard scaler fitted on 7 rows: a mean 30 std 20, b mean 31 std 20" {
		t.Fatalf("Describe %q", got)
	}
	vs, _ := sc.Transform(va)
	if vs.Data[0] != 2 || vs.Offset != 7 { // (70-30)/20
		t.Fatalf("scaled val %v", vs.Data)
	}
	back, _ := sc.Inverse(vs)
	for i, v := range va.Data {
		if math.Abs(float64(back.Data[i]-v)) > 1e-4 {
			t.Fatalf("inverse %v vs %v", back.Data, va.Data)
		}
	}
	// Round trip through JSON, then invert predictions of column b only.
	js, _ := json.Marshal(sc)
	var sc2 Scaler
	if err := json.Unmarshal(js, &sc2); err != nil {
		t.Fatal(err)
	}
	pred := []float32{0, 1, -1}
	if err := sc2.InverseValues([]string{"b"}, pred); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(pred) != "[31 51 11]" {
		t.Fatalf("inverted predictions %v", pred)
	}
	if err := sc2.InverseValues([]string{"c"}, pred); err == nil || !strings.Contains(err.Error(), `no column "c"`) {
		t.Fatalf("unknown column: %v", err)
	}

	mm, _ := FitScaler(ScaleMinMax, tr)
	ms, _ := mm.Transform(tr)
	if ms.Data[0] != 0 || ms.Data[12] != 1 || mm.Scale[0] != 60 {
		t.Fatalf("minmax %v %+v", ms.Data, mm)
	}
	// A constant column scales by 1, not by 0.
	c, _ := NewSeries([]string{"k"}, []float32{3, 3, 3})
	cs, _ := FitScaler(ScaleStandard, c)
	if cs.Scale[0] != 1 {
		t.Fatalf("constant column scale %v", cs.Scale)
	}
	if _, err := FitScaler("robust", tr); err == nil {
		t.Fatal("unknown kind accepted")
	}
}

func TestWindowRowLabels(t *testing.T) {
	csv := "date,t\n2012-01-01,1\n2012-01-02,\n2012-01-03,3\n2012-01-04,4\n2012-01-05,5\n"
	tab, err := ReadCSV(strings.NewReader(csv), CSVOptions{RowLabel: "date", NoTarget: true, Fill: FillDrop})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(tab.RowLabels) != "[2012-01-01 2012-01-03 2012-01-04 2012-01-05]" || fmt.Sprint(tab.FeatureNames) != "[t]" {
		t.Fatalf("labels %v features %v", tab.RowLabels, tab.FeatureNames)
	}
	_, va, _, _ := tab.Series().SplitByTime(0.25, 0.75)
	d, err := DescribeWindows(va, WindowOptions{Window: 2, Horizon: 1, Targets: []string{"t"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "window 0: rows 1–2 (2012-01-03–2012-01-04) → target row 3 2012-01-05 (t)\n1 window of 2 steps × 1 channel"; d != want {
		t.Fatalf("got %q\nwant %q", d, want)
	}
	w, _ := MakeWindows(va, WindowOptions{Window: 2, Horizon: 1, Targets: []string{"t"}})
	if got := w.Describe(); got != "window 0: rows 1–2 (2012-01-03–2012-01-04) → target row 3 2012-01-05 (t)\nx (1, 2, 1), y (1, 1)" {
		t.Fatalf("Windows.Describe %q", got)
	}
}

func ExampleMakeWindows() {
	csv := "date,temp_max,wind\n" +
		"d0,10,1\nd1,11,2\nd2,12,3\nd3,13,4\nd4,14,5\nd5,15,6\n"
	tab, err := ReadCSV(strings.NewReader(csv), CSVOptions{Ignore: []string{"date"}, NoTarget: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	o := WindowOptions{Window: 3, Horizon: 1, Targets: []string{"temp_max"}}
	d, _ := DescribeWindows(tab.Series(), o)
	fmt.Println(d)
	w, _ := MakeWindows(tab.Series(), o)
	fmt.Println(w.X.Data[:6], "→", w.Y.Data[0])
	// Output:
	// window 0: rows 0–2 → target row 3 (temp_max)
	// window 1: rows 1–3 → target row 4 (temp_max)
	// 3 windows of 3 steps × 2 channels
	// [10 1 11 2 12 3] → 13
}
