package pipeline

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/tensor"
)

// cliPrediction is one line of `seqnet predict --out X.jsonl`.
type cliPrediction struct {
	Line, TargetRow string
	Label           string
	Probabilities   map[string]float64
	Values          map[string]float64
}

func readJSONL(t *testing.T, path string) []cliPrediction {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []cliPrediction
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			t.Fatal(err)
		}
		var q cliPrediction
		json.Unmarshal(raw["line"], &q.Line)
		json.Unmarshal(raw["target_row"], &q.TargetRow)
		json.Unmarshal(raw["label"], &q.Label)
		json.Unmarshal(raw["probabilities"], &q.Probabilities)
		json.Unmarshal(raw["values"], &q.Values)
		out = append(out, q)
	}
	return out
}

func close32(a, b float64) bool { return math.Abs(a-b) <= 1e-5*(1+math.Abs(b)) }

// TestLegacyFilesPredictAsTheOldCLI loads models written by `seqnet train`
// before this package existed (format seqnet-cli/1, testdata/gen-legacy.sh)
// and checks that Transform, Predict and Decode give what that CLI's
// `seqnet predict` wrote for the same files.
func TestLegacyFilesPredictAsTheOldCLI(t *testing.T) {
	for _, c := range []struct{ model, data, want string }{
		{"spam-cli1.seqnet", "spam.tsv", "spam-cli1.predict.jsonl"},
		{"weather-cli1.seqnet", "weather.csv", "weather-cli1.predict.jsonl"},
	} {
		raw, err := os.ReadFile(filepath.Join("testdata", c.model))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(raw), `"format":"seqnet-cli/1"`) {
			t.Fatalf("%s is not a seqnet-cli/1 file", c.model)
		}
		m, p, err := Load(filepath.Join("testdata", c.model))
		if err != nil {
			t.Fatal(err)
		}
		if p.Format != Format {
			t.Errorf("%s: format %q after loading, want it upgraded to %q", c.model, p.Format, Format)
		}
		b, err := p.Transform(Source{Data: filepath.Join("testdata", c.data)}, false)
		if err != nil {
			t.Fatal(err)
		}
		y, err := m.Predict(b.X, 0)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Decode(y, b.Rows)
		if err != nil {
			t.Fatal(err)
		}
		want := readJSONL(t, filepath.Join("testdata", c.want))
		if len(got) != len(want) {
			t.Fatalf("%s: %d predictions, the old CLI gave %d", c.model, len(got), len(want))
		}
		for i, w := range want {
			g := got[i]
			if g.Row != w.Line+w.TargetRow || g.Label != w.Label {
				t.Fatalf("%s row %d: got %q label %q, the old CLI %q%q label %q", c.model, i, g.Row, g.Label, w.Line, w.TargetRow, w.Label)
			}
			for j, cl := range p.Classes() {
				if !close32(g.Probabilities[j], w.Probabilities[cl]) {
					t.Fatalf("%s row %d: P(%s) %g, the old CLI %g", c.model, i, cl, g.Probabilities[j], w.Probabilities[cl])
				}
			}
			for j, o := range p.OutputNames(len(g.Values)) {
				if !close32(g.Values[j], w.Values[o]) {
					t.Fatalf("%s row %d: %s %g, the old CLI %g", c.model, i, o, g.Values[j], w.Values[o])
				}
			}
			if len(g.Values) != len(w.Values) || len(g.Probabilities) != len(w.Probabilities) {
				t.Fatalf("%s row %d: %+v, the old CLI %+v", c.model, i, g, w)
			}
		}
	}
}

func TestParseFormats(t *testing.T) {
	p, err := Parse(nil)
	if err != nil || p.Kind != "" {
		t.Fatalf("no preprocessing: %+v %v, want the zero Pipeline", p, err)
	}
	for _, f := range []string{"seqnet-pipeline/9", "", "other-program/1"} {
		_, err := Parse([]byte(`{"format":"` + f + `","kind":"csv"}`))
		if err == nil || !strings.Contains(err.Error(), `preprocessing format "`+f+`"`) || !strings.Contains(err.Error(), Format) {
			t.Errorf("format %q: error %v, want one naming it and %s", f, err, Format)
		}
	}
	if _, err := Parse([]byte(`{"format":"seqnet-pipeline/1","kind":"text"}`)); err == nil || !strings.Contains(err.Error(), "without a vocabulary") {
		t.Errorf("text without vocabulary: %v", err)
	}
	if _, err := Parse([]byte(`{"format":`)); err == nil {
		t.Error("truncated JSON accepted")
	}
}

// TestLoadRefusesUnknownFormat: a model file whose preprocessing has an
// unknown format is an error, not a model "without preprocessing".
func TestLoadRefusesUnknownFormat(t *testing.T) {
	m, p, err := Load("testdata/spam-cli1.seqnet")
	if err != nil {
		t.Fatal(err)
	}
	p.Format = "seqnet-pipeline/2"
	pre, _ := json.Marshal(p)
	path := filepath.Join(t.TempDir(), "m.seqnet")
	if err := checkpoint.Save(path, m, checkpoint.Extra{Preprocessing: pre}); err != nil {
		t.Fatal(err)
	}
	_, _, err = Load(path)
	var in InputError
	if err == nil || !strings.Contains(err.Error(), `"seqnet-pipeline/2"`) || !errors.As(err, &in) {
		t.Fatalf("Load: %v, want an InputError naming seqnet-pipeline/2", err)
	}
}

func readCSVRecords(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for j, h := range recs[0] {
			m[h] = r[j]
		}
		rows = append(rows, m)
	}
	return rows
}

