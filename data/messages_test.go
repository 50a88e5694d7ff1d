package data

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// optionRef is an option named in a message: CSVOptions.Classes,
// TextCSVOptions.Text.
var optionRef = regexp.MustCompile(`\b((?:Text)?CSVOptions)\.([A-Z][A-Za-z]*)`)

// flagRef is a command-line flag (--classes), which a Go caller of this
// package (or of package pipeline, which passes its errors on) does not
// have.
var flagRef = regexp.MustCompile(`(^|[^-\w])--[a-z]`)

// checkMessage fails t if msg names a flag or an option that does not
// exist.
func checkMessage(t *testing.T, msg string) {
	t.Helper()
	if flagRef.MatchString(msg) {
		t.Errorf("message names a command-line flag: %q", msg)
	}
	types := map[string]reflect.Type{"CSVOptions": reflect.TypeFor[CSVOptions](), "TextCSVOptions": reflect.TypeFor[TextCSVOptions]()}
	for _, m := range optionRef.FindAllStringSubmatch(msg, -1) {
		if _, ok := types[m[1]].FieldByName(m[2]); !ok {
			t.Errorf("message names %s.%s, which does not exist: %q", m[1], m[2], msg)
		}
	}
}

// TestMessagesNameOptions: the package's errors and descriptions name the
// options a Go caller sets (CSVOptions.Classes), not the seqnet command's
// flags (--classes); each option named exists. Every string and comment
// in the package's sources is checked, and the errors that name options
// are made.
func TestMessagesNameOptions(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					checkMessage(t, s)
				}
			}
			return true
		})
		for _, c := range file.Comments {
			checkMessage(t, c.Text())
		}
	}

	rows := "x,y\n1,2\n2,3\n3,4\n4,5\n5,6\n6,7\n7,8\n8,9\n9,10\n10,11\n11,abc\n"
	_, err := ReadCSV(strings.NewReader(rows), CSVOptions{})
	want := "set CSVOptions.Classes to read the column as class labels"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("mostly numeric target: error %v, want one containing %q", err, want)
	} else {
		checkMessage(t, err.Error())
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
			checkMessage(t, err.Error())
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
	checkMessage(t, desc)
}
