package explainplot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/explain"
	"github.com/seqnet/seqnet/internal/atomicfile"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/plot"
)

// WritePicture writes an attribution to path, choosing the form by the
// extension:
//
//   - ".png", ".svg": a series model's input above its attribution heatmap
//     (plot.AttributionHeatmap);
//   - ".html", ".htm": the tokens shaded by their scores (plot.TokenHTML);
//     tokens are the words of the sample (nil: the vocabulary-free token
//     indices; for a series the steps are shown, with the value when
//     there is one channel);
//   - ".csv": one line per step: step, token or input values, score,
//     attributions.
//
// A token attribution drawn as PNG/SVG is refused (use ".html").
func WritePicture(path string, attr *explain.Attribution, tokens []string) error {
	return WritePictureLabeled(path, attr, tokens, Labels{})
}

// Labels name what a picture shows in the data's own terms.
type Labels struct {
	// Channels names the input channels of a series heatmap (its columns);
	// nil: "ch 0", "ch 1", ….
	Channels []string
	// Prediction replaces the raw prediction in the title, e.g.
	// "sales = 432.1" for a prediction scaled back to the data's units.
	Prediction string
}

// WritePictureLabeled is WritePicture with the channels and the
// prediction named as labels says.
func WritePictureLabeled(path string, attr *explain.Attribution, tokens []string, labels Labels) error {
	if attr == nil || len(attr.Values) == 0 {
		return fmt.Errorf("explain: nothing to draw: the attribution is empty")
	}
	ext := strings.ToLower(filepath.Ext(path))
	pred := fmt.Sprintf("%.4g", attr.Prediction)
	if labels.Prediction != "" {
		pred = labels.Prediction
	}
	title := fmt.Sprintf("%s, row %d, output %d unit %d (prediction %s)", methodTitle(attr.Method), attr.Row, attr.Output, attr.Unit, pred)
	switch ext {
	case ".png", ".svg":
		if attr.Kind == explain.Tokens {
			return fmt.Errorf("explain: %s: a token attribution is drawn as shaded text: give a path ending in .html (or .csv for the numbers)", path)
		}
		var names []string
		if len(attr.Values) > 0 && len(labels.Channels) == len(attr.Values[0]) {
			names = labels.Channels
		}
		return plot.AttributionHeatmap(path, title, attr.Input, attr.Values, names)
	case ".html", ".htm":
		words, err := attrTokens(attr, tokens)
		if err != nil {
			return err
		}
		note := fmt.Sprintf("%s; red tokens push the output up, blue ones down.", methodTitle(attr.Method))
		if !math.IsNaN(attr.BaselinePrediction) {
			note += fmt.Sprintf(" Output on the baseline: %.4g.", attr.BaselinePrediction)
		}
		return plot.TokenHTML(path, title, words, attr.Scores, note)
	case ".csv":
		return writeAtomic(path, attributionCSV(attr, tokens))
	default:
		return fmt.Errorf("explain: %s: unknown picture type %q: use .png or .svg (series heatmap), .html (shaded tokens) or .csv (numbers)", path, ext)
	}
}

func methodTitle(m string) string {
	switch m {
	case "gradient":
		return "Gradient (saliency)"
	case "gradxinput":
		return "Gradient × input"
	case "integrated":
		return "Integrated gradients"
	case "occlusion":
		return "Occlusion"
	}
	return m
}

// attrTokens returns the words to show for each step.
func attrTokens(attr *explain.Attribution, tokens []string) ([]string, error) {
	n := len(attr.Scores)
	if tokens != nil {
		if len(tokens) != n {
			return nil, fmt.Errorf("explain: %d tokens given for an attribution of %d steps: give one token per step (the decoded row, padding included)", len(tokens), n)
		}
		return tokens, nil
	}
	words := make([]string, n)
	for t := range words {
		switch {
		case attr.Tokens != nil:
			words[t] = strconv.Itoa(attr.Tokens[t])
		case len(attr.Input) > t && len(attr.Input[t]) == 1:
			words[t] = strconv.FormatFloat(attr.Input[t][0], 'g', 4, 64)
		default:
			words[t] = fmt.Sprintf("t%d", t)
		}
	}
	return words, nil
}

