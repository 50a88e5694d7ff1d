package pipeline

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/data"
)

// tableRowLabel keeps a date, year or increasing index column of a plain
// table (not a series) from silently becoming an input. Unless the inputs
// are listed in Options.Features: the first such column that is not the
// target, ignored or already the row label becomes the row label when none
// is given (note says so); any other is an error asking the user to name it
// with Options.Ignore, RowLabel or Features. A column that would be the only
// input stays one, with a note (a table like x,y with x = 1, 2, 3 … means
// y as a function of x).
func tableRowLabel(d *settings, path string, delim rune, header data.HeaderMode) (rowLabel, note string, err error) {
	rowLabel = d.RowLabel
	if len(d.Features) > 0 {
		return rowLabel, "", nil
	}
	names, cols, err := sniffColumns(path, delim, header)
	if err != nil || names == nil {
		return rowLabel, "", err
	}
	target := targetIndex(d.Target, names)
	var inputs, found []int // candidate inputs; those that name rows
	for j, name := range names {
		if j == target || name == rowLabel || rowLabel == strconv.Itoa(j) || named(d.Ignore, name, j) {
			continue
		}
		inputs = append(inputs, j)
		if labelKind(cols[j], true) != "" {
			found = append(found, j)
		}
	}
	if len(found) == 0 {
		return rowLabel, "", nil
	}
	if len(inputs) == 1 {
		j := found[0]
		return rowLabel, fmt.Sprintf("column `%s` holds %s but is the only input column: kept as the input (Options.RowLabel = %q to name rows by it instead)", names[j], labelKind(cols[j], true), names[j]), nil
	}
	if rowLabel == "" {
		j := found[0]
		rowLabel, found = names[j], found[1:]
		note = fmt.Sprintf("column `%s` holds %s: used as the row label, not as a feature (Options.RowLabel to choose the row label, Options.Features to choose the inputs)", names[j], labelKind(cols[j], true))
	}
	if len(found) > 0 {
		j := found[0]
		return "", "", inputErr("column `%s` holds %s, and a date, year or index column is never silently an input (the rows are named by `%s`): leave it out with Options.Ignore = []string{%q}, name rows by it with Options.RowLabel = %q, or list the inputs with Options.Features", names[j], labelKind(cols[j], true), rowLabel, names[j], names[j])
	}
	return rowLabel, note, nil
}

// targetIndex is the column a table's Options.Target names (empty: the last;
// a number: that index, negative from the end), or -1.
func targetIndex(spec string, names []string) int {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return len(names) - 1
	}
	for j, n := range names {
		if n == spec {
			return j
		}
	}
	if k, err := strconv.Atoi(spec); err == nil {
		if k < 0 {
			k += len(names)
		}
		return k
	}
	return -1
}

func named(list []string, name string, j int) bool {
	for _, s := range list {
		if s == name || s == strconv.Itoa(j) {
			return true
		}
	}
	return false
}
