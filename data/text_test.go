package data

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestStandardize(t *testing.T) {
	for in, want := range map[string]string{
		"Hello, World!":              "hello world",
		"Don't STOP—me now (ok?)":    "dont stop—me now ok",
		"a_b-c.d/e:f;g<h>i@j[k]l^m`": "abcdefghijklm",
		"ÀÉ Ünïcode 123 {x}|~":       "ÀÉ Ünïcode 123 x", // tf.strings.lower lowers ASCII only
		"tabs\tand\nnewlines":        "tabs\tand\nnewlines",
	} {
		if got := Standardize(in); got != want {
			t.Errorf("Standardize(%q) = %q, want %q", in, got, want)
		}
	}
	if got := fmt.Sprint(SplitWhitespace("  a \t b\n\nc  ")); got != "[a b c]" {
		t.Errorf("split %s", got)
	}
}

// The example of Keras' TextVectorization docstring:
//
//	vectorize_layer = TextVectorization(max_tokens=5000, output_mode='int', output_sequence_length=4)
//	vectorize_layer.adapt(["foo bar", "bar baz", "baz bada boom"])
//	vectorize_layer(["foo qux bar"]) → [[4, 1, 3, 0]]
//
// with vocabulary [”, '[UNK]', 'baz', 'bar', 'foo', 'boom', 'bada'].
func TestTextVectorizerKerasDocExample(t *testing.T) {
	v := NewTextVectorizer(5000, 4)
	if err := v.Adapt([]string{"foo bar", "bar baz", "baz bada boom"}); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%q", v.Vocabulary); got != `["" "[UNK]" "baz" "bar" "foo" "boom" "bada"]` {
		t.Fatalf("vocabulary %s", got)
	}
	if got := fmt.Sprint(v.Encode("foo qux bar"), v.Encode("qux baz")); got != "[4 1 3 0] [1 2 0 0]" {
		t.Fatalf("encode %s", got)
	}
	if got := v.Describe(); got != "vocabulary of 7 tokens (2 special: padding 0, [UNK] 1; max_tokens 5000), sequences of 4 tokens" {
		t.Fatalf("Describe %q", got)
	}
}

func TestTextVectorizerHandWorked(t *testing.T) {
	texts := []string{"The cat sat.", "The dog sat!", "A cat, a DOG; the end"}
	// Counts: the 3; a, cat, dog, sat 2; end 1. Ties in descending order.
	v := NewTextVectorizer(0, 0)
	if err := v.Adapt(texts); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(v.Vocabulary[2:], " "); got != "the sat dog cat a end" {
		t.Fatalf("vocabulary %q", got)
	}
	// max_tokens counts padding and [UNK].
	v5 := NewTextVectorizer(5, 3)
	v5.Adapt(texts)
	if got := fmt.Sprintf("%q", v5.Vocabulary); got != `["" "[UNK]" "the" "sat" "dog"]` {
		t.Fatalf("max_tokens 5: %s", got)
	}
	// Truncated and padded at the end.
	if got := fmt.Sprint(v5.Encode("A cat, a DOG; the end")); got != "[1 1 1]" {
		t.Fatalf("encode %s", got)
	}
	if got := fmt.Sprint(v5.Encode("dog")); got != "[4 0 0]" {
		t.Fatalf("encode %s", got)
	}
	// Batch without output_sequence_length: padded to the longest, masked.
	b, err := v.EncodeBatch([]string{"the cat", "a dog sat", ""})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(b.Shape) != "[3 3]" || fmt.Sprint(b.Data) != "[2 5 0 6 4 3 0 0 0]" || fmt.Sprint(b.Mask[:3]) != "[true true false]" {
		t.Fatalf("batch %v %v %v", b.Shape, b.Data, b.Mask)
	}
	if got := strings.Join(v.Decode([]int{2, 5, 99, 0}), " "); got != "the cat [UNK]" {
		t.Fatalf("decode %q", got)
	}
	// JSON round trip.
	js, _ := json.Marshal(v5)
	var w TextVectorizer
	if err := json.Unmarshal(js, &w); err != nil {
		t.Fatal(err)
	}
	if w.OutputSequenceLength != 3 || w.Lookup("dog") != 4 || w.Lookup("zebra") != 1 || w.VocabularySize() != 5 {
		t.Fatalf("restored %+v", w)
	}
	if err := json.Unmarshal([]byte(`{"vocabulary":["a","a"]}`), &w); err == nil {
		t.Fatal("duplicate vocabulary accepted")
	}
	if err := NewTextVectorizer(2, 0).Adapt(texts); err == nil {
		t.Fatal("max_tokens 2 accepted")
	}
	if _, err := NewTextVectorizer(0, 0).EncodeBatch(texts); err == nil {
		t.Fatal("encode without vocabulary accepted")
	}
}

