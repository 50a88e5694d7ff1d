// Package calendar reads the dates that name the rows of a time series,
// detects their spacing (hourly … yearly) and the season that follows from
// it, and makes calendar features (day of year, month, weekday, hour of day
// as sin/cos pairs) for the spacings where they carry information.
package calendar

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// layouts are the date forms Parse accepts, most specific first.
var layouts = []string{
	time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04",
	"2006-01-02", "2006/01/02", "2006-01", "2006/01", "Jan-2-2006", "Jan 2 2006", "Jan 2, 2006", "2-Jan-2006", "20060102",
}

// Parse reads one date: an ISO date or date-time (2006-01-02,
// 2006-01-02T15:04), a year and month (1995-01), a month name form
// (Jan-1-1995, 1-Jan-1995), yyyymmdd, or a plain year (1995). ok is false
// when s is none of these.
func Parse(s string) (t time.Time, ok bool) {
	s = strings.TrimSpace(s)
	if len(s) == 4 {
		if y, err := strconv.Atoi(s); err == nil && y >= 1000 && y <= 2999 {
			return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), true
		}
		return time.Time{}, false
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// ParseAll parses every label. It returns nil, nil when the first label is
// not a date (the labels are not dates), and an error naming the line and
// value of the first that is not a date when the first one is. lines, if
// given, are the file lines of the labels.
func ParseAll(labels []string, lines []int) ([]time.Time, error) {
	if len(labels) == 0 {
		return nil, nil
	}
	if _, ok := Parse(labels[0]); !ok {
		return nil, nil
	}
	out := make([]time.Time, len(labels))
	for i, l := range labels {
		t, ok := Parse(l)
		if !ok {
			where := fmt.Sprintf("row %d", i)
			if i < len(lines) {
				where = fmt.Sprintf("line %d", lines[i])
			}
			return nil, fmt.Errorf("%s: %q is not a date, but the labels before it are (%q): expected the same form, e.g. 2006-01-02, 1995-01, Jan-1-1995, 19950101 or 1995; fix the value or leave the column out of the row label", where, l, labels[0])
		}
		if i > 0 && !t.After(out[i-1]) {
			where := fmt.Sprintf("row %d", i)
			if i < len(lines) {
				where = fmt.Sprintf("line %d", lines[i])
			}
			return nil, fmt.Errorf("%s: date %q does not come after the previous row's %q: a series' rows must be in time order without repeats (sort the file)", where, l, labels[i-1])
		}
		out[i] = t
	}
	return out, nil
}

// Spacing is the regular step between rows.
type Spacing struct {
	// Name is "half-hourly", "hourly", "daily", "weekly", "monthly",
	// "quarterly", "yearly" or "irregular".
	Name string
	// Season is the number of rows in the natural season (48, 24, 7, 52,
	// 12, 4; 0 for yearly and irregular).
	Season int
}

var spacings = []struct {
	name   string
	season int
	lo, hi time.Duration
}{
	{"half-hourly", 48, 29 * time.Minute, 31 * time.Minute},
	{"hourly", 24, 59 * time.Minute, 61 * time.Minute},
	{"daily", 7, 23 * time.Hour, 25 * time.Hour},
	{"weekly", 52, 6*24*time.Hour + 23*time.Hour, 7*24*time.Hour + time.Hour},
	{"monthly", 12, 28 * 24 * time.Hour, 31 * 24 * time.Hour},
	{"quarterly", 4, 89 * 24 * time.Hour, 92 * 24 * time.Hour},
	{"yearly", 0, 365 * 24 * time.Hour, 366 * 24 * time.Hour},
}

// DetectSpacing names the typical step between consecutive dates (the
// median step; gaps and daylight-saving hours do not change it) and the
// season it implies. Fewer than two dates, or a median step that is none
// of the known ones, is "irregular".
func DetectSpacing(ts []time.Time) Spacing {
	if len(ts) < 2 {
		return Spacing{Name: "irregular"}
	}
	d := make([]time.Duration, len(ts)-1)
	for i := range d {
		d[i] = ts[i+1].Sub(ts[i])
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	med := d[len(d)/2]
	for _, s := range spacings {
		if med >= s.lo && med <= s.hi {
			return Spacing{Name: s.name, Season: s.season}
		}
	}
	return Spacing{Name: "irregular"}
}

// FeatureNames lists the calendar features Features makes for a spacing:
// hour of day for sub-daily rows, weekday for daily, day of year for daily
// and weekly, month for monthly and quarterly; none for yearly or
// irregular rows.
func FeatureNames(s Spacing) []string {
	var names []string
	add := func(n string) { names = append(names, n+"_sin", n+"_cos") }
	switch s.Name {
	case "half-hourly", "hourly":
		add("hour_of_day")
		add("weekday")
	case "daily":
		add("weekday")
		add("day_of_year")
	case "weekly":
		add("day_of_year")
	case "monthly", "quarterly":
		add("month")
	}
	return names
}

// Features returns, for each date, the values of FeatureNames(s) in that
// order: sin and cos of 2π·(position in the cycle)/(cycle length).
func Features(ts []time.Time, s Spacing) [][]float64 {
	names := FeatureNames(s)
	out := make([][]float64, len(ts))
	for i, t := range ts {
		row := make([]float64, 0, len(names))
		add := func(pos, period float64) {
			a := 2 * math.Pi * pos / period
			row = append(row, math.Sin(a), math.Cos(a))
		}
		switch s.Name {
		case "half-hourly", "hourly":
			add(float64(t.Hour())+float64(t.Minute())/60, 24)
			add(float64(t.Weekday()), 7)
		case "daily":
			add(float64(t.Weekday()), 7)
			add(float64(t.YearDay()-1), 365.25)
		case "weekly":
			add(float64(t.YearDay()-1), 365.25)
		case "monthly", "quarterly":
			add(float64(t.Month()-1), 12)
		}
		out[i] = row
	}
	return out
}
