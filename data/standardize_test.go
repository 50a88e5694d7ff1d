package data

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// Hand-worked tokens of both standardizations: a hyphen, a dot inside a
// version number, brackets, an apostrophe, other punctuation, non-ASCII
// letters, punctuation and bytes (kept as they are), whitespace.
func TestStandardizationTokens(t *testing.T) {
	for _, c := range []struct{ in, strip, split string }{
		{"[Razor-users] RH7.3", "[razorusers rh73]", "[razor users rh7 3]"},
		{"Don't STOP", "[dont stop]", "[dont stop]"},
		{"e-mail/fax:555-1234", "[emailfax5551234]", "[e mail fax 555 1234]"},
		{"a_b-c.d/e:f;g<h>i@j[k]l^m`", "[abcdefghijklm]", "[a b c d e f g h i j k l m]"},
		{"Hello, World!!", "[hello world]", "[hello world]"},
		{"ÀÉ Ünïcode{x}|~ café—naïve", "[ÀÉ Ünïcodex café—naïve]", "[ÀÉ Ünïcode x café—naïve]"},
		{"\xffA.\xc3B\tc", "[\xffa\xc3b c]", "[\xffa \xc3b c]"},
		{"... -- ''", "[]", "[]"},
		{"rock'n'roll.", "[rocknroll]", "[rocknroll]"},
	} {
		for _, m := range []struct{ mode, want string }{{"", c.strip}, {LowerAndStripPunctuation, c.strip}, {LowerAndSplitPunctuation, c.split}} {
			v := &TextVectorizer{Standardize: m.mode}
			if got := fmt.Sprintf("%s", v.Tokens(c.in)); got != m.want {
				t.Errorf("%q: Tokens(%q) = %s, want %s", m.mode, c.in, got, m.want)
			}
		}
		if got := fmt.Sprintf("%s", SplitWhitespace(StandardizeSplit(c.in))); got != c.split {
			t.Errorf("StandardizeSplit(%q) split = %s, want %s", c.in, got, c.split)
		}
	}
	if got := StandardizeSplit("A-b\tc"); got != "a b\tc" {
		t.Errorf("StandardizeSplit keeps other whitespace: %q", got)
	}
}

// The standardization is saved in the JSON and restored; JSON without the
// field (every file written before it existed) means Keras' default; an
// unknown one is refused, saying what is known.
func TestStandardizationJSON(t *testing.T) {
	texts := []string{"[Razor-users] razor", "users of RH7.3", "razor-users"}
	v := NewTextVectorizer(0, 4)
	v.Standardize = LowerAndSplitPunctuation
	if err := v.Adapt(texts); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(v.Vocabulary[2:], " "); got != "users razor rh7 of 3" {
		t.Fatalf("vocabulary %q", got)
	}
	if d := v.Describe(); !strings.Contains(d, "words split at punctuation (lower_and_split_punctuation)") {
		t.Errorf("Describe does not name the standardization: %q", d)
	}
	js, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `"standardize":"lower_and_split_punctuation"`) {
		t.Fatalf("JSON without the standardization: %s", js)
	}
	var w TextVectorizer
	if err := json.Unmarshal(js, &w); err != nil {
		t.Fatal(err)
	}
	if w.Standardize != LowerAndSplitPunctuation || fmt.Sprint(w.Encode("Razor-Users!")) != "[3 2 0 0]" {
		t.Fatalf("restored %q encodes %v", w.Standardize, w.Encode("Razor-Users!"))
	}

	old := `{"max_tokens":0,"output_sequence_length":0,"vocabulary":["","[UNK]","razorusers","razor","users"]}`
	var k TextVectorizer
	if err := json.Unmarshal([]byte(old), &k); err != nil {
		t.Fatal(err)
	}
	if k.Standardize != "" || fmt.Sprint(k.Encode("[Razor-users]"), k.Tokens("RH7.3")) != "[2] [rh73]" {
		t.Fatalf("a file without the field: %q %v", k.Standardize, k.Encode("[Razor-users]"))
	}
	if js, _ := json.Marshal(&k); strings.Contains(string(js), "standardize") {
		t.Errorf("Keras' default written out: %s", js)
	}

	bad := `{"standardize":"lower","vocabulary":["a"]}`
	err = json.Unmarshal([]byte(bad), &k)
	if err == nil || !strings.Contains(err.Error(), `standardize "lower" is not a known standardization: expected "lower_and_strip_punctuation"`) {
		t.Fatalf("unknown standardization in JSON: %v", err)
	}
	if k.Standardize != "" || k.Lookup("razorusers") != 2 {
		t.Errorf("a refused JSON changed the vectorizer: %q", k.Standardize)
	}
}

