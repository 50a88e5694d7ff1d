package data

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/data/npy"
	"github.com/seqnet/seqnet/tensor"
)

func TestSequencesAndSplitXY(t *testing.T) {
	x2 := tensor.New(4, 6)
	s, err := Sequences(x2)
	if err != nil || fmt.Sprint(s.Shape) != "[4 6 1]" {
		t.Fatalf("%v %v", err, s)
	}
	if _, err := Sequences(tensor.New(4)); err == nil || !strings.Contains(err.Error(), "(samples, steps, channels)") {
		t.Fatalf("rank 1: %v", err)
	}
	x := tensor.New(5, 7, 2)
	y := tensor.New(5)
	// savez(path, x, y): arr_0, arr_1.
	d, err := SplitXY(npy.Named(x, y))
	if err != nil || d.XName != "arr_0" || d.YName != "arr_1" {
		t.Fatalf("%v %+v", err, d)
	}
	// savez(path, y=y, x=x): names win over order.
	d, err = SplitXY([]*npy.Array{{Name: "y", Tensor: y}, {Name: "x", Tensor: x}})
	if err != nil || d.XName != "x" || d.YName != "y" || d.Describe() != "x: x (5, 7, 2); y: y (5,)" {
		t.Fatalf("%v %+v", err, d)
	}
	_, err = SplitXY(npy.Named(x, tensor.New(4, 1)))
	if err == nil || !strings.Contains(err.Error(), "has 5 samples") {
		t.Fatalf("mismatch: %v", err)
	}
	path := filepath.Join(t.TempDir(), "d.npz")
	if err := npy.WriteNPZFile(path, npy.Named(x2, tensor.New(4, 3)), true); err != nil {
		t.Fatal(err)
	}
	d, err = LoadXY(path)
	if err != nil || fmt.Sprint(d.X.Shape) != "[4 6 1]" || fmt.Sprint(d.Y.Shape) != "[4 3]" {
		t.Fatalf("LoadXY: %v %+v", err, d)
	}
	oh, err := OneHot(tensor.FromSlice([]float32{2, 0, 1}, 3), 3)
	if err != nil || fmt.Sprint(oh.Data) != "[0 0 1 1 0 0 0 1 0]" {
		t.Fatalf("one-hot %v %v", err, oh)
	}
	if _, err := OneHot(tensor.FromSlice([]float32{3}, 1), 3); err == nil {
		t.Fatal("label 3 of 3 classes accepted")
	}
}

func TestTableScaledRows(t *testing.T) {
	tab := mustCSV(t, "a,b,y\n1,10,0\n3,30,1\n", CSVOptions{})
	sc, err := FitScaler(ScaleMinMax, tab.Series())
	if err != nil {
		t.Fatal(err)
	}
	s, _ := sc.Transform(tab.Series())
	x := s.RowTensor()
	if fmt.Sprint(x.Shape, x.Data) != "[2 2 1] [0 0 1 1]" {
		t.Fatalf("%v %v", x.Shape, x.Data)
	}
}

func TestCSVWindowsLineEndings(t *testing.T) {
	tab := mustCSV(t, "\xef\xbb\xbfa,b\r\n1,x\r\n\r\n2,y\r\n", CSVOptions{})
	if tab.Samples() != 2 || tab.Columns[0] != "a" || fmt.Sprint(tab.Lines) != "[2 4]" {
		t.Fatalf("%+v", tab)
	}
}

func ExampleReadCSV() {
	csv := "f1,f2,f3,label\n0.5,1,2,cat\n1.5,2,0,dog\n2.5,,1,cat\n"
	tab, err := ReadCSV(strings.NewReader(csv), CSVOptions{})
	fmt.Println(err)
	tab, err = ReadCSV(strings.NewReader(csv), CSVOptions{Fill: FillMean})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tab.Report())
	x, y := tab.XTensor(), tab.YTensor()
	fmt.Println(x.Shape, y.Shape, y.Data)
	// Output:
	// line 4, column 1 `f2`: the value is empty; expected a number in every feature column. Fix the value, choose other feature columns, or choose a fill policy (zero, mean, previous, drop)
	// delimiter comma, header row (detected), 4 columns
	// features (3): `f1`, `f2`, `f3`
	// target: column 3 `label`, classes "cat", "dog"
	// filled 1 missing values (mean)
	// 3 samples × 3 steps × 1 channel, target: column `label` with 2 classes
	// [3 3 1] [3] [0 1 0]
}
