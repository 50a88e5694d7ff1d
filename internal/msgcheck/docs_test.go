package msgcheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// exportedDocs returns the doc comments of file's package clause and of
// its exported identifiers: functions and methods of exported types,
// types, constants, variables, and exported fields and methods of
// exported types, each with the line it starts on.
func exportedDocs(fset *token.FileSet, file *ast.File) map[int]string {
	docs := map[int]string{}
	add := func(groups ...*ast.CommentGroup) {
		for _, g := range groups {
			if g != nil {
				docs[fset.Position(g.Pos()).Line] = g.Text()
			}
		}
	}
	add(file.Doc)
	fields := func(l *ast.FieldList) {
		if l == nil {
			return
		}
		for _, f := range l.List {
			for _, n := range f.Names {
				if n.IsExported() {
					add(f.Doc, f.Comment)
					break
				}
			}
		}
	}
	for _, d := range file.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Name.IsExported() && (d.Recv == nil || exportedRecv(d.Recv)) {
				add(d.Doc)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if !s.Name.IsExported() {
						continue
					}
					add(s.Doc, s.Comment)
					if len(d.Specs) == 1 {
						add(d.Doc)
					}
					switch t := s.Type.(type) {
					case *ast.StructType:
						fields(t.Fields)
					case *ast.InterfaceType:
						fields(t.Methods)
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() {
							add(s.Doc, s.Comment, d.Doc)
							break
						}
					}
				}
			}
		}
	}
	return docs
}

// exportedRecv reports whether a method's receiver type is exported.
func exportedRecv(recv *ast.FieldList) bool {
	t := recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		case *ast.Ident:
			return x.IsExported()
		default:
			return false
		}
	}
}

// quoted is a double-quoted string in a comment: a value the API takes or
// gives (serve.Options.LimitNames' "--max-body", shapewalk.NameInput's
// "--input"), which names no flag of the caller's.
var quoted = regexp.MustCompile(`"[^"\n]*"`)

// flagDocs finds the doc comments of the exported API of every library
// package under root (the packages cliNames reads) that name a
// command-line flag outside double quotes, as "file:line: text".
func flagDocs(root string) ([]string, error) {
	var found []string
	err := walkLibrary(root, parser.ParseComments, func(rel string, fset *token.FileSet, file *ast.File) {
		for line, doc := range exportedDocs(fset, file) {
			if flagRef.MatchString(quoted.ReplaceAllString(doc, `""`)) {
				found = append(found, rel+":"+strconv.Itoa(line)+": "+strconv.Quote(doc))
			}
		}
	})
	slices.Sort(found)
	return found, err
}

// TestLibraryDocsNameNoFlags: the doc comments of a library package's
// exported API describe what a Go program sets, not seqnet's flags, which
// a Go program does not have (a quoted flag is a value the API takes or
// gives, and is left alone). Comments inside functions and on unexported
// names are not read: they explain the code, and may say which flag
// reaches it.
func TestLibraryDocsNameNoFlags(t *testing.T) {
	found, err := flagDocs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Errorf("a library doc comment names a seqnet flag; describe the Go setting instead:\n%s", f)
	}
}

// TestFlagDocsFound: the scan finds a flag in the docs of a package, an
// exported function, method, type, field, interface method and constant,
// and leaves quoted flags, unexported names, comments inside functions,
// tests and package main alone.
func TestFlagDocsFound(t *testing.T) {
	root := t.TempDir()
	write := treeWriter(t, root)
	write("lib/a.go", `// Package lib: --pkg.
package lib

// F: --f.
func F() {
	// --inside
}

// f: --unexported.
func f() {}

// T: --t; "--quoted" is a value.
type T struct {
	// A: --field.
	A int
	b int // --unexported-field
}

// M: --method.
func (*T) M() {}

// m: --unexported-method.
func (T) m() {}

type u struct{}

// M: --method-of-unexported.
func (u) M() {}

// I is an interface.
type I interface {
	// N: --interface-method.
	N()
}

// C: --const.
const C = 1

const c = 2 // --unexported-const
`)
	write("lib/a_test.go", "package lib\n\n// G: --test.\nfunc G() {}\n")
	write("cmd/x/main.go", "package main\n\n// H: --main.\nfunc H() {}\n")
	found, err := flagDocs(root)
	if err != nil {
		t.Fatal(err)
	}
	// Each doc starts with its name: "F: --f." is found as F.
	var names []string
	for _, f := range found {
		doc := f[strings.Index(f, `: "`)+3:]
		names = append(names, doc[:strings.Index(doc, ":")])
	}
	slices.Sort(names)
	want := []string{"A", "C", "F", "M", "N", "Package lib", "T"}
	if !slices.Equal(names, want) {
		t.Errorf("found %q, want %q:\n%s", names, want, strings.Join(found, "\n"))
	}
}
