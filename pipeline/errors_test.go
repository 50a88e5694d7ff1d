package pipeline

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/internal/msgcheck"
)

// settingNames are the settings a message may name: Options.Header,
// Source.Data, Source.Layout.Header.
var settingNames = msgcheck.Names{
	Ref:   regexp.MustCompile(`\b(Source\.Layout|Options|Source)\.([A-Z][A-Za-z]*)`),
	Types: map[string]reflect.Type{"Options": reflect.TypeFor[Options](), "Source": reflect.TypeFor[Source](), "Source.Layout": reflect.TypeFor[Layout]()},
}

// TestMessagesNameSettings: the package's errors and notes name what a Go
// caller sets (Options.Header), not the seqnet command's flags (--header);
// each setting named exists. Every string in the package's sources is
// checked, and some errors are made.
func TestMessagesNameSettings(t *testing.T) {
	for _, text := range msgcheck.SourceTexts(t, false) {
		settingNames.Check(t, text)
	}

	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.csv")
	os.WriteFile(empty, nil, 0o644)
	weather := "testdata/weather.csv"
	withOptions := func(set func(*Options)) Options {
		o := DefaultOptions()
		set(&o)
		return o
	}
	_, p, err := Load("testdata/weather-cli1.seqnet")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		err  func() error
		want string
	}{
		{"no data", func() error { _, _, err := Fit(Source{}, DefaultOptions()); return err }, `Source.Data = "FILE"`},
		{"empty file", func() error { _, _, err := Fit(Source{Data: empty}, DefaultOptions()); return err }, "Source.Data " + empty + ": the file is empty"},
		{"header", func() error {
			_, _, err := Fit(Source{Data: weather}, withOptions(func(o *Options) { o.Header = "maybe" }))
			return err
		}, `Options.Header "maybe": expected yes, no or auto`},
		{"fill", func() error {
			_, _, err := Fit(Source{Data: weather}, withOptions(func(o *Options) { o.Fill = "sometimes" }))
			return err
		}, `Options.Fill "sometimes"`},
		{"text and window", func() error {
			_, _, err := Fit(Source{Data: weather}, withOptions(func(o *Options) { o.Text, o.Window = true, 3 }))
			return err
		}, "Options.Text and Options.Window cannot be combined"},
		{"horizon", func() error {
			_, _, err := Fit(Source{Data: weather}, withOptions(func(o *Options) { o.Window, o.Horizon = 3, -1 }))
			return err
		}, "Options.Horizon must be ≥ 0"},
		{"standardize", func() error {
			_, _, err := Fit(Source{Data: "testdata/spam.tsv"}, withOptions(func(o *Options) { o.Text, o.Standardize = true, "lower" }))
			return err
		}, `Options.Standardize = "lower" is not a standardization: expected "lower_and_split_punctuation"`},
		{"layout header", func() error {
			_, err := p.Transform(Source{Data: weather, Layout: Layout{Header: "maybe"}}, false)
			return err
		}, `Source.Layout.Header "maybe": expected yes, no or auto`},
		{"layout delimiter", func() error {
			_, err := p.Transform(Source{Data: weather, Layout: Layout{Delimiter: "::"}}, false)
			return err
		}, `Source.Layout.Delimiter "::": expected one character`},
	} {
		err := c.err()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
			continue
		}
		settingNames.Check(t, err.Error())
	}
}
