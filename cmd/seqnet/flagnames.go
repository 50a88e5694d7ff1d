package main

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// settingRef is a setting named in a package pipeline message, as a Go
// program sets it: Options.Header, Source.Data, Source.Layout.Header
// (or model.MaxMemory), with a value to try after " = " (a quoted string,
// a one-string list []string{"date"}, or a word or number).
var settingRef = regexp.MustCompile(`\b(?:(?:Source\.Layout|Options|Source)\.([A-Z][A-Za-z]*)|model\.(MaxMemory))(?: = ("(?:[^"\\]|\\.)*"|\[\]string\{"(?:[^"\\]|\\.)*"\}|[\w.+-]+))?`)

// flagNames rewrites the settings that package pipeline's messages name
// into the flags of the same names: "give Options.Header = \"yes\"" reads
// "give --header yes" (a value that needs quoting in a shell keeps its
// quotes).
func flagNames(s string) string {
	return settingRef.ReplaceAllStringFunc(s, func(ref string) string {
		m := settingRef.FindStringSubmatch(ref)
		flag := "--" + kebab(m[1]+m[2])
		v := strings.TrimSuffix(strings.TrimPrefix(m[3], "[]string{"), "}")
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
