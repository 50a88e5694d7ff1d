// Package msgcheck checks, for the tests of seqnet's library packages, that
// their messages name what a Go caller sets (Options.Header,
// CSVOptions.Classes), not the seqnet command's flags (its header flag),
// and that every setting they name exists (for tests only).
package msgcheck

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

// flagRef is a command-line flag (--header), which a Go caller of a library
// package does not have.
var flagRef = regexp.MustCompile(`(^|[^-\w])--[a-z]`)

// Names are the settings a package's messages may name: Ref matches a
// reference, its first group the type as written (a key of Types), its
// second group the field.
type Names struct {
	Ref   *regexp.Regexp
	Types map[string]reflect.Type
}

// Check fails t if msg names a flag or a setting that does not exist.
func (n Names) Check(t testing.TB, msg string) {
	t.Helper()
	if flagRef.MatchString(msg) {
		t.Errorf("message names a command-line flag: %q", msg)
	}
	for _, m := range n.Ref.FindAllStringSubmatch(msg, -1) {
		if _, ok := n.Types[m[1]].FieldByName(m[2]); !ok {
			t.Errorf("message names %s.%s, which does not exist: %q", m[1], m[2], msg)
		}
	}
}

// SourceTexts returns the string literals of the Go files (tests left out)
// in the current directory, the package under test, and their comments too
// if comments is set.
func SourceTexts(t testing.TB, comments bool) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in the package's folder: %v", err)
	}
	mode := parser.Mode(0)
	if comments {
		mode = parser.ParseComments
	}
	fset := token.NewFileSet()
	var texts []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, mode)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					texts = append(texts, s)
				}
			}
			return true
		})
		for _, c := range file.Comments {
			texts = append(texts, c.Text())
		}
	}
	return texts
}