// Hand-worked keras.utils.pad_sequences outputs.
func TestPadSequences(t *testing.T) {
	seqs := [][]int{{1, 2, 3}, {4, 5}, {6}, {}}
	for _, c := range []struct {
		o    PadOptions
		want string
	}{
		{PadOptions{}, "[1 2 3 0 4 5 0 0 6 0 0 0]"},
		{PadOptions{Padding: Post}, "[1 2 3 4 5 0 6 0 0 0 0 0]"},
		{PadOptions{MaxLen: 2}, "[2 3 4 5 0 6 0 0]"},
		{PadOptions{MaxLen: 2, Truncating: Post}, "[1 2 4 5 0 6 0 0]"},
		{PadOptions{MaxLen: 4, Padding: Post, Value: -1}, "[1 2 3 -1 4 5 -1 -1 6 -1 -1 -1 -1 -1 -1 -1]"},
	} {
		got, err := PadSequences(seqs, c.o)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got.Data) != c.want {
			t.Errorf("%+v: %v, want %s", c.o, got.Data, c.want)
		}
	}
	m, _ := PadSequences(seqs, PadOptions{})
	if fmt.Sprint(m.Mask[3:6]) != "[false true true]" {
		t.Errorf("mask %v", m.Mask)
	}
	if _, err := PadSequences(seqs, PadOptions{Padding: "middle"}); err == nil {
		t.Error("padding middle accepted")
	}
}

func TestWordVectors(t *testing.T) {
	glove := "the 0.1 0.2 0.3\ncat -1 0 1\nnew york 5 5 5\ncat 9 9 9\n"
	wv, err := ReadWordVectors(strings.NewReader(glove))
	if err != nil {
		t.Fatal(err)
	}
	if wv.Format != "glove" || wv.Dim != 3 || len(wv.Words) != 3 || fmt.Sprint(wv.Vector("cat")) != "[-1 0 1]" || wv.Vector("new york") == nil {
		t.Fatalf("%+v", wv)
	}
	w2v := "3 2\nthe 1 2\ndog 3 4\nend 5 6\n"
	wv2, err := ReadWordVectors(strings.NewReader(w2v))
	if err != nil || wv2.Format != "word2vec" || wv2.Dim != 2 || len(wv2.Words) != 3 {
		t.Fatalf("%v %+v", err, wv2)
	}
	vocab := []string{"", "[UNK]", "the", "zebra", "dog"}
	e := wv2.Align(vocab)
	if e.Found != 2 || e.Missing != 1 || fmt.Sprint(e.Matrix.Shape) != "[5 2]" || fmt.Sprint(e.Matrix.Data) != "[0 0 0 0 1 2 0 0 3 4]" {
		t.Fatalf("align %+v %v", e, e.Matrix.Data)
	}
	if !strings.Contains(e.Describe(), "2 of 3 words found (66.7%), 1 missing (e.g. zebra)") {
		t.Fatalf("describe %q", e.Describe())
	}
	for text, want := range map[string]string{
		"":                   "no vectors",
		"the 1 2\ncat 1\n":   "line 2 has 2 fields",
		"the 1 x\n":          "not a finite number",
		"5 2\nthe 1 2\n":     "announces 5 words but 1",
		"the\n":              "not a word vector",
		"2 0\nthe 1 2\n":     "header",
		"the 1 2\ncat 1 NaN": "not a finite number",
	} {
		_, err := ReadWordVectors(strings.NewReader(text))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadWordVectors(%q): %v, want %q", text, err, want)
		}
	}
}

