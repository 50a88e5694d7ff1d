package data

import (
	"fmt"
	"strings"
)

// Standardizations of a TextVectorizer (its Standardize field), named as
// Keras names the standardize argument of TextVectorization.
const (
	// LowerAndStripPunctuation is Keras' default (Standardize): ASCII
	// letters lowered, ASCII punctuation deleted, so "[Razor-users]" is
	// the one word "razorusers" and "RH7.3" is "rh73".
	LowerAndStripPunctuation = "lower_and_strip_punctuation"
	// LowerAndSplitPunctuation is not a Keras mode (StandardizeSplit):
	// ASCII letters lowered, the apostrophe deleted ("don't" → "dont", as
	// Keras does), every other ASCII punctuation character replaced by a
	// space, so "[Razor-users]" is "razor users" and "RH7.3" is "rh7 3".
	// Punctuation mostly sits between words: a hyphen, slash or dot joins
	// two words that the rest of the texts use on their own, and deleting
	// it makes a third, rarer word of them. Keras' older
	// keras.preprocessing.text.Tokenizer and scikit-learn's
	// CountVectorizer split there too. seqnet train uses it for text by
	// default, chosen by measurement on its development text sets (see
	// the README's quality table).
	LowerAndSplitPunctuation = "lower_and_split_punctuation"
)

// stripped is Keras' DEFAULT_STRIP_REGEX as a set: ASCII punctuation
// !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~
const stripped = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// Standardize applies Keras' default standardization,
// "lower_and_strip_punctuation": ASCII letters are lowered (as
// tf.strings.lower does by default; other letters are kept) and the ASCII
// punctuation characters !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~ are removed.
func Standardize(s string) string {
	return standardizeWith(&stripClasses, s)
}

// StandardizeSplit applies the "lower_and_split_punctuation"
// standardization: as Standardize, except that the punctuation characters
// other than the apostrophe become spaces, which then separate words.
// Non-ASCII bytes are kept as they are. Keras has no such mode; its
// TextVectorization gives the same words with standardize=f, where
//
//	def f(s):
//	    s = tf.strings.regex_replace(tf.strings.lower(s), "'", "")
//	    return tf.strings.regex_replace(s, r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~]', " ")
//
// (Keras' DEFAULT_STRIP_REGEX without the apostrophe, replaced by a space
// instead of deleted; TensorFlow's regular expressions are RE2, as Go's
// regexp, which the tests compare it with).
func StandardizeSplit(s string) string {
	return standardizeWith(&splitClasses, s)
}

// standardizeWith standardizes s as the byte classes cls say: lowers
// upper, deletes strip, writes a space for space (other whitespace is kept
// as it is: only splitting reads it).
func standardizeWith(cls *[256]uint8, s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch cls[c] {
		case upper:
			b.WriteByte(c + 'a' - 'A')
		case strip:
		case space:
			if strings.IndexByte(stripped, c) >= 0 {
				c = ' '
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Byte classes of a standardization, which the tokenizer's fast path
// (appendIDs) reads.
const (
	keep  = iota // part of a token as it is
	upper        // ASCII A-Z: lowered
	strip        // ASCII punctuation that is deleted
	space        // ASCII whitespace (and punctuation that splits): separates tokens
)

// stripClasses are the byte classes of LowerAndStripPunctuation,
// splitClasses those of LowerAndSplitPunctuation.
var stripClasses, splitClasses = byteClasses(false), byteClasses(true)

// byteClasses classifies every byte: the punctuation other than the
// apostrophe splits when split is set, and is deleted otherwise.
func byteClasses(split bool) (c [256]uint8) {
	for b := 'A'; b <= 'Z'; b++ {
		c[b] = upper
	}
	for i := 0; i < len(stripped); i++ {
		c[stripped[i]] = strip
		if split && stripped[i] != '\'' {
			c[stripped[i]] = space
		}
	}
	for _, b := range " \t\n\r\v\f" {
		c[b] = space
	}
	return c
}

// classesOf returns the byte classes of a standardization ("" is Keras'
// default), or an error naming the known ones.
func classesOf(mode string) (*[256]uint8, error) {
	switch mode {
	case "", LowerAndStripPunctuation:
		return &stripClasses, nil
	case LowerAndSplitPunctuation:
		return &splitClasses, nil
	}
	return nil, fmt.Errorf("standardize %q is not a known standardization: expected %q (Keras' default, also what an empty or missing value means) or %q; the value may be misspelled, or the model file was written by a newer seqnet",
		mode, LowerAndStripPunctuation, LowerAndSplitPunctuation)
}

// CheckStandardize returns an error unless mode names a standardization
// a TextVectorizer knows: "" (Keras' default), LowerAndStripPunctuation or
// LowerAndSplitPunctuation.
func CheckStandardize(mode string) error {
	_, err := classesOf(mode)
	return err
}

// classes returns the byte classes of v's standardization. Encode and
// Tokens return no error, so for an unknown Standardize (which every
// method that returns an error refuses) they use the standardization the
// vocabulary was made with: in Keras a vectorizer's standardization is
// fixed when it is made, and the vocabulary's words are only found again
// with the standardization that made them. With no vocabulary yet it is
// Keras' default, what an empty Standardize means.
func (v *TextVectorizer) classes() *[256]uint8 {
	if cls, err := classesOf(v.Standardize); err == nil {
		return cls
	}
	if v.vocabClasses != nil {
		return v.vocabClasses
	}
	return &stripClasses
}

// Validate reports what Adapt, SetVocabulary or EncodeBatch would refuse
// in v's settings: a MaxTokens of 1 or 2 or below 0, a negative
// OutputSequenceLength, an unknown Standardize. It is for callers of
// Encode and Tokens, which return no error: after the fields are set,
// one call to Validate says whether Encode reads them as they are.
func (v *TextVectorizer) Validate() error {
	if err := v.checkMaxTokens(); err != nil {
		return err
	}
	if err := v.checkLength(); err != nil {
		return err
	}
	return CheckStandardize(v.Standardize)
}
