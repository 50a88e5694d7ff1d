package pipeline

import (
	"fmt"
	"strings"
)

// classSplitWarning warns about classes found only in the validation part
// of a classifier's samples (the last valSplit of them, as Keras'
// validation_split takes them): the model never trains on them, and the
// validation accuracy counts them as errors. It names each with its
// counts; "" when there are none (or no split, or a series, split apart).
func classSplitWarning(p *Pipeline, b *Batch, valSplit float64) string {
	if p.Labels == nil || b == nil || b.Y == nil || b.ValX != nil || !(valSplit > 0 && valSplit < 1) || len(b.Y.Shape) == 0 {
		return ""
	}
	n := b.Y.Shape[0]
	split := splitAt(n, valSplit)
	if n == 0 || split == 0 || split == n {
		return ""
	}
	per := len(b.Y.Data) / n // values per sample: 1, or steps for per-step classes
	train := make([]int, p.Labels.Len())
	val := make([]int, p.Labels.Len())
	for i, v := range b.Y.Data {
		c := int(v)
		if c < 0 || c >= len(train) {
			continue
		}
		if i/per < split {
			train[c]++
		} else {
			val[c]++
		}
	}
	var out strings.Builder
	for c := range train {
		if train[c] == 0 && val[c] > 0 {
			unit := "rows"
			if per > 1 {
				unit = "steps"
			}
			fmt.Fprintf(&out, "\nwarning: class `%s` is only in the validation %s: %d of the %d validation %s, none of the %d training %s; the model never trains on it and validation counts it as errors: shuffle the rows (validation takes the last %g%% of them, as Keras' validation_split does)",
				p.ClassName(c), unit, val[c], (n-split)*per, unit, split*per, unit, valSplit*100)
		}
	}
	return out.String()
}
