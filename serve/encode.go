package serve

import (
	"bytes"
	"encoding/binary"
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

// namedOrder lists the indices of names[:n] in the order the map
// named(names, v) encodes to: keys in byte order, a repeated name holding
// its last value. It is the same for every prediction of an answer.
func namedOrder(names []string, n int) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return strings.Compare(names[i], names[j]) })
	keep := order[:0]
	for k, i := range order {
		if k+1 < len(order) && names[order[k+1]] == names[i] {
			continue // the map kept the later value
		}
		keep = append(keep, i)
	}
	return keep
}

// appendNamed appends the object named(names, v) encodes to, given its
// namedOrder.
func appendNamed(b []byte, names []string, order []int, v []float64) []byte {
	b = append(b, '{')
	for k, i := range order {
		if k > 0 {
			b = append(b, ',')
		}
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
	rowKey := ""
	if a.namedRows() {
		rowKey = a.rowName
		if rowKey == "label" || rowKey == "probabilities" || rowKey == "values" {
			return b, false
		}
	}
	// Every prediction has the same keys, written in byte order (label <
	// probabilities; values); the row name goes where it sorts. Its
	// probabilities or values are named by the classes or output names.
	classes := a.lm.p.Classes()
	keys, vecNames := make([]string, 0, 3), classes
	if classes != nil {
		keys = append(keys, "label", "probabilities")
	} else {
		keys, vecNames = append(keys, "values"), a.outputNames()
	}
	if rowKey != "" {
		keys = append(keys, rowKey)
		slices.Sort(keys)
	}
	var order []int
	orderLen := -1
	b = append(b, `{"predictions":[`...)
	for i, q := range a.preds {
		vec := q.Values
		if classes != nil {
			vec = q.Probabilities
		}
		if len(vec) != orderLen {
			order, orderLen = namedOrder(vecNames, len(vec)), len(vec)
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		for k, key := range keys {
			if k > 0 {
				b = append(b, ',')
			}
			b = appendString(b, key)
			b = append(b, ':')
			switch key {
			case rowKey:
				b = appendString(b, q.Row)
			case "label":
				b = appendString(b, q.Label)
			default: // probabilities or values
				b = appendNamed(b, vecNames, order, vec)
			}
		}
		b = append(b, '}')
	}
	return append(b, "]}"...), true
}

// textInstances reads a body of exactly the form {"instances": ["text",
// ...]} (any JSON whitespace) whose texts need no unescaping: valid UTF-8
// without control characters or \. It reports false for anything else,
// which the general decoder then reads. The texts are copies (the body's
// buffer is reused).
func textInstances(body []byte) ([]string, bool) {
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
	var list []string
	for {
		ws()
		if i >= len(body) || body[i] != '"' {
			return nil, false
		}
		i++
		end := bytes.IndexByte(body[i:], '"')
		if end < 0 || !plainText(body[i:i+end]) {
			return nil, false
		}
		list = append(list, string(body[i:i+end]))
		i += end + 1
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

// plainText says whether s, the bytes between a JSON string's quotes,
// reads as itself: valid UTF-8 with no control character (< 0x20) and no
// backslash. Eight bytes are checked at a time (a request's text is most
// of its body): a word has a byte below 0x20 iff (x - 0x20…) &^ x & 0x80…
// is non-zero, and a byte equal to '\\' iff that test for below 1 holds
// for x ^ '\\'…
func plainText(s []byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	var high uint64
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := binary.LittleEndian.Uint64(s[i:])
		bs := x ^ ones*'\\'
		if (x-ones*0x20)&^x&highs|(bs-ones)&^bs&highs != 0 {
			return false
		}
		high |= x
	}
	for ; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == '\\' {
			return false
		}
		high |= uint64(s[i]) << 56
	}
	return high&highs == 0 || utf8.Valid(s)
}
