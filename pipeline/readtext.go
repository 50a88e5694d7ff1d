package pipeline

import (
	"fmt"
	"os"
	"sort"

	"github.com/seqnet/seqnet/data"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

func textOptions(d *settings) (data.TextCSVOptions, error) {
	delim, err := parseDelimiter("Options.Delimiter", d.Delimiter)
	if err != nil {
		return data.TextCSVOptions{}, err
	}
	header, err := parseHeader("Options.Header", d.Header)
	if err != nil {
		return data.TextCSVOptions{}, err
	}
	return data.TextCSVOptions{Delimiter: delim, Header: header, Text: d.TextColumn, Label: d.Target}, nil
}

func readTextFile(path string, o data.TextCSVOptions) (*data.TextTable, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, inputErr("Source.Data %s: %v", path, err)
	}
	defer f.Close()
	t, err := data.ReadTextCSV(f, o)
	if err != nil {
		return nil, inputErr("%s: %v", path, err)
	}
	return t, nil
}

func readTextTrain(d *settings, p *Pipeline, valSplit float64) (*Batch, error) {
	path, err := d.dataPath()
	if err != nil {
		return nil, err
	}
	o, err := textOptions(d)
	if err != nil {
		return nil, err
	}
	if d.MaxTokens < 0 || d.SeqLen < 0 {
		return nil, inputErr("Options.MaxTokens and Options.SeqLen must be ≥ 0 (0: no cap / the 95th percentile of the training texts' lengths); received %d and %d", d.MaxTokens, d.SeqLen)
	}
	mode, err := standardization(d.Standardize)
	if err != nil {
		return nil, err
	}
	t, err := readTextFile(path, o)
	if err != nil {
		return nil, inputErr("%v (options: Options.TextColumn for the text, Options.Target for the label)", err)
	}
	p.Delimiter, p.Header, p.TextColumn, p.Target = string(t.Delimiter), headerWord(t.HasHeader), t.TextColumn, t.LabelColumn
	if err := classTask(p, t.Labels, "label column `"+t.LabelColumn+"`"); err != nil {
		return nil, err
	}
	split := splitAt(len(t.Texts), valSplit)
	if split == 0 {
		return nil, inputErr("Options.ValidationSplit = %g of %d texts leaves none to learn the vocabulary from: lower it", valSplit, len(t.Texts))
	}
	// The vocabulary is learned from all the texts, validation ones too:
	// it uses no labels, and a model whose word-count classifiers are
	// refitted on all the texts at the end (nbcnn) then knows the words
	// that only the validation texts hold (the last texts of the file,
	// often the nearest to the texts it will predict).
	vec := data.NewTextVectorizer(d.MaxTokens, d.SeqLen)
	vec.Standardize = mode
	if err := vec.Adapt(t.Texts); err != nil {
		return nil, asInput(err)
	}
	seqNote := ""
	if d.SeqLen == 0 {
		lengths := make([]int, split)
		for i, s := range t.Texts[:split] {
			lengths[i] = len(vec.Tokens(s))
		}
		sort.Ints(lengths)
		// The 95th percentile of the training lengths: a few very long
		// texts do not make every sequence long (time and memory grow with
		// it).
		l := max(lengths[(95*split+99)/100-1], 1)
		cut := split - sort.SearchInts(lengths, l+1)
		vec.OutputSequenceLength = l
		seqNote = fmt.Sprintf("\nOptions.SeqLen = %d: the 95th percentile of the training texts' lengths (median %d, longest %d); %d training texts are cut to it (Options.SeqLen to change)",
			l, lengths[split/2], lengths[split-1], cut)
	}
	p.Vectorizer = vec
	// The token matrix is texts × seq-len values (and the model's first
	// activations grow with it): priced before it is allocated.
	if L := vec.OutputSequenceLength; L > layers.MaxDim || float64(L)*float64(len(t.Texts))*4 > float64(model.MaxMemory) {
		return nil, inputErr("Options.SeqLen = %d for %d texts would take %.3g GiB for the token ids alone, above the memory limit of %.3g GiB (model.MaxMemory): use an Options.SeqLen near the texts' lengths (or 0 for the 95th percentile)",
			L, len(t.Texts), float64(L)*float64(len(t.Texts))*4/(1<<30), float64(model.MaxMemory)/(1<<30))
	}
	x, err := vec.EncodeBatch(t.Texts)
	if err != nil {
		return nil, err
	}
	y := tensor.New(len(t.Y))
	for i, v := range t.Y {
		y.Data[i] = float32(v)
	}
	report := fmt.Sprintf("%s\n%s\n%s (vocabulary learned from all %d texts, without their labels)%s\n%d samples × %d tokens",
		t.Describe(), standardizeNote(vec.Standardize), vec.Describe(), len(t.Texts), seqNote, x.Shape[0], x.Shape[1])
	return &Batch{X: x, Y: classTarget(p.Task, y), RowName: "line", Rows: lineNames(t.Lines), Report: report}, nil
}

func readTextApplied(d *settings, p *Pipeline, target bool) (*Batch, error) {
	path, err := d.dataPath()
	if err != nil {
		return nil, err
	}
	o := data.TextCSVOptions{Text: p.TextColumn, Label: p.Target, NoLabel: !target, Labels: p.Labels}
	if o.Delimiter, o.Header, err = p.fileLayout(d.Layout, path); err != nil {
		return nil, err
	}
	t, err := readTextFile(path, o)
	if err != nil {
		return nil, err
	}
	x, err := p.Vectorizer.EncodeBatch(t.Texts)
	if err != nil {
		return nil, err
	}
	ds := &Batch{X: x, RowName: "line", Rows: lineNames(t.Lines), Report: fmt.Sprintf("%d texts × %d tokens", x.Shape[0], x.Shape[1])}
	if target {
		y := tensor.New(len(t.Y))
		for i, v := range t.Y {
			y.Data[i] = float32(v)
		}
		ds.Y = classTarget(p.Task, y)
	}
	return ds, nil
}

// standardization checks Options.Standardize and returns the mode to
// store ("" is the default, data.LowerAndSplitPunctuation).
func standardization(mode string) (string, error) {
	switch mode {
	case "":
		return data.LowerAndSplitPunctuation, nil
	case data.LowerAndSplitPunctuation, data.LowerAndStripPunctuation:
		return mode, nil
	}
	return "", inputErr("Options.Standardize = %q is not a standardization: expected %q (the default: ASCII punctuation other than the apostrophe separates words) or %q (Keras TextVectorization's default: punctuation is deleted, \"e-mail\" is one word)",
		mode, data.LowerAndSplitPunctuation, data.LowerAndStripPunctuation)
}

// standardizeNote says how the texts became words, for the report.
func standardizeNote(mode string) string {
	if mode == data.LowerAndStripPunctuation {
		return fmt.Sprintf("words: Options.Standardize = %q (Keras' default): ASCII punctuation is deleted (\"[Razor-users]\" → razorusers)", mode)
	}
	return fmt.Sprintf("words: Options.Standardize = %q: ASCII punctuation separates words, apostrophes are deleted (\"[Razor-users]\" → razor users; Keras' %q makes razorusers)",
		mode, data.LowerAndStripPunctuation)
}
