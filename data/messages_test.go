package data

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/internal/msgcheck"
)

// options are the options a message may name: CSVOptions.Classes,
// TextCSVOptions.Text.
var options = msgcheck.Names{
	Ref:   regexp.MustCompile(`\b((?:Text)?CSVOptions)\.([A-Z][A-Za-z]*)`),
	Types: map[string]reflect.Type{"CSVOptions": reflect.TypeFor[CSVOptions](), "TextCSVOptions": reflect.TypeFor[TextCSVOptions]()},
}

// TestMessagesNameOptions: the package's errors and descriptions name the
// options a Go caller sets (CSVOptions.Classes), not the seqnet command's
// flags (--classes); each option named exists. Every string and comment
// in the package's sources is checked, and the errors that name options
// are made.
func TestMessagesNameOptions(t *testing.T) {
	for _, text := range msgcheck.SourceTexts(t, true) {
		options.Check(t, text)
	}

	rows := "x,y\n1,2\n2,3\n3,4\n4,5\n5,6\n6,7\n7,8\n8,9\n9,10\n10,11\n11,abc\n"
	_, err := ReadCSV(strings.NewReader(rows), CSVOptions{})
	want := "set CSVOptions.Classes to read the column as class labels"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("mostly numeric target: error %v, want one containing %q", err, want)
	} else {
		options.Check(t, err.Error())
	}
	for _, read := range []func() error{
		func() error { _, err := ReadCSV(strings.NewReader("a,b,a\n1,2,3\n"), CSVOptions{}); return err },
		func() error { _, err := ReadTextCSV(strings.NewReader("a,b,a\nx,y,z\n"), TextCSVOptions{}); return err },
	} {
		err := read()
		want := "(CSVOptions.Target, CSVOptions.Features, TextCSVOptions.Text)"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("duplicate column names: error %v, want one containing %q", err, want)
		} else {
			options.Check(t, err.Error())
		}
	}
	tab, err := ReadTextCSV(strings.NewReader("id,text,label\n1,some longer text,a\n2,more text here,b\n"), TextCSVOptions{Header: HeaderYes})
	if err != nil {
		t.Fatal(err)
	}
	desc := tab.Describe()
	if !strings.Contains(desc, "TextCSVOptions.Text to choose another") {
		t.Errorf("Describe of a chosen text column: %q", desc)
	}
	options.Check(t, desc)
}
