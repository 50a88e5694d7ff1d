package main

import (
	"go/parser"
	"go/token"
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
