package main

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// settingRef is a setting named in a package pipeline or data message, as
// a Go program sets it: Options.Header, Source.Data, Source.Layout.Header,
// CSVOptions.Classes, TextCSVOptions.Text (or model.MaxMemory), with a
// value to try after " = " (a quoted string, a one-string list
// []string{"date"}, or a word or number).
var settingRef = regexp.MustCompile(`\b((?:Source\.Layout|Options|Source|(?:Text)?CSVOptions)\.[A-Z][A-Za-z]*|model\.MaxMemory)(?: = ("(?:[^"\\]|\\.)*"|\[\]string\{"(?:[^"\\]|\\.)*"\}|[\w.+-]+))?`)

// flagOf names the flags whose names differ from the setting they fill:
// package data's text reader calls the text column Text and the label
// column Label, which seqnet takes as --text-column and --target.
var flagOf = map[string]string{"TextCSVOptions.Text": "--text-column", "TextCSVOptions.Label": "--target"}

// commandOf names the seqnet command that does what a function the
// library's messages name does: package keras's readers of model.to_json()
// output and numpy.savez weights are seqnet import's --keras-json and
// --weights; pipeline.Fit is seqnet train.
var commandOf = strings.NewReplacer(
	"trained with pipeline.Fit", "trained by seqnet train",
	"keras.ReadModelJSON and keras.LoadWeightsNPZ", "seqnet import --keras-json and --weights",
	"keras.ReadModelJSON", "seqnet import --keras-json",
)

// flagNames rewrites the settings that packages pipeline and data name in
// their messages into the flags of the same names: "give Options.Header =
// \"yes\"" reads "give --header yes" (a value that needs quoting in a
// shell keeps its quotes); and the functions package keras names into the
// command that calls them (commandOf).
func flagNames(s string) string {
	s = commandOf.Replace(s)
	return settingRef.ReplaceAllStringFunc(s, func(ref string) string {
		m := settingRef.FindStringSubmatch(ref)
		flag, ok := flagOf[m[1]]
		if !ok {
			flag = "--" + kebab(m[1][strings.LastIndexByte(m[1], '.')+1:])
		}
		v := strings.TrimSuffix(strings.TrimPrefix(m[2], "[]string{"), "}")
		if v == "" {
			return flag
		}
		if u, err := strconv.Unquote(v); err == nil && shellWord(u) {
			v = u
		}
		return flag + " " + v
	})
}

// kebab writes a Go field name as a flag name: RowLabel → row-label, X → x.
func kebab(name string) string {
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// shellWord says whether s can be typed in a shell as it is.
func shellWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._-+/:,", r))) {
			return false
		}
	}
	return true
}
