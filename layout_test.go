package seqnet

import (
	"go/build"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/layers"
)

const module = "github.com/seqnet/seqnet"

// packageDirs lists the folders of the tree that hold a Go package (a .go
// file that is not a test), as go list sees them: not testdata, not folders
// starting with _ or . (internal/kernels/_asm is a module of its own).
func packageDirs(t *testing.T) []string {
	seen := map[string]bool{}
	var dirs []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != "." && (n == "testdata" || strings.HasPrefix(n, "_") || strings.HasPrefix(n, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			if dir := filepath.ToSlash(filepath.Dir(path)); dir != "." && !seen[dir] {
				seen[dir] = true
				dirs = append(dirs, dir)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(dirs)
	return dirs
}

// checkLayout checks that listed, the packages of a layout in order, names
// every package of the tree once, and that no package imports one listed
// after it.
func checkLayout(t *testing.T, where string, listed []string) {
	t.Helper()
	pos := map[string]int{}
	for i, p := range listed {
		if _, dup := pos[p]; dup {
			t.Errorf("%s lists %s twice", where, p)
		}
		pos[p] = i
	}
	for _, dir := range packageDirs(t) {
		if _, ok := pos[dir]; !ok {
			t.Errorf("%s does not list the package %s: add it below every package it imports", where, dir)
		}
		delete(pos, dir)
	}
	for p := range pos {
		t.Errorf("%s lists %s, which is not a package of the tree", where, p)
	}
	order := map[string]int{}
	for i, p := range listed {
		order[p] = i
	}
	for i, p := range listed {
		ctx := build.Default
		ctx.GOOS, ctx.GOARCH = "js", "wasm" // studio/wasm builds only there; the others build anywhere
		pkg, err := ctx.ImportDir(p, 0)
		if err != nil {
			if pkg, err = build.ImportDir(p, 0); err != nil {
				continue // not a package here (reported above if missing)
			}
		}
		for _, imp := range pkg.Imports {
			dep, ok := strings.CutPrefix(imp, module+"/")
			if !ok {
				continue
			}
			if j, listed := order[dep]; listed && j > i {
				t.Errorf("%s lists %s above %s, which it imports: imports point up the list", where, p, dep)
			}
		}
	}
}

// TestLayout checks README.md's Layout table and the package list in
// doc.go against the packages of the tree and their imports.
func TestLayout(t *testing.T) {
	section := readmeSection(t, "## Layout")
	var fromReadme []string
	cell := regexp.MustCompile("`([a-z0-9/]+)`")
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		first := strings.Split(line, "|")[1]
		for _, m := range cell.FindAllStringSubmatch(first, -1) {
			fromReadme = append(fromReadme, m[1])
		}
	}
	checkLayout(t, "README.md's Layout table", fromReadme)

	f, err := parser.ParseFile(token.NewFileSet(), "doc.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	_, list, _ := strings.Cut(f.Doc.Text(), "Packages, in import order")
	list, _, _ = strings.Cut(list, "\n# ")
	var fromDoc []string
	for _, line := range strings.Split(list, "\n") {
		if !strings.HasPrefix(line, "\t") || strings.HasPrefix(line, "\t ") {
			continue // not a package line, or the description going on
		}
		names, _, _ := strings.Cut(strings.TrimSpace(line), "  ")
		for _, n := range strings.Split(names, ",") {
			if n = strings.TrimSpace(n); n != "" {
				fromDoc = append(fromDoc, n)
			}
		}
	}
	checkLayout(t, "doc.go's package list", fromDoc)
}

// readmeSection returns the text of README.md under the heading, up to the
// next heading of the same level.
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README.md has no %q section", heading)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	return section
}

// TestReadmeListsEveryLayer checks that README.md's layer table names every
// layer class FromConfig knows.
func TestReadmeListsEveryLayer(t *testing.T) {
	section := readmeSection(t, "## Layers and models")
	for _, class := range layers.Classes() {
		name := strings.TrimSuffix(class, "Layer") // InputLayer is layers.Input
		if !strings.Contains(section, "`"+name+"`") {
			t.Errorf("README.md's \"Layers and models\" table does not name the layer %s: add `%s` to its row", class, name)
		}
	}
}