func ExampleTextVectorizer() {
	v := NewTextVectorizer(10, 5)
	v.Adapt([]string{"Win money now!", "Meeting moved to Monday", "win a prize, win now"})
	fmt.Printf("%q\n", v.Vocabulary)
	fmt.Println(v.Encode("WIN big money now"))
	// Output:
	// ["" "[UNK]" "win" "now" "to" "prize" "moved" "money" "monday" "meeting"]
	// [2 1 7 3 0]
}

func ExamplePadSequences() {
	x, _ := PadSequences([][]int{{1, 2, 3}, {4, 5}, {6}}, PadOptions{MaxLen: 2})
	fmt.Println(x.Shape, x.Data)
	// Output: [3 2] [2 3 4 5 0 6]
}

func TestReadTextCSV(t *testing.T) {
	tsv := "label\tsubject\nspam\tWIN money now\nham\tMeeting at 10\nspam\tcheap pills\n"
	tt, err := ReadTextCSV(strings.NewReader(tsv), TextCSVOptions{Label: "label"})
	if err != nil {
		t.Fatal(err)
	}
	if !tt.HasHeader || tt.Delimiter != '\t' || tt.TextColumn != "subject" || fmt.Sprint(tt.Y) != "[1 0 1]" || tt.Texts[1] != "Meeting at 10" {
		t.Fatalf("%+v", tt)
	}
	if got := tt.Describe(); got != "3 texts from column `subject`, label column `label` with 2 classes (\"ham\", \"spam\")" {
		t.Fatalf("Describe %q", got)
	}
	// No header, label first (the embedded spam file's layout), numeric labels.
	tt, err = ReadTextCSV(strings.NewReader("1\tWIN money\n0\thello, world\n1\tpills\n"), TextCSVOptions{Label: "0"})
	if err != nil || tt.HasHeader || tt.TextColumn != "1" || fmt.Sprint(tt.Y) != "[1 0 1]" || tt.Texts[1] != "hello, world" {
		t.Fatalf("%v %+v", err, tt)
	}
	_, err = ReadTextCSV(strings.NewReader("text,label\nhi,a\nho,b\nhu,c\n"), TextCSVOptions{Labels: &LabelMap{Classes: []string{"a", "b"}}})
	if err == nil || !strings.Contains(err.Error(), `line 4, label column 1 `+"`label`"+`: unknown label "c"`) {
		t.Fatalf("unseen label: %v", err)
	}
	_, err = ReadTextCSV(strings.NewReader("text,label\nhi,a\nho,\n"), TextCSVOptions{})
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("empty label: %v", err)
	}
	var b strings.Builder
	for i := 0; i < 12; i++ {
		fmt.Fprintf(&b, "%d,text number %d\n", i, i)
	}
	_, err = ReadTextCSV(strings.NewReader(b.String()), TextCSVOptions{})
	if err == nil || !strings.Contains(err.Error(), "does not look like a label") {
		t.Fatalf("text as label: %v", err)
	}
}

func TestReadTextCSVChoosesLongestTextColumn(t *testing.T) {
	in := "id,review,label\n101,great phone and a long battery life,pos\n102,broke after a week sadly,neg\n103,works well enough for me,pos\n"
	tt, err := ReadTextCSV(strings.NewReader(in), TextCSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tt.TextColumn != "review" || !tt.TextChosen {
		t.Fatalf("text column %q (chosen %v), want review: the id column must not be read as the text", tt.TextColumn, tt.TextChosen)
	}
	if d := tt.Describe(); !strings.Contains(d, "column `review` (the column with the longest average text") {
		t.Errorf("Describe does not say which column was chosen and why: %s", d)
	}
	tt, err = ReadTextCSV(strings.NewReader(in), TextCSVOptions{Text: "id"})
	if err != nil || tt.TextColumn != "id" || tt.TextChosen {
		t.Errorf("--text-column id: %v, %v", tt, err)
	}
}
