package pipeline

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/data"
)

// TestFitStandardize: text is split at punctuation by default (also when
// Options.Standardize is ""), as Keras does when asked, and the mode is
// stored: a pipeline read back from JSON vectorizes new texts the same
// way. The report says which standardization was used.
func TestFitStandardize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.tsv")
	var b strings.Builder
	b.WriteString("label\ttext\n")
	for i := range 20 {
		b.WriteString([]string{"spam\tWIN cash now!!", "ham\t[Razor-users] RH7.3 won't boot", "ham\trazor users meeting"}[i%3] + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		mode, stored string
		want, not    []string
	}{
		{"", data.LowerAndSplitPunctuation, []string{"razor", "users", "rh7", "3", "wont"}, []string{"razorusers", "rh73"}},
		{data.LowerAndSplitPunctuation, data.LowerAndSplitPunctuation, []string{"razor", "users", "rh7", "3", "wont"}, []string{"razorusers", "rh73"}},
		{data.LowerAndStripPunctuation, data.LowerAndStripPunctuation, []string{"razorusers", "rh73", "wont", "razor"}, []string{"rh7", "3"}},
	} {
		o := DefaultOptions()
		o.Text, o.Target, o.Standardize = true, "label", c.mode
		p, fitted, err := Fit(Source{Data: path}, o)
		if err != nil {
			t.Fatal(err)
		}
		v := p.Vectorizer
		if v.Standardize != c.stored || !strings.Contains(fitted.Report, `Options.Standardize = "`+c.stored+`"`) {
			t.Fatalf("%q: stored %q, report %s", c.mode, v.Standardize, fitted.Report)
		}
		for _, w := range c.want {
			if !slices.Contains(v.Vocabulary, w) {
				t.Errorf("%q: %q not in the vocabulary %q", c.mode, w, v.Vocabulary)
			}
		}
		for _, w := range c.not {
			if slices.Contains(v.Vocabulary, w) {
				t.Errorf("%q: %q in the vocabulary %q", c.mode, w, v.Vocabulary)
			}
		}
		js, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		q, err := Parse(js)
		if err != nil {
			t.Fatal(err)
		}
		texts := []string{"[Razor-users] RH7.3 won't boot", "WIN-cash"}
		got, err := q.Texts(texts)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := v.EncodeBatch(texts)
		if q.Vectorizer.Standardize != c.stored || !slices.Equal(got.X.Data, want.Data) || fitted.X.Shape[1] != got.X.Shape[1] {
			t.Errorf("%q: read back as %q, Texts %v, want %v", c.mode, q.Vectorizer.Standardize, got.X.Data, want.Data)
		}
	}
	o := DefaultOptions()
	o.Text, o.Standardize = true, "Keras"
	_, _, err := Fit(Source{Data: path}, o)
	var ie InputError
	if err == nil || !errors.As(err, &ie) || !strings.Contains(err.Error(), `Options.Standardize = "Keras"`) {
		t.Errorf("unknown standardization: %v, want an InputError naming it", err)
	}
}

// TestLegacyVectorizerDeletesPunctuation: a model file written before the
// standardization was stored reads texts as Keras' default did then.
func TestLegacyVectorizerDeletesPunctuation(t *testing.T) {
	_, p, err := Load("testdata/spam-cli1.seqnet")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile("testdata/spam-cli1.seqnet")
	if strings.Contains(string(raw), `"standardize"`) || p.Vectorizer.Standardize != "" {
		t.Fatalf("the legacy file names a standardization (%q)", p.Vectorizer.Standardize)
	}
	b, err := p.Texts([]string{"Re: [ILUG] e-mail, web-site!"})
	if err != nil {
		t.Fatal(err)
	}
	words := 0
	for _, m := range b.X.Mask {
		if m {
			words++
		}
	}
	if words != 4 { // re ilug email website
		t.Errorf("%d words, want 4 (punctuation deleted): %v", words, b.X.Data)
	}
}
