package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestDataMessagesShowFlags: package data's messages name its options
// (CSVOptions.Classes, TextCSVOptions.Text), which seqnet prints as the
// flags that fill them, in errors and in the data report.
func TestDataMessagesShowFlags(t *testing.T) {
	dir := t.TempDir()
	var num, texts strings.Builder
	num.WriteString("x,y\n")
	texts.WriteString("id,text,label\n")
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&num, "%d,%d\n", i, i+1)
		fmt.Fprintf(&texts, "%d,word%d and more words here,%c\n", i, i%3, 'a'+i%2)
	}
	num.WriteString("20,abc\n")
	for _, c := range []struct{ name, data, want string }{
		{"mostly numeric target", num.String(), "or set --classes to read the column as class labels"},
		{"duplicate columns", "a,b,a,y\n1,5,3,2.5\n4,2,6,1.5\n3,9,1,4.5\n", "columns are chosen by name (--target, --features, --text-column)"},
	} {
		path := writeFile(t, filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".csv"), c.data)
		_, errOut, code := cli("train", "--data", path, "--epochs", "1", "--out", filepath.Join(dir, "m.seqnet"))
		if code != 2 || !strings.Contains(errOut, c.want) || strings.Contains(errOut, "Options.") {
			t.Errorf("%s: exit %d, %q; want exit 2 and %q", c.name, code, errOut, c.want)
		}
	}
	path := writeFile(t, filepath.Join(dir, "texts.csv"), texts.String())
	out := mustCLI(t, "train", "--data", path, "--text", "--epochs", "1", "--out", filepath.Join(dir, "t.seqnet"))
	if want := "(the column with the longest average text; --text-column to choose another)"; !strings.Contains(out, want) || strings.Contains(out, "Options.") {
		t.Errorf("train's report does not say %q:\n%s", want, out)
	}
}

// TestDataOptionsAreFlags: each option package data's messages name is
// written as a flag seqnet train takes.
func TestDataOptionsAreFlags(t *testing.T) {
	var d dataFlags
	train := flag.NewFlagSet("train", flag.ContinueOnError)
	d.addTrainFlags(train)
	for _, opt := range []string{"CSVOptions.Classes", "CSVOptions.Target", "CSVOptions.Features", "TextCSVOptions.Text", "TextCSVOptions.Label"} {
		f := flagNames(opt)
		if !strings.HasPrefix(f, "--") || train.Lookup(f[2:]) == nil {
			t.Errorf("%s is written %q, which seqnet train does not take", opt, f)
		}
	}
}
