package plot

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// htmlElem is an element read back from our HTML: its class, style,
// title and text.
type htmlElem struct {
	name, class, style, title, text string
}

// readHTML parses our pages as XML (we write well-formed XHTML-style
// markup on purpose, so the standard library can check it strictly) and
// returns every element in document order.
func readHTML(t *testing.T, data []byte) []htmlElem {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	var out []htmlElem
	var stack []int
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("page is not well-formed: %v\n%s", err, data)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			e := htmlElem{name: el.Name.Local}
			for _, a := range el.Attr {
				switch a.Name.Local {
				case "class":
					e.class = a.Value
				case "style":
					e.style = a.Value
				case "title":
					e.title = a.Value
				}
			}
			out = append(out, e)
			stack = append(stack, len(out)-1)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			for _, i := range stack {
				out[i].text += string(el)
			}
		}
	}
	if len(stack) != 0 {
		t.Fatalf("%d elements left open", len(stack))
	}
	return out
}

func TestTokenHTML(t *testing.T) {
	r := rand.New(rand.NewSource(21))
	tokens := []string{"The", "<script>alert(1)</script>", "cat", "&", `"quoted"`, "it's", " ", "", "naïve", "end"}
	scores := make([]float64, len(tokens))
	for i := range scores {
		scores[i] = r.NormFloat64()
	}
	scores[2] = 0
	scores[5] = -3.5 // the largest |score|: full blue
	file := filepath.Join(t.TempDir(), "tokens.html")
	if err := TokenHTML(file, "Why <positive>?", tokens, scores, "model: toy & co"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	page := string(data)
	if strings.Contains(page, "<script>") {
		t.Fatal("a token was written unescaped")
	}
	for _, bad := range []string{"http:", "https:", "src=", "url(", "<link", "<script"} {
		if strings.Contains(page, bad) {
			t.Errorf("page is not self-contained: contains %q", bad)
		}
	}
	var spans []htmlElem
	var title, note string
	for _, e := range readHTML(t, data) {
		switch {
		case e.class == "tok":
			spans = append(spans, e)
		case e.name == "h1":
			title = e.text
		case e.class == "note":
			note = e.text
		}
	}
	if title != "Why <positive>?" || note != "model: toy & co" {
		t.Errorf("title %q, note %q", title, note)
	}
	if len(spans) != len(tokens) {
		t.Fatalf("%d token spans, want %d", len(spans), len(tokens))
	}
	for i, s := range spans {
		if s.text != visibleToken(tokens[i]) {
			t.Errorf("token %d reads %q, want %q", i, s.text, visibleToken(tokens[i]))
		}
		if !strings.Contains(s.title, tokens[i]) || !strings.HasSuffix(s.title, fmtScore(scores[i])) {
			t.Errorf("token %d title %q lacks the token or its score %s", i, s.title, fmtScore(scores[i]))
		}
		rgb, alpha := parseRGBA(t, s.style)
		want := math.Abs(scores[i]) / 3.5
		if math.Abs(alpha-want) > 0.001 {
			t.Errorf("token %d (score %.3f) has opacity %.3f, want %.3f", i, scores[i], alpha, want)
		}
		if scores[i] > 0 && rgb != rgbPositive || scores[i] < 0 && rgb != rgbNegative {
			t.Errorf("token %d (score %.3f) shaded rgb(%s)", i, scores[i], rgb)
		}
	}
	// The strongest table lists the non-zero scores by |score|, the
	// folded one every token in order.
	var rows []string
	for _, e := range readHTML(t, data) {
		if e.name == "tr" {
			rows = append(rows, e.text)
		}
	}
	if len(rows) != 1+(len(tokens)-1)+1+len(tokens) {
		t.Errorf("%d table rows, want %d", len(rows), 2+2*len(tokens)-1)
	} else if !strings.HasPrefix(rows[1], "5it's") {
		t.Errorf("first strongest row %q, want token 5", rows[1])
	}
	if !strings.Contains(spans[5].style, "color:#fff") {
		t.Errorf("the fully shaded token keeps dark text: %q", spans[5].style)
	}
}

// parseRGBA reads "background-color:rgba(r,g,b,a)" from a style.
func parseRGBA(t *testing.T, style string) (rgb string, alpha float64) {
	t.Helper()
	_, rest, ok := strings.Cut(style, "background-color:rgba(")
	if !ok {
		t.Fatalf("style %q has no rgba background", style)
	}
	inner, _, _ := strings.Cut(rest, ")")
	i := strings.LastIndex(inner, ",")
	a, err := strconv.ParseFloat(inner[i+1:], 64)
	if err != nil {
		t.Fatalf("style %q: %v", style, err)
	}
	return inner[:i], a
}

func TestTokenHTMLAllZero(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTokenHTML(&buf, "zeros", []string{"a", "b", "c"}, []float64{0, 0, 0}, ""); err != nil {
		t.Fatal(err)
	}
	elems := readHTML(t, buf.Bytes())
	n := 0
	for _, e := range elems {
		if e.class == "tok" {
			n++
			if _, a := parseRGBA(t, e.style); a != 0 {
				t.Errorf("zero score shaded with opacity %v", a)
			}
		}
	}
	if n != 3 || !strings.Contains(buf.String(), "All 3 scores are zero") || strings.Contains(buf.String(), "Strongest") {
		t.Errorf("%d spans; page:\n%s", n, buf.String())
	}
}

func TestFilterReportHTML(t *testing.T) {
	r := rand.New(rand.NewSource(22))
	filters := []FilterNgrams{
		{Filter: 0, Label: "conv1d <a>", Ngrams: []string{"AC<G", "T&TA", "GGC"}},
		{Filter: 3}, // never activated
		{Filter: 7, Ngrams: []string{"x", "y"}},
	}
	for i := range filters {
		for range filters[i].Ngrams {
			filters[i].Activations = append(filters[i].Activations, 0.1+r.Float64())
		}
	}
	file := filepath.Join(t.TempDir(), "filters.htm")
	if err := FilterReportHTML(file, filters); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var heads []string
	var cells []string
	tables := 0
	for _, e := range readHTML(t, data) {
		switch e.name {
		case "h2":
			heads = append(heads, e.text)
		case "table":
			tables++
		case "td":
			if e.class == "mono" {
				cells = append(cells, e.text)
			}
		}
	}
	if got := strings.Join(heads, "|"); got != "Filter 0 — conv1d <a>|Filter 3|Filter 7" {
		t.Errorf("headings %q", got)
	}
	if tables != 2 {
		t.Errorf("%d tables, want 2 (filter 3 has no n-grams)", tables)
	}
	if got := strings.Join(cells, "|"); got != "AC<G|T&TA|GGC|x|y" {
		t.Errorf("n-gram cells %q", got)
	}
	for _, f := range filters {
		for _, a := range f.Activations {
			if s := fmt.Sprintf("%.4g", a); !strings.Contains(string(data), ">"+s+"<") {
				t.Errorf("activation %s missing", s)
			}
		}
	}
	if !strings.Contains(string(data), "never activated") {
		t.Error("the empty filter is not explained")
	}
}
