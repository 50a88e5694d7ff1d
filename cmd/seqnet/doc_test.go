package main

import (
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDocListsEveryCommand checks that the package comment in doc.go, what
// `go doc ./cmd/seqnet` shows, lists every registered command (commands
// whose names start with "test-" are registered by tests only).
func TestDocListsEveryCommand(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "doc.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	doc := f.Doc.Text()
	for name, c := range commands {
		if strings.HasPrefix(name, "test-") {
			continue
		}
		if !regexp.MustCompile(`(?m)^\tseqnet ` + regexp.QuoteMeta(name) + ` `).MatchString(doc) {
			t.Errorf("the package comment in cmd/seqnet/doc.go does not list the command %q: add the line\n\tseqnet %-13s %s\nunder the heading it belongs to", name, name, c.summary)
		}
	}
}

// TestReadmeListsEveryCommand checks that the command table of README.md
// names every registered command.
func TestReadmeListsEveryCommand(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## The command line\n")
	if !ok {
		t.Fatal(`README.md has no "## The command line" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	listed := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		for _, m := range regexp.MustCompile("`(?:seqnet )?([a-z-]+)").FindAllStringSubmatch(strings.Split(line, "|")[1], -1) {
			listed[m[1]] = true
		}
	}
	for name := range commands {
		if !listed[name] && !strings.HasPrefix(name, "test-") {
			t.Errorf("README.md's command table (under \"The command line\") does not list seqnet %s: add a row", name)
		}
	}
}
