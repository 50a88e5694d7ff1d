package pipeline

import (
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/data"
)

// Layout says how a new file is laid out when it differs from the
// training file: its delimiter and whether its first row is a header (the
// values of Options.Delimiter and Options.Header). Empty fields read the
// file as the training file was read.
type Layout struct {
	Delimiter string // ",", ";", "|", "tab"; "" as the training file
	Header    string // "yes", "no", "auto" (detect); "" as the training file
}

// fileLayout is the delimiter and header mode to read a new file with:
// the caller's Layout where given, else the training file's. When the
// model was trained on a file without a header and the caller did not
// say, a first row that looks like a header is an error asking which it
// is: it is never read as a sample silently (nor skipped silently, which
// would lose a sample of a file that has none).
func (p *Pipeline) fileLayout(l Layout, path string) (rune, data.HeaderMode, error) {
	delim, err := parseDelimiter("Source.Layout.Delimiter", l.Delimiter)
	if err != nil {
		return 0, 0, err
	}
	if r := []rune(p.Delimiter); delim == 0 && len(r) == 1 {
		delim = r[0]
	}
	headerless := p.Header == "no" || (p.Kind == KindText && p.Header != "yes") // text stored "no" by default
	if l.Header == "" {
		switch {
		case p.Header == "yes":
			return delim, data.HeaderYes, nil
		case headerless:
			return delim, data.HeaderNo, p.checkNoHeader(path, delim)
		}
		return delim, data.HeaderAuto, nil
	}
	h, err := parseHeader("Source.Layout.Header", l.Header)
	if err != nil || !headerless {
		return delim, h, err
	}
	// The model's columns are by position: a header the file has is
	// skipped, not read as names.
	if h == data.HeaderAuto {
		if looks, _ := p.firstRowLooksLikeHeader(path, delim); !looks {
			return delim, data.HeaderNo, nil
		}
		h = data.HeaderYes
	}
	if h == data.HeaderYes {
		h = data.HeaderSkip
	}
	return delim, h, nil
}

// checkNoHeader refuses a file whose first row looks like a header for a
// model trained without one.
func (p *Pipeline) checkNoHeader(path string, delim rune) error {
	looks, row := p.firstRowLooksLikeHeader(path, delim)
	if !looks {
		return nil
	}
	return inputErr("Source.Data %s: line 1 (%s) looks like a header, but the model was trained on a file without one: give Source.Layout.Header = \"yes\" to skip it, or Source.Layout.Header = \"no\" to read it as a sample",
		path, shortList(quoteAll(row), 6))
}

// firstRowLooksLikeHeader tells whether a new file's first row looks like
// a header, for a model trained on a file without one (its label column,
// if any, is named by its index).
func (p *Pipeline) firstRowLooksLikeHeader(path string, delim rune) (bool, []string) {
	f, err := os.Open(path)
	if err != nil {
		return false, nil // reading the file says what is wrong
	}
	defer f.Close()
	label := -1
	if p.Labels != nil {
		if j, err := strconv.Atoi(p.Target); err == nil {
			label = j
		}
	}
	return data.FirstRowLooksLikeHeader(f, delim, label, p.Labels)
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, c := range s {
		if len(c) > 40 {
			c = c[:37] + "…"
		}
		out[i] = strconv.Quote(strings.TrimSpace(c))
	}
	return out
}

// numericTarget refuses a regression model's target column read as class
// labels (some of its cells are not numbers): their class indices would
// be scored as the values.
func (p *Pipeline) numericTarget(t *data.Table, target bool) error {
	if !target || p.Labels != nil || t.Labels == nil {
		return nil
	}
	var bad []string
	for _, c := range t.Labels.Classes {
		if v, err := strconv.ParseFloat(c, 64); err != nil || math.Abs(v) > math.MaxFloat32 || v != v {
			bad = append(bad, strconv.Quote(c))
		}
	}
	return inputErr("target column `%s` holds %s, not numbers, but the model is a regression of its values: fix those cells (a header line? see Source.Layout.Header)",
		t.TargetName, shortList(bad, 5))
}
