package main

import (
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/data"
	"github.com/seqnet/seqnet/model"
)

// TestEpochMAEInDataUnits: the epoch lines and the final line give the MAE
// in the target's units as well as scaled, and the kept epoch's val_mae in
// data units is the model's MAE that the validation report computes from
// the unscaled predictions.
func TestEpochMAEInDataUnits(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("date,sales\n")
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&b, "%d-%02d,%.1f\n", 2000+i/12, i%12+1, 1000+20*float64(i)+300*math.Sin(float64(i)*math.Pi/6))
	}
	path := writeFile(t, filepath.Join(dir, "monthly.csv"), b.String())
	out := mustCLI(t, append([]string{"train", "--data", path, "--window", "12", "--epochs", "3", "--model", "cnn", "--out", filepath.Join(dir, "m.seqnet")}, small...)...)
	if !regexp.MustCompile(`(?m)^Epoch 1/3 .*val_mae: [0-9.]+ \(mae [0-9.e+]+, val_mae [0-9.e+]+ in the units of ` + "`sales`" + `\)$`).MatchString(out) {
		t.Fatalf("epoch lines lack the MAE in the data's units:\n%s", out)
	}
	kept := regexp.MustCompile("kept epoch [0-9]+'s weights.*; mae [0-9.e+]+, val_mae ([0-9.e+]+) in the units of `sales`\\)").FindStringSubmatch(out)
	report := regexp.MustCompile(`validation, 12 windows: mean absolute error in the data's units \(sales\): model ([0-9.e+]+);`).FindStringSubmatch(out)
	if kept == nil || report == nil {
		t.Fatalf("final line or validation report missing:\n%s", out)
	}
	a, _ := strconv.ParseFloat(kept[1], 64)
	r, _ := strconv.ParseFloat(report[1], 64)
	if math.Abs(a-r) > 1e-3*r+0.05 {
		t.Errorf("kept epoch's val_mae in data units %g, the validation report's model MAE %g", a, r)
	}
}

func TestDataUnits(t *testing.T) {
	sc := &data.Scaler{Kind: data.ScaleStandard, Columns: []string{"a", "b", "c"}, Offset: []float64{1, 2, 3}, Scale: []float64{10, 20, 10}}
	u := newDataUnits(sc, []string{"a", "c"})
	if u == nil || u.scale != 10 {
		t.Fatalf("targets with one scale: %+v", u)
	}
	l := model.Logs{Keys: []string{"loss", "mae", "val_mae"}, Values: map[string]float64{"loss": 1, "mae": 0.5, "val_mae": 0.25}}
	if got, want := u.logs(l), "mae 5, val_mae 2.5 in the units of `a, c`"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if u := newDataUnits(sc, []string{"a", "b"}); u != nil {
		t.Errorf("targets of different scales converted with one factor: %+v", u)
	}
	if u := newDataUnits(nil, []string{"a"}); u.logs(l) != "" {
		t.Errorf("no scaler gave figures")
	}
}