func attributionCSV(attr *explain.Attribution, tokens []string) []byte {
	var b bytes.Buffer
	b.WriteString("step")
	if attr.Kind == explain.Tokens {
		b.WriteString(",token")
		if tokens != nil {
			b.WriteString(",word")
		}
	} else if len(attr.Input) > 0 {
		for c := range attr.Input[0] {
			fmt.Fprintf(&b, ",input_%d", c)
		}
	}
	b.WriteString(",score")
	for c := range attr.Values[0] {
		fmt.Fprintf(&b, ",attr_%d", c)
	}
	b.WriteString("\n")
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', 7, 64) }
	for t := range attr.Values {
		b.WriteString(strconv.Itoa(t))
		if attr.Kind == explain.Tokens {
			b.WriteString("," + strconv.Itoa(attr.Tokens[t]))
			if tokens != nil && t < len(tokens) {
				b.WriteString("," + csvQuote(tokens[t]))
			}
		} else {
			for _, v := range attr.Input[t] {
				b.WriteString("," + num(v))
			}
		}
		b.WriteString("," + num(attr.Scores[t]))
		for _, v := range attr.Values[t] {
			b.WriteString("," + num(v))
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

func csvQuote(s string) string {
	if strings.ContainsAny(s, ",\"\n\r") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// WriteFilterReport writes a filter report to path: ".html"/".htm" as a
// page of tables (plot.FilterReportHTML), ".json" as the explain.Report itself,
// ".tsv"/".txt" as one line per match (layer, filter, rank, activation,
// row, start, end, text).
func WriteFilterReport(path string, r *explain.Report) error {
	if r == nil || len(r.Layers) == 0 {
		return fmt.Errorf("explain: the filter report is empty: nothing to write")
	}
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".html", ".htm":
		return plot.FilterReportHTML(path, ngrams(r))
	case ".json":
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		return writeAtomic(path, append(b, '\n'))
	case ".tsv", ".txt":
		var b bytes.Buffer
		b.WriteString("layer\tfilter\trank\tactivation\trow\tstart\tend\ttext\n")
		for _, lf := range r.Layers {
			for _, f := range lf.Filters {
				for i, mt := range f.Top {
					fmt.Fprintf(&b, "%s\t%d\t%d\t%.6g\t%d\t%d\t%d\t%s\n", lf.Layer, f.Filter, i+1, mt.Activation, mt.Row, mt.Start, mt.End,
						strings.NewReplacer("\t", " ", "\n", " ").Replace(mt.Text))
				}
			}
		}
		return writeAtomic(path, b.Bytes())
	default:
		return fmt.Errorf("explain: %s: unknown report type %q: use .html, .json or .tsv", path, ext)
	}
}

// writeAtomic writes data to path atomically (internal/atomicfile).
func writeAtomic(path string, data []byte) error {
	if err := atomicfile.WriteFile(path, data); err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	return nil
}

// ngrams returns the report in plot.FilterReportHTML's form: one entry
// per filter, labelled with its layer and receptive field.
func ngrams(r *explain.Report) []plot.FilterNgrams {
	var res []plot.FilterNgrams
	for _, lf := range r.Layers {
		for _, f := range lf.Filters {
			fn := plot.FilterNgrams{Filter: f.Filter, Label: fmt.Sprintf("%s, %d-step window", lf.Layer, lf.Field)}
			if r.Kind == explain.Tokens {
				fn.Label = fmt.Sprintf("%s, %d-grams", lf.Layer, lf.Field)
			}
			for _, mt := range f.Top {
				fn.Ngrams = append(fn.Ngrams, mt.Text)
				fn.Activations = append(fn.Activations, mt.Activation)
			}
			res = append(res, fn)
		}
	}
	return res
}

// FilterWeights draws one filter of a Conv1D layer of m with
// plot.FilterWeights (path ".png" or ".svg"). channelNames, if given, name
// the input channels.
func FilterWeights(path string, m *model.Model, layer string, filter int, channelNames ...string) error {
	w, err := explain.Kernel(m, layer, filter)
	if err != nil {
		return err
	}
	return plot.FilterWeights(path, fmt.Sprintf("%s, filter %d", layer, filter), w, channelNames...)
}
