package serve

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// The hot paths of a text model's request, {"instances": ["text", ...]}
// and its {"predictions": [...]} answer, are read and written here by
// hand; anything else goes through encoding/json. Each gives exactly what
// the encoding/json path gives (TestFastJSONMatchesEncodingJSON).

// buffers are reused for request bodies and answers.
var buffers = sync.Pool{New: func() any { return new([]byte) }}

func getBuffer() *[]byte { return buffers.Get().(*[]byte) }

// putBuffer returns a buffer to the pool unless it grew large (one huge
// request should not keep its memory alive).
func putBuffer(b *[]byte) {
	if cap(*b) <= 1<<20 {
		*b = (*b)[:0]
		buffers.Put(b)
	}
}

// plainJSON says whether s is written by encoding/json as it is, between
// quotes: printable ASCII other than " \ < > & (which it escapes).
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// appendString appends s as encoding/json writes it.
func appendString(b []byte, s string) []byte {
	if plainJSON(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	q, _ := json.Marshal(s) // a string always encodes
	return append(b, q...)
}

// appendNum appends f as num.MarshalJSON writes it.
func appendNum(b []byte, f float64) []byte {
	g := float64(float32(f))
	if math.IsNaN(g) || math.IsInf(g, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, g, 'g', -1, 32)
}

// appendNamed appends the object named(names, v) encodes to: keys in
// byte order, a repeated name holding its last value.
func appendNamed(b []byte, names []string, v []float64) []byte {
	order := make([]int, len(v))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return strings.Compare(names[i], names[j]) })
	b = append(b, '{')
	first := true
	for k, i := range order {
		if k+1 < len(order) && names[order[k+1]] == names[i] {
			continue // the map kept the later value
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, names[i])
		b = append(b, ':')
		b = appendNum(b, v[i])
	}
	return append(b, '}')
}

// appendTFRows appends {"predictions": a.tfRows()} as json.Marshal writes
// it, or reports false when the answer is not one it writes (a row name
// that collides with another key).
func (a *answer) appendTFRows(b []byte) ([]byte, bool) {
	classes := a.lm.p.Classes()
	var names []string
	if classes == nil {
		names = a.outputNames()
	}
	rowKey := ""
	if a.namedRows() {
		rowKey = a.rowName
		if rowKey == "label" || rowKey == "probabilities" || rowKey == "values" {
			return b, false
		}
	}
	b = append(b, `{"predictions":[`...)
	for i, q := range a.preds {
		if i > 0 {
			b = append(b, ',')
		}
		// Keys in byte order: label < probabilities; then values; the
		// row name goes where it sorts.
		type field struct {
			key   string
			write func([]byte) []byte
		}
		var fields [3]field
		n := 0
		if classes != nil {
			fields[n] = field{"label", func(b []byte) []byte { return appendString(b, q.Label) }}
			fields[n+1] = field{"probabilities", func(b []byte) []byte { return appendNamed(b, classes, q.Probabilities) }}
			n += 2
		} else {
			fields[n] = field{"values", func(b []byte) []byte { return appendNamed(b, names, q.Values) }}
			n++
		}
		if rowKey != "" {
			fields[n] = field{rowKey, func(b []byte) []byte { return appendString(b, q.Row) }}
			n++
		}
		slices.SortFunc(fields[:n], func(x, y field) int { return strings.Compare(x.key, y.key) })
		b = append(b, '{')
		for k, f := range fields[:n] {
			if k > 0 {
				b = append(b, ',')
			}
			b = appendString(b, f.key)
			b = append(b, ':')
			b = f.write(b)
		}
		b = append(b, '}')
	}
	return append(b, "]}"...), true
}

// textInstances reads a body of exactly the form {"instances": ["text",
// ...]} (any JSON whitespace) whose texts need no unescaping: printable
// ASCII without \ or valid UTF-8. It reports false for anything else,
// which the general decoder then reads.
func textInstances(body []byte) ([]any, bool) {
	i := 0
	ws := func() {
		for i < len(body) && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r') {
			i++
		}
	}
	lit := func(s string) bool {
		ws()
		if len(body)-i < len(s) || string(body[i:i+len(s)]) != s {
			return false
		}
		i += len(s)
		return true
	}
	if !lit("{") || !lit(`"instances"`) || !lit(":") || !lit("[") {
		return nil, false
	}
	var list []any
	for {
		ws()
		if i >= len(body) || body[i] != '"' {
			return nil, false
		}
		i++
		start, ascii := i, true
		for i < len(body) && body[i] != '"' {
			c := body[i]
			if c < 0x20 || c == '\\' {
				return nil, false
			}
			ascii = ascii && c < 0x80
			i++
		}
		if i >= len(body) {
			return nil, false
		}
		s := body[start:i]
		if !ascii && !utf8.Valid(s) {
			return nil, false
		}
		list = append(list, string(s))
		i++
		if lit(",") {
			continue
		}
		if lit("]") && lit("}") {
			break
		}
		return nil, false
	}
	ws()
	if i != len(body) {
		return nil, false
	}
	return list, true
}
