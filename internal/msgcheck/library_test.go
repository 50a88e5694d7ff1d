package msgcheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// notLibrary are the folders (from the module's root) whose strings and
// doc comments may name seqnet's commands and flags, and why. Package main folders (the
// commands themselves: cmd/seqnet, bench/quality, studio/wasm, ...) are
// left out without being listed.
var notLibrary = map[string]string{
	"studio":        "the seqnet studio page: it tells its reader what seqnet command does the same on the command line",
	"studio/engine": "what the seqnet studio page computes: its Command fields are seqnet shape command lines, its messages are the page's",
}

// commandNames reads seqnet's command names from cmd/seqnet's sources: the
// keys of its commands map ("shape": {runShape, ...} or
// commands["train"] = ...).
func commandNames(t *testing.T, root string) []string {
	t.Helper()
	entry := regexp.MustCompile(`(?m)^\s*"([a-z-]+)":\s*\{run|commands\["([a-z-]+)"\]\s*=`)
	files, _ := filepath.Glob(filepath.Join(root, "cmd", "seqnet", "*.go"))
	var names []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range entry.FindAllStringSubmatch(string(b), -1) {
			names = append(names, m[1]+m[2])
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	// A rename of the map would otherwise leave the check with nothing to
	// look for, and pass.
	if !slices.Contains(names, "train") || !slices.Contains(names, "shape") || len(names) < 10 {
		t.Fatalf("read seqnet's commands from cmd/seqnet as %v: expected train, shape and at least 10 in all; update commandNames", names)
	}
	return names
}

// walkLibrary parses, with mode, every non-test Go file of every library
// package under root (not package main, not the folders of notLibrary,
// not testdata or folders starting with "." or "_"), and calls visit with
// each file's path from root (slash-separated).
func walkLibrary(root string, mode parser.Mode, visit func(rel string, fset *token.FileSet, file *ast.File)) error {
	fset := token.NewFileSet()
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			if d != nil && d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || notLibrary[filepath.ToSlash(filepath.Dir(rel))] != "" {
			return nil
		}
		file, err := parser.ParseFile(fset, path, nil, mode)
		if err != nil {
			return err
		}
		if file.Name.Name != "main" {
			visit(filepath.ToSlash(rel), fset, file)
		}
		return nil
	})
}

// cliNames finds, in the string literals of the non-test Go files of
// every library package under root, those that name a command-line flag
// (--max-memory) or a seqnet command (seqnet import), as "file:line:
// text". Comments are not checked here (flagDocs checks the doc comments
// of the exported API).
func cliNames(root string, commands []string) ([]string, error) {
	command := regexp.MustCompile(`\bseqnet (` + strings.Join(commands, "|") + `)\b`)
	var found []string
	err := walkLibrary(root, 0, func(rel string, fset *token.FileSet, file *ast.File) {
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			if s, err := strconv.Unquote(lit.Value); err == nil && (flagRef.MatchString(s) || command.MatchString(s)) {
				p := fset.Position(lit.Pos())
				found = append(found, rel+":"+strconv.Itoa(p.Line)+": "+strconv.Quote(s))
			}
			return true
		})
	})
	return found, err
}

// TestLibraryNamesNoFlags: no message of a library package (every package
// but the commands and the studio page) names a seqnet flag or command,
// which a Go program using the package does not have: a message names
// the Go setting or function (model.MaxMemory, keras.ReadModelJSON), and
// seqnet shows its flags (cmd/seqnet's flagNames).
func TestLibraryNamesNoFlags(t *testing.T) {
	root := filepath.Join("..", "..")
	found, err := cliNames(root, commandNames(t, root))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Errorf("a library message names a seqnet flag or command; name the Go setting or function instead:\n%s", f)
	}
}

// TestCLINamesFound: the scan finds a flag and a command in a library
// package's strings, and leaves comments, tests and package main alone.
func TestCLINamesFound(t *testing.T) {
	root := t.TempDir()
	write := treeWriter(t, root)
	write("lib/a.go", "package lib\n\n// Set by --limit.\nvar (\n\ta = \"raise --limit\"\n\tb = `or use seqnet import`\n\tc = \"seqnet reads this; -1 -- -x\"\n)\n")
	write("lib/a_test.go", "package lib\n\nvar d = \"--limit\"\n")
	write("cmd/x/main.go", "package main\n\nvar e = \"--limit and seqnet import\"\n")
	found, err := cliNames(root, []string{"import", "train"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`lib/a.go:5: "raise --limit"`, `lib/a.go:6: "or use seqnet import"`}
	if !slices.Equal(found, want) {
		t.Errorf("found %q, want %q", found, want)
	}
}

// treeWriter returns a function that writes a file of a planted module
// under root, at a slash-separated path, making its folders.
func treeWriter(t *testing.T, root string) func(path, src string) {
	return func(path, src string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
