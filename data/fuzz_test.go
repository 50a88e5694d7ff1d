package data

import (
	"bytes"
	"testing"
)

// FuzzReadCSV: ReadCSV never panics, and a table it accepts is consistent.
//
//	go test -fuzz=FuzzReadCSV -fuzztime 500000x ./data
//
// (A count of executions, about a minute on a 2-core machine, not a
// duration: Go 1.26 can end a clean timed run with exit status 1,
// go.dev/issue/75804; see scripts/fuzz.sh.)
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("a,b,label\n1,2,x\n3,4,y\n"), uint8(0))
	f.Add([]byte("1;2;3\n4;5;6\n"), uint8(1))
	f.Add([]byte("a\tb\n1\t\n2\t3\n"), uint8(2))
	f.Add([]byte("\"q,1\",2\n3,\"4\"\n"), uint8(3))
	f.Add([]byte("x,y\n,1\nNA,2\n3,?\n"), uint8(4))
	f.Fuzz(func(t *testing.T, b []byte, mode uint8) {
		o := CSVOptions{Fill: []FillPolicy{FillNone, FillZero, FillMean, FillPrevious, FillDrop}[mode%5]}
		if mode&8 != 0 {
			o.NoTarget = true
		}
		if mode&16 != 0 {
			o.Classes = true
		}
		tab, err := ReadCSV(bytes.NewReader(b), o)
		if err != nil {
			return
		}
		n, f := tab.Samples(), len(tab.FeatureNames)
		if n == 0 || f == 0 || len(tab.X) != n*f || (!o.NoTarget && len(tab.Y) != n) {
			t.Fatalf("inconsistent table: %d rows, %d features, %d X, %d Y", n, f, len(tab.X), len(tab.Y))
		}
		_ = tab.Report()
		_ = tab.XTensor()
	})
}

// FuzzReadWordVectors: ReadWordVectors never panics.
//
//	go test -fuzz=FuzzReadWordVectors -fuzztime 400000x ./data
//
// (A count of executions, as for FuzzReadCSV.)
func FuzzReadWordVectors(f *testing.F) {
	f.Add([]byte("the 0.1 0.2\ncat 1 2\n"))
	f.Add([]byte("2 3\na 1 2 3\nb 4 5 6\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		wv, err := ReadWordVectors(bytes.NewReader(b))
		if err != nil {
			return
		}
		if len(wv.Vectors) != len(wv.Words)*wv.Dim {
			t.Fatalf("%d vectors for %d words of dim %d", len(wv.Vectors), len(wv.Words), wv.Dim)
		}
		_ = wv.Align(append([]string{"", "[UNK]"}, wv.Words...))
	})
}