// TestWindowMatchesTransform: rows given in memory are read as the file
// is: every window of the file equals Window on its rows.
func TestWindowMatchesTransform(t *testing.T) {
	_, p, err := Load("testdata/weather-cli1.seqnet")
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Transform(Source{Data: "testdata/weather.csv"}, false)
	if err != nil {
		t.Fatal(err)
	}
	rows := readCSVRecords(t, "testdata/weather.csv")
	w := p.Windowing.Window
	steps, ch := b.X.Shape[1], b.X.Shape[2]
	for _, i := range []int{0, 1, 17, len(rows) - w} {
		got, err := p.Window(rows[i : i+w])
		if err != nil {
			t.Fatal(err)
		}
		if got.X.Shape[0] != 1 || !slices.Equal(got.X.Data, b.X.Data[i*steps*ch:(i+1)*steps*ch]) {
			t.Fatalf("window at row %d: %v, Transform gave %v", i, got.X.Data, b.X.Data[i*steps*ch:(i+1)*steps*ch])
		}
		// The forecast is for the row after the last one given.
		if want := rows[i+w-1]["date"] + "+1"; got.Rows[0] != want {
			t.Errorf("window at row %d named %q, want %q", i, got.Rows[0], want)
		}
	}
	all, err := p.Window(rows)
	if err != nil || !slices.Equal(all.X.Data, b.X.Data) || !slices.Equal(all.Rows, b.Rows) {
		t.Fatalf("Window on all rows differs from Transform (%v)", err)
	}
	// Too few rows, a missing column, a value that is not a number.
	if _, err := p.Window(rows[:w-1]); err == nil || !strings.Contains(err.Error(), "one window needs 7") {
		t.Errorf("too few rows: %v", err)
	}
	bad := []map[string]string{}
	for _, r := range rows[:w] {
		c := map[string]string{}
		for k, v := range r {
			c[k] = v
		}
		bad = append(bad, c)
	}
	delete(bad[2], "wind")
	var in InputError
	if _, err := p.Window(bad); err == nil || !strings.Contains(err.Error(), `row 2 has no column "wind"`) || !errors.As(err, &in) {
		t.Errorf("missing column: %v", err)
	}
	bad[2]["wind"] = "calm"
	if _, err := p.Window(bad); err == nil || !strings.Contains(err.Error(), "calm") || !errors.As(err, &in) {
		t.Errorf("a word for a number: %v", err)
	}
	if _, err := p.Texts([]string{"hello"}); err == nil || !strings.Contains(err.Error(), "it reads a window of time-series rows") {
		t.Errorf("texts to a forecaster: %v", err)
	}
}

func TestTextsMatchTransform(t *testing.T) {
	_, p, err := Load("testdata/spam-cli1.seqnet")
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Transform(Source{Data: "testdata/spam.tsv"}, false)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.ReadFile("testdata/spam.tsv")
	var texts []string
	for _, l := range strings.Split(strings.TrimSpace(string(f)), "\n")[1:] {
		_, s, _ := strings.Cut(l, "\t")
		texts = append(texts, s)
	}
	got, err := p.Texts(texts)
	if err != nil || !slices.Equal(got.X.Data, b.X.Data) {
		t.Fatalf("Texts differ from Transform (%v)", err)
	}
	if _, err := p.Texts(nil); err == nil {
		t.Error("no texts accepted")
	}
	if _, err := p.Records([]map[string]string{{"a": "1"}}); err == nil || !strings.Contains(err.Error(), "it reads texts") {
		t.Errorf("records to a text model: %v", err)
	}
}

// TestFitRecordsDecode fits a regression table, reads the same rows as
// records, and decodes values back into the target's units.
func TestFitRecordsDecode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t.csv")
	var b strings.Builder
	b.WriteString("id,a,b,y\n")
	rows := []map[string]string{}
	for i := 0; i < 20; i++ {
		// a is not an index (0, 1, 2, … would be a row index, which
		// training refuses as a silent input).
		a, bb, y := float64((i*7)%20), float64(i%3), 100+10*float64(i)
		r := map[string]string{"id": "r" + string(rune('a'+i)), "a": ftoa(a), "b": ftoa(bb), "y": ftoa(y)}
		rows = append(rows, r)
		b.WriteString(r["id"] + "," + r["a"] + "," + r["b"] + "," + r["y"] + "\n")
	}
	os.WriteFile(path, []byte(b.String()), 0o644)
	o := DefaultOptions()
	o.RowLabel, o.Ignore = "id", []string{"id"}
	p, fitted, err := Fit(Source{Data: path}, o)
	if err != nil {
		t.Fatal(err)
	}
	if p.Task != TaskRegression || p.TargetScaler == nil || !slices.Equal(p.Features, []string{"a", "b"}) || p.Format != Format {
		t.Fatalf("fitted %+v", p)
	}
	got, err := p.Records(rows)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.X.Data, fitted.X.Data) || got.RowName != "id" || got.Rows[3] != "rd" {
		t.Fatalf("Records: %v rows %s %v; Fit: %v", got.X.Data, got.RowName, got.Rows, fitted.X.Data)
	}
	for _, r := range rows {
		delete(r, "id")
	}
	got, err = p.Records(rows)
	if err != nil || got.RowName != "index" || got.Rows[3] != "3" {
		t.Fatalf("Records without ids: %v %s %v", err, got.RowName, got.Rows)
	}
	// The scaled targets decode to the data's units.
	preds, err := p.Decode(fitted.Y, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, q := range preds {
		if want := 100 + 10*float64(i); math.Abs(q.Values[0]-want) > 1e-3 {
			t.Fatalf("row %d decoded to %g, want %g", i, q.Values[0], want)
		}
	}
	if _, err := p.Decode(tensor.New(2, 1), []string{"x"}); err == nil {
		t.Error("Decode accepted 1 row name for 2 samples")
	}
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
