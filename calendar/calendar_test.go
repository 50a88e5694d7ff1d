package calendar

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for s, want := range map[string]string{
		"1995-01-31":       "1995-01-31T00:00:00Z",
		"1995-01":          "1995-01-01T00:00:00Z",
		"Jan-1-1995":       "1995-01-01T00:00:00Z",
		"19950131":         "1995-01-31T00:00:00Z",
		"1995":             "1995-01-01T00:00:00Z",
		"2000-06-05T13:30": "2000-06-05T13:30:00Z",
		" 1995/03/02 ":     "1995-03-02T00:00:00Z",
	} {
		got, ok := Parse(s)
		if !ok || got.Format(time.RFC3339) != want {
			t.Errorf("Parse(%q) = %v, %v; want %s", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "12", "0999", "abc", "1995-13", "19951301", "3.5", "100000"} {
		if _, ok := Parse(s); ok {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
}

func TestParseAllErrors(t *testing.T) {
	if ts, err := ParseAll([]string{"a", "b"}, nil); ts != nil || err != nil {
		t.Errorf("non-dates: %v, %v; want nil, nil", ts, err)
	}
	_, err := ParseAll([]string{"1995-01", "1995-02", "1995-0x"}, []int{2, 3, 4})
	if err == nil || !strings.Contains(err.Error(), "line 4") || !strings.Contains(err.Error(), `"1995-0x"`) {
		t.Errorf("bad date: error %v, want one naming line 4 and the value", err)
	}
	_, err = ParseAll([]string{"1995-01", "1995-03", "1995-02"}, nil)
	if err == nil || !strings.Contains(err.Error(), "row 2") || !strings.Contains(err.Error(), "time order") {
		t.Errorf("unsorted dates: error %v", err)
	}
}

func dates(t *testing.T, labels ...string) []time.Time {
	t.Helper()
	ts, err := ParseAll(labels, nil)
	if err != nil || ts == nil {
		t.Fatalf("ParseAll(%v): %v", labels, err)
	}
	return ts
}

func TestDetectSpacing(t *testing.T) {
	for _, c := range []struct {
		labels []string
		name   string
		season int
	}{
		{[]string{"1995-01", "1995-02", "1995-03", "1995-04"}, "monthly", 12},
		{[]string{"1960-01", "1960-04", "1960-07", "1960-10", "1961-01"}, "quarterly", 4},
		{[]string{"1821", "1822", "1823"}, "yearly", 0},
		{[]string{"2020-03-01", "2020-03-02", "2020-03-03", "2020-03-05"}, "daily", 7}, // a gap
		{[]string{"2020-01-06", "2020-01-13", "2020-01-20"}, "weekly", 52},
		{[]string{"2000-06-05T00:00", "2000-06-05T00:30", "2000-06-05T01:00"}, "half-hourly", 48},
		{[]string{"2000-01-01", "2000-01-04", "2000-01-07"}, "irregular", 0},
	} {
		got := DetectSpacing(dates(t, c.labels...))
		if got.Name != c.name || got.Season != c.season {
			t.Errorf("%v: %+v, want %s (season %d)", c.labels, got, c.name, c.season)
		}
	}
}

func TestFeatures(t *testing.T) {
	ts := dates(t, "1995-01", "1995-04", "1995-07")
	s := DetectSpacing(ts)
	if names := FeatureNames(s); strings.Join(names, ",") != "month_sin,month_cos" {
		t.Errorf("quarterly features %v", names)
	}
	f := Features(ts, s)
	// January: angle 0; April: π/2; July: π.
	want := [][]float64{{0, 1}, {1, 0}, {0, -1}}
	for i := range want {
		for j := range want[i] {
			if math.Abs(f[i][j]-want[i][j]) > 1e-12 {
				t.Errorf("row %d: %v, want %v", i, f[i], want[i])
			}
		}
	}
	d := dates(t, "2024-01-01", "2024-01-02") // a Monday, a Tuesday
	f = Features(d, DetectSpacing(d))
	if math.Abs(f[0][0]-math.Sin(2*math.Pi/7)) > 1e-12 || len(f[0]) != 4 {
		t.Errorf("daily features %v", f[0])
	}
	if len(FeatureNames(Spacing{Name: "yearly"})) != 0 {
		t.Error("yearly rows get calendar features")
	}
}
