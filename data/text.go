package data

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/seqnet/seqnet/tensor"
)

// Special entries at the start of every vocabulary, as in Keras.
const (
	PadToken = ""      // index 0: padding (Keras' mask token)
	OOVToken = "[UNK]" // index 1: out-of-vocabulary words
)

// SplitWhitespace splits on runs of ASCII whitespace, as tf.strings.split
// does; there are no empty tokens.
func SplitWhitespace(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case ' ', '\t', '\n', '\r', '\v', '\f':
			return true
		}
		return false
	})
}

// TextVectorizer turns text into sequences of token indices with the
// defaults of Keras' TextVectorization(output_mode="int"): standardize
// (Standardize, or StandardizeSplit when the Standardize field says so),
// split on whitespace, look each token up in Vocabulary.
// Vocabulary[0] is "" (padding), Vocabulary[1] is "[UNK]" (any token not in
// the vocabulary), then the learned tokens by descending frequency; ties are
// broken as Keras' np.lexsort does: by token in descending byte order.
//
// It marshals to JSON (max_tokens, output_sequence_length, standardize,
// vocabulary) to be saved with the model.
type TextVectorizer struct {
	// MaxTokens caps the vocabulary size, the two special entries included;
	// 0 means no cap.
	MaxTokens int `json:"max_tokens"`
	// OutputSequenceLength, when > 0, pads with 0 or truncates every
	// sequence at its END to this length, as TextVectorization does. When 0,
	// a batch is padded at the end to its longest sequence.
	OutputSequenceLength int `json:"output_sequence_length"`
	// Standardize is the standardization: "" or LowerAndStripPunctuation
	// (Keras' default, deleting punctuation) or LowerAndSplitPunctuation
	// (splitting words at punctuation; not a Keras mode). JSON without the
	// field, written before it existed, means Keras' default.
	Standardize string `json:"standardize,omitempty"`
	// Vocabulary, index order.
	Vocabulary []string `json:"vocabulary"`

	index vocabIndex
	// vocabClasses are the byte classes of the standardization Vocabulary
	// was set with (see classes).
	vocabClasses *[256]uint8
}

// NewTextVectorizer returns a vectorizer with an empty vocabulary; call
// Adapt or SetVocabulary before Encode.
func NewTextVectorizer(maxTokens, outputSequenceLength int) *TextVectorizer {
	return &TextVectorizer{MaxTokens: maxTokens, OutputSequenceLength: outputSequenceLength}
}

// Tokens standardizes and splits one text. An unknown Standardize, set
// after the vocabulary was (Adapt, SetVocabulary, JSON, EncodeBatch and
// Validate refuse one with an error), is read as the standardization the
// vocabulary was made with: Keras' default if there is no vocabulary.
func (v *TextVectorizer) Tokens(text string) []string {
	return SplitWhitespace(standardizeWith(v.classes(), text))
}

// Adapt learns the vocabulary from texts, replacing any previous one.
func (v *TextVectorizer) Adapt(texts []string) error {
	if err := v.Validate(); err != nil {
		return err
	}
	counts := map[string]int{}
	for _, t := range texts {
		for _, tok := range v.Tokens(t) {
			counts[tok]++
		}
	}
	delete(counts, PadToken)
	delete(counts, OOVToken)
	toks := make([]string, 0, len(counts))
	for t := range counts {
		toks = append(toks, t)
	}
	slices.SortFunc(toks, func(a, b string) int {
		if c := cmp.Compare(counts[b], counts[a]); c != 0 {
			return c
		}
		return strings.Compare(b, a)
	})
	if v.MaxTokens > 0 && len(toks) > v.MaxTokens-2 {
		toks = toks[:v.MaxTokens-2]
	}
	return v.SetVocabulary(toks)
}