// Every method that returns an error refuses an unknown standardization.
func TestUnknownStandardizationRefused(t *testing.T) {
	want := `standardize "Lower_And_Split_Punctuation" is not a known standardization`
	v := &TextVectorizer{Standardize: "Lower_And_Split_Punctuation"}
	if err := v.Adapt([]string{"a b"}); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Adapt: %v", err)
	}
	if err := v.SetVocabulary([]string{"a"}); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("SetVocabulary: %v", err)
	}
	if err := CheckStandardize(v.Standardize); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("CheckStandardize: %v", err)
	}
	if err := v.Validate(); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Validate: %v", err)
	}
	ok := &TextVectorizer{}
	if err := ok.SetVocabulary([]string{"a"}); err != nil {
		t.Fatal(err)
	}
	ok.Standardize = v.Standardize
	if _, err := ok.EncodeBatch([]string{"a"}); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("EncodeBatch: %v", err)
	}
}

// Encode and Tokens, which return no error, neither panic on an unknown
// standardization set after the vocabulary nor read it as another mode
// than the vocabulary's: they use the standardization the vocabulary was
// made with (Keras' default when there is none), as documented.
func TestUnknownStandardizationAfterVocabulary(t *testing.T) {
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("panicked: %v", r)
		}
	}()
	v := &TextVectorizer{Standardize: LowerAndSplitPunctuation}
	if err := v.SetVocabulary([]string{"razor", "users"}); err != nil {
		t.Fatal(err)
	}
	v.Standardize = "split"
	if got := fmt.Sprint(v.Encode("[Razor-Users]"), v.Tokens("RH7.3")); got != "[2 3] [rh7 3]" {
		t.Errorf("after an unknown Standardize: Encode, Tokens = %s, want the vocabulary's splitting [2 3] [rh7 3]", got)
	}
	if err := v.Validate(); err == nil || !strings.Contains(err.Error(), `standardize "split" is not a known standardization`) {
		t.Errorf("Validate: %v", err)
	}
	v.Standardize = LowerAndStripPunctuation // a known mode set later is used as it is
	if got := fmt.Sprint(v.Encode("[Razor-Users]"), v.Tokens("RH7.3")); got != "[1] [rh73]" {
		t.Errorf("after Standardize = %q: %s, want [1] [rh73]", v.Standardize, got)
	}
	fresh := &TextVectorizer{Standardize: "split"}
	if got := fmt.Sprint(fresh.Tokens("RH7.3"), fresh.Encode("a")); got != "[rh73] [1]" {
		t.Errorf("no vocabulary, unknown Standardize: %s, want Keras' default [rh73] [1]", got)
	}
}

// Validate reports each setting Adapt refuses, and nothing for the zero
// value.
func TestValidate(t *testing.T) {
	if err := (&TextVectorizer{}).Validate(); err != nil {
		t.Errorf("zero value: %v", err)
	}
	for _, c := range []struct {
		v    TextVectorizer
		want string
	}{
		{TextVectorizer{MaxTokens: 2}, "max_tokens 2 is invalid"},
		{TextVectorizer{OutputSequenceLength: -1}, "output_sequence_length -1 is invalid"},
		{TextVectorizer{Standardize: "lower"}, `standardize "lower" is not a known standardization`},
	} {
		if err := c.v.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: Validate = %v, want %q", c.v, err, c.want)
		}
		if err := c.v.Adapt([]string{"a"}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: Adapt = %v, want %q", c.v, err, c.want)
		}
	}
}

func ExampleStandardizeSplit() {
	fmt.Println(Standardize("[Razor-users] RH7.3 won't boot"))
	fmt.Println(StandardizeSplit("[Razor-users] RH7.3 won't boot"))
	// Output:
	// razorusers rh73 wont boot
	//  razor users  rh7 3 wont boot
}

// kerasSplitPattern is the regular expression of the Keras callable that
// StandardizeSplit's doc gives: DEFAULT_STRIP_REGEX without the apostrophe.
// TensorFlow's regex_replace uses RE2, as Go's regexp does.
const kerasSplitPattern = "[!\"#$%&()\\*\\+,-\\./:;<=>?@\\[\\\\\\]^_`{|}~]"

// TestStandardizeSplitAsKerasCallable: StandardizeSplit is what the Keras
// standardize callable in its doc computes (ASCII lowering, as
// tf.strings.lower does by default, then the two regex_replace calls), on
// random texts.
func TestStandardizeSplitAsKerasCallable(t *testing.T) {
	apostrophe, punct := regexp.MustCompile("'"), regexp.MustCompile(kerasSplitPattern)
	rng := rand.New(rand.NewPCG(5, 6))
	for range 3000 {
		s := randomText(rng, rng.IntN(30))
		lower := []byte(s)
		for i, c := range lower {
			if c >= 'A' && c <= 'Z' {
				lower[i] = c + 'a' - 'A'
			}
		}
		want := punct.ReplaceAllString(apostrophe.ReplaceAllString(string(lower), ""), " ")
		if got := StandardizeSplit(s); got != want {
			t.Fatalf("StandardizeSplit(%q) = %q, the Keras callable %q", s, got, want)
		}
	}
}

func ExampleTextVectorizer_Validate() {
	v := NewTextVectorizer(0, 0)
	v.Standardize = "lower_and_split" // misspelled
	if err := v.Validate(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// standardize "lower_and_split" is not a known standardization: expected "lower_and_strip_punctuation" (Keras' default, also what an empty or missing value means) or "lower_and_split_punctuation"; the value may be misspelled, or the model file was written by a newer seqnet
}
