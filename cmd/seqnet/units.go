package main

import (
	"fmt"
	"strings"

	"github.com/seqnet/seqnet/data"
	"github.com/seqnet/seqnet/model"
)

// dataUnits converts the mean-absolute-error figures of epoch lines from
// scaled units to the data's units. The scaled MAE of one target times
// that target's scale (std, or max−min) is its MAE in the data's units; with
// several targets this holds only when they share one scale, so dataUnits
// is nil otherwise (and when there is no target scaler).
type dataUnits struct {
	name  string  // the target column(s)
	scale float64 // data units per scaled unit
}

func newDataUnits(sc *data.Scaler, outputs []string) *dataUnits {
	if sc == nil || len(outputs) == 0 {
		return nil
	}
	scale := 0.0
	for i, o := range outputs {
		j := -1
		for k, c := range sc.Columns {
			if c == o {
				j = k
			}
		}
		if j < 0 || (i > 0 && sc.Scale[j] != scale) {
			return nil
		}
		scale = sc.Scale[j]
	}
	return &dataUnits{name: strings.Join(outputs, ", "), scale: scale}
}

// isMAE reports whether a log key is a mean absolute error.
func isMAE(k string) bool {
	k = strings.TrimPrefix(k, "val_")
	return k == "mae" || k == "mean_absolute_error"
}

// describe returns the MAE figures of logs in the data's units, e.g.
// "mae 159.5, val_mae 151.6 in the units of `value`", or "" when logs
// hold none.
func (u *dataUnits) describe(keys []string, value func(string) (float64, bool)) string {
	if u == nil {
		return ""
	}
	var parts []string
	for _, k := range keys {
		if v, ok := value(k); ok && isMAE(k) {
			parts = append(parts, fmt.Sprintf("%s %.4g", k, v*u.scale))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("%s in the units of `%s`", strings.Join(parts, ", "), u.name)
}

// logs is describe for one epoch's logs.
func (u *dataUnits) logs(l model.Logs) string {
	return u.describe(l.Keys, func(k string) (float64, bool) {
		v, ok := l.Values[k]
		return v, ok
	})
}
