package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestTableDateColumn: in a plain table (no --window) a year, date or
// increasing id column is never silently an input: the first becomes the
// row label and train names it; a second is refused with the flags that
// resolve it; --features or --ignore make the choice explicit.
func TestTableDateColumn(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("year,a,b,y\n")
	for i := 0; i < 40; i++ {
		a, bb := float64((i*13)%17), float64((i*5)%7)
		fmt.Fprintf(&b, "%d,%g,%g,%g\n", 1950+i, a, bb, 2*a-bb)
	}
	path := writeFile(t, filepath.Join(dir, "years.csv"), b.String())
	mp := filepath.Join(dir, "m.seqnet")
	out := mustCLI(t, append([]string{"train", "--data", path, "--epochs", "1", "--out", mp}, small...)...)
	if !strings.Contains(out, "column `year` holds yearly dates: used as the row label, not as a feature") || !strings.Contains(out, "features (2): `a`, `b`") {
		t.Errorf("the year column became an input or was not named:\n%s", out)
	}
	recs := readCSVOut(t, mustCLI(t, "predict", "--model", mp, "--data", path))
	if len(recs) != 41 || recs[0][0] != "year" || recs[1][0] != "1950" {
		t.Errorf("predictions are not named by year: %v", recs[:2])
	}
	// An id column as well: the first (year) names the rows, the id is
	// refused, naming it and the flags that resolve it.
	b.Reset()
	b.WriteString("year,id,a,y\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "%d,%d,%d,%d\n", 1950+i, 1000+3*i, (i*13)%17, (i*5)%7)
	}
	two := writeFile(t, filepath.Join(dir, "two.csv"), b.String())
	_, errOut, code := cli(append([]string{"train", "--data", two, "--epochs", "1", "--out", mp}, small...)...)
	if code != 2 || !strings.Contains(errOut, "column `id` holds strictly increasing integers") || !strings.Contains(errOut, "--ignore id") || !strings.Contains(errOut, "--row-label id") {
		t.Errorf("exit %d, stderr %q: want exit 2 naming `id` and --ignore id / --row-label id", code, errOut)
	}
	out = mustCLI(t, append([]string{"train", "--data", two, "--ignore", "id", "--epochs", "1", "--out", mp}, small...)...)
	if !strings.Contains(out, "features (1): `a`") || !strings.Contains(out, "column `year` holds yearly dates: used as the row label") {
		t.Errorf("--ignore id:\n%s", out)
	}
	// Named with --features, the year is an input, without a note.
	out = mustCLI(t, append([]string{"train", "--data", two, "--features", "year,a", "--epochs", "1", "--out", mp}, small...)...)
	if !strings.Contains(out, "features (2): `year`, `a`") || strings.Contains(out, "row label") {
		t.Errorf("--features year,a:\n%s", out)
	}
	// The only input column stays the input, and train says so.
	only := writeFile(t, filepath.Join(dir, "only.csv"), "x,y\n1,2\n2,4\n3,6\n4,8\n5,10\n6,12\n7,14\n8,16\n")
	out = mustCLI(t, append([]string{"train", "--data", only, "--epochs", "1", "--out", mp}, small...)...)
	if !strings.Contains(out, "column `x` holds a row index (integers increasing by 1) but is the only input column: kept as the input") {
		t.Errorf("the only input column:\n%s", out)
	}
}