// SetVocabulary sets the learned tokens, most frequent first. The two
// special entries are added in front unless tokens already starts with them.
func (v *TextVectorizer) SetVocabulary(tokens []string) error {
	if len(tokens) >= 2 && tokens[0] == PadToken && tokens[1] == OOVToken {
		tokens = tokens[2:]
	}
	cls, err := classesOf(v.Standardize)
	if err != nil {
		return err
	}
	voc := append([]string{PadToken, OOVToken}, tokens...)
	idx, err := newVocabIndex(voc)
	if err != nil {
		return err
	}
	if v.MaxTokens > 0 && len(voc) > v.MaxTokens {
		return fmt.Errorf("vocabulary has %d entries (with padding and [UNK]) but max_tokens is %d", len(voc), v.MaxTokens)
	}
	v.Vocabulary, v.index, v.vocabClasses = voc, idx, cls
	return nil
}

// UnmarshalJSON restores a vectorizer saved with json.Marshal.
func (v *TextVectorizer) UnmarshalJSON(b []byte) error {
	var s struct {
		MaxTokens            int      `json:"max_tokens"`
		OutputSequenceLength int      `json:"output_sequence_length"`
		Standardize          string   `json:"standardize"`
		Vocabulary           []string `json:"vocabulary"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if err := CheckStandardize(s.Standardize); err != nil {
		return err
	}
	v.MaxTokens, v.OutputSequenceLength, v.Standardize = s.MaxTokens, s.OutputSequenceLength, s.Standardize
	return v.SetVocabulary(s.Vocabulary)
}

// Describe says what the vectorizer produces, e.g. "vocabulary of 7 tokens
// (2 special: padding 0, [UNK] 1; max_tokens 5000), sequences of 4 tokens".
func (v *TextVectorizer) Describe() string {
	s := fmt.Sprintf("vocabulary of %d tokens (2 special: padding 0, [UNK] 1", len(v.Vocabulary))
	if v.MaxTokens > 0 {
		s += fmt.Sprintf("; max_tokens %d", v.MaxTokens)
	}
	s += ")"
	switch v.Standardize {
	case LowerAndSplitPunctuation:
		s += ", words split at punctuation (" + v.Standardize + ")"
	case LowerAndStripPunctuation: // "" (Keras' default) says nothing, as before
		s += ", punctuation deleted (" + v.Standardize + ")"
	}
	if v.OutputSequenceLength > 0 {
		s += fmt.Sprintf(", sequences of %d tokens", v.OutputSequenceLength)
	} else {
		s += ", sequences padded to the longest in each batch"
	}
	return s
}

// VocabularySize is the number of entries, the two special ones included
// (what an Embedding layer's input_dim must be).
func (v *TextVectorizer) VocabularySize() int { return len(v.Vocabulary) }

// Lookup returns the index of a standardized token, 1 ([UNK]) if unknown.
func (v *TextVectorizer) Lookup(token string) int {
	if i, ok := v.index.find(token); ok {
		return i
	}
	return 1
}

// Encode returns the token indices of one text, padded or truncated at the
// end to OutputSequenceLength when it is set. It reads an unknown
// Standardize as Tokens does; EncodeBatch returns an error instead, and
// Validate says beforehand whether the settings are read as they are.
func (v *TextVectorizer) Encode(text string) []int {
	L, cls := v.OutputSequenceLength, v.classes()
	if L <= 0 {
		return v.appendIDs(nil, text, -1, cls)
	}
	ids := v.appendIDs(make([]int, 0, L), text, L, cls)
	for len(ids) < L {
		ids = append(ids, 0)
	}
	return ids
}

// appendIDs appends the indices of text's tokens to ids, at most limit of
// them (limit < 0: all), standardized as the byte classes cls say. It
// gives what looking up each of Tokens(text) gives, without building the
// standardized text or the list of tokens: the bytes that split (ASCII
// whitespace, and punctuation when it splits) are ASCII, which never occur
// inside a multi-byte UTF-8 sequence, so splitting the text first and
// standardizing each piece (dropping pieces that become empty) yields the
// same tokens. A piece with nothing to lower or strip is looked up as a
// substring of text, another one standardized into the lookups' buffer;
// only a piece of more than groupBytes bytes allocates.
func (v *TextVectorizer) appendIDs(ids []int, text string, limit int, cls *[256]uint8) []int {
	// The tokens are looked up a group at a time (see lookups); their
	// places in ids wait meanwhile.
	var g lookups
	for i, n := 0, 0; i < len(text) && n != limit; {
		for i < len(text) && cls[text[i]] == space {
			i++
		}
		start, clean := i, true
		for i < len(text) {
			c := cls[text[i]]
			if c == space {
				break
			}
			clean = clean && c == keep
			i++
		}
		if start == i {
			break
		}
		tok := text[start:i]
		if clean {
			if g.full(0) {
				g.find(&v.index, ids, 1)
			}
			g.add(&v.index, tok, 0, len(ids))
			ids = append(ids, 0)
			n++
			continue
		}
		// Standardized, the token is at most as long as tok.
		if len(tok) > groupBytes {
			id, ok := v.longToken(tok, cls)
			if ok {
				ids = append(ids, id)
				n++
			}
			continue
		}
		if g.full(len(tok)) {
			g.find(&v.index, ids, 1)
		}
		at := g.used
		g.used += standardizeToken(g.buf[at:], tok, cls)
		if g.used == at {
			continue // only stripped characters: no token
		}
		g.add(&v.index, "", at, len(ids))
		ids = append(ids, 0)
		n++
	}
	g.find(&v.index, ids, 1)
	return ids
}

// longToken standardizes a token longer than a lookups' room and looks it
// up: its index (1 when it is not in the vocabulary), and false when
// nothing is left of it.
func (v *TextVectorizer) longToken(tok string, cls *[256]uint8) (int, bool) {
	b := make([]byte, len(tok))
	b = b[:standardizeToken(b, tok, cls)]
	if len(b) == 0 {
		return 0, false
	}
	id, ok := v.index.findBytes(b)
	if !ok {
		id = 1
	}
	return id, true
}

// standardizeToken writes token tok (a piece between separators, so
// every byte of it is kept, lowered or stripped) standardized with cls
// into dst, which has room for len(tok) bytes, and returns how many bytes
// it wrote.
func standardizeToken(dst []byte, tok string, cls *[256]uint8) int {
	n := 0
	for j := 0; j < len(tok); j++ {
		switch c := tok[j]; cls[c] {
		case upper:
			dst[n] = c + 'a' - 'A'
			n++
		case keep:
			dst[n] = c
			n++
		}
	}
	return n
}

// EncodeBatch encodes texts into an (N, L) tensor of indices (as float32).
// L is OutputSequenceLength, or the longest sequence when it is 0 (shorter
// ones are padded with 0 at the end). The tensor's Mask marks real tokens.
func (v *TextVectorizer) EncodeBatch(texts []string) (*tensor.Tensor, error) {
	if len(v.Vocabulary) == 0 {
		return nil, errors.New("the text vectorizer has no vocabulary: call Adapt on the training texts (or load a saved vocabulary) first")
	}
	if err := v.checkLength(); err != nil {
		return nil, err
	}
	cls, err := classesOf(v.Standardize)
	if err != nil {
		return nil, err
	}
	L, limit := v.OutputSequenceLength, v.OutputSequenceLength
	if L == 0 {
		limit = -1
	}
	// All indices in one slice; ends[i] is where text i's end.
	sc := encodeScratch.Get().(*idScratch)
	ids, ends := sc.ids[:0], sc.ends[:0]
	if L > 0 && cap(ids) < len(texts)*L {
		ids = make([]int, 0, len(texts)*L)
	}
	for _, t := range texts {
		at := len(ids)
		ids = v.appendIDs(ids, t, limit, cls)
		ends = append(ends, len(ids))
		L = max(L, len(ids)-at)
	}
	defer func() {
		if cap(ids) <= maxScratchIDs {
			sc.ids, sc.ends = ids, ends
			encodeScratch.Put(sc)
		}
	}()
	out := tensor.New(len(texts), L)
	out.Mask = make([]bool, len(texts)*L)
	at := 0
	for i, end := range ends {
		for j, id := range ids[at:end] {
			out.Data[i*L+j] = float32(id)
			out.Mask[i*L+j] = id != 0
		}
		at = end
	}
	return out, nil
}

// encodeScratch keeps EncodeBatch's indices between calls: a server
// encodes a text or a few per request, and a 256-token text's indices
// (2 KB) were a quarter of the bytes a W2 request allocated.
var encodeScratch = sync.Pool{New: func() any { return new(idScratch) }}

// idScratch is EncodeBatch's scratch: the indices and where each text's
// end.
type idScratch struct{ ids, ends []int }

// maxScratchIDs bounds the indices an idScratch keeps (512 KB): a large
// batch's are left to the garbage collector.
const maxScratchIDs = 1 << 16

// Decode maps indices back to tokens (for explanations); padding is skipped.
func (v *TextVectorizer) Decode(ids []int) []string {
	var out []string
	for _, id := range ids {
		if id == 0 {
			continue
		}
		if id < 0 || id >= len(v.Vocabulary) {
			out = append(out, OOVToken)
			continue
		}
		out = append(out, v.Vocabulary[id])
	}
	return out
}

// Padding and truncating sides for PadSequences.
const (
	Pre  = "pre"
	Post = "post"
)

// PadOptions are the arguments of Keras' pad_sequences. The zero value is
// Keras' default: pad and truncate at the start ("pre"), value 0, length of
// the longest sequence.
type PadOptions struct {
	MaxLen     int     // 0: the longest sequence
	Padding    string  // "pre" (default) or "post"
	Truncating string  // "pre" (default: drop the first values) or "post"
	Value      float32 // padding value
}

// PadSequences makes an (N, maxlen) tensor out of sequences of different
// lengths, with the semantics of keras.utils.pad_sequences. The Mask marks
// the values that came from the sequences.
func PadSequences(seqs [][]int, o PadOptions) (*tensor.Tensor, error) {
	if o.Padding == "" {
		o.Padding = Pre
	}
	if o.Truncating == "" {
		o.Truncating = Pre
	}
	if o.Padding != Pre && o.Padding != Post {
		return nil, fmt.Errorf("padding %q is invalid: expected %q or %q", o.Padding, Pre, Post)
	}
	if o.Truncating != Pre && o.Truncating != Post {
		return nil, fmt.Errorf("truncating %q is invalid: expected %q or %q", o.Truncating, Pre, Post)
	}
	if o.MaxLen < 0 {
		return nil, fmt.Errorf("maxlen %d is invalid: expected 0 (longest sequence) or more", o.MaxLen)
	}
	L := o.MaxLen
	if L == 0 {
		for _, s := range seqs {
			L = max(L, len(s))
		}
	}
	out := tensor.New(len(seqs), L)
	out.Mask = make([]bool, len(seqs)*L)
	for i := range out.Data {
		out.Data[i] = o.Value
	}
	for i, s := range seqs {
		if len(s) > L {
			if o.Truncating == Pre {
				s = s[len(s)-L:]
			} else {
				s = s[:L]
			}
		}
		at := 0
		if o.Padding == Pre {
			at = L - len(s)
		}
		for j, v := range s {
			out.Data[i*L+at+j] = float32(v)
			out.Mask[i*L+at+j] = true
		}
	}
	return out, nil
}

// checkMaxTokens rejects a MaxTokens that leaves no room for a word.
func (v *TextVectorizer) checkMaxTokens() error {
	if v.MaxTokens < 0 || v.MaxTokens == 1 || v.MaxTokens == 2 {
		return fmt.Errorf("max_tokens %d is invalid: expected 0 (no cap) or at least 3 (padding, [UNK] and one word)", v.MaxTokens)
	}
	return nil
}

// checkLength rejects a negative output_sequence_length.
func (v *TextVectorizer) checkLength() error {
	if v.OutputSequenceLength < 0 {
		return fmt.Errorf("output_sequence_length %d is invalid: expected 0 (pad each batch to its longest text) or a positive length", v.OutputSequenceLength)
	}
	return nil
}
